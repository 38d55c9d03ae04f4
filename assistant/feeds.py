"""Watched feeds: the subscriptions and what each poll of a feed left behind.

One small JSON file in the corpus folder (``.feeds.json``: its name starts with a
dot, so it is not an article) holds, per feed URL: whether it is subscribed, the
validators for the next conditional GET (ETag, Last-Modified), the times of the
last poll, last new entry and last error, and the backoff after errors. Every
change is read-modify-write under a lock file and written atomically (temporary
file, then rename): the web app and a ``watch`` process can share it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

from filelock import FileLock

from .errors import SourceError
from .saving import write_atomic

log = logging.getLogger(__name__)

#: The state file's name, in the corpus folder.
STATE_FILE = ".feeds.json"


@dataclass
class FeedState:
    """One feed: subscription, conditional-GET validators, last poll's outcome, backoff.

    Times are UTC ``YYYY-MM-DD HH:MM:SS`` strings ("" = never) except ``next_poll``
    (epoch seconds; 0 = due now).
    """

    url: str
    subscribed: bool = False
    validators: dict[str, str] = field(default_factory=dict)
    last_poll: str = ""
    last_new: str = ""
    last_error: str = ""
    last_error_at: str = ""
    failures: int = 0
    next_poll: float = 0.0
    added: int = 0

    @classmethod
    def from_dict(cls, data: dict) -> FeedState:
        """A state from its JSON form; unknown keys (a newer version's) are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def due(self, now: float) -> bool:
        """True when the feed may be polled (not waiting out a backoff)."""
        return self.next_poll <= now


def utc_now() -> str:
    """The current UTC time as stored in the state file."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())


def backoff(failures: int, every: float, cap: float) -> float:
    """Seconds to wait before polling a feed that failed ``failures`` times in a row:
    ``every × 2^failures``, at most ``cap``; 0 after a success."""
    if failures <= 0:
        return 0.0
    return min(cap, every * 2 ** min(failures, 32))


def check_feed_url(url: str) -> str:
    """``url`` stripped if it looks like an http(s) address; ValueError saying why not.
    (The address itself is checked, like every fetch, when the feed is polled.)"""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise SourceError(f"not a valid address: {url!r}") from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise SourceError(f"not an http(s) feed address: {url!r}")
    return url


class FeedBook:
    """The state file of a corpus folder: subscriptions and per-feed state."""

    def __init__(self, corpus_dir: Path | str):
        self.path = Path(corpus_dir) / STATE_FILE
        self._lock = FileLock(str(self.path) + ".lock")

    def load(self) -> dict[str, FeedState]:
        """Every feed's state by URL ({} when there is no file yet)."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:  # damaged: say so, start again (no article lost)
            log.warning("cannot read %s (%s): feeds start again", self.path, exc)
            return {}
        feeds = raw.get("feeds", []) if isinstance(raw, dict) else []
        states = (FeedState.from_dict(d) for d in feeds if isinstance(d, dict) and d.get("url"))
        return {s.url: s for s in states}

    def get(self, url: str) -> FeedState:
        """The state of ``url`` (a fresh one if never seen)."""
        return self.load().get(url) or FeedState(url)

    def subscribed(self) -> list[str]:
        """The subscribed feed URLs, in the order they were added."""
        return [url for url, s in self.load().items() if s.subscribed]

    @contextlib.contextmanager
    def editing(self) -> Iterator[dict[str, FeedState]]:
        """The states to change in place, saved on exit (locked meanwhile)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            states = self.load()
            yield states
            self._save(states)

    def update(self, url: str, change: Callable[[FeedState], None]) -> FeedState:
        """Apply ``change`` to the state of ``url`` and save it; return the new state."""
        with self.editing() as states:
            state = states.setdefault(url, FeedState(url))
            change(state)
            return state

    def subscribe(self, url: str) -> bool:
        """Subscribe to ``url`` (checked); False if it already was."""
        url = check_feed_url(url)
        with self.editing() as states:
            state = states.setdefault(url, FeedState(url))
            was, state.subscribed = state.subscribed, True
            return not was

    def unsubscribe(self, url: str) -> bool:
        """Forget ``url`` and its state; False if it was not subscribed."""
        with self.editing() as states:
            state = states.pop((url or "").strip(), None)
            return bool(state and state.subscribed)

    def _save(self, states: dict[str, FeedState]) -> None:
        data = json.dumps({"feeds": [asdict(s) for s in states.values()]}, indent=1,
                          ensure_ascii=False).encode("utf-8")
        write_atomic(self.path, data, prefix=".feeds-")


def status_rows(book: FeedBook) -> list[dict[str, str]]:
    """One row per known feed for display: url, subscribed, last poll, last new entry,
    last error (with its time) and when a backed-off feed is polled again."""
    rows = []
    now = time.time()
    for s in book.load().values():
        error = f"{s.last_error_at} {s.last_error}" if s.last_error else ""
        retry = "" if s.due(now) else time.strftime("%H:%M:%S", time.gmtime(s.next_poll))
        rows.append({"url": s.url, "subscribed": "yes" if s.subscribed else "no",
                     "last_poll": s.last_poll, "last_new": s.last_new,
                     "last_error": error, "retry": retry})
    return rows
