"""Ingestion into the corpus folder, against a real HTTP server on 127.0.0.1 and real files."""

from __future__ import annotations

import collections
import functools
import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

from assistant import fetch as fetch_mod
from assistant.fetch import FetchError, check_url, fetch
from assistant.ingest import IngestResult, ingest, save_text
from assistant.sources import SourceError, corpus_files, load_article

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
        base = f"http://127.0.0.1:{server.server_address[1]}"
        p = self.path
        if p == "/article":
            self.send(200, page("Le vélo gagne du terrain à Lyon", ARTICLE_BODY_FR))
        elif p in FEED_ARTICLES:
            title, paras = FEED_ARTICLES[p]
            self.send(200, page(title, paras, lang="en"))
        elif p == "/feed.xml":
            self.send(200, rss(base), "application/rss+xml; charset=utf-8")
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


@pytest.fixture(scope="module")
def site() -> Iterator[ThreadingHTTPServer]:
    """A real HTTP server on 127.0.0.1 serving the test site."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.hits = collections.Counter()  # type: ignore[attr-defined]
    server.hosts = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture()
def base(site: ThreadingHTTPServer) -> str:
    """Base URL of the test site."""
    return f"http://127.0.0.1:{site.server_address[1]}"


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    """An empty corpus folder of the test's own."""
    d = tmp_path / "corpus"
    d.mkdir()
    return d


def md_files(corpus_dir: Path) -> list[Path]:
    """The article files of a corpus folder (and a check that no temp file was left)."""
    leftovers = [p.name for p in corpus_dir.iterdir() if p.name.startswith(".")]
    assert leftovers == []
    return corpus_files(corpus_dir)


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


# -- the address rule -------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://localhost:8080/x", "http://10.1.2.3/", "http://192.168.0.1/",
    "http://172.16.5.4/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/",
    "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "http://224.0.0.1/", "http://100.64.0.1/",
    "http://0x7f.1/", "http://[fe80::1]/",
])
def test_check_url_refuses_non_public_addresses(url: str) -> None:
    with pytest.raises(FetchError, match=r"^refused: .* address \(set "
                       r"ASSISTANT_ALLOW_PRIVATE_URLS=1 to allow\)$"):
        check_url(url, allow_private=False)


def test_check_url_message_names_the_address() -> None:
    with pytest.raises(FetchError) as err:
        check_url("http://127.0.0.1:9/x", allow_private=False)
    assert str(err.value) == ("refused: 127.0.0.1 is a private/loopback address "
                              "(set ASSISTANT_ALLOW_PRIVATE_URLS=1 to allow)")
    with pytest.raises(FetchError, match=r"169\.254\.169\.254 is a link-local address"):
        check_url("http://169.254.169.254/", allow_private=False)


def test_each_redirect_hop_is_checked_like_the_first_url() -> None:
    # A public page answering "Location: http://127.0.0.1/…" or the cloud metadata address:
    # the next hop, resolved against the page, fails the same check.
    public_page = "https://93.184.215.14/news/article"
    assert [str(ip) for ip in check_url(public_page, allow_private=False)] == ["93.184.215.14"]
    for location in ("http://127.0.0.1/admin", "http://169.254.169.254/latest/meta-data/",
                     "//127.0.0.1:8080/internal"):
        with pytest.raises(FetchError, match="ASSISTANT_ALLOW_PRIVATE_URLS"):
            check_url(urljoin(public_page, location), allow_private=False)


def test_check_url_allows_private_when_asked() -> None:
    assert [str(ip) for ip in check_url("http://127.0.0.1:9/", allow_private=True)] == [
        "127.0.0.1"
    ]


@pytest.mark.parametrize(("url", "message"), [
    ("ftp://example.com/file", "unsupported scheme 'ftp'"),
    ("file:///etc/passwd", "unsupported scheme 'file'"),
    ("javascript:alert(1)", "unsupported scheme 'javascript'"),
    ("http:///nohost", "no host in URL"),
    ("http://no-such-host.invalid/", "cannot resolve host 'no-such-host.invalid'"),
])
def test_check_url_rejects_bad_urls(url: str, message: str) -> None:
    with pytest.raises(FetchError, match=message):
        check_url(url, allow_private=True)


# -- fetching from the real local server ---------------------------------------------------

