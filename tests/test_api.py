"""The Python API: retrieve() and ask(), on the real model and a real Chroma."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from langchain_core.documents import Document

from assistant.core import Assistant
from assistant.room import MAX_SENTENCES

OCT = "Combien OpenAI a-t-il levé en octobre ?"


def test_retrieve_contract(assistant: Assistant) -> None:
    docs = assistant.retrieve(OCT, k=4)
    assert len(docs) == 4 and all(isinstance(d, Document) for d in docs)
    for d in docs:
        assert len(d.page_content) <= 600
        for key in ("article_id", "title", "source", "chunk_id", "score", "section"):
            assert key in d.metadata, key
    scores = [d.metadata["score"] for d in docs]
    assert scores == sorted(scores, reverse=True)
    assert "6,6 milliards" in docs[0].page_content


def test_retrieve_k_is_honoured(assistant: Assistant) -> None:
    assert len(assistant.retrieve(OCT, k=1)) == 1
    assert len(assistant.retrieve(OCT, k=10)) == 10


def test_english_question_finds_the_french_passage(assistant: Assistant) -> None:
    docs = assistant.retrieve("Which investment firm led OpenAI's latest funding round?", k=3)
    assert any("Thrive Capital" in d.page_content for d in docs)


def test_follow_up_uses_the_conversation(assistant: Assistant) -> None:
    history = [
        {"role": "user", "content": "Combien OpenAI a-t-il levé début octobre ?"},
        {"role": "assistant", "content": "6,6 milliards de dollars [1]"},
    ]
    question = "Et à combien cela porte-t-il sa valorisation ?"
    docs = assistant.retrieve(question, k=3, history=history)
    assert any("157 milliards" in d.page_content for d in docs)
    answer = assistant.ask(question, history=history)
    assert "157 milliards" in answer.text


def _check_citations(answer) -> None:
    markers = [int(m) for m in re.findall(r"\[(\d+)\]", answer.text)]
    assert markers, answer.text
    assert set(markers) == set(range(1, len(answer.sources) + 1))
    for quote in answer.quotes:
        assert quote in answer.text
        assert any(quote in d.page_content for d in answer.sources)


def test_ask_french_answers_with_the_amount_and_cites_it(assistant: Assistant) -> None:
    answer = assistant.ask(OCT)
    assert "6,6 milliards" in answer.text
    assert answer.text.startswith("D’après")
    assert len(answer.text) <= 600
    _check_citations(answer)
    assert "6,6 milliards" in answer.sources[0].page_content


def test_ask_english_total(assistant: Assistant) -> None:
    answer = assistant.ask("How much money has OpenAI raised in total?")
    assert "20 milliards" in answer.text
    # the amount written for an English reader, then the French quote, marked as such
    assert answer.text.startswith("$20 billion. According to the article (in French")
    _check_citations(answer)


def test_answer_is_not_a_dump_of_passages(assistant: Assistant) -> None:
    answer = assistant.ask(OCT)
    passages = assistant.retrieve(OCT, k=4)
    assert len(answer.text) < sum(len(d.page_content) for d in passages) / 2
    assert len(answer.quotes) <= MAX_SENTENCES


@pytest.mark.parametrize("question", [
    "Who is the CEO of Anthropic?",
    "Quel chiffre d’affaires OpenAI prévoit-il pour 2025 ?",
])
def test_questions_the_article_does_not_answer_are_refused(
    assistant: Assistant, question: str
) -> None:
    answer = assistant.ask(question)
    assert answer.sources == []
    assert "[1]" not in answer.text
    assert re.search(r"ne répondent pas|don't answer", answer.text)


@pytest.mark.parametrize("question", ["", "   ", "\x00\x01\x7f", "\u200b\n\t"])
def test_empty_questions_get_a_kind_message(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.sources == [] and answer.text
    assert assistant.retrieve(question) == []


def test_bad_arguments_raise_documented_errors(assistant: Assistant) -> None:
    with pytest.raises(TypeError):
        assistant.ask(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        assistant.retrieve(None)  # type: ignore[arg-type]
    for k in (0, 51, -3):
        with pytest.raises(ValueError, match="between 1 and 50"):
            assistant.retrieve(OCT, k=k)


def test_huge_question_is_truncated_and_answered(assistant: Assistant) -> None:
    answer = assistant.ask(OCT + " x" * 100_000)
    assert answer.text  # no crash; truncated to settings.max_question_chars


def test_loading_the_model_draws_no_progress_bar_and_leaves_the_bars_on() -> None:
    """A program's first ask() loads the model: no "Loading weights: 100%|…| 103/103"
    on its stderr (a new user's report), and transformers' bars are on again after,
    for the program's own use."""
    code = ("from transformers.utils import logging\n"
            "from assistant.embeddings import SentenceTransformerEmbeddings\n"
            "assert len(SentenceTransformerEmbeddings().embed_query('x')) == 384\n"
            "print(logging.is_progress_bar_enabled())\n")
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_DISABLE_PROGRESS_BARS"}
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[1], env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "Loading weights" not in out.stderr and "it/s" not in out.stderr, out.stderr
    assert out.stdout.strip() == "True"
