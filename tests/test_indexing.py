"""Incremental refresh against a real Chroma in a temp folder."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from conftest import own_index

from assistant.core import Assistant
from assistant.settings import Settings
from assistant.store import IndexMismatch, Space, Store

NEW = """---
title: "Zorglub lève des fonds"
language: fr
published: "2024-12"
---

La start-up Zorglub a levé 3 milliards de dollars en décembre 2024.
Son fondateur, Jean Dupont, vise la superintelligence.
"""


@pytest.fixture()
def own(assistant: Assistant, settings: Settings, corpus_dir: Path, tmp_path: Path) -> Assistant:
    """An assistant on its own corpus copy and index, sharing the loaded models."""
    corpus = tmp_path / "corpus"
    shutil.copytree(corpus_dir, corpus)
    s = own_index(settings, tmp_path, corpus_dir=corpus)
    return Assistant(s, embedders=assistant.embedders)


def test_first_use_builds_the_missing_index(own: Assistant, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="assistant"):
        docs = own.retrieve("Thrive Capital", k=2)
    assert docs and "building" in caplog.text


def test_refresh_embeds_only_what_changed(own: Assistant) -> None:
    own.refresh()
    corpus = Path(own.settings.corpus_dir)
    (corpus / "zorglub.md").write_text(NEW, encoding="utf-8")
    report = own.refresh()
    assert report.added == ["zorglub"] and report.unchanged == ["course-ia-financement"]
    assert report.passages_embedded == 1
    assert "3 milliards" in own.ask("Combien Zorglub a-t-il levé ?").text

    (corpus / "zorglub.md").write_text(NEW.replace("3 milliards", "4 milliards"), encoding="utf-8")
    report = own.refresh()
    assert report.updated == ["zorglub"] and report.passages_embedded == 1
    texts = [h.text for h in own.store.passages({"article_id": "zorglub"})]
    assert len(texts) == 1 and "4 milliards" in texts[0]

    (corpus / "zorglub.md").unlink()
    report = own.refresh()
    assert report.removed == ["zorglub"]
    assert own.store.passages({"article_id": "zorglub"}) == []
    assert own.refresh().passages_embedded == 0


def test_ids_are_deterministic_and_refresh_idempotent(own: Assistant) -> None:
    own.refresh()
    ids = sorted(own.store.metadatas())
    own.refresh(rebuild=True)
    assert sorted(own.store.metadatas()) == ids
    assert own.store.count() == len(ids)


def test_unreadable_file_is_reported_and_nothing_is_lost(own: Assistant) -> None:
    own.refresh()
    before = own.store.count()
    seed = Path(own.settings.corpus_dir) / "course-ia-financement.md"
    original = seed.read_bytes()
    seed.write_bytes(b"\x00\x00garbage")  # the seed file became unreadable
    report = own.refresh()
    assert report.errors and "binary" in report.errors[0][1]
    assert report.removed == [] and own.store.count() == before
    seed.write_bytes(original)


def test_another_model_is_refused_with_the_rebuild_command(own: Assistant) -> None:
    own.refresh()
    other = Store(own.settings.collection, [Space("dense", "other-model", 384)],
                  client=own.store.client)
    with pytest.raises(IndexMismatch, match="refresh --rebuild"):
        other.count()