def test_local_server_refused_without_allow_private(base: str, corpus: Path,
                                                    site: ThreadingHTTPServer) -> None:
    before = site.hits["/article"]  # type: ignore[attr-defined]
    with pytest.raises(FetchError, match="ASSISTANT_ALLOW_PRIVATE_URLS"):
        fetch(f"{base}/article", allow_private=False)
    result = ingest([f"{base}/article"], corpus)
    assert result.saved == []
    assert len(result.errors) == 1
    assert "refused: 127.0.0.1" in result.errors[0][1]
    assert "ASSISTANT_ALLOW_PRIVATE_URLS" in result.errors[0][1]
    assert md_files(corpus) == []
    assert site.hits["/article"] == before  # type: ignore[attr-defined]  # never connected


def test_fetch_allowed_with_allow_private(base: str) -> None:
    got = fetch(f"{base}/article", allow_private=True)
    assert got.status == 200
    assert got.content_type == "text/html"
    assert got.url == f"{base}/article"
    assert "Le vélo gagne du terrain" in got.text


def test_redirect_is_followed_and_final_url_kept(base: str) -> None:
    got = fetch(f"{base}/old-article", allow_private=True)
    assert got.url == f"{base}/article"
    assert "cours Lafayette" in got.text


def test_redirect_from_public_host_to_internal_address_is_refused(
    base: str, site: ThreadingHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Make "news.test" a public site served by the local server: it resolves to 127.0.0.1
    # and that one address counts as public. Everything else keeps the real rule.
    real_resolve, real_refusal = fetch_mod.resolve_host, fetch_mod.address_refusal
    port = site.server_address[1]
    fake_ip = real_resolve("127.0.0.1", port)[0]
    monkeypatch.setattr(fetch_mod, "resolve_host",
                        lambda host, p, t=15.0: [fake_ip] if host == "news.test"
                        else real_resolve(host, p, t))
    monkeypatch.setattr(fetch_mod, "address_refusal",
                        lambda ip: None if ip == fake_ip else real_refusal(ip))
    # The allowed host works (and the connection goes to the checked address, with the
    # original Host header: "news.test" has no real DNS entry).
    got = fetch(f"http://news.test:{port}/old-article", allow_private=False)
    assert got.url == f"http://news.test:{port}/article"
    assert "cours Lafayette" in got.text
    assert f"news.test:{port}" in site.hosts  # type: ignore[attr-defined]
    with pytest.raises(FetchError, match=r"refused: 169\.254\.169\.254 is a link-local"):
        fetch(f"http://news.test:{port}/to-metadata", allow_private=False)
    with pytest.raises(FetchError, match=r"refused: 10\.0\.0\.1 is a private/loopback"):
        fetch(f"http://news.test:{port}/to-private", allow_private=False)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_https_connects_to_the_checked_address_and_verifies_the_host_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real TLS server on 127.0.0.1 with a certificate for "news.test" only.
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=news.test",
                    "-addext", "subjectAltName=DNS:news.test"], check=True, capture_output=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.hits = collections.Counter()  # type: ignore[attr-defined]
    server.hosts = []  # type: ignore[attr-defined]
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(str(cert), str(key))
    server.socket = server_ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        trusted = ssl.create_default_context(cafile=str(cert))
        monkeypatch.setattr(fetch_mod.httpx, "Client",
                            functools.partial(httpx.Client, verify=trusted))
        real_resolve = fetch_mod.resolve_host
        monkeypatch.setattr(fetch_mod, "resolve_host", lambda host, p, t=15.0: real_resolve(
            "127.0.0.1" if host.endswith(".test") else host, p, t))
        got = fetch(f"https://news.test:{port}/article", allow_private=True)
        assert "cours Lafayette" in got.text
        assert server.hosts == [f"news.test:{port}"]  # type: ignore[attr-defined]
        # Same address, other name: the certificate is checked against the name, not the IP.
        with pytest.raises(FetchError, match="certificate verify failed"):
            fetch(f"https://other.test:{port}/article", allow_private=True)
    finally:
        server.shutdown()
        server.server_close()


def test_too_many_redirects(base: str) -> None:
    with pytest.raises(FetchError, match=r"too many redirects \(more than 5\)"):
        fetch(f"{base}/loop", allow_private=True)


def test_http_error_status(base: str) -> None:
    with pytest.raises(FetchError) as err:
        fetch(f"{base}/missing", allow_private=True)
    assert str(err.value) == f"HTTP 404 for {base}/missing"


def test_slow_server_times_out(base: str) -> None:
    start = time.monotonic()
    with pytest.raises(FetchError) as err:
        fetch(f"{base}/slow", allow_private=True, timeout=1)
    assert str(err.value) == "timed out after 1 s"
    assert time.monotonic() - start < 2.5


