"""Server mode: the index in a real `chroma run` server shared by several processes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from conftest import ROOT, free_port, own_index
from news_site import Handler
from test_indexing import NEW as ZORGLUB  # the same small article

from assistant import cli
from assistant.core import Assistant
from assistant.retrieval import VERSION_CHECK_SECONDS
from assistant.settings import Settings
from assistant.store import connect

OCT = "Combien OpenAI a-t-il levé en octobre ?"
SEED = "course-ia-financement"
Z_QUESTION = "Combien Zorglub a-t-il levé ?"


def on_server(assistant: Assistant, settings: Settings, url: str, where: Path,
              corpus: Path, collection: str | None = None) -> Assistant:
    """An assistant on ``url`` reading ``corpus``, sharing the session's loaded models."""
    changes: dict[str, object] = {"chroma_url": url, "corpus_dir": corpus}
    if collection:
        changes["collection"] = collection
    return Assistant(own_index(settings, where, **changes), embedders=assistant.embedders)


@pytest.fixture()
def corpus_a(corpus_dir: Path, tmp_path: Path) -> Path:
    """A copy of the project's corpus for process A."""
    d = tmp_path / "corpus-a"
    shutil.copytree(corpus_dir, d)
    return d


@pytest.fixture()
def app_a(assistant: Assistant, settings: Settings, chroma_url: str, corpus_a: Path,
          tmp_path: Path) -> Assistant:
    """Process A's assistant, on a fresh collection of the Chroma server."""
    return on_server(assistant, settings, chroma_url, tmp_path / "a", corpus_a)


def wait_for(check, what: str, timeout: float = 10 * VERSION_CHECK_SECONDS) -> None:
    """Poll ``check()`` until it is true (the retriever re-checks the store once a second)."""
    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            pytest.fail(f"not seen in {timeout} s: {what}")
        time.sleep(0.2)


def lexical_ids(app: Assistant, question: str) -> set[str]:
    """Passage ids the BM25 leg alone finds."""
    return {cid for cid, _ in app.retriever.lexical().search(question, 5)}


def zorglub(ids: set[str]) -> bool:
    """True when one of the passage ids is of the Zorglub article."""
    return any(cid.startswith("zorglub:") for cid in ids)


def dense_ids(app: Assistant, question: str) -> set[str]:
    """Passage ids each dense leg alone finds among its top 3 (intersection of legs)."""
    found = [
        {h.id for h in app.store.query(key, emb.embed_query(question), 3)}
        for key, emb in app.embedders.items()
    ]
    return set.intersection(*found)


def test_build_refresh_retrieve_ask_on_the_server(app_a: Assistant, chroma_url: str) -> None:
    docs = app_a.retrieve(OCT, k=3)  # first use builds the index on the server
    assert docs and "6,6 milliards" in docs[0].page_content
    assert not Path(app_a.settings.index_dir).exists()  # nothing embedded on disk
    answer = app_a.ask(OCT)
    assert "6,6 milliards" in answer.text and answer.sources
    # Another client of the same server sees the same passages.
    other = on_server(app_a, app_a.settings, chroma_url, Path(app_a.settings.index_dir),
                      Path(app_a.settings.corpus_dir), collection=app_a.settings.collection)
    assert other.store.count() == app_a.store.count() > 10
    assert other.refresh().passages_embedded == 0  # content hashes read from the server
    assert "corpus" not in docs[0].metadata  # bookkeeping stays out of the Documents

    other.refresh(rebuild=True)  # drops and recreates the collections under A's feet
    time.sleep(VERSION_CHECK_SECONDS)
    docs = app_a.retrieve(OCT, k=2)  # A's handles on the old collections are renewed
    assert docs and "6,6 milliards" in docs[0].page_content


def test_two_processes_share_the_server(app_a: Assistant, tmp_path: Path) -> None:
    assert SEED in {d.metadata["article_id"] for d in app_a.retrieve(OCT, k=2)}
    assert not zorglub(lexical_ids(app_a, Z_QUESTION))  # A's BM25 index is built, without it

    # Process B: its own corpus folder, the same server and collection.
    source = tmp_path / "zorglub.md"
    source.write_text(ZORGLUB, encoding="utf-8")
    corpus_b = tmp_path / "corpus-b"
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "ASSISTANT_CHROMA_URL": app_a.settings.chroma_url,
           "ASSISTANT_COLLECTION": app_a.settings.collection,
           "ASSISTANT_CORPUS_DIR": str(corpus_b),
           "ASSISTANT_INDEX_DIR": str(tmp_path / "b-index")}
    out = subprocess.run([sys.executable, "-m", "assistant", "refresh", str(source)], env=env,
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "zorglub" in out.stdout and "passages embedded: 1" in out.stdout
    # B's corpus lacks A's article, but B may not delete what A added.
    assert re.search(r"^removed\s+0\b", out.stdout, re.MULTILINE), out.stdout
    assert not (tmp_path / "b-index").exists()

    # A, without restart or refresh, finds B's article lexically and densely, and answers.
    wait_for(lambda: zorglub(lexical_ids(app_a, Z_QUESTION)), "B's article in A's BM25 index")
    assert zorglub(dense_ids(app_a, Z_QUESTION))
    assert "3 milliards" in app_a.ask(Z_QUESTION).text
    assert SEED in {d.metadata["article_id"] for d in app_a.retrieve(OCT, k=2)}

    # A's refresh keeps B's article (not from A's folder); B's refresh removes it once
    # its file is gone from B's folder, and A no longer finds it.
    report = app_a.refresh()
    assert report.removed == [] and report.unchanged == [SEED]
    app_b = on_server(app_a, app_a.settings, app_a.settings.chroma_url, tmp_path / "b",
                      corpus_b, collection=app_a.settings.collection)
    (corpus_b / "zorglub.md").unlink()
    assert app_b.refresh().removed == ["zorglub"]
    wait_for(lambda: not zorglub(lexical_ids(app_a, Z_QUESTION)), "B's deletion in A's index")
    assert SEED in {d.metadata["article_id"] for d in app_a.retrieve(OCT, k=2)}


class _Recorder(Handler):
    """Records the request headers and refuses, as a Chroma server with auth would."""

    seen: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        self.seen.append(dict(self.headers))
        self.send(401, '{"error":"Unauthorized","message":"no"}', "application/json")


@pytest.fixture()
def recorder() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Recorder.seen.clear()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_the_token_is_sent_and_a_refusal_is_raised(recorder: int) -> None:
    with pytest.raises(Exception, match=r"(?i)unauthori|401"):
        connect(f"http://127.0.0.1:{recorder}", token="s3cret", tenant="news")
    assert _Recorder.seen, "the client never called the server"
    headers = {k.lower(): v for k, v in _Recorder.seen[0].items()}
    assert headers["authorization"] == "Bearer s3cret" and headers["x-chroma-token"] == "s3cret"


@pytest.mark.parametrize("url", ["127.0.0.1:8000", "ftp://host:21", "http://host:8000/chroma"])
def test_a_malformed_server_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="http://host:port"):
        connect(url)


def test_settings_document_the_server_and_hide_the_token(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ASSISTANT_CHROMA_URL", "http://10.0.0.5:8000")
    monkeypatch.setenv("ASSISTANT_CHROMA_TOKEN", "s3cret")
    assert cli.main(["settings"]) == 0
    out = capsys.readouterr().out
    assert "http://10.0.0.5:8000" in out and "ASSISTANT_CHROMA_DATABASE" in out
    assert "s3cret" not in out and "ASSISTANT_CHROMA_TOKEN" in out
