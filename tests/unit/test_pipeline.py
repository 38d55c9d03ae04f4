"""The whole pipeline with the deterministic fake embedder (no model): Assistant(...)
takes instances, and one search per chat turn feeds the answer and the passages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes import FakeEmbedder
from langchain_core.documents import Document

from assistant.answer import Answer
from assistant.core import Assistant, Reply
from assistant.settings import Settings


class Echo:
    """An answerer that cites its first passage and streams two pieces."""

    name = "echo"

    def __init__(self) -> None:
        self.seen: list[list[Document]] = []

    def answer(self, question: str, passages: list[Document],
               history: list[dict] | None = None) -> Answer:
        self.seen.append(passages)
        return Answer(f"{passages[0].page_content[:40]} [1]", passages[:1], mode=self.name)

    def stream(self, question: str, passages: list[Document],
               history: list[dict] | None = None) -> Iterator[str | Answer]:
        yield "…"
        yield self.answer(question, passages, history)

    def condense(self, question: str, history: list[dict] | None = None) -> str:
        return question


@pytest.fixture(scope="module")
def pipeline(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    settings = Settings(corpus_dir=corpus_dir, index_dir=tmp_path_factory.mktemp("index"),
                        multilingual=False, default_k=2)
    return Assistant(settings, embedders={"dense": FakeEmbedder()})


def test_the_fake_pipeline_indexes_the_seed_and_lists_it(pipeline: Assistant) -> None:
    (row,) = pipeline.articles()
    assert row["article_id"] == "course-ia-financement" and row["passages"] > 5


def test_one_search_feeds_the_answer_and_the_passages(
        pipeline: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    searches: list[int] = []
    search = pipeline._search
    monkeypatch.setattr(pipeline, "_search", lambda q, k, h, w: searches.append(k) or
                        search(q, k, h, w))
    *pieces, reply = pipeline.chat("Combien OpenAI a-t-il levé ?", None, 5)
    assert pieces == [] and isinstance(reply, Reply)  # extractive: whole at once
    assert searches == [5] and len(reply.passages) == 5
    assert {d.id for d in reply.answer.sources} <= {d.id for d in reply.passages[:2]}
    assert pipeline.ask("Combien OpenAI a-t-il levé ?").text == reply.answer.text


def test_an_answerer_instance_plugs_in(pipeline: Assistant) -> None:
    echo = Echo()
    other = Assistant(pipeline.settings, embedders=pipeline.embedders, answerer=echo)
    items = list(other.chat("Combien OpenAI a-t-il levé ?", None, 3))
    assert items[0] == "…" and isinstance(items[-1], Reply) and other.mode == "echo"
    assert len(echo.seen[-1]) == 2 and len(items[-1].passages) == 3  # default_k, then k
    assert items[-1].passages[:2] == echo.seen[-1]


def test_the_packaged_model_named_by_its_folder_is_the_same_model() -> None:
    """An index built with the default model is not refused when the setting names
    the packaged model's folder (a user saw IndexMismatch for the same model)."""
    from assistant.embeddings import SentenceTransformerEmbeddings, packaged_model_path

    default = SentenceTransformerEmbeddings()
    by_path = SentenceTransformerEmbeddings(packaged_model_path() + "/")
    other = SentenceTransformerEmbeddings("sentence-transformers/other-model")
    assert default.name == by_path.name == "sentence-transformers/all-MiniLM-L6-v2"
    assert other.name == "sentence-transformers/other-model"


def test_the_packaged_models_dimension_is_known_without_loading_it() -> None:
    """Opening the index needs each model's dimension; loading MiniLM for it took 5 of
    a command-line ask's 7.5 s (and torch is unimportable in this tier: no load)."""
    from assistant.embeddings import SentenceTransformerEmbeddings

    model = SentenceTransformerEmbeddings()
    assert model.dimension == 384 and model._model is None
