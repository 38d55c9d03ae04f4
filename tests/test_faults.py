"""Faults: a damaged, missing or foreign index, a refresh killed midway, and
questions asked while a refresh writes. Real model, real Chroma in temp folders."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import ROOT

from assistant.answer import Answer
from assistant.chunking import chunk_article
from assistant.core import KEEP_BROKEN, WRITE_LOCK, Assistant
from assistant.indexing import chunk_metadata
from assistant.settings import Settings
from assistant.sources import load_article
from assistant.store import IndexMismatch, Space, Store

ASK = "Combien Kestrel01 a-t-il levé ?"  # answer: "2 millions d'euros", article kestrel-01
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre"]
CITIES = ["Lyon", "Nantes", "Lille", "Bordeaux", "Rennes", "Grenoble", "Toulouse", "Nice"]


def article(n: int) -> str:
    """A short generated French article (one passage) about company ``n``."""
    name, month, city = f"Kestrel{n:02d}", MONTHS[n % 12], CITIES[n % len(CITIES)]
    return f"""---
title: "{name} lève {n + 1} millions d'euros"
language: fr
published: "2024-{n % 12 + 1:02d}"
---

La start-up {name} a levé {n + 1} millions d'euros en {month} 2024 auprès du fonds Vautour{n:02d}.
Sa directrice générale, Camille Martin{n:02d}, veut recruter {10 * n + 5} ingénieurs à {city}.
L'entreprise conçoit des puces spécialisées pour l'inférence des modèles de langage.
"""


def write_articles(folder: Path, numbers: range) -> None:
    for n in numbers:
        (folder / f"kestrel-{n:02d}.md").write_text(article(n), encoding="utf-8")


def hashes(folder: Path) -> dict[str, str]:
    """Every file under a folder with the SHA-256 of its bytes (but the writer lock's
    empty file, which the first writer leaves in the corpus folder)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != WRITE_LOCK}


def snapshot(store: Store) -> dict[str, dict[str, tuple[str, str]]]:
    """space → passage id → (article hash, text): what an index holds."""
    out = {}
    for key in store.spaces:
        got = store.collection(key).get(include=["metadatas", "documents"])
        out[key] = {i: (str(m["article_hash"]), d)
                    for i, m, d in zip(got["ids"], got["metadatas"], got["documents"],
                                       strict=True)}
        assert len(out[key]) == store.collection(key).count()  # no duplicates
    return out


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    """A corpus folder of three short generated articles (the embedding stays quick)."""
    d = tmp_path / "corpus"
    d.mkdir()
    write_articles(d, range(3))
    return d


def own(assistant: Assistant, corpus: Path, index: Path) -> Assistant:
    """An assistant on ``corpus`` with an embedded index in ``index`` (models shared)."""
    return Assistant(Settings(corpus_dir=corpus, index_dir=index, chroma_url=""),
                     embedders=assistant.embedders)


def built(assistant: Assistant, corpus: Path, index: Path) -> dict:
    """Build an index, release it (as a stopped process would) and return its content."""
    a = own(assistant, corpus, index)
    a.refresh()
    content = snapshot(a.store)
    a.store.close()
    return content


# -- damaged, missing and foreign indexes ------------------------------------------
def test_damaged_vector_files_still_answer(assistant: Assistant, corpus: Path,
                                           tmp_path: Path) -> None:
    """Overwritten HNSW files: Chroma 1.5 rebuilds small segments from its log; either
    way the question is answered (set aside and rebuilt if loading them fails)."""
    index = tmp_path / "index"
    built(assistant, corpus, index)
    _hnsw(index)
    assert "2 millions d'euros" in own(assistant, corpus, index).ask(ASK).text


def test_vector_load_failure_at_query_time_is_set_aside_and_rebuilt(
        assistant: Assistant, corpus: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import chromadb.errors

    index = tmp_path / "index"
    before = built(assistant, corpus, index)
    a = own(assistant, corpus, index)
    a.ensure_index()
    real = Store.query
    failures = iter([True])

    def query(self, *args, **kwargs):  # what Chroma raises on damaged segment files
        if next(failures, False):
            raise chromadb.errors.InternalError("Error loading hnsw index")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "query", query)
    with caplog.at_level(logging.WARNING, logger="assistant"):
        answer = a.ask(ASK)
    assert "2 millions d'euros" in answer.text and answer.sources
    assert snapshot(a.store) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("index.broken-")]
    assert any("damaged" in r.getMessage() for r in caplog.records)


