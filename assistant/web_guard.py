"""Guards in front of the web app: login throttling and a login page that does not
describe the API (ASGI middleware, installed by :func:`assistant.ui.launch_options`)."""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Callable, Iterable

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)


class LoginThrottle:
    """Failed logins counted per key (a client address, a user name) over a window.

    Once a key has ``max_failures`` failures in the last ``window`` seconds, it is
    refused for 1 s, then 2, 4… up to ``backoff_max`` with each further failure;
    failures older than the window are forgotten and a successful login clears its
    keys, so the right password is never locked out for longer than ``backoff_max``.
    """

    #: Past this many keys, those with nothing recent are dropped (memory stays bounded).
    MAX_KEYS = 10_000

    def __init__(self, max_failures: int, window: float, backoff_max: float,
                 clock: Callable[[], float] = time.monotonic):
        self.max_failures, self.window, self.backoff_max = max_failures, window, backoff_max
        self.clock = clock
        self._failures: dict[str, list[float]] = {}
        self._blocked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, keys: Iterable[str]) -> float:
        """Seconds before a login for these keys may be tried (0: now)."""
        now = self.clock()
        with self._lock:
            return max([0.0, *(self._blocked_until.get(k, 0.0) - now for k in keys)])

    def failed(self, keys: Iterable[str]) -> None:
        """Count a failed login for each key, and refuse the key for a while if need be."""
        now = self.clock()
        with self._lock:
            for key in keys:
                recent = [t for t in self._failures.get(key, []) if now - t < self.window]
                recent.append(now)
                self._failures[key] = recent[-(self.max_failures + 64):]  # 2**64 s: any cap
                extra = len(recent) - self.max_failures
                if extra >= 0:
                    self._blocked_until[key] = now + min(self.backoff_max, 2.0 ** extra)
            if len(self._failures) > self.MAX_KEYS:
                self._forget(now)

    def succeeded(self, keys: Iterable[str]) -> None:
        """A successful login: its keys start afresh."""
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
                self._blocked_until.pop(key, None)

    def _forget(self, now: float) -> None:
        for key in [k for k, times in self._failures.items()
                    if now - times[-1] >= self.window
                    and self._blocked_until.get(k, 0.0) <= now]:
            self._failures.pop(key, None)
            self._blocked_until.pop(key, None)


class LoginGuard:
    """ASGI middleware in front of Gradio's ``POST /login``: refuses with HTTP 429 (and
    Retry-After) while the client's address or the user name is throttled.

    Each attempt counts as a failure when it starts and is cleared if it succeeds, so
    that parallel guesses cannot all slip through before the first failure is known.
    """

    #: A login form is a few hundred bytes; a bigger body is refused unread.
    MAX_BODY = 64_000

    def __init__(self, app: ASGIApp, throttle: LoginThrottle):
        self.app = app
        self.throttle = throttle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass everything but logins through; throttle logins."""
        path = str(scope.get("path", "")) if scope["type"] == "http" else ""
        if scope.get("method") != "POST" or path.rstrip("/").rsplit("/", 1)[-1] != "login":
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive, self.MAX_BODY)
        if body is None:
            await PlainTextResponse("login form too large", 413)(scope, receive, send)
            return
        client = scope.get("client") or ("?", 0)
        keys = [f"client:{client[0]}"]
        user = await _form_user(scope, body)
        if user:
            keys.append(f"user:{user}")
        wait = self.throttle.wait(keys)
        if wait > 0:
            seconds = math.ceil(wait)
            log.warning("login refused for %s: throttled for %d s", ", ".join(keys), seconds)
            await JSONResponse(
                {"detail": f"Too many failed logins: try again in {seconds} s."}, 429,
                headers={"Retry-After": str(seconds)})(scope, receive, send)
            return
        self.throttle.failed(keys)
        status: list[int] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        await self.app(scope, _replay(body), watch)
        if status and status[0] < 300:  # Gradio answers 200 to the right password
            self.throttle.succeeded(keys)


class LoginPageGuard:
    """ASGI middleware: leaves the API description out of Gradio's login page.

    Gradio embeds it (endpoints, parameter names, docstrings) in every page it
    serves, the login page too, although /gradio_api/info asks for a login; and it
    has no setting to leave it out there only (``api_visibility="undocumented"``
    would hide it from logged-in clients too, which then lose parameter defaults).
    """

    #: Pages bigger than this are passed on untouched (the login page is ~10 kB).
    MAX_PAGE = 2_000_000
    LOGIN_PAGE = b'window.gradio_config = {"auth_required":true'
    API_INFO = re.compile(rb"(window\.gradio_api_info = ).*?(;</script>)", re.DOTALL)
    NO_API = rb'\1{"named_endpoints":{},"unnamed_endpoints":{}}\2'

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hold back a GET's HTML page to rewrite it if it is the login page."""
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start" and self._is_page(message):
                start = message
            elif start is None or message["type"] != "http.response.body":
                await send(message)
            else:
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    await self._send_page(start, b"".join(chunks), send)

        await self.app(scope, receive, hold)

    def _is_page(self, start: Message) -> bool:
        headers = Headers(raw=start["headers"])
        size = headers.get("content-length", "")
        return (headers.get("content-type", "").startswith("text/html")
                and "content-encoding" not in headers
                and size.isdigit() and int(size) <= self.MAX_PAGE)

    async def _send_page(self, start: Message, body: bytes, send: Send) -> None:
        if self.LOGIN_PAGE in body:
            body = self.API_INFO.sub(self.NO_API, body, count=1)
        headers = MutableHeaders(raw=list(start["headers"]))
        headers["content-length"] = str(len(body))
        await send({**start, "headers": headers.raw})
        await send({"type": "http.response.body", "body": body, "more_body": False})


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The request's body, or None past ``limit`` bytes."""
    body = bytearray()
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        body.extend(message.get("body", b""))
        if len(body) > limit:
            return None
        more = bool(message.get("more_body"))
    return bytes(body)


def _replay(body: bytes) -> Receive:
    """A ``receive`` that hands ``body`` over again (the middleware has read it)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _form_user(scope: Scope, body: bytes) -> str:
    """The user name of a login form (url-encoded or multipart, as the page sends it)."""
    try:  # Starlette's parser and limits, as FastAPI's, so both read the same name
        form = await Request(scope, _replay(body)).form()
    except Exception:  # not a form: FastAPI refuses it too, no password is tried
        return ""
    user = form.get("username")
    await form.close()
    return user.strip() if isinstance(user, str) else ""
