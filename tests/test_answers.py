"""What the extractive answerer quotes and when it refuses (real models, real Chroma).

Each case is a general rule of the answerer, checked on the seed article; the
question wording is not from the public evaluation set.
"""

from __future__ import annotations

import pytest
from langchain_core.documents import Document

from assistant.answer import ExtractiveAnswerer
from assistant.conversation import contextual_query, reply_names
from assistant.core import Assistant
from assistant.features import name_groups
from assistant.lexical import Analyzer
from assistant.scoring import SentenceScorer, question_focus, question_needs, question_type


@pytest.mark.parametrize(("question", "focus"), [
    ("Quel est le nom du modèle d'Anthropic ?", "modele"),
    ("How many employees does OpenAI have?", "employees"),
    ("What is the name of Google's model that competes with ChatGPT?", "model"),
    ("Combien d’anciens d’OpenAI sont à l’origine d’Anthropic ?", "anciens"),
    ("What is Mistral focusing on?", None),           # asks about a name, not a thing
    ("Quelle entreprise soutient Anthropic ?", None),  # a generic noun says nothing
    ("Quel montant xAI a-t-elle levé ?", None),
    ("Quelles sont les trois trajectoires possibles pour Mistral ?", "trajectoires"),
    ("Quel surnom l'article donne-t-il à Meta ?", None),  # the form of the answer
    ("What role does Microsoft play?", None),
    ("Et malgré quel niveau d'investissements ont-ils agi ?", None),
    ("In which month did xAI raise 6 billion?", None),  # the date check covers it
    ("Which tech giant backs Anthropic?", None),        # a company, as "quelle entreprise"
    ("How many months did it take?", "months"),         # counted: the thing itself
    ("What does the article call OpenAI's flagship product?", "flagship"),
])
def test_question_focus(question: str, focus: str | None) -> None:
    assert question_focus(question) == focus


@pytest.mark.parametrize(("text", "is_date"), [
    ("Début octobre, le créateur de ChatGPT a levé", True),
    ("dont 4 milliards la semaine dernière", True),
    ("Un an et demi après sa création", True),
    ("depuis 2023", True),
    ("Google reste à ce jour la seule entreprise", False),  # a unit alone is no date
    ("les jours de gloire", False),
])
def test_what_counts_as_a_date(text: str, is_date: bool) -> None:
    needs = question_needs("On what date did it happen?")
    assert needs is not None and bool(needs.search(text)) is is_date
    assert question_type("À quelle date ?")[0] == question_type("In which month?")[0] == "date"


def test_a_question_on_the_form_of_the_answer_asks_for_no_name() -> None:
    assert question_type("Quel surnom l'article donne-t-il à Meta ?")[0] == "other"
    assert question_type("What role does Microsoft play?")[0] == "other"
    assert question_type("Quelle entreprise soutient Anthropic ?")[0] == "name"


def test_name_groups_join_alternatives_only() -> None:
    assert name_groups("Combien Nvidia a-t-il investi dans Mistral ?") == [{"nvidia"}, {"mistral"}]
    assert name_groups("Combien Amazon et Google ont-ils investi dans Anthropic ?") == [
        {"amazon", "google"}, {"anthropic"}]
    assert name_groups("Who raised more, Anthropic or xAI?") == [{"anthropic", "xai"}]


def test_follow_up_query_carries_the_names_of_the_reply() -> None:
    history = [{"role": "user", "content": "Who is OpenAI's main challenger?"},
               {"role": "assistant", "content": "According to the article: … Anthropic s’est "
                                                "imposée comme le principal concurrent [1]"}]
    assert reply_names(history[1]["content"], history[0]["content"]) == ["Anthropic"]
    query = contextual_query("And how much has it raised?", history)
    assert "Anthropic" in query and "OpenAI" in query
    # A question with a name of its own is not a follow-up.
    assert contextual_query("How much has xAI raised?", history) == "How much has xAI raised?"


def test_new_name_beside_the_thing_asked_for(assistant: Assistant) -> None:
    answer = assistant.ask("Quel est le nom du modèle d'Anthropic ?")
    assert "Claude" in answer.text


