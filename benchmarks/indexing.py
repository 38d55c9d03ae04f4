"""Indexing throughput: our pipeline vs bare model encoding of the same passages.

Same run, same loaded models, interleaved rounds:

* ours — ``Assistant.refresh`` building a fresh index from a folder of
  synthetic French articles (read, chunk, embed with MiniLM *and*
  USE-multilingual, write both Chroma collections);
* bare MiniLM — ``SentenceTransformer.encode`` of the same passages (what the
  indexer embeds: section + text), batches of 32;
* bare both models — that plus USE-multilingual's ``encode`` of the same
  passages (our pipeline embeds with both, so this is the fair baseline).

Overhead = ours' time / baseline's time − 1; target ≤ 10 % against the bare
encoding of both models (against MiniLM alone it is mostly the USE leg's cost).
Writes ``results/indexing.md``.

    python benchmarks/indexing.py [--articles 30] [--rounds 2] [--backend torch]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from harness import p50, seconds, synthetic_corpus, when, write

TARGET = 0.10


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=30, help="synthetic articles")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds")
    parser.add_argument("--backend", default="", help="embedding backend (default: setting)")
    args = parser.parse_args(argv)

    from assistant.chunking import chunk_article
    from assistant.core import Assistant
    from assistant.embeddings import SentenceTransformerEmbeddings
    from assistant.settings import Settings
    from assistant.sources import load_article

    with tempfile.TemporaryDirectory(prefix="indexing-bench-") as tmp:
        corpus = Path(tmp) / "corpus"
        files = synthetic_corpus(corpus, args.articles)
        texts = [c.indexed_text for f in files for c in chunk_article(load_article(f))]
        base = Settings(corpus_dir=corpus, index_dir=Path(tmp) / "index")
        if args.backend:
            base = base.model_copy(update={"embedding_backend": args.backend})
        embedders = Assistant(base).embedders
        for emb in embedders.values():  # loading is not indexing
            emb.embed_query("échauffement")
        dense, multi = embedders["dense"], embedders.get("multi")

        def bare_minilm() -> object:
            if isinstance(dense, SentenceTransformerEmbeddings):  # SentenceTransformer.encode
                return dense.model.encode(texts, batch_size=32, normalize_embeddings=True,
                                          show_progress_bar=False)
            return dense.embed_documents(texts)  # ONNX: the session over all passages

        def bare_use() -> object:
            return multi.model.encode(texts) if multi is not None else None

        def ours(r: int) -> float:
            s = base.model_copy(update={"index_dir": Path(tmp) / f"index-{r}"})
            report, took = seconds(lambda: Assistant(s, embedders=embedders).refresh())
            assert report.passages_embedded == len(texts), report
            return took

        times: dict[str, list[float]] = {"ours": [], "minilm": [], "use": []}
        for r in range(args.rounds):
            steps = {
                "ours": lambda r=r: ours(r),
                "minilm": lambda: seconds(bare_minilm)[1],
                "use": lambda: seconds(bare_use)[1],
            }
            for name in steps if r % 2 == 0 else list(steps)[::-1]:
                times[name].append(steps[name]())
            print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.1f} s" for k, v in times.items()),
                  flush=True)

    t_ours, t_minilm, t_use = (p50(times[k]) for k in ("ours", "minilm", "use"))
    n = len(texts)
    over_both = t_ours / (t_minilm + t_use) - 1
    over_minilm = t_ours / t_minilm - 1
    ok = over_both <= TARGET
    backend = base.embedding_backend
    lines = [
        "# Indexing throughput",
        "",
        f"`python benchmarks/indexing.py --articles {args.articles} --rounds {args.rounds}` — "
        f"{when()}; MiniLM backend `{backend}`. {n} passages of {args.articles} synthetic "
        f"French articles (mean {sum(map(len, texts)) / n:.0f} characters); median of "
        f"{args.rounds} interleaved rounds, models loaded beforehand.",
        "",
        "| what | seconds | passages/s | our time vs it |",
        "|---|---|---|---|",
        f"| ours: `Assistant.refresh` building a fresh index (both models, Chroma) | "
        f"{t_ours:.1f} | {n / t_ours:.1f} | — |",
        f"| bare MiniLM encode | {t_minilm:.1f} | {n / t_minilm:.1f} | +{over_minilm:.0%} |",
        f"| bare USE-multilingual encode | {t_use:.1f} | {n / t_use if t_use else 0:.1f} | — |",
        f"| bare encode, both models (fair baseline) | {t_minilm + t_use:.1f} | "
        f"{n / (t_minilm + t_use):.1f} | {over_both:+.0%} |",
        "",
        f"- {'PASS' if ok else 'FAIL'}: overhead of our pipeline over bare encoding with both "
        f"models {over_both:+.1%} (target ≤ {TARGET:.0%}); over MiniLM alone "
        f"{over_minilm:+.0%} — the USE leg is {t_use / (t_minilm + t_use):.0%} of the bare "
        "embedding time.",
    ]
    write("indexing", lines, {"passages": n, "ours_s": t_ours, "minilm_s": t_minilm,
                              "use_s": t_use, "overhead_both": over_both,
                              "overhead_minilm": over_minilm, "backend": backend})
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
