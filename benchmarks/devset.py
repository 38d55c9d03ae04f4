"""The development corpus: the seed plus articles and questions written by helpers
that never read the code (``eval/devcorpus/``), split once into a tuning half and a
test half (``eval/devcorpus/split.json``, by a hash of each id: no choosing).

    python benchmarks/devset.py [--k 3] [--split test|tune|all] [--dump FILE]

Builds (or reuses) an index of seed + dev articles in a temp folder, then reports
the eval's figures per split, with breakdowns: questions in the other language
than their article, questions spanning articles, follow-ups.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
from pathlib import Path

from harness import ROOT

from assistant.core import Assistant
from assistant.evaluation import Report, evaluate
from assistant.settings import Settings
from assistant.sources import load_article

DEV = ROOT / "eval" / "devcorpus"
SEED = ROOT / "tests" / "data" / "course-ia-financement.md"
SPLIT = DEV / "split.json"


#: Sub-folders left out (``DEVSET_EXCLUDE=mix2,mix3a,mix3b,mix4,mix5``: the first corpus).
EXCLUDE = set(os.environ.get("DEVSET_EXCLUDE", "").split(","))


def _dev(pattern: str) -> list[Path]:
    return sorted(p for p in DEV.glob(pattern) if p.parent.name not in EXCLUDE)


def articles() -> list[Path]:
    """The seed and every dev article."""
    return [SEED, *_dev("*/*.md")]


def questions() -> list[dict]:
    """Every dev question, with ``split`` (tune/test) and ``cross``/``spans`` flags."""
    langs = {p.name: load_article(p).language for p in articles()}
    out = []
    for f in _dev("*/questions.jsonl"):
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                arts = item.get("articles") or []
                item["cross"] = any(langs.get(a, item["lang"]) != item["lang"] for a in arts)
                item["spans"] = len(arts) > 1
                out.append(item)
    split = load_split(out)
    for item in out:
        item["split"] = split[item["id"]]
    return out


def load_split(items: list[dict]) -> dict[str, str]:
    """id → tune/test, fixed the first time an id is seen (a hash, not a choice)."""
    split = json.loads(SPLIT.read_text()) if SPLIT.exists() else {}
    changed = False
    for item in items:
        if item["id"] not in split:
            h = int(hashlib.sha256(item["id"].encode()).hexdigest(), 16)
            split[item["id"]] = "tune" if h % 2 == 0 else "test"
            changed = True
    if changed:
        SPLIT.write_text(json.dumps(split, indent=0, sort_keys=True) + "\n")
    return split


def dev_assistant(where: Path, **changes: object) -> Assistant:
    """An assistant over seed + dev articles, its index kept in ``where`` between runs."""
    corpus = where / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    names = set()
    for p in articles():
        names.add(p.name)
        if not (corpus / p.name).exists() or (corpus / p.name).read_bytes() != p.read_bytes():
            shutil.copy(p, corpus / p.name)
    for p in corpus.iterdir():
        if p.name not in names:
            p.unlink()
    a = Assistant(Settings(corpus_dir=corpus, index_dir=where / "index", chroma_url="",
                           **changes))
    a.refresh()
    return a


def breakdown(report: Report, items: list[dict]) -> dict[str, float]:
    """Recall and keyword rate of sub-groups of the answerable questions."""
    by_id = {i["id"]: i for i in items}
    out = {}
    for name, pick in (("cross-language", lambda i: i["cross"]),
                       ("spanning", lambda i: i["spans"]),
                       ("follow-up", lambda i: bool(i.get("history")))):
        rows = [r for r in report.rows if r.answerable and pick(by_id[r.id])]
        if rows:
            out[f"{name} recall (n={len(rows)})"] = sum(r.recall for r in rows) / len(rows)
            out[f"{name} keywords"] = sum(r.keywords_ok for r in rows) / len(rows)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--split", default="all")
    parser.add_argument("--dump", default="")
    parser.add_argument("--where", default="/tmp/devset")
    args = parser.parse_args()
    items = questions()
    a = dev_assistant(Path(args.where))
    splits = ("tune", "test") if args.split == "all" else (args.split,)
    dump = []
    for split in splits:
        chosen = [i for i in items if i["split"] == split]
        report = evaluate(a, chosen, k=args.k)
        print(f"## {split} ({len(chosen)} questions)\n{report.markdown()}")
        for key, value in breakdown(report, chosen).items():
            print(f"- {key}: {value:.3f}")
        by_id = {i["id"]: i for i in chosen}
        dump += [{**by_id[r.id], **r.__dict__} for r in report.rows]
    if args.dump:
        Path(args.dump).write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in dump))


if __name__ == "__main__":
    main()
