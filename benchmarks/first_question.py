"""A new process's first question over an existing index, and its memory.

Run by ``query_scale.py`` in a fresh interpreter (so nothing is cached in
memory): builds an :class:`Assistant` on ``--index`` (no refresh), loads the
models (one question encoded by each, outside the clock), then times the first
``retrieve`` — opening Chroma, the BM25 index (loaded if saved for this state
of the store, else rebuilt from every passage) and the passages — and a few
more. Prints one JSON line: first question seconds, p50 of the others, and the
process RSS (MB) after models, after the first question and at the end.

    python benchmarks/first_question.py --index DIR --corpus DIR [--lexical DIR]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import psutil
from harness import p50, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", required=True, help="index folder")
    parser.add_argument("--corpus", required=True, help="corpus folder of that index")
    parser.add_argument("--lexical", default="", help="BM25 folder (default: the index's)")
    parser.add_argument("--questions", type=int, default=12, help="questions after the first")
    args = parser.parse_args(argv)

    from assistant.core import Assistant
    from assistant.evaluation import DEFAULT_EVAL_FILE, load_questions
    from assistant.settings import Settings

    questions = [item["question"] for item in load_questions(DEFAULT_EVAL_FILE)]
    me = psutil.Process()
    mb = 2**20
    lexical = Path(args.lexical) if args.lexical else None
    settings = Settings(index_dir=Path(args.index), corpus_dir=Path(args.corpus),
                        auto_refresh=False, lexical_dir=lexical)
    assistant = Assistant(settings)
    for emb in assistant.embedders.values():  # the models load outside the clock
        emb.embed_query(questions[-1])
    models_rss = me.memory_info().rss / mb
    _, first = seconds(lambda: assistant.retrieve(questions[0]))
    first_rss = me.memory_info().rss / mb
    rest = [seconds(lambda q=q: assistant.retrieve(q))[1] * 1000
            for q in questions[1 : 1 + args.questions]]
    print(json.dumps({"first_s": first, "p50_ms": p50(rest), "models_rss_mb": models_rss,
                      "first_rss_mb": first_rss, "end_rss_mb": me.memory_info().rss / mb}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
