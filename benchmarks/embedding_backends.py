"""Embedding backends of the MiniLM model: torch vs ONNX fp32 vs ONNX int8.

For each backend, in the same run and interleaved (so load on the shared
machine hits all alike): passages per second embedding synthetic French
passages (what the indexer embeds, ~500 characters), milliseconds per query
(the public eval questions, one at a time), the smallest cosine to torch's
vectors, the one-time export, and evidence recall@3 of
``python -m assistant eval --k 3`` with ``ASSISTANT_EMBEDDING_BACKEND`` set.
Decides whether ONNX may be the default: ≥ 2× torch's throughput and recall@3
unchanged. Writes ``results/embedding_backends.md``.

    python benchmarks/embedding_backends.py [--passages 256] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import ROOT, p50, percentile, seconds, synthetic_corpus, when, write

BACKENDS = ["torch", "onnx", "onnx-int8"]


def eval_recall(backend: str, onnx_dir: Path, index_dir: Path) -> dict[str, float]:
    """recall@3 per language (fr, en, all) of ``python -m assistant eval --k 3``."""
    env = {**os.environ, "ASSISTANT_EMBEDDING_BACKEND": backend,
           "ASSISTANT_ONNX_DIR": str(onnx_dir), "ASSISTANT_INDEX_DIR": str(index_dir)}
    out = subprocess.run([sys.executable, "-m", "assistant", "eval", "--k", "3"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=600, check=True).stdout
    header = next(line for line in out.splitlines() if line.startswith("| metric"))
    row = next(line for line in out.splitlines() if line.startswith("| recall@3"))
    names = [c.strip() for c in header.strip("|").split("|")][1:]
    values = [float(c) for c in row.strip("|").split("|")[1:]]
    return dict(zip(names, values, strict=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passages", type=int, default=256, help="passages embedded per round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    args = parser.parse_args(argv)

    import numpy as np
    import torch

    from assistant.chunking import chunk_article
    from assistant.evaluation import DEFAULT_EVAL_FILE, load_questions
    from assistant.onnx_embeddings import dense_embedder
    from assistant.sources import load_article

    questions = [item["question"] for item in load_questions(DEFAULT_EVAL_FILE)]
    with tempfile.TemporaryDirectory(prefix="backends-bench-") as tmp:
        files = synthetic_corpus(Path(tmp) / "corpus", args.passages // 8 + 1)
        texts = [c.indexed_text for f in files for c in chunk_article(load_article(f))]
        texts = texts[: args.passages]
        onnx_dir = Path(tmp) / "onnx"
        models = {b: dense_embedder("", b, onnx_dir) for b in BACKENDS}
        load_s = {}
        for b, model in models.items():  # loading (and the one-time export) is not timed below
            _, load_s[b] = seconds(lambda model=model: model.embed_query("échauffement"))
        vectors = {b: np.array(m.embed_documents(texts)) for b, m in models.items()}
        cosine = {b: float((vectors[b] * vectors["torch"]).sum(axis=1).min()) for b in BACKENDS}
        throughput: dict[str, list[float]] = {b: [] for b in BACKENDS}
        per_cpu_s: dict[str, list[float]] = {b: [] for b in BACKENDS}  # every thread's time
        query_ms: dict[str, list[float]] = {b: [] for b in BACKENDS}
        for r in range(args.rounds):
            order = BACKENDS if r % 2 == 0 else BACKENDS[::-1]
            for b in order:
                cpu = time.process_time()
                _, s = seconds(lambda b=b: models[b].embed_documents(texts))
                per_cpu_s[b].append(len(texts) / (time.process_time() - cpu))
                throughput[b].append(len(texts) / s)
                for q in questions:
                    _, s = seconds(lambda b=b, q=q: models[b].embed_query(q))
                    query_ms[b].append(s * 1000)
            print(f"round {r + 1}/{args.rounds}: "
                  + ", ".join(f"{b} {throughput[b][-1]:.1f}/s" for b in BACKENDS), flush=True)
        recall = {b: eval_recall(b, onnx_dir, Path(tmp) / f"index-{b}") for b in BACKENDS}

    tp = {b: p50(throughput[b]) for b in BACKENDS}
    cp = {b: p50(per_cpu_s[b]) for b in BACKENDS}
    q50 = {b: p50(query_ms[b]) for b in BACKENDS}
    chars = sum(map(len, texts)) / len(texts)
    rows = [
        f"| {b} | {tp[b]:.1f} | {tp[b] / tp['torch']:.2f}× | {cp[b]:.1f} | "
        f"{cp[b] / cp['torch']:.2f}× | {q50[b]:.1f} | "
        f"{percentile(query_ms[b], 0.95):.1f} | {q50['torch'] / q50[b]:.2f}× | {cosine[b]:.4f} | "
        f"{recall[b].get('fr', float('nan')):.3f} / {recall[b].get('en', float('nan')):.3f} / "
        f"{recall[b]['all']:.3f} | {load_s[b]:.1f} |"
        for b in BACKENDS
    ]
    verdict = {}
    for b in ("onnx", "onnx-int8"):
        fast = tp[b] >= 2 * tp["torch"] and cp[b] >= 2 * cp["torch"]
        same = recall[b]["all"] >= recall["torch"]["all"]
        verdict[b] = fast and same
    best = max((b for b in verdict if verdict[b]), key=lambda b: tp[b], default="torch")
    lines = [
        "# Embedding backends: torch vs ONNX",
        "",
        f"`python benchmarks/embedding_backends.py --passages {args.passages} --rounds "
        f"{args.rounds}` — {when()}; torch {torch.__version__} "
        f"({torch.get_num_threads()} threads), onnxruntime with as many threads as cores.",
        "",
        f"Model: packaged all-MiniLM-L6-v2. Throughput: {len(texts)} synthetic French "
        f"passages (mean {chars:.0f} characters, batches of 32), median of {args.rounds} "
        f"interleaved rounds. Per query: the {len(questions)} public eval questions one at a "
        f"time, × {args.rounds}. Min cosine: smallest cosine between a passage's vector and "
        "torch's. recall@3: `python -m assistant eval --k 3` (fr / en / all). "
        "First use: loading, including the one-time ONNX export (int8: quantising it).",
        "",
        "| backend | passages/s | vs torch | passages per CPU-s | vs torch | query p50 ms "
        "| query p95 ms | query speed-up | min cosine | recall@3 fr / en / all | first use s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Passages per CPU-s: passages over the CPU time of all the process's threads (less "
        "swayed than wall time by other work on the shared cores). Rule for the default: "
        "≥ 2× torch's throughput (wall and CPU) and recall@3 not lower.",
        "",
        *[f"- {b}: {tp[b] / tp['torch']:.2f}× throughput ({cp[b] / cp['torch']:.2f}× per "
          f"CPU-s), recall@3 {recall[b]['all']:.3f} vs "
          f"{recall['torch']['all']:.3f} → {'qualifies' if ok else 'does not qualify'}"
          for b, ok in verdict.items()],
        f"- fastest qualifying backend: **{best}**",
    ]
    write("embedding_backends", lines, {
        "throughput": tp, "per_cpu_s": cp, "query_p50_ms": q50, "min_cosine": cosine,
        "recall_all": {b: recall[b]["all"] for b in BACKENDS}, "best": best,
    })
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