def test_old_broken_indexes_do_not_pile_up(assistant: Assistant, corpus: Path,
                                           tmp_path: Path) -> None:
    index = tmp_path / "index"
    for n in range(5):
        built(assistant, corpus, index)
        _junk(index)
        a = own(assistant, corpus, index)
        assert a.retrieve(ASK)
        a.store.close()
        time.sleep(0.01 * n)
    broken = [p for p in tmp_path.iterdir() if p.name.startswith("index.broken-")]
    assert len(broken) == KEEP_BROKEN



def _junk(index: Path) -> None:
    (index / "chroma.sqlite3").write_bytes(b"not a database\x00" * 4096)


def _half(index: Path) -> None:
    db = index / "chroma.sqlite3"
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 2])


def _tail(index: Path) -> None:  # found only when the data is read, not at opening
    db = index / "chroma.sqlite3"
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2] + b"\xa5" * (len(data) - len(data) // 2))


def _pages(index: Path) -> None:  # Chroma's Rust core panics on this one
    db = index / "chroma.sqlite3"
    data = bytearray(db.read_bytes())
    for offset in range(4096, len(data), 16384):
        data[offset:offset + 4096] = b"\x5a" * len(data[offset:offset + 4096])
    db.write_bytes(bytes(data))


def _hnsw(index: Path) -> None:  # the vector segment files, not the database
    segments = [p for p in index.rglob("header.bin")]
    assert segments, "no HNSW segment was written"
    for header in segments:
        for name in ("header.bin", "data_level0.bin"):
            f = header.with_name(name)
            f.write_bytes(b"\xff" * max(64, f.stat().st_size))


@pytest.mark.parametrize("damage", [_junk, _half, _tail, _pages],
                         ids=["garbage", "half-written", "damaged-tail", "damaged-pages"])
def test_damaged_index_is_set_aside_and_rebuilt(
        assistant: Assistant, corpus: Path, tmp_path: Path, damage,
        caplog: pytest.LogCaptureFixture) -> None:
    index = tmp_path / "index"
    before = built(assistant, corpus, index)
    corpus_before = hashes(corpus)
    damage(index)
    damaged = hashes(index)

    a = own(assistant, corpus, index)
    with caplog.at_level(logging.WARNING, logger="assistant"):
        answer = a.ask(ASK)
    assert "2 millions d'euros" in answer.text and answer.sources
    assert snapshot(a.store) == before  # rebuilt from the corpus: the same passages
    broken = [p for p in tmp_path.iterdir() if p.name.startswith("index.broken-")]
    assert len(broken) == 1 and set(hashes(broken[0])) == set(damaged)  # kept, all of it
    warning = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("damaged" in w and str(broken[0]) in w for w in warning), warning
    assert hashes(corpus) == corpus_before


def test_missing_index_folder_is_rebuilt(
        assistant: Assistant, corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    before = built(assistant, corpus, index)
    corpus_before = hashes(corpus)
    shutil.rmtree(index)
    a = own(assistant, corpus, index)
    assert a.retrieve(ASK, k=1)[0].metadata["article_id"] == "kestrel-01"
    assert snapshot(a.store) == before
    assert (index / "chroma.sqlite3").exists()
    assert hashes(corpus) == corpus_before


def test_index_of_another_model_is_kept_and_names_the_rebuild_command(
        assistant: Assistant, corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    other = Store("articles", [Space("dense", "other-model", 384)], path=index)
    other.upsert(["x:0000"], ["another model's passage"], [{"article_id": "x"}],
                 {"dense": [[0.1] * 384]})
    other.close()
    corpus_before = hashes(corpus)

    a = own(assistant, corpus, index)
    with pytest.raises(IndexMismatch, match=r"python -m assistant refresh --rebuild"):
        a.ask(ASK)
    assert [p.name for p in tmp_path.iterdir() if p.name != "corpus"] == ["index"]
    a.store.close()
    check = Store("articles", [Space("dense", "other-model", 384)], path=index)
    assert check.count() == 1  # the user's index is untouched
    check.close()

    a = own(assistant, corpus, index)
    a.refresh(rebuild=True)  # what the message says to do
    assert "2 millions d'euros" in a.ask(ASK).text
    assert hashes(corpus) == corpus_before


def test_article_written_in_one_space_only_is_redone(
        assistant: Assistant, corpus: Path, tmp_path: Path) -> None:
    """A refresh killed between the vector spaces' writes of a changed article
    (same passage ids, new text): the next refresh must rewrite it everywhere."""
    a = own(assistant, corpus, tmp_path / "index")
    a.refresh()
    path = corpus / "kestrel-01.md"
    path.write_text(path.read_text(encoding="utf-8").replace("2 millions", "7 millions"),
                    encoding="utf-8")
    changed = load_article(path)
    chunks = chunk_article(changed, a.settings.chunk_chars)
    texts = [c.indexed_text for c in chunks]
    # what a killed write leaves: the first space has the new passages, the others not
    a.store.collection("dense").upsert(
        ids=[c.id for c in chunks], documents=[c.text for c in chunks],
        metadatas=[chunk_metadata(changed, c, len(chunks)) for c in chunks],
        embeddings=a.embedders["dense"].embed_documents(texts))

    report = a.refresh()
    assert report.updated == ["kestrel-01"]
    for key in a.store.spaces:
        docs = " ".join(t for _, t in snapshot(a.store)[key].values())
        assert "7 millions" in docs and "2 millions" not in docs, key


# -- a refresh killed with SIGKILL ------------------------------------------------------
def test_refresh_killed_midway_is_completed_by_the_next_one(
        assistant: Assistant, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_articles(corpus, range(30))
    corpus_before = hashes(corpus)
    index = tmp_path / "index"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_CORPUS_DIR=str(corpus), ASSISTANT_INDEX_DIR=str(index),
               PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "refresh", "-v"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    indexed = 0
    deadline = time.monotonic() + 240
    try:
        for line in proc.stderr:  # log lines "INFO assistant.indexing: indexed <id> …"
            indexed += "assistant.indexing: indexed" in line
            if indexed >= 8 or time.monotonic() > deadline:
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert indexed >= 8, "the refresh did not get far enough to be killed midway"

    a = own(assistant, corpus, index)
    report = a.refresh()
    assert len(report.unchanged) >= 8  # what was fully written before the kill is kept
    assert len(report.added) + len(report.updated) + len(report.unchanged) == 30
    fresh = own(assistant, corpus, tmp_path / "fresh")
    fresh.refresh()
    resumed, expected = snapshot(a.store), snapshot(fresh.store)
    assert resumed == expected
    assert set(resumed["dense"]) == {c.id for n in range(30)
                                     for c in chunk_article(load_article(
                                         corpus / f"kestrel-{n:02d}.md"), 600)}
    assert hashes(corpus) == corpus_before
    hit = a.retrieve("Combien Kestrel29 a-t-il levé ?", k=1)[0]
    assert hit.metadata["article_id"] == "kestrel-29"


# -- questions during a refresh ------------------------------------------------------------
QUESTIONS = [  # (question, the article that answers it, what the answer says)
    (ASK, "kestrel-01", "2 millions d'euros"),
    ("How much did Kestrel03 raise?", "kestrel-03", "4 millions d'euros"),
    ("Combien d'ingénieurs Kestrel05 veut-il recruter ?", "kestrel-05", "55 ingénieurs"),
    ("Qui dirige Kestrel02 ?", "kestrel-02", "Camille Martin02"),
    ("Auprès de quel fonds Kestrel04 a-t-il levé des fonds ?", "kestrel-04", "Vautour04"),
]


def test_questions_from_many_threads_during_a_refresh(
        assistant: Assistant, corpus: Path, tmp_path: Path) -> None:
    write_articles(corpus, range(6))
    a = own(assistant, corpus, tmp_path / "index")
    a.refresh()
    for question, aid, fact in QUESTIONS:  # answered alone, before the test
        alone = a.ask(question)
        assert fact in alone.text and alone.sources[0].metadata["article_id"] == aid, question
    write_articles(corpus, range(6, 30))  # the refresh adds 24 articles
    known = {p.stem for p in corpus.iterdir()}

    window: dict[str, float] = {}

    def refresh() -> None:
        window["start"] = time.monotonic()
        a.refresh()
        window["end"] = time.monotonic()

    def ask(n: int) -> tuple[float, tuple[str, str, str], Answer]:
        answer = a.ask(QUESTIONS[n % len(QUESTIONS)][0])
        return time.monotonic(), QUESTIONS[n % len(QUESTIONS)], answer

    writer = threading.Thread(target=refresh)
    writer.start()
    while "start" not in window:
        time.sleep(0.01)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(ask, range(40)))
    writer.join()

    assert len(results) == 40
    for _, (question, aid, fact), answer in results:
        assert fact in answer.text, (question, answer.text)
        assert answer.sources[0].metadata["article_id"] == aid, question
        assert all(d.metadata["article_id"] in known for d in answer.sources)
        for d in answer.sources:  # the passage as the corpus has it, whole
            path = corpus / f"{d.metadata['article_id']}.md"
            chunks = {c.id: c.text for c in chunk_article(load_article(path), 600)}
            assert chunks[d.metadata["chunk_id"]] == d.page_content
    # the questions did not wait for the refresh to finish
    assert any(done < window["end"] for done, _, _ in results)
    hit = a.retrieve("Combien Kestrel29 a-t-il levé ?", k=1)[0]
    assert hit.metadata["article_id"] == "kestrel-29"
