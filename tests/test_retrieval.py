"""Retrieval: the LangChain retriever (standard suite), metadata filters on every
leg, and the switches the ablation uses — real models, real Chroma in temp dirs."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_tests.integration_tests import RetrieversIntegrationTests

import assistant as api
from assistant import core
from assistant.core import Assistant
from assistant.glossary import expand
from assistant.lc_retriever import AssistantRetriever
from assistant.metadata import date_span
from assistant.retrieval import Leg, Retriever, where_clause
from assistant.settings import Settings

SEED = "course-ia-financement"
EXTRA = {
    "chip-rules.md": """---
title: "New chip export rules"
language: en
published: "2024-10-02"
---

Washington tightened the export rules for Nvidia processors on Wednesday. OpenAI and
Anthropic buy thousands of these chips to train their models, and the new rules
could slow the funding race of the start-ups.
""",
    "mistral-levee.md": """---
title: "Mistral AI lève encore"
language: fr
published: "2025-06-15"
---

Mistral AI a levé 600 millions d'euros en juin pour rattraper OpenAI. La start-up
française veut financer ses processeurs et recruter des chercheurs.
""",
    "undated-note.md": """---
title: "A note without a date"
language: en
---

This undated note says that OpenAI and Mistral AI compete for the same researchers
and the same processors.
""",
}
QUESTION = "Combien OpenAI a-t-il levé pour ses processeurs ?"


@pytest.fixture(scope="module")
def multi(assistant: Assistant, corpus_dir: Path,
          tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """An assistant over the seed article plus three small ones (two languages,
    three dates, one undated), sharing the session's models."""
    folder = tmp_path_factory.mktemp("multi-corpus")
    for f in corpus_dir.iterdir():
        shutil.copy(f, folder / f.name)
    for name, text in EXTRA.items():
        (folder / name).write_text(text, encoding="utf-8")
    settings = Settings(corpus_dir=folder, index_dir=tmp_path_factory.mktemp("multi-index"))
    multi = Assistant(settings, embedders=assistant.embedders)
    multi.ensure_index()
    return multi


@pytest.fixture(scope="module")
def legs_alone(multi: Assistant) -> dict[str, Retriever]:
    """One retriever per search leg of ``multi``, each alone and without rerank."""
    a = multi
    a.ensure_index()
    legs = [Leg(key, emb) for key, emb in a.embedders.items()]
    out = {"bm25": Retriever(a.store, [], a.analyzer, rerank_weight=0)}
    for leg in legs:
        out[leg.key] = Retriever(a.store, [leg], a.analyzer, lexical_weight=0, rerank_weight=0)
    return out


def ids(docs: list[Document], key: str = "article_id") -> set[str]:
    return {str(d.metadata[key]) for d in docs}


def test_unfiltered_search_reaches_every_article(multi: Assistant) -> None:
    docs = multi.retrieve(QUESTION, k=20)
    assert ids(docs) == {SEED, "chip-rules", "mistral-levee", "undated-note"}


@pytest.mark.parametrize(("where", "expected"), [
    ({"article_id": "mistral-levee"}, {"mistral-levee"}),
    ({"article_id": ["chip-rules", "undated-note"]}, {"chip-rules", "undated-note"}),
    ({"language": "en"}, {"chip-rules", "undated-note"}),
    ({"language": "fr"}, {SEED, "mistral-levee"}),
    ({"published_from": "2025"}, {"mistral-levee"}),
    ({"published_to": "2024-10-15"}, {"chip-rules"}),
    ({"published_from": "2024-11-01", "published_to": "2024-11-30"}, {SEED}),
    ({"published_from": "2024-10", "language": "fr"}, {SEED, "mistral-levee"}),
])
def test_filters_hold_in_every_leg(multi: Assistant, legs_alone: dict[str, Retriever],
                                   where: dict, expected: set[str]) -> None:
    docs = multi.retrieve(QUESTION, k=20, where=where)
    assert ids(docs) == expected
    for name, retriever in legs_alone.items():
        found = retriever.search(QUESTION, k=20, where=where)
        assert found, name
        assert ids(found) <= expected, name


@pytest.mark.parametrize("where", [
    {"article_id": SEED, "language": "en"},
    {"published_from": "2030-01-01"},
    {"article_id": "no-such-article"},
])
def test_impossible_filter_returns_nothing(multi: Assistant, legs_alone: dict[str, Retriever],
                                           where: dict) -> None:
    assert multi.retrieve(QUESTION, k=5, where=where) == []
    for name, retriever in legs_alone.items():
        assert retriever.search(QUESTION, k=5, where=where) == [], name


@pytest.mark.parametrize("where", [
    {"lang": "fr"}, {"article_id": []}, {"published_from": "last week"},
    {"published_to": "2024-13"},
])
def test_bad_filters_raise(assistant: Assistant, where: dict) -> None:
    with pytest.raises(ValueError):
        assistant.retrieve(QUESTION, where=where)


