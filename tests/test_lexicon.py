"""The induced lexicon with the real multilingual encoder over the seed article."""

from __future__ import annotations

from assistant.core import Assistant
from assistant.retrieval import Retriever


def test_the_multilingual_encoder_finds_the_articles_words(assistant: Assistant) -> None:
    """Real encoder, the seed article's vocabulary: English words get the French
    words the article uses (funding → financement, measured 0.95)."""
    lexicon = assistant.lexicon
    assert lexicon is not None
    assistant.retriever.snapshot()  # builds the vocabulary
    found = lexicon.translate("Who provided the funding and the chips?", "en")
    assert any(w.startswith("financ") for w in found["funding"])


def test_the_lexicon_widens_the_lexical_search(assistant: Assistant) -> None:
    question = "How much funding did the French start-up receive from investors?"
    assistant.ensure_index()
    plain = Retriever(assistant.store, [], assistant.analyzer, rerank_weight=0,
                      glossary=False)
    lexical = Retriever(assistant.store, [], assistant.analyzer, rerank_weight=0,
                        glossary=False, lexicon=assistant.lexicon)
    assert len(lexical.search(question, k=30)) > len(plain.search(question, k=30))


def test_closeness_finds_the_question_in_a_sentence_of_the_other_language(
        assistant: Assistant) -> None:
    """The sentence model's ``soft`` feature with the real encoder: an English
    question is closer to the French sentence about funding than to another."""
    lexicon = assistant.lexicon
    assert lexicon is not None
    assistant.retriever.snapshot()  # builds the vocabulary
    asked = lexicon.question_words("How much funding did the investors provide?")
    about, other = lexicon.closeness(asked, [lexicon.known_words(t) for t in (
        "Les investisseurs ont apporté un financement record.",
        "Le modèle répond aux questions.")])
    assert about > other + 0.1
