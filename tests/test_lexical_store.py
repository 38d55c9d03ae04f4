"""The BM25 index saved next to the store: loaded by other processes instead of
rebuilt, and never loaded for another state of the store."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import SEED, own_index

from assistant import lexical_store
from assistant.core import Assistant
from assistant.lexical import LexicalIndex
from assistant.retrieval import VERSION_CHECK_SECONDS, _indexed
from assistant.settings import Settings

QUESTIONS = ["Combien Mistral AI a-t-il levé ?", "Who invests in Anthropic?", "OpenAI"]


@pytest.fixture(scope="module")
def built(assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """A fresh index of the seed article (the session's models), its BM25 index saved."""
    where = tmp_path_factory.mktemp("lexical")
    corpus = where / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    a = Assistant(own_index(assistant.settings, where, corpus_dir=corpus),
                  embedders=assistant.embedders)
    a.refresh()
    return a


def other_process(a: Assistant) -> Assistant:
    """Another assistant on the same store and settings, as another process would be."""
    return Assistant(a.settings, embedders=a.embedders)


def rebuilt(a: Assistant) -> LexicalIndex:
    """The BM25 index built from every passage of the store, as before it was saved."""
    hits = a.store.passages()
    return LexicalIndex(a.analyzer, [h.id for h in hits], [_indexed(h) for h in hits],
                        [str(h.metadata.get("language") or "fr") for h in hits])


def test_refresh_saves_the_index_under_the_store_stamp(built: Assistant) -> None:
    saved = [p.name for p in built.lexical_dir.iterdir()]
    assert saved == [lexical_store.stamp_key(built.store.version())]


def test_loaded_index_equals_the_rebuilt_one(built: Assistant) -> None:
    other = other_process(built)
    snap = other.retriever.snapshot()
    assert snap.hits == {}  # loaded, not built from every passage
    fresh = rebuilt(built)
    assert snap.index.ids == fresh.ids
    for term in {*fresh._df, "absent-term"}:
        assert snap.index.idf(term) == fresh.idf(term)
    for q in QUESTIONS:
        assert snap.index.search(q, 10) == fresh.search(q, 10)
    assert [(d.id, d.metadata) for q in QUESTIONS for d in other.retrieve(q)] == [
        (d.id, d.metadata) for q in QUESTIONS for d in built.retrieve(q)]


def test_unreadable_saved_index_is_rebuilt_and_saved_again(built: Assistant) -> None:
    folder = built.lexical_dir / lexical_store.stamp_key(built.store.version())
    for f in folder.glob("*.npy"):
        f.write_bytes(b"not an array")
    snap = other_process(built).retriever.snapshot()
    assert len(snap.hits) == len(snap.index.ids) > 0  # built from every passage
    assert np.load(next(folder.glob("data*.npy"))).size > 0  # saved again, readable
    assert other_process(built).retriever.snapshot().hits == {}


def test_another_process_refresh_is_seen(built: Assistant, tmp_path: Path) -> None:
    reader = other_process(built)
    before = set(reader.retriever.lexical().ids)
    extra = Path(built.settings.corpus_dir) / "extra.md"
    extra.write_text("---\ntitle: Zorglub lève 7 millions\nlanguage: fr\n---\n\n"
                     "La jeune pousse Zorglub a levé 7 millions d'euros en 2024.\n",
                     encoding="utf-8")
    try:
        writer = other_process(built)
        writer.refresh()
        stamp = lexical_store.stamp_key(built.store.version())
        assert [p.name for p in built.lexical_dir.iterdir()] == [stamp]  # old one removed
        time.sleep(VERSION_CHECK_SECONDS + 0.1)
        snap = reader.retriever.snapshot()
        assert set(snap.index.ids) > before  # the writer's passages are searched
        assert snap.hits == {}  # loaded from the writer's save, not rebuilt
        assert reader.retrieve("Zorglub")[0].metadata["title"] == "Zorglub lève 7 millions"
    finally:
        extra.unlink()
        built.refresh()


def test_stale_stamp_is_never_loaded(built: Assistant, tmp_path: Path) -> None:
    # An index saved for another state of the store (e.g. before the index folder
    # was set aside and rebuilt) sits in the folder: it is not the one loaded.
    version = built.store.version()
    stale = LexicalIndex(built.analyzer, ["x"], ["zorglub"], ["fr"])
    lexical_store.save(stale, tmp_path, ("old-collection", "m", 1))
    assert lexical_store.load(tmp_path, version, built.analyzer) is None
    lexical_store.save(rebuilt(built), tmp_path, version)
    loaded = lexical_store.load(tmp_path, version, built.analyzer)
    assert loaded is not None and loaded.ids == rebuilt(built).ids
    assert [p.name for p in tmp_path.iterdir()] == [lexical_store.stamp_key(version)]


def test_set_aside_index_gets_a_new_stamp(built: Assistant, tmp_path: Path) -> None:
    if built.settings.chroma_url:
        pytest.skip("an embedded index folder only")
    s: Settings = built.settings.model_copy(update={"index_dir": tmp_path / "index"})
    a = Assistant(s, embedders=built.embedders)
    a.refresh()
    first = a.store.version()
    a._set_aside(RuntimeError("damaged"))  # what a damaged index found at query time does
    assert not (tmp_path / "index").exists()
    assert a.retrieve("Mistral")  # rebuilt from the corpus, then its BM25 index
    assert a.store.version() != first
    assert [p.name for p in a.lexical_dir.iterdir()] == [
        lexical_store.stamp_key(a.store.version())]
