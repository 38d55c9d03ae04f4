"""One article page served for real on 127.0.0.1, for the Add articles panel's tests."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PAGE_TITLE = "Orvane Labs lève 12 millions"
PAGE = (f"<html><head><title>{PAGE_TITLE}</title></head><body><article>"
        f"<h1>{PAGE_TITLE}</h1><p>La société Orvane Labs, installée à Nantes, "
        "a annoncé mardi une levée de fonds de 12 millions d’euros menée par le fonds "
        "Brisemer Capital pour développer ses batteries au sodium destinées aux vélos "
        "cargos et aux petits utilitaires urbains.</p></article></body></html>")


class PageServer(ThreadingHTTPServer):
    """Serves PAGE at every path, once ``release`` is set; counts requests in ``hits``."""

    def __init__(self, release: threading.Event) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.release = release
        self.hits = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/orvane-labs.html"


class _Handler(BaseHTTPRequestHandler):
    server: PageServer

    def do_GET(self) -> None:
        self.server.hits += 1
        self.server.release.wait(90)  # a test may hold the page to keep a refresh running
        body = PAGE.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve_page(release: threading.Event | None = None) -> Iterator[PageServer]:
    """A running PageServer (answering at once unless ``release`` is given unset)."""
    if release is None:
        release = threading.Event()
        release.set()
    httpd = PageServer(release)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield httpd
    finally:
        release.set()
        httpd.shutdown()
        httpd.server_close()
