"""A news feed that changes while the tests watch it, served for real on 127.0.0.1.

``/feed.xml`` lists the entries published so far (``site.publish(n)``) and honours
conditional GETs: ETag / If-None-Match and Last-Modified / If-Modified-Since,
answered 304 when the feed has not changed. ``/dead.xml`` always fails (HTTP 500).
Entry pages (``/e/<n>``) may be slowed down (``site.delay``). Every request is
counted by path (``site.hits``) and each feed request's conditional headers are kept
(``site.conditional``). ``with FeedSite() as site:`` serves it on a free port.
"""

from __future__ import annotations

import collections
import hashlib
import threading
import time
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from news_site import page

#: Entries the feed can publish: (title, paragraphs), each about a subject no other
#: article of the tests mentions, so a search for it finds that entry only.
ENTRIES = [
    ("Zeppelin cargo line opens between Hamburg and Oslo",
     ["A zeppelin cargo line between Hamburg and Oslo carried its first forty tonnes of "
      "freight on Tuesday, the airship operator Nordluft said.",
      "Nordluft plans six zeppelin flights a week by the spring and says each airship "
      "burns a tenth of the fuel of a cargo plane on the same route."]),
    ("Saffron harvest doubles in the Alps",
     ["Farmers in the Valais harvested twice as much saffron this autumn as last year, "
      "the cantonal farming office said on Friday.",
      "The saffron crocus, planted on terraces above Mund, now covers twelve hectares and "
      "sells for about thirty francs a gram to chocolate makers."]),
    ("Lighthouse keepers return to the Hebrides",
     ["Three lighthouse keepers moved back to the Hebrides on Monday, after the lighthouse "
      "board decided to staff the Flannan lighthouse again for seabird research.",
      "The keepers will count puffins and storm petrels for the ornithology institute and "
      "keep the old lamp room open to visitors during the summer."]),
    ("Glacier museum builds an ice archive in Svalbard",
     ["A glacier museum in Longyearbyen began storing ice cores from forty glaciers in a "
      "tunnel under the permafrost, its curator said on Wednesday.",
      "The ice archive will keep the cores at minus twenty degrees so that climatologists "
      "can study the air bubbles trapped in the glacier ice for centuries."]),
]


class FeedSite(ThreadingHTTPServer):
    """The server, with the feed's state and the request counters."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), FeedHandler)
        self.hits: collections.Counter = collections.Counter()
        self.conditional: list[dict[str, str]] = []
        self.not_modified = 0
        self.published = 0
        self.modified = time.time() - 60
        self.delay = 0.0

    def __enter__(self) -> FeedSite:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()

    @property
    def base(self) -> str:
        """The site's base URL."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def publish(self, n: int) -> None:
        """Show the first ``n`` entries in the feed (it changes: new ETag and date)."""
        self.published = n
        self.modified = max(time.time(), self.modified + 1)  # HTTP dates have 1 s steps

    def url(self, n: int) -> str:
        """The address of entry ``n``."""
        return f"{self.base}/e/{n}"

    def rss(self) -> str:
        """The feed as it stands."""
        items = "".join(f"<item><title>{ENTRIES[n][0]}</title><link>{self.url(n)}</link>"
                        "<pubDate>Tue, 01 Dec 2026 08:00:00 GMT</pubDate></item>"
                        for n in range(self.published))
        return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>Watched News</title><link>{self.base}/</link>"
                f"<description>d</description>{items}</channel></rss>")


class FeedHandler(BaseHTTPRequestHandler):
    """Routes: the feed, the dead feed and the entry pages."""

    server: FeedSite

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    def send(self, status: int, body: str, ctype: str, headers: dict[str, str]) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        site = self.server
        site.hits[self.path] += 1
        if self.path == "/feed.xml":
            self.feed(site)
        elif self.path.startswith("/e/") and self.path[3:].isdigit():
            time.sleep(site.delay)
            title, paras = ENTRIES[int(self.path[3:])]
            self.send(200, page(title, paras, lang="en"), "text/html; charset=utf-8", {})
        else:  # /dead.xml and anything else
            self.send(500, "down", "text/plain", {})

    def feed(self, site: FeedSite) -> None:
        body = site.rss()
        etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:16] + '"'
        modified = formatdate(int(site.modified), usegmt=True)
        asked = {k: v for k in ("If-None-Match", "If-Modified-Since")
                 if (v := self.headers.get(k))}
        site.conditional.append(asked)
        validators = {"ETag": etag, "Last-Modified": modified}
        if "If-None-Match" in asked:
            unchanged = asked["If-None-Match"] == etag
        elif "If-Modified-Since" in asked:
            since = parsedate_to_datetime(asked["If-Modified-Since"]).timestamp()
            unchanged = int(site.modified) <= since
        else:
            unchanged = False
        if unchanged:
            site.not_modified += 1
            self.send_response(304)
            for k, v in validators.items():
                self.send_header(k, v)
            self.end_headers()
            return
        self.send(200, body, "application/rss+xml; charset=utf-8", validators)
