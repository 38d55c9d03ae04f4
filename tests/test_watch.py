"""Watching feeds for real: the local feed site, real models and Chroma, the
`python -m assistant watch` process beside the web app (which polls too)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, running_app, stop
from feed_site import ENTRIES, FeedSite

from assistant.core import Assistant
from assistant.feeds import FeedBook
from assistant.watch import Watcher

EVERY = 2.0


@pytest.fixture(scope="module")
def site() -> FeedSite:
    with FeedSite() as s:
        yield s


def own(assistant: Assistant, folder: Path, **changes: object) -> Assistant:
    """An assistant on a corpus and index of its own under ``folder`` (empty: the feed's
    entries alone are quick to embed), sharing the session's MiniLM model. Without the
    multilingual leg (not what is tested here) the processes of these tests start and
    embed faster on a shared 2-core machine."""
    corpus = folder / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    settings = assistant.settings.model_copy(update={
        "corpus_dir": corpus, "index_dir": folder / "index", "allow_private_urls": True,
        "watch_every": EVERY, "multilingual": False, "chroma_url": "", **changes})
    return Assistant(settings, embedders={"dense": assistant.embedders["dense"]})


def wait_for(check: Callable[[], object], timeout: float, what: str) -> float:
    """Seconds until ``check()`` is true (polled every 0.2 s); fails after ``timeout``."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > timeout:
            pytest.fail(f"{what}: not within {timeout} s")
        time.sleep(0.2)
    return time.monotonic() - start


def found(assistant: Assistant, n: int) -> bool:
    """True when a search for entry ``n``'s subject finds it."""
    docs = assistant.retrieve(ENTRIES[n][1][0], k=3)
    return any(d.metadata.get("title") == ENTRIES[n][0] for d in docs)


def index_content(assistant: Assistant) -> dict[str, tuple]:
    """Every passage of the index: id → (text, title, url, published)."""
    return {h.id: (h.text, h.metadata["title"], h.metadata["url"], h.metadata["published"])
            for h in assistant.store.passages()}


def test_polls_are_conditional_entries_fetched_once_and_a_dead_feed_backs_off(
        assistant: Assistant, site: FeedSite, tmp_path: Path) -> None:
    # Polls here are made by hand: a long interval makes the backoff outlast the test.
    mine = own(assistant, tmp_path, watch_every=30.0)
    book = FeedBook(mine.settings.corpus_dir)
    feed, dead = f"{site.base}/feed.xml", f"{site.base}/dead.xml"
    site.publish(1)
    watcher = Watcher(mine)
    first = watcher.poll([dead, feed], echo=lambda line: None)
    assert (first[0].errors, first[1].new) == (1, 1), first
    assert "HTTP 500" in first[0].note and "next try in 60 s" in first[0].note
    assert found(mine, 0)

    # The dead feed waits out its backoff; the other goes on and finds the new entry.
    site.publish(2)
    hits = dict(site.hits)
    second = watcher.poll([dead, feed], echo=lambda line: None)
    assert second[0].note.startswith("failed 1× in a row") and second[1].new == 1
    assert site.hits["/dead.xml"] == hits["/dead.xml"]  # not asked meanwhile
    assert found(mine, 1)

    # Nothing new: one conditional request answered 304, no entry page fetched again.
    hits, not_modified = dict(site.hits), site.not_modified
    third = watcher.poll([feed], echo=lambda line: None)
    assert third[0].note == "not modified" and site.not_modified == not_modified + 1
    assert set(site.conditional[-1]) == {"If-None-Match", "If-Modified-Since"}
    assert {p: n - hits.get(p, 0) for p, n in site.hits.items() if n != hits.get(p, 0)} == {
        "/feed.xml": 1}
    assert site.hits["/e/0"] == site.hits["/e/1"] == 1

    # Once due (its wait cut short here), the dead feed is asked again, waits twice as long.
    book.update(dead, lambda state: setattr(state, "next_poll", time.time()))
    again = watcher.poll([dead], echo=lambda line: None)
    assert "next try in 120 s" in again[0].note and site.hits["/dead.xml"] == 2
    state = book.get(dead)
    assert state.failures == 2 and "HTTP 500" in state.last_error and state.last_poll
    assert book.get(feed).last_new and book.get(feed).added == 2


