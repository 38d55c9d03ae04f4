"""A small news site for tests, served for real on 127.0.0.1: article pages wrapped in
navigation, a cookie banner and a footer, RSS and Atom feeds, redirects, slow, big and
broken responses. Every request is counted by path (``server.hits``)."""

from __future__ import annotations

import collections
import contextlib
import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

ARTICLE_BODY_FR = [
    "La part des déplacements à vélo a doublé en cinq ans dans la métropole de Lyon, "
    "selon une étude publiée mardi par l'agence d'urbanisme.",
    "Les nouvelles pistes cyclables du cours Lafayette ont été empruntées par plus de "
    "12 000 cyclistes par jour au printemps, un record pour la ville.",
    "La municipalité prévoit d'investir 200 millions d'euros supplémentaires d'ici 2026 "
    "pour relier les communes de la périphérie au centre.",
]
# Words that appear only in the page's navigation, cookie banner and footer.
BOILERPLATE_WORDS = ["Accueil", "Politique", "cookies", "Mentions légales", "newsletter",
                     "Tous droits réservés", "Plan du site"]


def page(title: str, paragraphs: list[str], lang: str = "fr", date: str = "2024-05-12") -> str:
    """An article page wrapped in navigation, a cookie banner and a footer."""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<title>{title} - Le Journal</title><meta property="og:title" content="{title}">
<meta name="date" content="{date}"><meta property="og:site_name" content="Le Journal"></head>
<body>
<div id="cookie-banner" class="cookie-consent">Nous utilisons des cookies.
<button>Accepter les cookies</button><button>Refuser tout</button></div>
<header><nav><ul><li><a href="/">Accueil</a></li><li><a href="/politique">Politique</a></li>
<li><a href="/sport">Sport</a></li></ul></nav></header>
<main><article><h1>{title}</h1>
{body}
</article></main>
<footer><p>Mentions légales - Plan du site - Abonnez-vous à notre newsletter</p>
<p>© 2024 Le Journal. Tous droits réservés.</p></footer>
</body></html>"""


FEED_ARTICLES = {
    "/news/wind-farm": (
        "Offshore wind farm opens in the North Sea",
        ["The largest offshore wind farm in the North Sea started producing electricity on "
         "Monday, its operator said, after four years of construction work.",
         "Its 140 turbines are expected to power about 1.3 million homes once the site "
         "reaches full capacity at the end of the year."],
    ),
    "/news/rail-strike": (
        "Rail workers end a three-day strike",
        ["Rail workers ended a three-day strike on Thursday after unions and management "
         "agreed on a new wage deal covering the next two years.",
         "Train services are expected to return to normal by the weekend, the rail "
         "operator said in a statement published on its website."],
    ),
}


def rss(base: str) -> str:
    """An RSS 2.0 feed listing the two FEED_ARTICLES pages."""
    items = "".join(
        f"<item><title>{title}</title><link>{base}{path}</link>"
        f"<pubDate>Mon, 13 May 2024 08:00:00 GMT</pubDate></item>"
        for path, (title, _) in FEED_ARTICLES.items()
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Test News</title><link>{base}/</link><description>d</description>"
            f"{items}</channel></rss>")


def atom(base: str) -> str:
    """An Atom feed listing the two FEED_ARTICLES pages."""
    entries = "".join(
        f"<entry><title>{title}</title><link rel=\"alternate\" href=\"{base}{path}\"/>"
        f"<id>{base}{path}</id><updated>2024-05-14T09:30:00Z</updated></entry>"
        for path, (title, _) in FEED_ARTICLES.items()
    )
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Atom News</title><id>{base}/</id><updated>2024-05-14T09:30:00Z</updated>"
            f"{entries}</feed>")


def feed_of(base: str, links: dict[str, str]) -> str:
    """An RSS feed whose entries (title → link) point wherever the test wants."""
    items = "".join(f"<item><title>{t}</title><link>{link}</link></item>"
                    for t, link in links.items())
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Other News</title><link>{base}/</link>{items}</channel></rss>")


class Handler(BaseHTTPRequestHandler):
    """Routes of the test site; every request is counted by path."""

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    def send(self, status: int, body: bytes | str, ctype: str = "text/html; charset=utf-8",
             headers: dict[str, str] | None = None, length: bool = True) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            if length:
                self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout, size limit): expected in these tests

    def redirect(self, location: str) -> None:
        self.send(302, b"", headers={"Location": location})

    def do_GET(self) -> None:
        server = self.server
        server.hits[self.path] += 1  # type: ignore[attr-defined]
        server.hosts.append(self.headers.get("Host", ""))  # type: ignore[attr-defined]
        base = f"http://{self.headers.get('Host', '')}"  # the name the client used
        p = self.path
        if p == "/article":
            self.send(200, page("Le vélo gagne du terrain à Lyon", ARTICLE_BODY_FR))
        elif p == "/editable":  # a page a test edits: the server's ``editable`` paragraphs
            paras = getattr(server, "editable", None)
            if paras:
                self.send(200, page("Le réseau de vélos s'agrandit", paras))
            else:
                self.send(404, "not found")
        elif p in FEED_ARTICLES:
            title, paras = FEED_ARTICLES[p]
            self.send(200, page(title, paras, lang="en"))
        elif p == "/feed.xml":
            self.send(200, rss(base), "application/rss+xml; charset=utf-8")
        elif p == "/feed-nameless.xml":  # its entry's page names no site
            self.send(200, feed_of(base, {"Wind": f"{base}/nameless/wind-farm"}),
                      "application/rss+xml")
        elif p == "/nameless/wind-farm":
            title, paras = FEED_ARTICLES["/news/wind-farm"]
            self.send(200, page(title, paras, lang="en").replace(
                '<meta property="og:site_name" content="Le Journal">', "").replace(
                " - Le Journal</title>", "</title>").replace("© 2024 Le Journal. ", ""))
        elif p == "/atom.xml":
            self.send(200, atom(base), "application/atom+xml; charset=utf-8")
        elif p == "/feed-redirects.xml":  # entry links that redirect (like tracking links)
            self.send(200, feed_of(base, {t: f"{base}/r{path}" for path, (t, _) in
                                          FEED_ARTICLES.items()}), "application/rss+xml")
        elif p.startswith("/r/news/"):
            self.redirect(p[2:])
        elif p == "/feed-private.xml":  # one public entry, two internal ones
            self.send(200, feed_of(base, {
                "Wind": f"{base}/news/wind-farm",
                "Admin": "http://10.0.0.1/admin",
                "Metadata": "http://169.254.169.254/latest/meta-data/",
            }), "application/rss+xml")
        elif p == "/feed-untyped":  # a feed served with a generic type: sniffed
            self.send(200, rss(base), "application/octet-stream")
        elif p == "/xhtml":
            self.send(200, page("Le vélo gagne du terrain à Lyon", ARTICLE_BODY_FR),
                      "application/xhtml+xml; charset=utf-8")
        elif p == "/bad-feed.xml":
            self.send(200, "<rss><channel><title>Broken</tit<item <<", "application/rss+xml")
        elif p == "/old-article":
            self.redirect("/article")
        elif p == "/loop":
            self.redirect("/loop")
        elif p == "/to-metadata":
            self.redirect("http://169.254.169.254/latest/meta-data/")
        elif p == "/to-loopback":
            self.redirect(f"http://127.0.0.1:{server.server_address[1]}/article")
        elif p == "/to-private":
            self.redirect("http://10.0.0.1/admin")
        elif p == "/slow":
            time.sleep(3)
            self.send(200, page("Slow", ["Too late."]))
        elif p == "/big":
            self.send(200, b"x" * 50_000, "text/plain")
        elif p == "/big-stream":  # no Content-Length: only counting while reading can stop it
            self.send(200, b"y" * 50_000, "text/plain", length=False)
        elif p == "/empty-page":  # all the boilerplate, no article
            self.send(200, page("", []).replace("<h1></h1>", ""))
        else:
            self.send(404, "not found", "text/plain")




def make_pdf(lines: list[str]) -> bytes:
    """A minimal one-page PDF with the given lines of text (Helvetica, ASCII)."""
    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    content = "BT /F1 11 Tf 50 750 Td 14 TL " + " ".join(f"({esc(x)}) Tj T*" for x in lines)
    content += " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{obj}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)


@contextlib.contextmanager
def serve(wrap: Callable[[socket.socket], socket.socket] | None = None,
          ) -> Iterator[ThreadingHTTPServer]:
    """The site on a free port of 127.0.0.1 (``wrap`` the socket for TLS), stopped after."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.hits = collections.Counter()  # type: ignore[attr-defined]
    server.hosts = []  # type: ignore[attr-defined]
    if wrap is not None:
        server.socket = wrap(server.socket)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module", name="site")
