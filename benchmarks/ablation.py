"""What each part of retrieval is worth: evidence recall@k with parts switched off.

Every configuration is the real :class:`assistant.retrieval.Retriever` with
constructor switches (no copy of its code), over the same index; recall is the
eval's own definition (:func:`assistant.evaluation.evidence_recall`: share of a
question's evidence strings inside its top-k passages, answerable questions),
per language and overall, and the top passage's recall. Writes
``benchmarks/results/ablation.md`` (and .json).

    python benchmarks/ablation.py [FILE] [--k 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path
from typing import Any

from harness import when, write

from assistant.core import Assistant
from assistant.evaluation import (
    DEFAULT_EVAL_FILE,
    evidence_recall,
    history_messages,
    load_questions,
)
from assistant.retrieval import Leg, Retriever
from assistant.settings import Settings

NO_RERANK = {"rerank_weight": 0.0}
#: name → (dense legs used, Retriever switches)
CONFIGS: list[tuple[str, tuple[str, ...], dict[str, Any]]] = [
    ("MiniLM dense alone", ("dense",), {"lexical_weight": 0.0, **NO_RERANK}),
    ("USE-multilingual alone", ("multi",), {"lexical_weight": 0.0, **NO_RERANK}),
    ("BM25 alone, no glossary", (), {"glossary": False, **NO_RERANK}),
    ("BM25 alone, with glossary", (), NO_RERANK),
    ("RRF of BM25 + MiniLM + USE", ("dense", "multi"), NO_RERANK),
    ("RRF + sentence rerank, follow-ups not joined", ("dense", "multi"), {"follow_ups": False}),
    ("full (what `retrieve` does)", ("dense", "multi"), {}),
    ("full without BM25", ("dense", "multi"), {"lexical_weight": 0.0}),
    ("full without MiniLM", ("multi",), {}),
    ("full without USE", ("dense",), {}),
    ("full without glossary", ("dense", "multi"), {"glossary": False}),
]
LANGS = ("fr", "en", "all")


def recall_by_language(retriever: Retriever, items: list[dict], k: int) -> dict[str, float]:
    """Mean evidence recall@k of the answerable questions per language and overall,
    and overall recall@1 (key "all@1": the top passage alone)."""
    scores: dict[str, list[float]] = {lang: [] for lang in (*LANGS, "all@1")}
    for item in items:
        if not item.get("answerable", True):
            continue
        docs = retriever.search(item["question"], k, history_messages(item))
        evidence = item.get("evidence") or []
        recall = evidence_recall(docs, evidence)
        for lang in {item.get("lang", ""), "all"} & set(LANGS):
            scores[lang].append(recall)
        scores["all@1"].append(evidence_recall(docs[:1], evidence))  # same order for any k
    return {key: statistics.fmean(v) if v else float("nan") for key, v in scores.items()}


def build(assistant: Assistant, legs: tuple[str, ...], switches: dict[str, Any]) -> Retriever:
    """A retriever over the assistant's store with only ``legs`` and ``switches``."""
    return Retriever(assistant.store, [Leg(key, assistant.embedders[key]) for key in legs],
                     assistant.analyzer, **switches)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_EVAL_FILE,
                        help="JSONL question set (default: eval/qa-public.jsonl)")
    parser.add_argument("--k", type=int, default=3, help="passages per question")
    args = parser.parse_args(argv)

    items = load_questions(args.file)
    with tempfile.TemporaryDirectory() as tmp:
        assistant = Assistant(Settings(index_dir=Path(tmp) / "index"))
        assistant.ensure_index()
        table = {name: recall_by_language(build(assistant, legs, switches), items, args.k)
                 for name, legs, switches in CONFIGS}
    answerable = [i for i in items if i.get("answerable", True)]
    counts = {lang: sum(lang in ("all", i.get("lang")) for i in answerable) for lang in LANGS}
    lines = [
        f"# Retrieval ablation: evidence recall@{args.k}",
        "",
        f"`python benchmarks/ablation.py {args.file.name} --k {args.k}` — {when()}. "
        f"Answerable questions: {counts['fr']} fr, {counts['en']} en.",
        "",
        f"| configuration | fr @{args.k} | en @{args.k} | all @{args.k} | all @1 |",
        "|---|---|---|---|---|",
        *[f"| {name} | " + " | ".join(f"{row[c]:.3f}" for c in (*LANGS, "all@1")) + " |"
          for name, row in table.items()],
    ]
    write("ablation" if args.file == DEFAULT_EVAL_FILE else f"ablation-{args.file.stem}",
          lines, {"k": args.k, "file": args.file.name, "recall": table})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