@pytest.mark.parametrize("path", ["/big", "/big-stream"])
def test_oversized_body_is_refused(base: str, path: str) -> None:
    with pytest.raises(FetchError) as err:
        fetch(f"{base}{path}", allow_private=True, max_bytes=10_000)
    assert str(err.value) == "larger than 10000 bytes"
    got = fetch(f"{base}{path}", allow_private=True, max_bytes=60_000)
    assert len(got.content) == 50_000


# -- ingesting web pages and feeds ------------------------------------------------------

def test_ingest_page_keeps_the_article_and_drops_boilerplate(base: str, corpus: Path) -> None:
    result = ingest([f"{base}/article"], corpus, allow_private=True)
    assert result.errors == []
    assert result.saved == result.added == ["le-velo-gagne-du-terrain-a-lyon"]
    (path,) = md_files(corpus)
    assert path.name == "le-velo-gagne-du-terrain-a-lyon.md"
    raw = path.read_text(encoding="utf-8")
    assert raw.startswith("---\n")
    for word in BOILERPLATE_WORDS:
        assert word not in raw, word
    article = load_article(path)
    assert article.title == "Le vélo gagne du terrain à Lyon"
    assert article.url == f"{base}/article"
    assert article.language == "fr"
    assert article.published == "2024-05-12"
    assert article.outlet == "Le Journal"
    for para in ARTICLE_BODY_FR:
        assert para in article.text
    assert not article.text.startswith("#")  # the title is not repeated as a heading


def test_ingest_feed_twice_skips_known_entries(base: str, corpus: Path,
                                               site: ThreadingHTTPServer) -> None:
    first = ingest([f"{base}/feed.xml"], corpus, allow_private=True)
    assert first.errors == []
    assert first.added == first.saved == ["offshore-wind-farm-opens-in-the-north-sea",
                                          "rail-workers-end-a-three-day-strike"]
    files = md_files(corpus)
    assert [p.stem for p in files] == sorted(first.saved)
    wind = load_article(corpus / "offshore-wind-farm-opens-in-the-north-sea.md")
    assert wind.url == f"{base}/news/wind-farm"
    assert wind.language == "en"
    assert "140 turbines" in wind.text
    contents = {p.name: p.read_bytes() for p in files}
    hits = site.hits["/news/wind-farm"]  # type: ignore[attr-defined]

    second = ingest([f"{base}/feed.xml"], corpus, allow_private=True)
    assert second.errors == []
    assert second.added == []
    assert second.saved == first.saved
    assert {p.name: p.read_bytes() for p in md_files(corpus)} == contents
    assert site.hits["/news/wind-farm"] == hits  # type: ignore[attr-defined]  # not refetched


def test_feed_and_page_told_apart_by_content_not_only_type(base: str, corpus: Path) -> None:
    feed = ingest([f"{base}/feed-untyped"], corpus, allow_private=True)
    assert feed.errors == []
    assert len(feed.added) == 2
    page_result = ingest([f"{base}/xhtml"], corpus, allow_private=True)
    assert page_result.errors == []
    assert page_result.added == ["le-velo-gagne-du-terrain-a-lyon"]


def test_stuck_dns_resolution_is_timed_out(monkeypatch: pytest.MonkeyPatch) -> None:
    def stuck(*args: object, **kwargs: object) -> list:
        time.sleep(3)
        return []

    monkeypatch.setattr(fetch_mod.socket, "getaddrinfo", stuck)
    start = time.monotonic()
    with pytest.raises(FetchError, match=r"^timed out after 1 s \(resolving 'slow-dns\.test'\)$"):
        fetch("http://slow-dns.test/", allow_private=False, timeout=1)
    assert time.monotonic() - start < 2


def test_malformed_feed_is_an_error(base: str, corpus: Path) -> None:
    result = ingest([f"{base}/bad-feed.xml"], corpus, allow_private=True)
    assert result.saved == []
    assert len(result.errors) == 1
    assert result.errors[0][0] == f"{base}/bad-feed.xml"
    assert result.errors[0][1].startswith("malformed feed")
    assert md_files(corpus) == []


def test_one_bad_source_does_not_stop_the_others(base: str, corpus: Path) -> None:
    sources = [f"{base}/missing", "ftp://example.com/a", f"{base}/empty-page",
               f"{base}/old-article", ""]
    result = ingest(sources, corpus, allow_private=True, timeout=5)
    assert result.saved == ["le-velo-gagne-du-terrain-a-lyon"]
    assert dict(result.errors) == {
        f"{base}/missing": f"HTTP 404 for {base}/missing",
        "ftp://example.com/a": "unsupported scheme 'ftp'",
        f"{base}/empty-page": "no article text found in the page",
        "": "empty source",
    }
    # Redirected: the article is stored under its final URL.
    assert load_article(corpus / "le-velo-gagne-du-terrain-a-lyon.md").url == f"{base}/article"