def test_date_span_and_where_clause() -> None:
    assert date_span("2024-11-02") == (20241102, 20241102)
    assert date_span("2024-11") == (20241100, 20241199)
    assert date_span("2024") == (20240000, 20249999)
    assert date_span("2024-10-02T08:00:00Z") == (20241002, 20241002)
    assert date_span("") is None and date_span("soon") is None
    assert where_clause(None) is None and where_clause({}) is None
    assert where_clause({"language": ["fr", "en"], "published_to": "2024"}) == {
        "$and": [{"language": {"$in": ["fr", "en"]}}, {"published_min": {"$lte": 20249999}}]
    }


def test_english_question_with_french_filter_finds_the_french_passage(
    multi: Assistant,
) -> None:
    docs = multi.retrieve("Which investment firm led OpenAI's latest funding round?", k=3,
                          where={"language": "fr"})
    assert any("Thrive Capital" in d.page_content for d in docs)


def test_documents_carry_no_bookkeeping_metadata(assistant: Assistant) -> None:
    meta = assistant.retrieve(QUESTION, k=1)[0].metadata
    assert meta["published"] == "2024-11"
    assert meta["published_min"] == 20241100
    assert not {"article_hash", "meta_version"} & set(meta)


def test_switches_change_what_is_searched(assistant: Assistant) -> None:
    assistant.ensure_index()
    full = Retriever(assistant.store, [], assistant.analyzer, rerank_weight=0)
    plain = Retriever(assistant.store, [], assistant.analyzer, rerank_weight=0, glossary=False)
    # The glossary turns the English words into the article's French ones. (No name
    # in the question: a name is in every header of its article, found either way.)
    unnamed = "Which investment firm led the latest funding round?"
    assert len(full.search(unnamed, k=20)) > len(plain.search(unnamed, k=20))
    history = [{"role": "user", "content": "Combien OpenAI a-t-il levé début octobre ?"}]
    follow = "Et à combien cela porte-t-il sa valorisation ?"
    legs = [Leg(k, e) for k, e in assistant.embedders.items()]
    with_context = Retriever(assistant.store, legs, assistant.analyzer)
    without = Retriever(assistant.store, legs, assistant.analyzer, follow_ups=False)
    def top(r: Retriever, h: list[dict] | None) -> list[str]:
        return [str(d.id) for d in r.search(follow, 10, h)]  # the order of ten passages

    assert top(with_context, history) != top(with_context, None)
    assert top(without, history) == top(without, None) == top(with_context, None)


def test_get_retriever_uses_the_shared_assistant(
    assistant: Assistant, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(core, "_default", assistant)
    retriever = api.get_retriever(k=2, where={"language": "fr"})
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("Combien OpenAI a-t-il levé en octobre ?")
    assert len(docs) == 2 and "6,6 milliards" in docs[0].page_content
    assert retriever.invoke("Combien OpenAI a-t-il levé en octobre ?",
                            where={"language": "en"}) == []
    history = [{"role": "user", "content": "Combien OpenAI a-t-il levé début octobre ?"}]
    docs = retriever.invoke("Et à combien cela porte-t-il sa valorisation ?", k=3,
                            history=history)
    assert any("157 milliards" in d.page_content for d in docs)
    with pytest.raises(ValueError):
        api.get_retriever(k=0)


# pytest-asyncio (strict mode) runs the suite's async tests; its mark on the
# class also reaches the sync ones, which it then warns about.
@pytest.mark.asyncio
@pytest.mark.filterwarnings("ignore:The test <Function .* is marked with '@pytest.mark.asyncio'")
class TestAssistantRetrieverStandard(RetrieversIntegrationTests):
    """LangChain's standard retriever suite."""

    @pytest.fixture(autouse=True)
    def _assistant(self, assistant: Assistant) -> None:
        self.assistant = assistant

    @property
    def retriever_constructor(self) -> type[BaseRetriever]:
        return AssistantRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"assistant": self.assistant, "k": 4}

    @property
    def retriever_query_example(self) -> str:
        return "Combien OpenAI a-t-il levé en octobre ?"

    async def test_ainvoke_with_k_and_where(self, retriever: BaseRetriever) -> None:
        docs = await retriever.ainvoke(self.retriever_query_example, k=2)
        assert len(docs) == 2
        assert await retriever.ainvoke(self.retriever_query_example,
                                       where={"article_id": "none"}) == []


def test_glossary_reads_words_cut_in_two() -> None:
    # words() cuts "front-runner" and "set up"; the glossary knows them whole.
    assert {"leader", "tete"} <= set(expand("Who is the front-runner of the race?").split())
    assert "fondee" in expand("When did Musk set up xAI?").split()
    assert "abandonne" not in expand("Quelle start-up mène la course ?").split()  # no "up"
