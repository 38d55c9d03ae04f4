"""The command line: ``python -m assistant refresh | ask | eval | settings``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .core import Assistant
from .settings import Settings


def _refresh(assistant: Assistant, args: argparse.Namespace) -> int:
    from tqdm import tqdm

    bar: tqdm | None = None
    articles = 0

    def progress(done: int, total: int, article_id: str) -> None:
        nonlocal bar, articles
        if bar is None:
            bar = tqdm(total=total, unit="passage", desc="Embedding", file=sys.stderr)
        articles += 1
        bar.set_postfix_str(f"{articles} article{'s' * (articles > 1)}, last {article_id[:30]}",
                            refresh=False)
        bar.update(done - bar.n)

    report = assistant.refresh(args.sources or None, rebuild=args.rebuild, progress=progress)
    if bar is not None:
        bar.close()
    rows = [("added", report.added), ("updated", report.updated),
            ("removed", report.removed), ("unchanged", report.unchanged),
            ("errors", [source for source, _ in report.errors])]
    print(f"{'':<10} {'count':>8}  article ids / sources")
    for name, ids in rows:
        listed = ", ".join(ids[:5]) + (" …" if len(ids) > 5 else "")
        print(f"{name:<10} {len(ids):>8}  {listed}".rstrip())
    print(f"passages embedded: {report.passages_embedded}")
    for source, message in report.errors:
        print(f"error: {source}: {message}")
    return 1 if report.errors else 0


def _ask(assistant: Assistant, args: argparse.Namespace) -> int:
    answer = assistant.ask(args.question)
    print(answer.text)
    for n, doc in enumerate(answer.sources, 1):
        meta = doc.metadata
        date = f" ({meta['published']})" if meta.get("published") else ""
        print(f"\n[{n}] {meta.get('title', '')}{date} — {meta.get('source', '')}")
        print(f"    {doc.page_content}")
    return 0


def _eval(assistant: Assistant, args: argparse.Namespace) -> int:
    from .evaluation import DEFAULT_EVAL_FILE, evaluate, load_questions

    items = load_questions(Path(args.file or DEFAULT_EVAL_FILE))
    report = evaluate(assistant, items, k=args.k)
    if args.verbose:
        for r in report.rows:
            flag = "ok " if (r.keywords_ok and r.answered) == r.answerable or (
                not r.answerable and not r.answered) else "BAD"
            print(f"{flag} {r.id} {r.lang} recall={r.recall:.2f} kw={r.keywords_ok} "
                  f"answered={r.answered} | {r.answer[:160]}")
    print(report.markdown())
    print(f"\n{len(report.rows)} questions in {report.seconds:.1f} s")
    return 0


def _settings(_: Assistant | None, __: argparse.Namespace) -> int:
    s = Settings()
    for name, info in Settings.model_fields.items():
        print(f"ASSISTANT_{name.upper():<22} = {getattr(s, name)!s:<40} {info.description}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m assistant``."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    parser = argparse.ArgumentParser(prog="python -m assistant", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("refresh", parents=[common], help="sync the index with the corpus folder")
    p.add_argument("sources", nargs="*", help="files, article URLs or feed URLs to add")
    p.add_argument("--rebuild", action="store_true", help="drop the index and embed everything")
    p = sub.add_parser("ask", parents=[common], help="answer a question with cited passages")
    p.add_argument("question")
    p = sub.add_parser("eval", parents=[common], help="measure quality on a question set")
    p.add_argument("file", nargs="?", help="JSONL question set (default: eval/qa-public.jsonl)")
    p.add_argument("--k", type=int, default=3, help="passages counted for recall")
    sub.add_parser("settings", parents=[common], help="list the settings and their values")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    handlers = {"refresh": _refresh, "ask": _ask, "eval": _eval}
    if args.command == "settings":
        return _settings(None, args)
    try:
        return handlers[args.command](Assistant(), args)
    except (TypeError, ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