def test_ingest_timeout_is_reported(base: str, corpus: Path) -> None:
    result = ingest([f"{base}/slow"], corpus, allow_private=True, timeout=1)
    assert result.errors == [(f"{base}/slow", "timed out after 1 s")]
    assert md_files(corpus) == []


def test_same_url_twice_is_stored_once(base: str, corpus: Path) -> None:
    result = ingest([f"{base}/article", f"{base}/article#comments", f"{base}/old-article"],
                    corpus, allow_private=True)
    assert result.errors == []
    assert result.saved == ["le-velo-gagne-du-terrain-a-lyon"] * 3
    assert result.added == ["le-velo-gagne-du-terrain-a-lyon"]
    assert len(md_files(corpus)) == 1


# -- ingesting local files --------------------------------------------------------------

def test_local_files_of_every_kind(tmp_path: Path, corpus: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "Grève SNCF.md").write_text(
        "---\ntitle: \"Grève à la SNCF\"\nlanguage: fr\npublished: \"2024-03-01\"\n"
        "url: https://example.org/greve\noutlet: Le Quotidien\nauthor: A. Martin\n---\n"
        "# Contexte\n\nLes syndicats de la SNCF appellent à une grève reconductible à partir "
        "de lundi pour protester contre la réforme.\n", encoding="utf-8")
    (src / "budget_note.txt").write_text(
        "The city council approved the new budget on Tuesday by a narrow majority of two "
        "votes.\n", encoding="utf-8")
    (src / "page.html").write_text(page("Le vélo gagne du terrain à Lyon", ARTICLE_BODY_FR),
                                   encoding="utf-8")
    (src / "report.pdf").write_bytes(make_pdf([
        "Solar panel installations rose by forty percent last year,",
        "according to the national energy agency report.",
    ]))
    sources = [str(src / n) for n in ("Grève SNCF.md", "budget_note.txt", "page.html",
                                      "report.pdf")]
    result = ingest(sources, corpus)
    assert result.errors == []
    assert result.saved == ["greve-sncf", "budget-note", "page", "report"]
    assert sorted(p.name for p in md_files(corpus)) == [
        "budget-note.md", "greve-sncf.md", "page.md", "report.md"]

    md = load_article(corpus / "greve-sncf.md")
    assert (md.title, md.language, md.published, md.url, md.outlet) == (
        "Grève à la SNCF", "fr", "2024-03-01", "https://example.org/greve", "Le Quotidien")
    assert md.extra == {"author": "A. Martin"}
    assert "# Contexte" in md.text
    txt = load_article(corpus / "budget-note.md")
    assert txt.title == "budget note"
    assert txt.language == "en"
    assert "narrow majority" in txt.text
    html = load_article(corpus / "page.md")
    assert html.title == "Le vélo gagne du terrain à Lyon"
    assert ARTICLE_BODY_FR[1] in html.text
    assert "Accueil" not in html.text and "cookies" not in html.text
    pdf = load_article(corpus / "report.md")
    assert "Solar panel installations rose by forty percent" in pdf.text
    assert pdf.language == "en"
    # Every stored file is Markdown with the five front-matter keys first.
    for path in md_files(corpus):
        head = path.read_text(encoding="utf-8").split("\n")[1:6]
        assert [line.split(":")[0] for line in head] == [
            "title", "language", "published", "url", "outlet"]


def test_empty_binary_and_unsupported_files_are_refused(tmp_path: Path, corpus: Path) -> None:
    (tmp_path / "empty.md").write_bytes(b"")
    (tmp_path / "blank.txt").write_text("  \n\n \t\n", encoding="utf-8")
    (tmp_path / "image.txt").write_bytes(bytes(range(256)) * 20)
    (tmp_path / "fake.pdf").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    (tmp_path / "doc.docx").write_bytes(b"PK\x03\x04")
    names = ["empty.md", "blank.txt", "image.txt", "fake.pdf", "doc.docx", "missing.md"]
    result = ingest([str(tmp_path / n) for n in names], corpus)
    assert result.saved == []
    messages = dict(result.errors)
    assert messages[str(tmp_path / "empty.md")] == "empty.md: empty file"
    assert messages[str(tmp_path / "blank.txt")] == "blank.txt: no text in it"
    assert messages[str(tmp_path / "image.txt")] == "image.txt: binary file, not text"
    assert messages[str(tmp_path / "fake.pdf")] == "fake.pdf: not a PDF file"
    assert messages[str(tmp_path / "doc.docx")].startswith(
        "doc.docx: unsupported file type '.docx'")
    assert messages[str(tmp_path / "missing.md")] == "missing.md: no such file"
    assert md_files(corpus) == []


