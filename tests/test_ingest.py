"""Ingestion into the corpus folder, against a real HTTP server on 127.0.0.1 and real files."""

from __future__ import annotations

import functools
import shutil
import ssl
import subprocess
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest
from news_site import (  # site_fixture, base_fixture: the fixtures site and base
    ARTICLE_BODY_FR,
    BOILERPLATE_WORDS,
    FEED_ARTICLES,
    base_fixture,  # noqa: F401
    make_pdf,
    page,
    requests_since,
    serve,
    site_fixture,  # noqa: F401
    treat_as_public,
)

from assistant import fetch as fetch_mod
from assistant.fetch import FetchError, check_url, fetch
from assistant.ingest import IngestResult, ingest, save_text
from assistant.sources import SourceError, corpus_files, load_article


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
    treat_as_public(monkeypatch, "news.test")
    port = site.server_address[1]
    # The allowed host works (and the connection goes to the checked address, with the
    # original Host header: "news.test" has no real DNS entry).
    got = fetch(f"http://news.test:{port}/old-article", allow_private=False)
    assert got.url == f"http://news.test:{port}/article"
    assert "cours Lafayette" in got.text
    assert f"news.test:{port}" in site.hosts  # type: ignore[attr-defined]
    before = site.hits["/article"]  # type: ignore[attr-defined]
    with pytest.raises(FetchError, match=r"refused: 169\.254\.169\.254 is a link-local"):
        fetch(f"http://news.test:{port}/to-metadata", allow_private=False)
    with pytest.raises(FetchError, match=r"refused: 10\.0\.0\.1 is a private/loopback"):
        fetch(f"http://news.test:{port}/to-private", allow_private=False)
    # The same server under its loopback address: refused after the redirect…
    with pytest.raises(FetchError, match=r"refused: 127\.0\.0\.1 is a private/loopback"):
        fetch(f"http://news.test:{port}/to-loopback", allow_private=False)
    assert site.hits["/article"] == before  # type: ignore[attr-defined]  # never reached
    # …and allowed when private addresses are.
    assert "cours Lafayette" in fetch(f"http://news.test:{port}/to-loopback",
                                      allow_private=True).text


def test_feed_on_a_public_host_cannot_send_the_fetcher_inside(
    site: ThreadingHTTPServer, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    treat_as_public(monkeypatch, "news.test")
    feed = f"http://news.test:{site.server_address[1]}/feed-private.xml"
    result = ingest([feed], corpus, allow_private=False)
    assert result.added == ["offshore-wind-farm-opens-in-the-north-sea"]
    assert dict(result.errors) == {
        "http://10.0.0.1/admin": "refused: 10.0.0.1 is a private/loopback address "
                                 "(set ASSISTANT_ALLOW_PRIVATE_URLS=1 to allow)",
        "http://169.254.169.254/latest/meta-data/": "refused: 169.254.169.254 is a "
        "link-local address (set ASSISTANT_ALLOW_PRIVATE_URLS=1 to allow)",
    }


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_https_connects_to_the_checked_address_and_verifies_the_host_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real TLS server on 127.0.0.1 with a certificate for "news.test" only.
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=news.test",
                    "-addext", "subjectAltName=DNS:news.test"], check=True, capture_output=True)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(str(cert), str(key))
    with serve(functools.partial(server_ctx.wrap_socket, server_side=True)) as server:
        port = server.server_address[1]
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


def test_a_feed_entry_whose_page_names_no_site_takes_the_feeds_name(
        base: str, corpus: Path) -> None:
    result = ingest([f"{base}/feed-nameless.xml"], corpus, allow_private=True)
    assert result.errors == [] and len(result.added) == 1
    assert load_article(corpus / f"{result.added[0]}.md").outlet == "Other News"


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
    before = dict(site.hits)  # type: ignore[attr-defined]

    second = ingest([f"{base}/feed.xml"], corpus, allow_private=True)
    assert second.errors == []
    assert second.added == []
    assert second.saved == first.saved
    assert {p.name: p.read_bytes() for p in md_files(corpus)} == contents
    # the feed only: no entry page fetched again
    assert requests_since(site, before) == {"/feed.xml": 1}


def test_atom_feed(base: str, corpus: Path) -> None:
    result = ingest([f"{base}/atom.xml"], corpus, allow_private=True)
    assert result.errors == []
    assert sorted(result.added) == sorted(
        "-".join(t.lower().split()) for t, _ in FEED_ARTICLES.values())
    for path, (title, paras) in FEED_ARTICLES.items():
        (article,) = [a for a in map(load_article, md_files(corpus)) if a.title == title]
        assert article.url == f"{base}{path}"
        assert article.language == "en"
        assert article.published == "2024-05-12"  # the page's own date beats the feed's
        assert paras[0] in article.text


def test_feed_with_redirecting_links_is_not_refetched(base: str, corpus: Path,
                                                       site: ThreadingHTTPServer) -> None:
    first = ingest([f"{base}/feed-redirects.xml"], corpus, allow_private=True)
    assert first.errors == [] and len(first.added) == 2
    for path in FEED_ARTICLES:  # stored under the page's URL, the link remembered
        (article,) = [a for a in map(load_article, md_files(corpus)) if a.url == f"{base}{path}"]
        assert article.extra["link"] == f"{base}/r{path}" and article.extra["fetched"]
    before = dict(site.hits)  # type: ignore[attr-defined]
    second = ingest([f"{base}/feed-redirects.xml"], corpus, allow_private=True)
    assert (second.errors, second.added, sorted(second.saved)) == ([], [], sorted(first.saved))
    # the feed only: no link followed, no page fetched
    assert requests_since(site, before) == {"/feed-redirects.xml": 1}


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
    # its own fields, and the fingerprint of the file it came from (an edit of the
    # same file added again updates it)
    assert md.extra.pop("added_from") and md.extra == {"author": "A. Martin"}
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
    # present: the web panel names it "already indexed" (it said nothing before)
    assert result == IngestResult(saved=["deja-la"], added=[], errors=[], present=["deja-la"])
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


def test_a_page_added_again_is_fetched_again_and_its_article_updated(
        site: ThreadingHTTPServer, base: str, corpus: Path) -> None:
    """Adding a page's URL again fetches it again: a changed page updates its article
    in place (same id, no second article); an unchanged one writes nothing. (A feed's
    stored entries are not fetched again: test_ingest_feed_twice_skips_known_entries.)"""
    url = f"{base}/editable"
    site.editable = [*ARTICLE_BODY_FR, "Le budget du réseau atteint 120 millions d’euros."]  # type: ignore[attr-defined]
    first = ingest([url], corpus, allow_private=True)
    (path,) = md_files(corpus)
    assert first.added == first.saved and len(first.added) == 1
    site.editable[-1] = "Le budget du réseau atteint 135 millions d’euros."  # type: ignore[attr-defined]
    before = dict(site.hits)  # type: ignore[attr-defined]
    again = ingest([url], corpus, allow_private=True)
    assert requests_since(site, before) == {"/editable": 1}
    assert again.errors == [] and again.added == [] and again.saved == first.saved
    assert md_files(corpus) == [path]
    text = load_article(path).text
    assert "135 millions" in text and "120 millions" not in text
    written = path.read_bytes()
    assert ingest([url], corpus, allow_private=True).saved == first.saved
    assert path.read_bytes() == written  # unchanged page: the file is not rewritten
