"""The command line: ``python -m assistant refresh | ask | eval | watch | feeds | settings``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import textwrap
import threading
from pathlib import Path

from pydantic import ValidationError

from .core import Assistant
from .errors import AssistantError, source_line
from .indexing import RefreshReport
from .settings import Settings


class _HeldWarnings(logging.Filter):
    """A log-handler filter holding back the package's records during a refresh, to
    let through afterwards only those that do not repeat an error the report prints
    (ingest and the index log each error they report, for library users)."""

    def __init__(self) -> None:
        super().__init__()
        self.held: list[logging.LogRecord] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.split(".", 1)[0] != "assistant":
            return True
        self.held.append(record)
        return False

    def release(self, printed_pairs: list[tuple[str, str]]) -> None:
        """Emit the held records, but those saying ``<source>: <message>`` of the
        (source, message) pairs the report prints (its errors and skipped sources)."""
        printed = {source_line(source, message) for source, message in printed_pairs}
        for record in self.held:
            if record.getMessage() not in printed:
                for handler in logging.getLogger().handlers:
                    handler.handle(record)


def _error_line(source: str, message: str) -> str:
    """``error: <source>: <message>``, without naming the file twice when the message
    already starts with its name ("article.html: no such file")."""
    return f"error: {source_line(source, message)}"


def _refresh(assistant: Assistant, args: argparse.Namespace) -> int:
    held = _HeldWarnings()
    # -v shows the log as it comes, repeats included.
    handlers = [] if args.verbose else list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(held)
    report = RefreshReport()
    try:
        report = _run_refresh(assistant, args)
    finally:
        for handler in handlers:
            handler.removeFilter(held)
        held.release(report.errors + report.skipped)  # all of them if the refresh failed
    _print_report(report)
    return 1 if report.errors else 0


def _run_refresh(assistant: Assistant, args: argparse.Namespace) -> RefreshReport:
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

    try:
        return assistant.refresh(args.sources or None, rebuild=args.rebuild, progress=progress)
    finally:
        if bar is not None:
            bar.close()


def _print_report(report: RefreshReport) -> None:
    """The report table, then a line per skipped source (the article that stands for
    it) and per error. The "skipped" row shows only when a source was."""
    skipped = report.skipped
    rows = [("added", report.added), ("updated", report.updated),
            ("removed", report.removed), ("unchanged", report.unchanged),
            *([("skipped", [source for source, _ in skipped])] if skipped else []),
            ("errors", [source for source, _ in report.errors])]
    print(f"{'':<10} {'count':>8}  article ids / sources")
    for name, ids in rows:
        listed = ", ".join(ids[:5]) + (" …" if len(ids) > 5 else "")
        print(f"{name:<10} {len(ids):>8}  {listed}".rstrip())
    print(f"passages embedded: {report.passages_embedded}")
    for source, message in skipped:
        print(f"skipped: {source_line(source, message)}")
    for source, message in report.errors:
        print(_error_line(source, message))


def _ask(assistant: Assistant, args: argparse.Namespace) -> int:
    # earlier questions of the conversation, oldest first: a follow-up ("Who founded
    # it?") is read with them, as in the web chat
    history = [{"role": "user", "content": q} for q in args.after or []]
    limit = assistant.settings.max_question_chars
    if len(args.question) > limit:  # said, not done silently: the end may be the question
        print(f"note: the question is cut to its first {limit} characters "
              "(ASSISTANT_MAX_QUESTION_CHARS)", file=sys.stderr)
    answer = assistant.ask(args.question, history=history or None)
    print(answer.text)
    for n, doc in enumerate(answer.sources, 1):
        meta = doc.metadata
        date = f" ({meta['published']})" if meta.get("published") else ""
        print(f"\n[{n}] {meta.get('title', '')}{date} — {meta.get('source', '')}")
        print(textwrap.indent(doc.page_content, "    "))
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
    # The figures depend on what is indexed: say which corpus answered.
    n = len(assistant.articles())
    print(f"\n{len(report.rows)} questions in {report.seconds:.1f} s, over {n} "
          f"article{'' if n == 1 else 's'} of {assistant.settings.corpus_dir}")
    return 0


def _watch(assistant: Assistant, args: argparse.Namespace) -> int:
    from .watch import Watcher, stop_on_signals

    stop = threading.Event()
    stop_on_signals(stop)
    watcher = Watcher(assistant, stop, every=args.every)
    if not watcher.feeds(args.feeds):
        print("error: no feed to watch: give feed URLs or subscribe with "
              "`python -m assistant feeds add URL`", file=sys.stderr)
        return 2
    lines = watcher.run(args.feeds, once=args.once, echo=lambda line: print(line, flush=True))
    # --once is scripted like refresh: it fails when an entry or a feed failed
    return 1 if args.once and any(line.errors for line in lines) else 0


def _feeds(args: argparse.Namespace) -> int:
    from .feeds import FeedBook, status_rows

    book = FeedBook(Settings().corpus_dir)
    if args.action == "list":
        rows = status_rows(book)
        for row in rows:
            subscribed = "" if row["subscribed"] == "yes" else " (not subscribed)"
            retry = f"   backing off until {row['retry']}" if row["retry"] else ""
            print(f"{row['url']}{subscribed}\n  last poll: {row['last_poll'] or 'never'}"
                  f"   last new entry: {row['last_new'] or 'never'}"
                  f"   last error: {row['last_error'] or 'none'}{retry}")
        if not rows:
            print("no feed: subscribe with `python -m assistant feeds add URL`")
        return 0
    if not args.url:
        print(f"error: feeds {args.action} needs a feed URL", file=sys.stderr)
        return 2
    if args.action == "add":
        new = book.subscribe(args.url)
        print(f"{'subscribed to' if new else 'already subscribed to'} {args.url.strip()}")
        return 0
    gone = book.unsubscribe(args.url)
    print(f"{'unsubscribed from' if gone else 'not subscribed to'} {args.url.strip()}")
    return 0 if gone else 1


def _settings(_: Assistant | None, __: argparse.Namespace) -> int:
    s = Settings()
    for name, info in Settings.model_fields.items():
        print(f"ASSISTANT_{name.upper():<22} = {getattr(s, name)!s:<40} {info.description}")
    return 0


def _seconds(value: str) -> float:
    """An argparse type: a number of seconds, at least 1."""
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not seconds >= 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 second, got {value}")
    return seconds


def _quiet_progress() -> None:
    """No "Loading weights" bars from the model libraries (they write to stderr)."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover - transformers is a dependency
        return
    hf_logging.disable_progress_bar()


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
    p.add_argument("--after", action="append", metavar="QUESTION",
                   help="an earlier question of the conversation, for a follow-up "
                        "(repeat it, oldest first)")
    p = sub.add_parser("eval", parents=[common], help="measure quality on a question set")
    p.add_argument("file", nargs="?", help="JSONL question set (default: eval/qa-public.jsonl)")
    p.add_argument("--k", type=int, default=3, help="passages counted for recall")
    sub.add_parser("settings", parents=[common], help="list the settings and their values")
    p = sub.add_parser("watch", parents=[common],
                       help="poll feeds (given + subscribed), index new entries, repeat")
    p.add_argument("feeds", nargs="*", help="feed URLs to poll besides the subscriptions")
    p.add_argument("--every", type=_seconds, default=None,
                   help="seconds between polls (default: ASSISTANT_WATCH_EVERY)")
    p.add_argument("--once", action="store_true", help="poll once and exit (for cron)")
    p = sub.add_parser("feeds", parents=[common], help="list, add or remove subscribed feeds")
    p.add_argument("action", choices=["list", "add", "remove"])
    p.add_argument("url", nargs="?", help="the feed URL (add, remove)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not args.verbose:  # the models' loading bars are noise beside an answer
        _quiet_progress()
    handlers = {"refresh": _refresh, "ask": _ask, "eval": _eval, "watch": _watch}
    if args.command == "settings":
        return _settings(None, args)
    try:
        if args.command == "feeds":  # no models needed
            return _feeds(args)
        return handlers[args.command](Assistant(), args)
    except (AssistantError, ValidationError) as exc:  # not library bugs: those show in full
        print(f"error: {exc}", file=sys.stderr)
        return 2