def test_oversized_file_is_refused(tmp_path: Path, corpus: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.ingest as ingest_mod

    monkeypatch.setattr(ingest_mod, "MAX_FILE_BYTES", 1000)
    big = tmp_path / "big.txt"
    big.write_text("word " * 400, encoding="utf-8")
    result = ingest([str(big)], corpus)
    assert result.errors == [(str(big), "big.txt: 2000 bytes, over the 1000 byte limit")]
    assert md_files(corpus) == []


def test_paths_with_dotdot_land_inside_the_corpus(tmp_path: Path, corpus: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "..evil name.md").write_text("Une note sur les élections municipales.\n",
                                            encoding="utf-8")
    tricky = f"{corpus}/../outside/../outside/..evil name.md"
    result = ingest([tricky], corpus)
    assert result.errors == []
    assert result.saved == ["evil-name"]
    (path,) = md_files(corpus)
    assert path.resolve().parent == corpus.resolve()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "outside"]
    aid = save_text("../../etc/passwd", "Un autre texte, collé dans la page.", corpus)
    assert aid == "etc-passwd"
    assert (corpus / "etc-passwd.md").resolve().parent == corpus.resolve()
    assert not (tmp_path / "etc").exists()


def test_same_article_twice_is_stored_once(tmp_path: Path, corpus: Path) -> None:
    text = ("Le Parlement a adopté jeudi la loi sur la transition énergétique, après "
            "six mois de débats.")
    (tmp_path / "loi.md").write_text(f"---\ntitle: Loi énergie\n---\n{text}\n",
                                     encoding="utf-8")
    # The same text under another name and format, with other spacing and case.
    (tmp_path / "copie.txt").write_text("  " + text.upper().replace(" ", "  ") + "\n\n",
                                        encoding="utf-8")
    result = ingest([str(tmp_path / "loi.md"), str(tmp_path / "loi.md"),
                     str(tmp_path / "copie.txt")], corpus)
    assert result.errors == []
    assert result.saved == ["loi", "loi", "loi"]
    assert result.added == ["loi"]
    assert [p.name for p in md_files(corpus)] == ["loi.md"]
    # And in a later call too.
    again = ingest([str(tmp_path / "copie.txt")], corpus)
    assert (again.saved, again.added) == (["loi"], [])


def test_file_already_in_the_corpus_is_left_alone(corpus: Path) -> None:
    path = corpus / "deja-la.md"
    path.write_text("---\ntitle: Déjà là\n---\nUn article déjà dans le corpus.\n",
                    encoding="utf-8")
    before = path.read_bytes()
    result = ingest([str(path)], corpus)
    assert result == IngestResult(saved=["deja-la"], added=[], errors=[])
    assert path.read_bytes() == before
    assert [p.name for p in md_files(corpus)] == ["deja-la.md"]


def test_different_articles_with_the_same_name_get_distinct_ids(tmp_path: Path,
                                                                corpus: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "meteo.txt").write_text("Il pleuvra demain sur Paris.", encoding="utf-8")
    (tmp_path / "b" / "meteo.txt").write_text("Grand soleil attendu à Marseille.",
                                              encoding="utf-8")
    result = ingest([str(tmp_path / "a" / "meteo.txt"), str(tmp_path / "b" / "meteo.txt")],
                    corpus)
    assert result.saved == ["meteo", "meteo-2"]
    assert "Marseille" in load_article(corpus / "meteo-2.md").text


# -- pasted text ------------------------------------------------------------------------

def test_save_text(corpus: Path) -> None:
    aid = save_text("Inflation : les prix ralentissent",
                    "L'inflation a ralenti en avril, à 2,2 % sur un an, selon l'Insee.",
                    corpus, url="https://example.org/inflation", published="2024-05-01")
    assert aid == "inflation-les-prix-ralentissent"
    article = load_article(corpus / f"{aid}.md")
    assert (article.title, article.url, article.published, article.language) == (
        "Inflation : les prix ralentissent", "https://example.org/inflation", "2024-05-01", "fr")
    # Same text again (even under another title): the existing id, no new file.
    assert save_text("Autre titre", "L'inflation a ralenti en avril, à 2,2 % sur un an, "
                     "selon l'Insee.", corpus) == aid
    assert len(md_files(corpus)) == 1
    with pytest.raises(SourceError, match="no text"):
        save_text("Vide", "  \n ", corpus)
    assert len(md_files(corpus)) == 1