def watch(env: dict[str, str], *args: str) -> subprocess.Popen:
    """`python -m assistant watch ARGS` in the background, its output in a pipe."""
    return subprocess.Popen([sys.executable, "-m", "assistant", "watch", *args], env=env,
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def test_watch_beside_the_app_then_sigterm_mid_poll_and_watch_once(
        assistant: Assistant, site: FeedSite, env: dict[str, str], tmp_path: Path) -> None:
    reader = own(assistant, tmp_path / "shared", auto_refresh=False)
    corpus = Path(reader.settings.corpus_dir)
    env = {**env, "ASSISTANT_CORPUS_DIR": str(corpus),
           "ASSISTANT_INDEX_DIR": str(reader.settings.index_dir),
           "ASSISTANT_ALLOW_PRIVATE_URLS": "1", "ASSISTANT_WATCH_EVERY": str(EVERY),
           "ASSISTANT_MULTILINGUAL": "0", "ASSISTANT_CHROMA_URL": ""}  # embedded, own folder
    feed = f"{site.base}/feed.xml"
    FeedBook(corpus).subscribe(feed)
    site.publish(1)
    hits = dict(site.hits)
    not_modified = site.not_modified
    # The watch and the web app (polling the same subscription) write one at a time.
    start = time.monotonic()
    watcher = watch(env, "--every", str(EVERY))
    try:
        # Two processes load the models at once: more time than one app alone gets.
        with running_app({**env, "ASSISTANT_WATCH_IN_APP": "1"}, tmp_path / "app.log",
                         timeout=300) as url:
            wait_for(lambda: FeedBook(corpus).get(feed).last_new, 240, "first entry indexed")
            print(f"processes up, first entry indexed after {time.monotonic() - start:.1f} s")
            assert found(reader, 0)  # searchable from this process
            site.publish(2)
            seconds = wait_for(lambda: found(reader, 1), 60, "new entry searchable")
            print(f"new entry searchable by another process after {seconds:.1f} s")
            from gradio_client import Client

            docs = Client(url, verbose=False).predict(ENTRIES[1][1][0], 3, api_name="/retrieve")
            assert any(d["title"] == ENTRIES[1][0] for d in docs)
            wait_for(lambda: site.not_modified >= not_modified + 2, 30, "304 re-polls")
        # No duplicates: each entry page fetched once, one file and one article each.
        assert [site.hits[f"/e/{n}"] - hits.get(f"/e/{n}", 0) for n in (0, 1)] == [1, 1]
        files = sorted(p.name for p in corpus.glob("*.md"))
        assert len(files) == 2, files
        assert {m[1] for m in index_content(reader).values()} == {ENTRIES[0][0], ENTRIES[1][0]}

        # SIGTERM while the watch fetches the new entries: it stops after this entry.
        site.delay = 1.5
        site.publish(len(ENTRIES))
        wait_for(lambda: site.hits["/e/2"] > hits.get("/e/2", 0), 30, "poll under way")
        watcher.send_signal(signal.SIGTERM)
        start = time.monotonic()
        out, _ = watcher.communicate(timeout=60)
        assert watcher.returncode == 0, out
        assert time.monotonic() - start < 15
        assert "stopped; the rest next time" in out and "not modified" in out, out
        assert site.hits["/e/3"] == hits.get("/e/3", 0)  # the rest was left
    finally:
        stop(watcher)
    site.delay = 0.0
    start = time.monotonic()
    once = subprocess.run([sys.executable, "-m", "assistant", "watch", "--once"], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert once.returncode == 0, once.stdout + once.stderr
    assert "new" in once.stdout and "Traceback" not in once.stderr
    print(f"watch --once: {time.monotonic() - start:.1f} s")
    # a feed that fails: --once exits 1, like refresh, with the reason on the feed's line
    dead = subprocess.run([sys.executable, "-m", "assistant", "watch", "--once",
                           f"{site.base}/dead.xml"], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert dead.returncode == 1 and "HTTP 500" in dead.stdout, dead.stdout + dead.stderr

    # The same index as one uninterrupted poll of the same feed into a fresh folder.
    straight = own(assistant, tmp_path / "straight")
    Watcher(straight).poll([feed], echo=lambda line: None)
    assert index_content(reader) == index_content(straight)
    assert len({m[1] for m in index_content(straight).values()}) == len(ENTRIES)
