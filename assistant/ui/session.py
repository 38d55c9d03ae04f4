"""What the page keeps per browser: the chat turns running in each session (so that a
double submit does not answer twice or report an empty question), and what is saved in
the browser's storage (the interface language, the conversation) to survive a reload.
No Gradio here: plain values in, plain values out."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from .labels import LABELS
from .render import content_text

#: Seconds after a turn during which an empty submit of the same session is taken for
#: the tail of a double submit (click, click, Enter) rather than an empty question.
GRACE = 1.5
#: Sessions remembered at most (the oldest are forgotten first).
MAX_SESSIONS = 4096
#: Messages of the conversation saved in the browser at most (the latest are kept).
MAX_SAVED_MESSAGES = 40


class Turns:
    """The chat turns of each session (a browser tab, by Gradio's ``session_hash``):
    the questions being answered, and the last question answered and when."""

    def __init__(self, grace: float = GRACE, clock: Callable[[], float] = time.monotonic):
        self.grace = grace
        self.clock = clock
        self._lock = threading.Lock()
        #: session: (questions being answered, [last question answered, when])
        self._sessions: OrderedDict[str, tuple[list[str], list[Any]]] = OrderedDict()

    def _get(self, session: str) -> tuple[list[str], list[Any]]:
        entry = self._sessions.pop(session, None) or ([], ["", float("-inf")])
        self._sessions[session] = entry
        while len(self._sessions) > MAX_SESSIONS:
            self._sessions.popitem(last=False)
        return entry

    def stray(self, session: str, message: str) -> bool:
        """Whether ``message`` is a stray submit to drop: while a turn of this session
        runs or within ``grace`` seconds after it ended, an empty one or the same
        question again. A turn of no known session (called directly) is never one."""
        if not session:
            return False
        with self._lock:
            running, (last, ended) = self._get(session)
            if not message.strip():
                return bool(running) or self.clock() - ended < self.grace
            return message in running or (message == last
                                          and self.clock() - ended < self.grace)

    def begin(self, session: str, message: str) -> None:
        """A turn of ``session`` starts answering ``message``."""
        if not session:
            return
        with self._lock:
            self._get(session)[0].append(message)

    def end(self, session: str, message: str) -> None:
        """The turn answering ``message`` is over (answered or failed)."""
        if not session:
            return
        with self._lock:
            running, last = self._get(session)
            if message in running:
                running.remove(message)
            last[:] = [message, self.clock()]


def session_of(request: Any) -> str:
    """The session a Gradio request comes from ("" when unknown, e.g. called directly)."""
    return str(getattr(request, "session_hash", None) or "")


def saved_language(value: Any) -> str:
    """The interface language saved in the browser, or French."""
    return value if isinstance(value, str) and value in LABELS else "fr"


def _messages(value: Any) -> list[dict]:
    """The ``{"role", "content"}`` messages of a saved list (anything else dropped: the
    browser's storage is the user's to change), the latest MAX_SAVED_MESSAGES."""
    if not isinstance(value, list):
        return []
    out = [{"role": m["role"], "content": content_text(m.get("content"))} for m in value
           if isinstance(m, dict) and m.get("role") in ("user", "assistant")]
    return [m for m in out if m["content"]][-MAX_SAVED_MESSAGES:]


def saved_conversation(value: Any) -> tuple[list[dict], list[dict]]:
    """(chat, history) from the conversation saved in the browser (empty if none)."""
    if not isinstance(value, dict):
        return [], []
    return _messages(value.get("chat")), _messages(value.get("history"))


def conversation_to_save(chat: Any, history: Any) -> dict[str, list[dict]]:
    """What is saved in the browser of the conversation: the chat as shown and the
    plain history the next question is asked with (the latest messages)."""
    return {"chat": _messages(chat), "history": _messages(history)}
