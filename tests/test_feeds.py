"""Watched feeds, the parts that load no model: the state file, the backoff schedule,
conditional GETs and the per-poll cap (against the local feed site), the feeds CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from feed_site import ENTRIES, FeedSite

from assistant.feeds import STATE_FILE, FeedBook, FeedState, backoff, status_rows
from assistant.ingest import poll_feed

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site() -> FeedSite:
    with FeedSite() as s:
        yield s


def test_state_file_round_trip_keeps_every_field(tmp_path: Path) -> None:
    book = FeedBook(tmp_path)
    assert book.load() == {} and book.subscribed() == []
    assert book.subscribe(" https://example.org/feed.xml ") is True
    assert book.subscribe("https://example.org/feed.xml") is False  # once only
    book.subscribe("https://example.org/other.xml")

    def change(s: FeedState) -> None:
        s.validators = {"etag": '"abc"', "last-modified": "Tue, 01 Dec 2026 08:00:00 GMT"}
        s.last_poll, s.last_new, s.failures, s.next_poll = "2026-12-01 08:00:00", "x", 2, 5.5

    saved = book.update("https://example.org/feed.xml", change)
    again = FeedBook(tmp_path).load()
    assert again["https://example.org/feed.xml"] == saved
    assert saved.subscribed and saved.validators["etag"] == '"abc"' and saved.failures == 2
    assert book.subscribed() == ["https://example.org/feed.xml", "https://example.org/other.xml"]
    # No temporary file left beside it; the file is not an article (starts with a dot).
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".feeds-")) == []
    assert book.unsubscribe("https://example.org/feed.xml") is True
    assert book.unsubscribe("https://example.org/feed.xml") is False
    assert book.subscribed() == ["https://example.org/other.xml"]


def test_state_file_damaged_or_from_a_newer_version(tmp_path: Path) -> None:
    path = tmp_path / STATE_FILE
    path.write_text("{not json", encoding="utf-8")
    assert FeedBook(tmp_path).load() == {}  # a warning, no crash
    path.write_text(json.dumps({"feeds": [{"url": "https://a.example/f", "subscribed": True,
                                           "from_the_future": 1}, {"no": "url"}]}))
    assert FeedBook(tmp_path).subscribed() == ["https://a.example/f"]


@pytest.mark.parametrize("url", ["", "feed.xml", "ftp://example.org/feed", "http://"])
def test_subscribe_refuses_what_is_not_an_http_address(tmp_path: Path, url: str) -> None:
    with pytest.raises(ValueError, match=r"feed address|not a valid"):
        FeedBook(tmp_path).subscribe(url)
    assert FeedBook(tmp_path).load() == {}


def test_backoff_doubles_up_to_the_cap() -> None:
    assert backoff(0, 10, 3600) == 0
    assert [backoff(n, 10, 3600) for n in range(1, 6)] == [20, 40, 80, 160, 320]
    assert backoff(9, 10, 3600) == 3600
    assert backoff(10_000, 10, 3600) == 3600  # no overflow after many failures


def test_conditional_get_is_answered_304_and_validators_come_back(site: FeedSite,
                                                                   tmp_path: Path) -> None:
    site.publish(1)
    first = poll_feed(f"{site.base}/feed.xml", tmp_path, allow_private=True)
    assert first.status == 200 and first.result.added and first.left == 0
    assert set(first.validators) == {"etag", "last-modified"}
    before = dict(site.hits)
    again = poll_feed(f"{site.base}/feed.xml", tmp_path, validators=first.validators,
                      allow_private=True)
    assert again.status == 304 and not again.result.added and not again.result.saved
    assert site.conditional[-1] == {"If-None-Match": first.validators["etag"],
                                    "If-Modified-Since": first.validators["last-modified"]}
    # Last-Modified alone works too.
    dated = poll_feed(f"{site.base}/feed.xml", tmp_path, allow_private=True,
                      validators={"last-modified": first.validators["last-modified"]})
    assert dated.status == 304
    assert {p: n - before.get(p, 0) for p, n in site.hits.items()
            if n != before.get(p, 0)} == {"/feed.xml": 2}


def test_cap_leaves_new_entries_for_the_next_poll_and_known_ones_are_not_fetched(
        site: FeedSite, tmp_path: Path) -> None:
    site.publish(len(ENTRIES))
    before = dict(site.hits)
    first = poll_feed(f"{site.base}/feed.xml", tmp_path, max_new=2, allow_private=True)
    assert len(first.result.added) == 2 and first.left == len(ENTRIES) - 2
    second = poll_feed(f"{site.base}/feed.xml", tmp_path, max_new=2, allow_private=True)
    assert len(second.result.added) == len(ENTRIES) - 2 and second.left == 0
    assert len(set(first.result.added + second.result.added)) == len(ENTRIES)
    third = poll_feed(f"{site.base}/feed.xml", tmp_path, max_new=2, allow_private=True)
    assert third.result.added == [] and len(third.result.saved) == len(ENTRIES)
    # Each entry page fetched exactly once over the three polls.
    assert all(site.hits[f"/e/{n}"] - before.get(f"/e/{n}", 0) == 1
               for n in range(len(ENTRIES)))
    stopped = poll_feed(f"{site.base}/feed.xml", tmp_path / "other", allow_private=True,
                        stop=lambda: True)
    assert stopped.result.added == [] and stopped.left == len(ENTRIES)


def test_poll_refuses_a_private_address_and_a_page_that_is_not_a_feed(
        site: FeedSite, tmp_path: Path) -> None:
    from assistant.fetch import FetchError
    from assistant.sources import SourceError

    with pytest.raises(FetchError, match="refused"):
        poll_feed(f"{site.base}/feed.xml", tmp_path)  # same SSRF rule as refresh
    with pytest.raises(SourceError, match="not an RSS/Atom feed"):
        poll_feed(site.url(0), tmp_path, allow_private=True)


def test_feeds_cli_add_list_remove(tmp_path: Path) -> None:
    env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "assistant", "feeds", *args], env=env,
                              cwd=ROOT, capture_output=True, text=True, timeout=120)

    url = "https://news.example/feed.xml"
    FeedBook(tmp_path).update(url, lambda s: setattr(s, "last_error", "HTTP 500"))
    added = run("add", url)
    assert added.returncode == 0 and added.stdout == f"subscribed to {url}\n"
    listed = run("list")
    assert listed.stdout.startswith(f"{url}\n  last poll: never   last new entry: never   "
                                    "last error:  HTTP 500"), listed.stdout
    assert status_rows(FeedBook(tmp_path))[0]["subscribed"] == "yes"
    gone = run("remove", "not a url")  # a URL never subscribed: said so, status 1
    assert gone.returncode == 1 and gone.stdout == "not subscribed to not a url\n"
    assert FeedBook(tmp_path).subscribed() == [url]


def test_feeds_panel_adds_removes_and_shows_each_feeds_status(tmp_path: Path) -> None:
    from assistant.feeds_panel import FeedsPanel

    panel = FeedsPanel(tmp_path, every=900)
    assert "Aucun flux suivi." in panel.html("fr") and "900 s" in panel.html("en")
    assert "Give a feed address." in panel.add("  ", "en")
    refused = panel.add("javascript:alert(1)", "en")
    assert "not an http(s) feed address" in refused and FeedBook(tmp_path).load() == {}
    url = "https://news.example/feed.xml?a=1&b=<2>"
    shown = panel.add(url, "en")
    assert "Watching https://news.example/feed.xml?a=1&amp;b=&lt;2&gt;" in shown
    assert "<2>" not in shown  # escaped
    FeedBook(tmp_path).update(url, lambda s: (setattr(s, "last_poll", "2026-12-01 08:00:00"),
                                              setattr(s, "last_error", "HTTP 500 <b>"),
                                              setattr(s, "next_poll", 4e9)))
    table = panel.html("en")
    assert "<th>Last poll</th><th>Last new entry</th><th>Last error</th>" in table
    assert "<td>2026-12-01 08:00:00</td><td>never</td>" in table
    assert "HTTP 500 &lt;b&gt; (next try at" in table
    assert "Already watched" in panel.add(url, "en")
    assert "Flux retiré" in panel.remove(url, "fr") and FeedBook(tmp_path).subscribed() == []
    assert "n&#x27;était pas suivi" in panel.remove(url, "fr")
