"""Polling watched feeds: new entries go to the corpus folder and into the index.

A poll takes each feed in turn (the ones given plus the subscriptions of
:mod:`assistant.feeds`): a conditional GET (an unchanged feed costs one 304),
entries already in the corpus are not fetched again, at most ``watch_max_new``
new ones per feed, then the index is synced. Each feed is polled under the
assistant's writer lock, so the web app, a ``refresh`` and this share the corpus
and index. A feed that fails waits longer and longer (see :func:`feeds.backoff`);
the others go on.

Stopping (SIGINT/SIGTERM, or the ``stop`` event) is checked between steps:
between feeds and between entries. A poll cut short saves no validators for its
feed, so the next poll reads the feed in full again and finishes the work (the
articles already stored are not fetched again; the index sync completes).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from .core import Assistant
from .feeds import FeedBook, FeedState, backoff, utc_now
from .fetch import FetchError
from .ingest import FeedPoll, poll_feed
from .sources import SourceError
from .store import IndexMismatch

log = logging.getLogger(__name__)


@dataclass
class PollLine:
    """What polling one feed did, printed as one line."""

    url: str
    new: int = 0
    errors: int = 0
    note: str = ""

    def __str__(self) -> str:
        note = f" ({self.note})" if self.note else ""
        return f"{utc_now()} {self.url}: {self.new} new, {self.errors} errors{note}"


class Watcher:
    """Polls feeds into an assistant's corpus and index."""

    def __init__(self, assistant: Assistant, stop: threading.Event | None = None,
                 every: float | None = None):
        self.assistant = assistant
        self.settings = assistant.settings
        #: Seconds between polls (``watch_every`` if None); failing feeds wait multiples.
        self.every = self.settings.watch_every if every is None else every
        self.book = FeedBook(Path(self.settings.corpus_dir))
        self.stop = stop or threading.Event()

    def feeds(self, extra: list[str] | None = None) -> list[str]:
        """The feeds of a poll: ``extra`` first, then the subscriptions (each once)."""
        urls = [u.strip() for u in extra or [] if u and u.strip()]
        return list(dict.fromkeys([*urls, *self.book.subscribed()]))

    def poll(self, extra: list[str] | None = None,
             echo: Callable[[str], None] = print) -> list[PollLine]:
        """Poll every feed once (those waiting out a backoff are skipped); ``echo``
        each feed's line. Stops between feeds when asked to."""
        lines = []
        for url in self.feeds(extra):
            if self.stop.is_set():
                break
            line = self.poll_one(url)
            lines.append(line)
            echo(str(line))
        return lines

    def poll_one(self, url: str) -> PollLine:
        """Poll one feed, unless it is waiting out a backoff."""
        state = self.book.get(url)
        if not state.due(time.time()):
            retry = time.strftime("%H:%M:%S", time.gmtime(state.next_poll))
            return PollLine(url, note=f"failed {state.failures}× in a row, next try {retry}")
        with self.assistant.writing():  # one writer: what others stored is seen
            try:
                polled = self._fetch(url, state)
            except (FetchError, SourceError, OSError) as exc:
                return self._failed(url, str(exc))
            except Exception as exc:  # a parser's unexpected failure: this feed backs off
                log.exception("polling %s failed", url)
                return self._failed(url, f"failed ({exc.__class__.__name__}: {exc})")
            if polled.status == 304:
                self.book.update(url, _polled)
                return PollLine(url, note="not modified")
            if self.stop.is_set():  # cut short: no validators saved, the next poll redoes it
                return PollLine(url, len(polled.result.added), len(polled.result.errors),
                                "stopped; the rest next time")
            report = self.assistant.sync()
        return self._done(url, polled, len(report.errors))

    def _fetch(self, url: str, state: FeedState) -> FeedPoll:
        s = self.settings
        return poll_feed(url, Path(s.corpus_dir), validators=state.validators,
                         max_new=s.watch_max_new, stop=self.stop.is_set,
                         allow_private=s.allow_private_urls, timeout=s.fetch_timeout)

    def _done(self, url: str, polled: FeedPoll, index_errors: int) -> PollLine:
        added = polled.result.added

        def change(state: FeedState) -> None:
            _polled(state)
            # Validators only for a feed read in full: a 304 must not hide entries left.
            state.validators = {} if polled.left else polled.validators
            if added:
                state.last_new, state.added = utc_now(), state.added + len(added)

        self.book.update(url, change)
        errors = polled.result.errors
        for link, message in errors:
            log.warning("%s: %s", link, message)
        # the reasons on the feed's own line, not only on log lines (a new user saw
        # "1 errors" and had to find why elsewhere)
        notes = [f"{link}: {message}" for link, message in errors[:2]]
        notes += [f"{polled.left} left for the next poll"] if polled.left else []
        return PollLine(url, len(added), len(errors) + index_errors, "; ".join(notes))

    def _failed(self, url: str, message: str) -> PollLine:
        s = self.settings

        def change(state: FeedState) -> None:
            state.last_poll = state.last_error_at = utc_now()
            state.last_error, state.failures = message, state.failures + 1
            state.next_poll = time.time() + backoff(state.failures, self.every,
                                                    s.watch_backoff_max)

        state = self.book.update(url, change)
        wait = state.next_poll - time.time()
        return PollLine(url, errors=1, note=f"{message}; next try in {wait:.0f} s")

    def run(self, extra: list[str] | None = None, once: bool = False,
            echo: Callable[[str], None] = print) -> list[PollLine]:
        """Poll, then sleep until the next interval, until stopped; ``once``: one poll.
        The last poll's lines (a poll that failed as a whole: none)."""
        every = self.every
        lines: list[PollLine] = []
        while not self.stop.is_set():
            start = time.monotonic()
            try:
                lines = self.poll(extra, echo)
            except IndexMismatch:  # another embedding model: every poll would fail alike
                raise
            except Exception:  # an unexpected failure must not end the watch
                lines = [PollLine("", errors=1)]
                log.exception("poll failed; next poll in %g s", every)
            if once:
                break
            self.stop.wait(max(0.0, every - (time.monotonic() - start)))
        return lines


def _polled(state: FeedState) -> None:
    state.last_poll = utc_now()
    state.failures, state.next_poll = 0, 0.0


def stop_on_signals(stop: threading.Event) -> None:
    """SIGINT and SIGTERM set ``stop`` (the watch ends between steps); a second one
    ends the process at once."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        log.warning("signal %d: stopping after the current step", signum)
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def start_background(assistant: Assistant) -> threading.Thread:
    """Poll the subscriptions every ``watch_every`` seconds in a daemon thread (the web
    app's background polling); its lines go to the log."""
    watcher = Watcher(assistant)
    thread = threading.Thread(target=watcher.run, kwargs={"echo": log.info}, daemon=True,
                              name="watch-feeds")
    thread.start()
    return thread