def test_how_many_needs_a_number_of_that_thing(assistant: Assistant) -> None:
    assert "cinq anciens" in assistant.ask("Combien d'anciens d'OpenAI ont fondé Anthropic ?").text
    # The article counts giants, teams and start-ups, never employees.
    assert assistant.ask("How many employees does OpenAI have?").refused


def test_names_a_question_links_must_share_a_passage(assistant: Assistant) -> None:
    # One sentence on Mistral and another on Nvidia are no answer.
    assert assistant.ask("Combien Nvidia a-t-il investi dans Mistral ?").refused
    both = assistant.ask("Combien Amazon et Google ont-ils investi dans Anthropic ?")
    assert not both.refused and "milliards" in both.text


def test_amount_question_needs_an_amount(assistant: Assistant) -> None:
    assert assistant.ask("Quel est le montant du rachat d'Inflection AI par Microsoft ?").refused


def test_follow_up_with_only_the_users_questions(assistant: Assistant) -> None:
    """Code callers often pass the questions alone: the reply is recomputed."""
    history = [{"role": "user", "content": "Who is OpenAI's main challenger?"}]
    answer = assistant.ask("And how much has it raised in total?", history=history)
    assert "11 milliards" in answer.text, answer.text
    history = [{"role": "user",
                "content": "Quelle start-up a levé 6 milliards de dollars en mai 2024 ?"}]
    assert "Elon Musk" in assistant.ask("Et qui l'a fondée ?", history=history).text


def test_a_sentence_announcing_a_list_brings_the_list() -> None:
    answerer = ExtractiveAnswerer(SentenceScorer(Analyzer()))
    listing = "Soit la société trouve un acheteur, soit elle ferme ses usines."
    doc = Document(
        page_content="Le marché des batteries ralentit en Europe. "
                     f"Pour Volta, deux scénarios se dessinent. {listing} Le reste est calme.",
        metadata={"article_id": "volta", "section": ""}, id="volta:0000")
    answer = answerer.answer("Quels scénarios se dessinent pour Volta ?", [doc])
    assert "deux scénarios se dessinent" in answer.text and listing in answer.text
    # Without the announcement, the next sentence is not pulled in.
    doc.page_content = doc.page_content.replace(listing, "Les usines tournent au ralenti.")
    answer = answerer.answer("Quels scénarios se dessinent pour Volta ?", [doc])
    assert "ralenti" not in answer.text


def test_a_sentence_with_the_date_asked_for_answers_when_the_best_has_none(
        assistant: Assistant) -> None:
    # The best sentence names xAI but gives no date; the one with "mai 2024" answers.
    answer = assistant.ask("When did Elon Musk set up xAI?")
    assert not answer.refused and "2024" in answer.text, answer.text
    # …but only a sentence that says what happens: no date of another event.
    assert assistant.ask("When did OpenAI unveil ChatGPT?").refused


@pytest.mark.parametrize(("question", "kind"), [
    ("Combien Thrive Capital a-t-il mis dans le tour de table ?", "amount"),  # "how much"
    ("Combien de salariés compte Mistral ?", "count"),                       # "how many"
    ("Combien coûte la course ?", "amount"),
    ("On what date was o1 released?", "date"),
])
def test_question_types(question: str, kind: str) -> None:
    assert question_type(question)[0] == kind


def test_a_quoted_sentence_whose_subject_is_a_pronoun_brings_who_it_is() -> None:
    answerer = ExtractiveAnswerer(SentenceScorer(Analyzer()))
    who = "Volta a choisi de rester indépendante."
    doc = Document(
        page_content=f"Le marché des batteries ralentit. {who} Pour ce faire, elle "
                     "s’appuie sur le laboratoire Ampère. Les prix baissent.",
        metadata={"article_id": "volta", "section": ""}, id="volta:0000")
    answer = answerer.answer("Sur quel laboratoire Volta s’appuie-t-elle ?", [doc])
    assert who in answer.text and "laboratoire Ampère" in answer.text, answer.text
    assert "Le marché des batteries" not in answer.text
    # "Il y a…" is no pronoun subject: nothing is pulled in.
    doc.page_content = doc.page_content.replace("Pour ce faire, elle", "Il y a un an, Volta")
    answer = answerer.answer("Sur quel laboratoire Volta s’appuie-t-elle ?", [doc])
    assert who not in answer.text, answer.text
