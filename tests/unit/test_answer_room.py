"""What the extractive answerer quotes beside its best sentence, and where it looks
for the names a question is about (no models needed)."""

from __future__ import annotations

from assistant.answer import ExtractiveAnswerer
from assistant.lexical import Analyzer
from assistant.room import CLOSE_SHARE, MAX_SENTENCES
from assistant.room import fill as _fill
from assistant.scoring import Sentence, SentenceScorer, passage_sentences


def sentence(text: str, score: float, passage: int = 0) -> Sentence:
    return Sentence(text, passage, text, score)


def test_room_left_goes_to_sentences_nearly_as_good_as_the_best() -> None:
    best = sentence("Le groupe a levé 40 millions d’euros en mars.", 1.0)
    close = sentence("Sa valorisation atteint 300 millions d’euros.", CLOSE_SHARE + 0.05)
    far = sentence("Le siège est à Lyon depuis sa création.", CLOSE_SHARE - 0.05)
    chosen = [best]
    _fill(chosen, [best, close, far], best.score)
    assert chosen == [best, close]


def test_the_fill_keeps_to_the_length_and_the_number_of_sentences() -> None:
    best = sentence("Le groupe a levé 40 millions d’euros en mars.", 1.0)
    long = sentence("Mot " * 140, 0.95)
    others = [sentence(f"Phrase numéro {n} sur le groupe et ses comptes.", 0.9) for n in range(4)]
    chosen = [best]
    _fill(chosen, [best, long, *others], best.score)
    assert long not in chosen  # over the answer's length
    assert len(chosen) == MAX_SENTENCES


def test_names_may_be_held_by_the_passage_or_the_title_the_asked_thing_not() -> None:
    answerer = ExtractiveAnswerer(SentenceScorer(Analyzer()))
    question = "Combien de salariés Brisa emploie-t-elle ?"
    quote = "\nLe groupe emploie 1 200 salariés en France."
    around = "Brisa\nBrisa publie ses comptes. Le groupe emploie 1 200 salariés en France."
    assert answerer._covers(question, [quote], False, [around])
    assert not answerer._covers(question, [quote])  # the name nowhere near
    # The thing asked for must be in the quoted sentences themselves.
    valued = "Quelle est la valorisation de Brisa ?"
    assert not answerer._covers(valued, ["\nLe groupe publie ses comptes."], False, [around])
    assert answerer._covers(valued, ["\nBrisa est valorisée 2 milliards."], False, [around])
    # "How many X": covers asks for X too (it skipped X in sessions 8-10)
    assert not answerer._covers(question, ["\nLe groupe emploie 1 200 personnes."], False,
                                [around])
    assert not answerer._counts(question, [sentence("Le groupe publie ses comptes 2 fois.", 1)])
    assert answerer._counts(question, [sentence("Le groupe emploie 1 200 salariés.", 1)])


def test_a_count_may_be_written_in_words_in_either_language() -> None:
    from assistant.scoring import counts

    analyzer = Analyzer()
    assert counts("Quarante stations ouvriront en mai.", {"stations", "station"}, analyzer)
    assert counts("It will open forty stations.", {"stations", "station"}, analyzer)
    assert not counts("Les stations ouvriront en mai.", {"stations", "station"}, analyzer)


def test_quotes_in_the_other_language_hold_the_asked_thing_by_a_lexicon_word() -> None:
    # The glossary goes English → French only; the induced lexicon (here a stand-in)
    # gives a French word its English neighbours. An English passage about the
    # player with no word for the thing asked does not answer; one with its
    # translation does; a word no one translates is no evidence either way.
    from langchain_core.documents import Document
    lexicon = {"pointure": ("size",), "buts": ("goals",)}
    scorer = SentenceScorer(Analyzer(), translate=lambda w: lexicon.get(w, ()))
    answerer = ExtractiveAnswerer(scorer)
    text = ("Mateo Rincón joined FC Rheinau for an initial £21 million. "
            "Rincón scored 19 goals last season.")
    doc = Document(page_content=text, metadata={"language": "en", "title": "Rincón"})
    assert answerer.answer("Quelle est la pointure de Mateo Rincón ?", [doc]).refused
    assert not answerer.answer("Combien de buts Rincón a-t-il marqués ?", [doc]).refused
    unknown = "Quelle est la gommette de Mateo Rincón ?"
    assert answerer._covers(unknown, [text], True, [text])
    assert not answerer._covers("Quelle est la pointure de Mateo Rincón ?", [text], True, [text])


def test_a_thing_asked_for_that_passages_seldom_lack_or_never_hold_is_no_evidence() -> None:
    # "Quelle est la longueur de la ligne ?" over a corpus that gives lengths in km
    # and never writes "longueur", or writes it in most passages: the covers check
    # cannot ask the quote for the word. Where the word is rare, the quote must hold it.
    from assistant.answer import COMMON

    question = "Quelle est la longueur de la ligne Autun–Avallon ?"
    quote = "\nLa ligne Autun–Avallon mesure 62 kilomètres."
    analyzer = Analyzer()
    asked = set(analyzer.query_terms("longueur"))

    def answerer(rarity: float) -> ExtractiveAnswerer:
        return ExtractiveAnswerer(SentenceScorer(
            analyzer, rarity=lambda t: rarity if t in asked else 1.0))

    assert answerer(0.0)._covers(question, [quote], False, [quote])  # in no passage
    assert answerer(COMMON - 0.05)._covers(question, [quote], False, [quote])
    assert not answerer(COMMON + 0.05)._covers(question, [quote], False, [quote])