def site_fixture() -> Iterator[ThreadingHTTPServer]:
    """Fixture ``site``: the site, for real on 127.0.0.1, for a test module."""
    with serve() as server:
        yield server


@pytest.fixture(name="base")
def base_fixture(site: ThreadingHTTPServer) -> str:
    """Fixture ``base``: the base URL of the site (its loopback address)."""
    return f"http://127.0.0.1:{site.server_address[1]}"


def requests_since(server: ThreadingHTTPServer, before: dict[str, int]) -> dict[str, int]:
    """Requests per path made since ``before = dict(server.hits)``."""
    hits: collections.Counter = server.hits  # type: ignore[attr-defined]
    return {p: n - before.get(p, 0) for p, n in hits.items() if n != before.get(p, 0)}


def treat_as_public(monkeypatch: pytest.MonkeyPatch, host: str) -> None:
    """Make ``host`` a public web site served by the local server: it resolves to
    127.0.0.1 and passes the address check. Every other URL (127.0.0.1 itself included)
    keeps the real check, so a redirect or a feed link from ``host`` to an internal
    address is refused as it would be in production."""
    from urllib.parse import urlsplit

    from assistant import fetch as fetch_mod

    real_check = fetch_mod.check_url

    def check(url: str, allow_private: bool, *, timeout: float = 15.0) -> list:
        if urlsplit(url).hostname == host:
            return [ipaddress.ip_address("127.0.0.1")]
        return real_check(url, allow_private, timeout=timeout)

    monkeypatch.setattr(fetch_mod, "check_url", check)
