"""A question that joins two gets each part answered (no models needed)."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document

import assistant.answer as answer_module
from assistant.answer import ExtractiveAnswerer
from assistant.lexical import Analyzer
from assistant.scoring import SentenceScorer, question_parts


@pytest.mark.parametrize(("question", "parts"), [
    ("When did Maren Holt become Calloway's boss, and how long had she been there?",
     ["When did Maren Holt become Calloway's boss?", "how long had she been there?"]),
    ("Combien de postes Calloway a-t-il supprimés, et dans quels bureaux ?",
     ["Combien de postes Calloway a-t-il supprimés ?", "dans quels bureaux ?"]),
    ("Quel modèle Google a-t-il présenté et en quelle année ?",
     ["Quel modèle Google a-t-il présenté ?", "en quelle année ?"]),
    # one question: "and" joins names or question words, not two questions
    ("What did OpenAI and Microsoft sign?", ["What did OpenAI and Microsoft sign?"]),
    ("Où et quand se tient le sommet ?", ["Où et quand se tient le sommet ?"]),
    ("Qui a levé combien ?", ["Qui a levé combien ?"]),
])
def test_question_parts(question: str, parts: list[str]) -> None:
    assert question_parts(question) == parts


def passage(text: str, n: int) -> Document:
    return Document(page_content=text, id=f"p{n}",
                    metadata={"article_id": "a", "title": "Brisa", "language": "fr",
                              "published": "2025-03-01"})


PASSAGES = [
    passage("Brisa a nommé Léa Marchal directrice générale en avril 2023. Brisa vend des "
            "pompes dans quarante pays. Léa Marchal dirigeait auparavant la filiale "
            "italienne de Brisa.", 0),
    passage("Le groupe a fermé ses bureaux de Dijon et de Nancy. Ses ventes ont progressé "
            "de 4 % en 2024, portées par l’Italie.", 1),
]


def test_each_part_of_a_two_part_question_is_answered(monkeypatch: pytest.MonkeyPatch) -> None:
    answerer = ExtractiveAnswerer(SentenceScorer(Analyzer()))
    question = ("Quand Léa Marchal est-elle devenue directrice générale de Brisa, "
                "et quels bureaux le groupe a-t-il fermés ?")
    got = answerer.answer(question, PASSAGES)
    assert "avril 2023" in got.text
    assert "Dijon" in got.text
    # Answered as one question, the second part is lost.
    monkeypatch.setattr(answer_module, "question_parts", lambda q: [q])
    assert "Dijon" not in answerer.answer(question, PASSAGES).text


def test_a_part_the_articles_leave_open_is_named() -> None:
    answerer = ExtractiveAnswerer(SentenceScorer(Analyzer()))
    question = ("Quels bureaux le groupe Brisa a-t-il fermés, "
                "et quel est le salaire de Léa Marchal ?")
    got = answerer.answer(question, PASSAGES)
    assert not got.refused and "Dijon" in got.text
    assert got.text.endswith("(Les articles ne répondent pas à : « quel est le salaire de "
                             "Léa Marchal ? »)")
    assert len(got.text) <= 600
    # Every part answered: no such note.
    both = answerer.answer("Quels bureaux le groupe Brisa a-t-il fermés, et quand Léa "
                           "Marchal est-elle devenue directrice générale ?", PASSAGES)
    assert "ne répondent pas" not in both.text


def test_the_note_keeps_the_answer_within_its_length() -> None:
    from assistant.room import MAX_ANSWER_CHARS
    from assistant.room import within as _within

    text = "mot " * 140
    out = _within(text, " (The articles don't answer: \"" + "why " * 40 + "\")")
    assert len(out) <= MAX_ANSWER_CHARS and out.startswith(text) and out.endswith("…)")
    assert _within("Short.", " (note)") == "Short. (note)"