def test_rarity_is_idf_as_a_share_of_the_rarest_terms_in_any_corpus_size() -> None:
    from assistant.lexical import LexicalIndex

    analyzer = Analyzer()
    for size in (3, 40):
        texts = [f"Le groupe publie ses comptes numéro{n}." for n in range(size - 1)]
        index = LexicalIndex(analyzer, [str(n) for n in range(size)],
                             [*texts, "Le trésorier quitte le groupe."], ["fr"] * size)
        rare, common = analyzer.terms("trésorier")[0], analyzer.terms("groupe")[0]
        assert index.rarity(rare) == 1.0
        assert index.rarity(common) < 0.2
        assert index.rarity("absent") == 0.0


def test_a_follow_ups_sentences_are_scored_without_the_previous_question() -> None:
    # The search keeps the previous question (the follow-up goes on where it was
    # answered), but the quote must answer the follow-up: "Who supplied its cells?"
    # after "What is the storage capacity of Elbwerk's plant?" quoted the capacity.
    from langchain_core.documents import Document

    from assistant.conversation import contextual_query

    history = [{"role": "user", "content": "What is the storage capacity of Elbwerk's plant?"}]
    question = "Who supplied its cells?"
    assert "capacity" in contextual_query(question, history)
    assert "capacity" not in contextual_query(question, history, with_previous=False)
    text = ("Elbwerk's new storage plant near Zerbst has a storage capacity of 250 "
            "megawatts, the largest storage plant of its kind in Germany. Its cells "
            "were supplied by the Chinese manufacturer CATL.")
    doc = Document(page_content=text, metadata={"language": "en", "title": "Elbwerk"})
    answerer = ExtractiveAnswerer(SentenceScorer(Analyzer()))
    sentences = passage_sentences([doc])
    answerer._select(question, sentences, [doc], history)
    assert max(sentences, key=lambda s: s.score).text.startswith("Its cells")


def test_the_rerank_judges_a_follow_ups_passages_by_what_it_asks() -> None:
    from langchain_core.documents import Document

    history = [{"role": "user", "content": "What is the storage capacity of Elbwerk's plant?"}]
    meta = {"language": "en", "title": "Elbwerk"}
    capacity = Document(page_content=(
        "Elbwerk's new storage plant near Zerbst has a storage capacity of 250 megawatts, "
        "the largest storage plant of its kind in Germany."), metadata=meta)
    cells = Document(page_content=("The Elbwerk plant holds 96 containers. Its cells were "
                                   "supplied by the Chinese manufacturer CATL."), metadata=meta)
    answerer = ExtractiveAnswerer(SentenceScorer(Analyzer()))
    first, second = answerer.passage_scores("Who supplied its cells?", [capacity, cells], history)
    assert second > first


def test_a_long_question_answered_by_the_fourth_passage_is_not_refused_for_its_score() -> None:
    # A floor on the best sentence's hand-mix score (0.35) refused such questions: most
    # of the question's words are context, and the last passage read ranks lowest.
    from langchain_core.documents import Document

    weather = [Document(page_content=t, metadata={"language": "fr", "title": "Météo"}) for t in (
        "Il a plu toute la journée sur Rouen.", "Les températures baissent encore.",
        "Le vent soufflera fort demain.")]
    brisa = Document(page_content=("Brisa emploie 1 200 salariés. Le groupe publie ses "
                                   "comptes en mars."),
                     metadata={"language": "fr", "title": "Brisa"})
    question = ("Selon les syndicats du secteur textile normand, combien de salariés permanents "
                "la société familiale Brisa emploie-t-elle aujourd'hui dans ses trois usines "
                "historiques de la région ?")
    answer = ExtractiveAnswerer(SentenceScorer(Analyzer())).answer(question, [*weather, brisa])
    assert not answer.refused and "1 200 salariés" in answer.text


def test_the_glossary_is_read_french_to_english_for_quotes_in_english() -> None:
    # A new user's "Quel est le chiffre d'affaires de Northwind… ?" over "record
    # revenue of £318 million" was refused: the lexicon gives "chiffre" only
    # "figures", and the glossary went English → French.
    from langchain_core.documents import Document
    lexicon = {"chiffre": ("figures",), "benefice": ("profit",)}
    scorer = SentenceScorer(Analyzer(), translate=lambda w: lexicon.get(w, ()))
    answerer = ExtractiveAnswerer(scorer)
    doc = Document(page_content="Northwind Foods reported record revenue of £318 million for "
                   "the first quarter of 2025.", metadata={"language": "en", "title": "Northwind"})
    answer = answerer.answer("Quel est le chiffre d'affaires de Northwind Foods ?", [doc])
    assert not answer.refused and "£318 million" in answer.text, answer.text
    assert answerer.answer("Quel est le bénéfice de Northwind Foods ?", [doc]).refused
