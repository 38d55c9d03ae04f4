"""Latency of ``retrieve`` against a plain LangChain + Chroma similarity search.

Both run in the same process, on the same passages, with the same MiniLM
embedder object: the baseline is ``langchain_chroma.Chroma.similarity_search``
over a collection of the passages' indexed text (what our dense leg embeds);
ours is the full hybrid ``Assistant.retrieve`` (BM25 + MiniLM + USE-multilingual,
fusion, sentence rerank). The questions are those of the public eval set
(French and English), asked in interleaved rounds so that load on the machine
hits both alike. Writes ``benchmarks/results/retrieval_latency.md`` (and .json).

    python benchmarks/retrieval_latency.py [--rounds 5] [--torch-threads N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from harness import p50, percentile, seconds, when, write

TARGET_RATIO = 1.5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over the questions")
    parser.add_argument("--torch-threads", type=int, default=0,
                        help="torch intra-op threads for MiniLM, both sides (default: torch's)")
    args = parser.parse_args(argv)

    import chromadb
    import torch
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma

    from assistant.chunking import indexed_text
    from assistant.core import Assistant
    from assistant.evaluation import DEFAULT_EVAL_FILE, load_questions
    from assistant.settings import Settings

    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    questions = [item["question"] for item in load_questions(DEFAULT_EVAL_FILE)]
    with tempfile.TemporaryDirectory() as tmp:
        assistant = Assistant(Settings(index_dir=Path(tmp) / "index"))
        assistant.ensure_index()
        passages = assistant.store.passages()
        minilm = assistant.embedders["dense"]
        client = chromadb.PersistentClient(
            path=str(Path(tmp) / "baseline"), settings=ChromaSettings(anonymized_telemetry=False)
        )
        baseline = Chroma(
            collection_name="baseline", embedding_function=minilm, client=client,
            collection_configuration={"hnsw": {"space": "cosine"}},
        )
        baseline.add_texts(
            [indexed_text(str(p.metadata.get("section") or ""), p.text) for p in passages],
            metadatas=[p.metadata for p in passages], ids=[p.id for p in passages],
        )

        runs: dict[str, Callable[[str], object]] = {}
        for k in (3, 4):
            runs[f"retrieve k={k} (ours)"] = lambda q, k=k: assistant.retrieve(q, k=k)
            runs[f"Chroma.similarity_search k={k} (baseline)"] = (
                lambda q, k=k: baseline.similarity_search(q, k=k))
        runs["MiniLM query encoding alone"] = minilm.embed_query
        times: dict[str, list[float]] = {name: [] for name in runs}
        for q in questions:  # warm-up: models loaded, caches built
            for fn in runs.values():
                fn(q)
        names = list(runs)
        for r in range(args.rounds):
            order = names if r % 2 == 0 else names[::-1]
            for q in questions:
                for name in order:
                    _, took = seconds(lambda name=name, q=q: runs[name](q))
                    times[name].append(took * 1000)

    rows = [(name, p50(times[name]), percentile(times[name], 0.95), len(times[name]))
            for name in names]
    median = {name: p for name, p, _, _ in rows}
    ratios = {k: median[f"retrieve k={k} (ours)"]
              / median[f"Chroma.similarity_search k={k} (baseline)"] for k in (3, 4)}
    lines = [
        "# Retrieval latency: `retrieve` vs plain `Chroma.similarity_search`",
        "",
        f"`python benchmarks/retrieval_latency.py {' '.join(argv or sys.argv[1:])}` — {when()}; "
        f"torch {torch.__version__} ({torch.get_num_threads()} threads). "
        f"{len(questions)} public eval questions (fr+en) × {args.rounds} rounds, interleaved; "
        f"{len(passages)} passages.",
        "",
        "| search | p50 ms | p95 ms | calls |",
        "|---|---|---|---|",
        *[f"| {name} | {p:.1f} | {p95:.1f} | {n} |" for name, p, p95, n in rows],
        "",
        "| k | p50 ratio ours / baseline | target |",
        "|---|---|---|",
        *[f"| {k} | {ratio:.2f} | ≤ {TARGET_RATIO} |" for k, ratio in ratios.items()],
    ]
    data = {"rows": [dict(zip(("search", "p50_ms", "p95_ms", "calls"), r, strict=True))
                     for r in rows], "ratios": ratios}
    suffix = f"-{args.torch_threads}thread" if args.torch_threads else ""
    write(f"retrieval_latency{suffix}", lines, data)
    return 0 if max(ratios.values()) <= TARGET_RATIO else 1

if __name__ == "__main__":
    raise SystemExit(main())
