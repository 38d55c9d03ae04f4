"""The form of an extractive answer: dates, newest first, the reader's language,
who a pronoun or epithet stands for, headings kept apart (no models needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.documents import Document

from assistant.answer import ExtractiveAnswerer
from assistant.chunking import chunk_article
from assistant.crosslang import key_item
from assistant.lexical import Analyzer
from assistant.quotes import brings_name
from assistant.quotes import named as _named
from assistant.scoring import SentenceScorer, passage_sentences
from assistant.sources import Article


def doc(text: str, aid: str, published: str = "", lang: str = "fr") -> Document:
    return Document(page_content=text, id=f"{aid}:0000", metadata={
        "article_id": aid, "section": "", "published": published, "language": lang,
        "title": aid})


def answerer() -> ExtractiveAnswerer:
    return ExtractiveAnswerer(SentenceScorer(Analyzer()))


def test_several_dated_articles_newest_first_with_dates_and_latest_figure() -> None:
    old = doc("Brisa a levé 40 millions d’euros auprès de ses investisseurs.", "brisa-mars",
              "2024-03-02")
    new = doc("Brisa a levé 90 millions d’euros auprès de ses investisseurs au total.",
              "brisa-dec", "2024-12-10")
    answer = answerer().answer("Combien Brisa a-t-elle levé auprès de ses investisseurs ?",
                               [old, new])
    text = answer.text
    assert "90 millions" in text and "(2024-12-10)" in text and "(2024-03-02)" in text, text
    assert text.index("90 millions") < text.index("40 millions")  # the newest first
    assert text.startswith("Le chiffre le plus récent date du 2024-12-10.")


def test_reader_of_the_other_language_gets_the_item_first_then_the_marked_quote() -> None:
    passage = doc("Début octobre, Brisa a levé 6,6 milliards de dollars auprès de fonds.",
                  "brisa", "2024-10-05")
    answer = answerer().answer("How much did Brisa raise?", [passage])
    assert answer.text.startswith("$6.6 billion."), answer.text
    assert "(in French, original text)" in answer.text
    assert "6,6 milliards de dollars" in answer.text  # the article's own words follow
    same = answerer().answer("Combien Brisa a-t-elle levé ?", [passage])
    assert not same.text.startswith("$") and "texte original" not in same.text


def test_key_items_are_written_for_the_reader() -> None:
    assert key_item("Début octobre, il a levé", "date", "fr", "en") == "early October"
    assert key_item("It raised $450m in April 2025", "amount", "en", "fr") == \
        "450 millions de dollars"
    assert key_item("The site cost €185 million", "amount", "en", "fr") == "185 millions d’euros"
    assert key_item("opened on January 21, 2025", "date", "en", "fr") == "21 janvier 2025"
    assert key_item("no figure here", "amount", "fr", "en") == ""


def test_the_item_written_first_follows_the_first_question_word() -> None:
    from assistant.scoring import main_kind

    assert main_kind("How many passengers did the line carry when it closed?") == "count"
    assert main_kind("Quand la ligne a-t-elle fermé ?") == "date"
    assert main_kind("Combien de temps a duré la grève ?") == "date"
    assert main_kind("Quel montant Brisa a-t-elle levé ?") == "amount"


def test_the_lead_names_every_language_quoted() -> None:
    from assistant.wording import lead

    assert lead("en", ["fr", "en"], True) == \
        "According to the articles (in French and English, original text):"
    assert lead("fr", ["en"], False) == "D’après l’article (en anglais, texte original) :"
    assert lead("fr", ["fr"], False) == "D’après l’article :"
    assert lead("en", ["de"], False) == "According to the article:"  # no name for it


def test_key_items_are_whole_words_and_whole_numbers() -> None:
    # "se*mai*ne" holds no month, nor does the verb "may"; "May 2024" is no "May 20".
    assert key_item("huit allers-retours en semaine", "date", "fr", "en") == ""
    assert key_item("Prices may rise", "date", "en", "fr") == ""
    assert key_item("It opened in May 2024", "date", "en", "fr") == "mai 2024"
    assert key_item("adopté le 1er août 2024", "date", "fr", "en") == "August 1, 2024"
    # a number's thousands stay together, grouped the reader's way
    assert key_item("à 1 100 voyageurs par jour", "count", "fr", "en") == "1,100"
    assert key_item("It employs 2,100 people", "count", "en", "fr") == "2\u202f100"
    assert key_item("une hausse de 1,5 %", "count", "fr", "en") == "1,5"
    assert key_item("Holt, who took over in April 2023, pointed to 214 customers", "count",
                    "en", "fr") == "214"


def test_a_pronoun_or_epithet_subject_says_who_in_brackets() -> None:
    assert _named("Le Californien a investi 13 milliards.", ["Microsoft"], None) == \
        "Le Californien [Microsoft] a investi 13 milliards."
    assert _named("Elle a levé 6 milliards.", ["Brisa"], None) == \
        "Elle [Brisa] a levé 6 milliards."
    # named already, or no pronoun/epithet subject: unchanged
    assert _named("Microsoft a investi.", ["Microsoft"], None) == "Microsoft a investi."
    assert _named("Le coût de la ligne augmente.", ["Brisa"], None) == \
        "Le coût de la ligne augmente."
    # only when the text before names the question's name and no other: "L'entreprise"
    # after "Lumen rachète Houblonnière" may be either
    assert _named("L’entreprise emploie 410 salariés.", ["Houblonnière"], None,
                  "Lumen rachète Houblonnière\nLe brasseur a signé.") == \
        "L’entreprise emploie 410 salariés."
    assert _named("L’entreprise emploie 410 salariés.", ["Houblonnière"], None,
                  "Houblonnière recrute\nLa brasserie a signé.") == \
        "L’entreprise [Houblonnière] emploie 410 salariés."


def test_a_heading_or_headline_line_is_never_glued_to_a_sentence() -> None:
    article = Article(id="a", title="T", text=(
        "Premier paragraphe qui dit quelque chose.\n\n## Un intertitre\n\n"
        "Une phrase du texte.\n\n## À lire aussi\n\nUn titre sans point\nUn autre titre"))
    texts = [c.text for c in chunk_article(article)]
    assert any("Un titre sans point\nUn autre titre" in t for t in texts), texts
    assert not any("Un intertitre Une phrase" in t for t in texts)


def test_a_quoted_heading_is_not_run_on_into_the_next_sentence() -> None:
    from assistant.scoring import passage_sentences

    passage = doc("Les financiers de la course\nDe son côté, Brisa a attendu 2023 pour "
                  "investir.", "brisa")
    chosen = passage_sentences([passage])
    assert chosen[0].text == "Les financiers de la course"
    text = answerer()._compose("Quand Brisa a-t-elle investi ?", "fr", chosen, [passage]).text
    assert "Les financiers de la course [1] De son côté" in text, text
    assert text.endswith("investir. [1]")


def test_the_reader_of_a_french_question_on_an_english_article_is_not_refused_for_a_word(
) -> None:
    passage = doc("Calloway reported net income of $412 million for the quarter.", "calloway",
                  "2025-02-06", lang="en")
    answer = answerer().answer("Quel a été le bénéfice net de Calloway ?", [passage])
    assert not answer.refused and "412 million" in answer.text, answer.text
    assert "(en anglais, texte original)" in answer.text


def test_shipped_models_match_their_features() -> None:
    """A feature added without refitting would silently turn the rerank off."""
    from assistant.sentence_model import (
        FEATURES,
        MODEL_FILE,
        PASSAGE_FEATURES,
        RERANK_FILE,
        SentenceModel,
    )

    assert len(SentenceModel.load(MODEL_FILE).weights) == len(FEATURES)
    assert len(SentenceModel.load(RERANK_FILE).weights) == len(PASSAGE_FEATURES)
    assert not SentenceModel.load(Path("/nonexistent.json")).fitted


def test_fit_logistic_separates_a_simple_signal() -> None:
    import numpy as np

    from assistant.sentence_model import SentenceModel, fit_logistic

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    y = (x[:, 0] > 0).astype(float)
    w, b, mean, scale = fit_logistic(x, y)
    model = SentenceModel(list(w), b, list(mean), list(scale))
    assert abs(w[0]) > 5 * abs(w[1])
    assert ((model.probabilities(x) > 0.5) == (y > 0.5)).mean() > 0.95


def test_fit_pairwise_orders_within_each_question_not_across() -> None:
    # Feature 0 moves every row of a question alike (one question's pool scores
    # high on it, another's low) and is higher where the question has more answering
    # rows; feature 1 tells the answering row from the others inside a question.
    # A ranking fit weighs feature 1 only; a row-at-a-time fit leans on feature 0.
    import numpy as np

    from assistant.sentence_model import SentenceModel, fit_logistic, fit_pairwise

    rng = np.random.default_rng(1)
    groups = []
    for _ in range(60):
        n_pos = int(rng.integers(1, 4))
        y = np.array([1.0] * n_pos + [0.0] * 8)
        x = np.column_stack([np.full(len(y), 2.0 * n_pos + rng.normal()),
                             y * 1.0 + rng.normal(scale=0.8, size=len(y))])
        groups.append((x, y))
    w, b, mean, scale = fit_pairwise(groups)
    assert abs(w[0]) < 0.1 * abs(w[1])
    x_all = np.vstack([g for g, _ in groups])
    y_all = np.concatenate([y for _, y in groups])
    wp, _, _, _ = fit_logistic(x_all, y_all)
    assert abs(wp[0]) > 0.2 * abs(wp[1])
    p = SentenceModel(list(w), b, list(mean), list(scale)).probabilities(x_all)
    assert ((p > 0) & (p < 1)).all()
    assert abs(p.mean() - y_all.mean()) < 0.05  # calibrated: a probability, not a score


def test_room_after_the_checks_goes_to_the_sentence_models_likeliest() -> None:
    # The best sentence answers; room is left for one more of two long ones. The
    # sentence model picks which: one that leans on the passage's rank either way.
    from assistant.sentence_model import FEATURES, SentenceModel
    best = "Volta a levé 40 millions d’euros auprès de ses investisseurs cette année."
    first = "Volta " + "produit des batteries pour les bus et les camions, " * 4 + "en Europe."
    later = "Volta " + "ouvre une usine près de Lyon pour ses clients allemands, " * 4 + "en mars."
    docs = [doc(f"{best} {first}", "volta-a"), doc(later, "volta-b")]

    def quoted(rank_weight: float) -> str:
        weights = [0.0] * len(FEATURES)
        weights[FEATURES.index("rank")] = rank_weight
        model = SentenceModel(weights=weights, bias=0.0, mean=[0.0] * len(FEATURES),
                              scale=[1.0] * len(FEATURES))
        a = ExtractiveAnswerer(SentenceScorer(Analyzer()), model=model)
        return a.answer("Combien Volta a-t-elle levé ?", docs).text

    assert "40 millions" in quoted(5.0) and "camions" in quoted(5.0)
    assert "40 millions" in quoted(-5.0) and "Lyon" in quoted(-5.0)
    assert "Lyon" not in quoted(5.0) and "camions" not in quoted(-5.0)


def test_a_hyphenated_name_is_held_by_the_text_that_writes_it() -> None:
    # "Saint-Cyr" is one name: the text's words are cut at the hyphen, the name is not.
    bridge = doc("Le chantier du nouveau pont Saint-Cyr entre dans sa dernière phase. "
                 "L’ouvrage ouvrira à la circulation le 15 septembre 2025.", "pont")
    answer = answerer().answer("Quand le pont Saint-Cyr ouvrira-t-il ?", [bridge])
    assert not answer.refused and "15 septembre 2025" in answer.text, answer.text
    other = doc("Le chantier du nouveau pont Wilson entre dans sa dernière phase. "
                "L’ouvrage ouvrira à la circulation le 15 septembre 2025.", "pont")
    assert answerer().answer("Quand le pont Saint-Cyr ouvrira-t-il ?", [other]).refused


def test_a_name_read_before_a_lower_case_particle_is_held_by_the_whole_name() -> None:
    # A question's name ends at a lower-case word ("Port-Clairvaux" of
    # "Port-Clairvaux-les-Dunes"); the text holds each run of a compound's parts.
    resort = doc("La station de Port-Clairvaux-les-Dunes a compté 1,28 million de "
                 "nuitées cet été, en hausse de 6,3 %.", "station", lang="fr")
    asked = "Combien de nuitées Port-Clairvaux-les-Dunes a-t-elle comptées cet été ?"
    answer = answerer().answer(asked, [resort])
    assert not answer.refused and "1,28 million" in answer.text, answer.text
    other = doc("La station de Port-Vendres a compté 1,28 million de nuitées cet été.",
                "station", lang="fr")
    assert answerer().answer(asked, [other]).refused


def test_the_count_written_first_is_a_number_of_the_counted_thing() -> None:
    ferry = doc("The new ferry, 118 metres long, will take 90 minutes to cross the firth.",
                "ferry", lang="en")
    answer = answerer().answer("Combien de minutes durera la traversée du ferry ?", [ferry])
    assert answer.text.startswith("90."), answer.text


def test_no_latest_figure_is_claimed_beside_an_undated_article() -> None:
    old = doc("Brisa a levé 40 millions d’euros auprès de ses investisseurs.", "brisa-mars")
    new = doc("Brisa a levé 90 millions d’euros auprès de ses investisseurs au total.",
              "brisa-dec", "2024-12-10")
    text = answerer().answer("Combien Brisa a-t-elle levé auprès de ses investisseurs ?",
                             [old, new]).text
    assert "90 millions" in text and "plus récent" not in text, text


def test_no_date_is_written_first_for_a_how_long_question() -> None:
    from assistant.scoring import Sentence
    text = "Work on the bridge will start in September 2025 and take about twenty months."
    works = doc(text, "bridge", lang="en")
    chosen = [Sentence(text, 0, text, likely=0.9)]
    assert answerer()._item("Quand les travaux du pont commenceront-ils ?", chosen, [works],
                            "fr").startswith("septembre 2025")
    assert answerer()._item("Combien de temps dureront les travaux du pont ?", chosen,
                            [works], "fr") == ""


def test_the_amount_written_first_is_the_one_beside_what_the_question_names() -> None:
    text = ("The €24.6 million bridge will be funded by the National Transport Authority, "
            "which will pay €19 million, and by the city council.")
    bridge = doc(text, "bridge", lang="en")
    answer = answerer().answer("Combien paiera la National Transport Authority ?", [bridge])
    assert answer.text.startswith("19 millions d’euros."), answer.text
    council = answerer().answer("How much will the bridge cost?", [doc(
        "Le pont coûtera 24,6 millions d’euros, dont 19 millions d’euros de l’État.", "b")])
    assert council.text.startswith("€24.6 million."), council.text
    # the thing asked for names its figure: the one after it, not the one before
    # (a new user's "What valuation did that give it?" got the amount raised)
    valued = answerer().answer("What valuation did Brisa's round give it?", [doc(
        "En mars, Brisa a levé 6,6 milliards de dollars, portant sa valorisation à 157 "
        "milliards de dollars.", "brisa")])
    assert valued.text.startswith("$157 billion."), valued.text


def test_a_figure_of_another_year_than_the_one_asked_for_is_no_answer() -> None:
    plant = doc("Elbwerk generated revenue of €3.4 billion in 2023, mostly from households. "
                "Its storage plant opened in January 2024.", "elbwerk", lang="en")
    assert answerer().answer("How much revenue did Elbwerk make in 2024?", [plant]).refused
    assert not answerer().answer("How much revenue did Elbwerk make in 2023?", [plant]).refused
    assert not answerer().answer("How much revenue did Elbwerk make?", [plant]).refused


def test_a_figure_must_be_of_what_the_question_says_happens() -> None:
    plant = doc("Elbwerk generated revenue of €3.4 billion last year. Elbwerk is planning a "
                "second site near Stendal, with a capacity of 400 megawatts.", "elbwerk",
                lang="en")
    assert answerer().answer("How much will Elbwerk's second site cost?", [plant]).refused
    built = doc("Elbwerk's first site cost €185 million to build.", "elbwerk", lang="en")
    assert not answerer().answer("How much did Elbwerk's first site cost?", [built]).refused


def test_a_name_of_several_words_goes_whole_into_the_brackets() -> None:
    from assistant.quotes import query_names

    assert query_names("How many people does Halvorsen & Pike employ?") == ["Halvorsen & Pike"]
    assert query_names("Where did Amara Ndiaye study, and who hired Quillon's staff?") == [
        "Amara Ndiaye", "Quillon"]
    assert query_names("Which raised more, OpenAI or Anthropic?") == ["OpenAI", "Anthropic"]
    text = _named("The company employs 1,150 people.", ["Halvorsen & Pike"], None,
                  "Halvorsen & Pike results\nHalvorsen & Pike sold more bars.")
    assert text == "The company [Halvorsen & Pike] employs 1,150 people."
    # a sentence naming one word of the name needs no brackets
    assert _named("She said Ndiaye would stay.", ["Amara Ndiaye"], None) == (
        "She said Ndiaye would stay.")


def test_a_quote_that_closes_a_quotation_opened_before_it_opens_it_too() -> None:
    from assistant.quotes import balanced

    assert balanced("Une infirmière s’occupe de 18 patients », explique-t-elle.") == (
        "« … Une infirmière s’occupe de 18 patients », explique-t-elle.")
    assert balanced("« Nous tenons », dit-elle.") == "« Nous tenons », dit-elle."
    assert balanced("It is over,” he said.") == "“… It is over,” he said."
    assert balanced("He said “yes”.") == "He said “yes”."
    a = answerer().answer("Combien de patients une infirmière de nuit a-t-elle à Vernolles ?", [
        doc("« Nous sommes épuisés. Une infirmière de nuit à Vernolles s’occupe de 18 "
            "patients », explique-t-elle.", "vernolles")])
    assert "« … Une infirmière de nuit" in a.text, a.text


def test_a_comparison_gets_each_names_figure() -> None:
    from assistant.scoring import compared

    assert [p for p, _ in compared("Qui a levé le plus, Brisa ou Calda ?")] == [
        "Qui a levé le plus, Brisa ?", "Qui a levé le plus, Calda ?"]
    assert compared("When did Brisa and Calda decide to merge?") == []  # one thing done
    assert compared("Quel est le prix du billet entre Autun et Avallon ?") == []
    passages = [
        doc("Brisa a levé 40 millions d’euros auprès de fonds régionaux en mars. "
            "La société emploie 60 personnes à Lyon.", "brisa"),
        doc("Calda, son concurrent, a levé 90 millions d’euros auprès de fonds "
            "américains. Calda vise Brisa et ses clients.", "calda")]
    text = answerer().answer("Combien ont levé Brisa et Calda respectivement ?", passages).text
    assert "40 millions" in text and "90 millions" in text, text
    english = answerer().answer("Which raised more, Brisa or Calda?", passages).text
    assert english.startswith("Brisa: €40 million; Calda: €90 million."), english


def test_a_sentence_two_passages_share_is_quoted_once() -> None:
    from assistant.scoring import passage_sentences

    shared = "La ville de Brisac présente son plan vélo."
    a = doc(f"Les cyclistes attendaient ce jour. {shared}", "velo")
    b = Document(page_content=f"{shared} Il coûtera 48 millions d’euros d’ici 2030.",
                 id="velo:0001", metadata=dict(a.metadata))
    twice = [s for s in passage_sentences([a, b]) if s.text == shared]
    assert len(twice) == 2
    text = answerer()._compose("Que présente Brisac ?", "fr", twice, [a, b]).text
    assert text.count(shared) == 1 and "[2]" not in text, text


def test_a_part_answered_by_a_quote_of_another_part_is_not_said_open(
        monkeypatch: pytest.MonkeyPatch) -> None:
    plan = doc("Le réseau cyclable de Brisac passera de 62 kilomètres aujourd’hui à 190 "
               "kilomètres fin 2030, selon le maire.", "velo")
    a = answerer()
    select = a._select

    def second_part_finds_nothing(part, *args):  # as a new user's "…want by 2030?" did
        return None if part.startswith("combien en veut") else select(part, *args)

    monkeypatch.setattr(a, "_select", second_part_finds_nothing)
    question = ("Combien de kilomètres de pistes cyclables Brisac a-t-elle aujourd’hui, "
                "et combien en veut-elle en 2030 ?")
    text = a.answer(question, [plan]).text
    assert "190 kilomètres" in text and "ne répondent pas" not in text, text
    # a part whose year no quote holds is still said open
    text = a.answer(question.replace("2030", "2040"), [plan]).text
    assert "ne répondent pas à : « combien en veut-elle en 2040 ? »" in text, text


def test_a_who_or_which_question_needs_a_name_the_question_does_not_hold() -> None:
    bio = doc("Quillon was founded in 2022, said chief executive Amara Ndiaye. Ndiaye "
              "studied law for six years before she joined a firm.", "quillon", lang="en")
    assert answerer().answer("Which university did Amara Ndiaye attend?", [bio]).refused
    schooled = doc("Amara Ndiaye studied law at Kingsbridge University before founding "
                   "Quillon in 2022.", "quillon", lang="en")
    assert not answerer().answer("Which university did Amara Ndiaye attend?",
                                 [schooled]).refused
    model = doc("En septembre, OpenAI a lancé o1, son premier modèle de raisonnement.",
                "openai")
    assert not answerer().answer("What is the name of the first reasoning model launched "
                                 "by OpenAI?", [model]).refused
    assert not brings_name("Ndiaye studied law.", "Which university did Amara Ndiaye attend?")


def test_no_count_is_read_off_an_amount() -> None:
    quote = "Quillon has raised $450 million in a round that values it at $4.2 billion."
    assert key_item(quote, "count", "en", "fr") == ""
    assert key_item("Calloway employs 3,450 people, up 12% on a year ago.", "count", "en",
                    "fr") == "3\u202f450"


def test_a_question_naming_a_year_gets_that_years_figure_not_the_latest() -> None:
    old = doc("Saint-Aurele airport carried 412,000 passengers in 2024, up 9% on the year "
              "before.", "air24", published="2025-02-10", lang="en")
    new = doc("Saint-Aurele airport carried 468,000 passengers in 2025, a record for the "
              "airport.", "air25", published="2026-01-15", lang="en")
    asked = answerer().answer("How many passengers did Saint-Aurele airport carry in 2024?",
                              [old, new]).text
    assert "412,000" in asked and "468,000" not in asked and "latest" not in asked, asked
    latest = answerer().answer("How many passengers did Saint-Aurele airport carry?",
                               [old, new]).text
    assert latest.startswith("The latest figure is from 2026-01-15."), latest


def test_an_answer_too_long_leaves_out_whole_quotes_instead_of_cutting_one() -> None:
    sentence = ("The council said the {} phase of the tram works would cost more than "
                "planned, because of the price of steel and of the ground conditions found "
                "under the old docks last spring.")
    text = " ".join(sentence.format(n) for n in ("first", "second", "third", "fourth"))
    works = doc(text, "tram", lang="en")
    chosen = passage_sentences([works])
    answer = answerer()._compose("What did the council say?", "en", chosen, [works])
    assert len(answer.text) <= 600 and "…" not in answer.text, answer.text
    assert answer.text.rstrip().endswith("[1]") and len(answer.quotes) < len(chosen)
    assert all(q in answer.text for q in answer.quotes)
    chosen[-1].score = 9.0  # the best quote stays, whatever its place
    answer = answerer()._compose("What did the council say?", "en", chosen, [works])
    assert "fourth phase" in answer.text and len(answer.text) <= 600, answer.text


def test_no_item_is_written_first_from_a_sentence_of_another_year_than_asked() -> None:
    new = doc("The runway works cost €16.2 million in 2025.", "air25", published="2026-01-15",
              lang="en")
    chosen = passage_sentences([new])
    question = "Combien ont coûté les travaux de la piste en {} ?"
    assert answerer()._item(question.format(2024), chosen, [new], "fr") == ""
    assert answerer()._item(question.format(2025), chosen, [new], "fr").startswith("16,2")


def test_a_figure_of_another_quarter_than_the_one_asked_for_is_no_answer() -> None:
    guidance = doc("For the fourth quarter, Norhaven expects revenue between $330 million and "
                   "$345 million.", "norhaven", lang="en")
    assert answerer().answer("How much revenue did Norhaven make in the third quarter?",
                             [guidance]).refused
    assert answerer().answer("Quel chiffre d'affaires au 3ème trimestre ?", [guidance]).refused
    assert not answerer().answer("How much revenue does Norhaven expect in the fourth "
                                 "quarter?", [guidance]).refused


def test_the_latest_figure_is_the_named_companys_not_another_articles() -> None:
    old = doc("La start-up OpenAI a levé 20 milliards de dollars auprès de ses investisseurs.",
              "openai", "2024-11-28")
    other = doc("La start-up Corvane a levé au total 115 millions de dollars auprès de ses "
                "investisseurs.", "corvane", "2025-06-11")
    question = "Combien la start-up OpenAI a-t-elle levé auprès de ses investisseurs au total ?"
    text = answerer().answer(question, [old, other]).text
    assert "20 milliards" in text and "115" not in text and "récent" not in text, text
    newer = doc("La start-up OpenAI a levé au total 26 milliards de dollars auprès de ses "
                "investisseurs.", "openai-juin", "2025-06-11")  # its own: still first
    text = answerer().answer(question, [old, newer]).text
    assert text.startswith("Le chiffre le plus récent date du 2025-06-11."), text


def test_no_latest_figure_note_when_the_newest_quote_gives_another_figure() -> None:
    first = doc("Around 1,150 residents were evacuated from Tewkesbury during the flood.",
                "flood", "2025-02-16", lang="en")
    update = doc("Council officers said 77 more homes in Tewkesbury were found flooded once "
                 "residents returned.", "flood-update", "2025-02-27", lang="en")
    question = "How many residents were evacuated from Tewkesbury?"
    both = passage_sentences([first, update])
    text = answerer()._compose(question, "en", both, [first, update]).text
    assert "1,150" in text and "77 more" in text and "latest" not in text, text
    newer = doc("The council now says 1,240 residents were evacuated from Tewkesbury.",
                "flood-update", "2025-02-27", lang="en")
    both = passage_sentences([first, newer])
    text = answerer()._compose(question, "en", both, [first, newer]).text
    assert text.startswith("The latest figure is from 2025-02-27."), text


def test_an_english_amount_is_written_the_french_way() -> None:
    # a new user got "1 millions de livres"; "£1,000" read as "1,000" is one pound in French
    assert key_item("It doubled the fund to £1 million.", "amount", "en", "fr") == (
        "1 million de livres")
    assert key_item("Each household gets £1,000.", "amount", "en", "fr") == "1\u202f000 livres"
    assert key_item("A fee of €450,000 was paid.", "amount", "en", "fr") == "450\u202f000 euros"
    assert key_item("It raised $1.5 billion.", "amount", "en", "fr") == "1,5 milliard de dollars"
    assert key_item("It raised $6.6 billion.", "amount", "en", "fr") == "6,6 milliards de dollars"


def test_a_season_and_year_is_the_date_written_for_the_reader() -> None:
    # a new user asking "quand commenceront les travaux ?" got "2025." for "autumn 2025"
    quote = "Work will begin in autumn 2025 rather than spring 2026."
    assert key_item(quote, "date", "en", "fr") == "automne 2025"
    assert key_item("Les travaux débuteront à l’automne 2025.", "date", "fr", "en") == (
        "autumn 2025")



def test_minutes_and_hours_answer_how_long() -> None:
    trip = doc("Le trajet complet dure 14 minutes, contre 35 minutes en bus.", "cable")
    assert "14 minutes" in answerer().answer("Combien de temps dure le trajet complet ?",
                                             [trip]).text
    strike = doc("The crews walked out for 72 hours on Monday.", "ferry", lang="en")
    assert "72 hours" in answerer().answer("How long did the crews walk out for?",
                                           [strike]).text


def test_a_plain_french_price_is_written_for_an_english_reader() -> None:
    # "How much does a ticket cost?" got "€64.5 million." off the next sentence
    assert key_item("Un ticket à 1,80 euro permet de l'emprunter.", "amount", "fr",
                    "en") == "€1.80"
    assert key_item("Une aide de 1 450 euros par foyer.", "amount", "fr", "en") == "€1,450"
    assert key_item("Il a 35 ans.", "amount", "fr", "en") == ""


def test_a_count_is_written_with_its_scale_word() -> None:
    # a new user's "how many meals" got "92." for "92 million meals"
    assert key_item("The company sold 92 million meals.", "count", "en", "fr") == "92 millions"
    assert key_item("Elle compte 1,5 million d’abonnés.", "count", "fr", "en") == "1.5 million"
    assert key_item("It built a 5 m wall for 40 workers.", "count", "en", "fr") == "5"
    # the word after this number, not after an earlier "92" (in "1992")
    assert key_item("Founded in 1992, it sold 92 million meals.", "count", "en",
                    "fr") == "92 millions"
    # a scale word the article's language does not use is no scale (it raised KeyError)
    assert key_item("Le pays doit 3 billions et emploie 40 agents.", "count", "fr",
                    "en") == "3"


def test_the_update_figure_is_quoted_not_only_its_framing_sentence() -> None:
    # A new user's "How much did the reopening cost?" got the update's "The cost of
    # the reopening has also risen." beside the older article's figure, and never the
    # update's own figure.
    old = doc("The reopening of the Vierzon maternity unit cost 4.2 million euros, paid by "
              "the region and the State.", "vierzon-march", "2025-03-14", lang="en")
    update = doc("Six months after the reopening of the Vierzon maternity unit, the hospital "
                 "has recorded 275 births, fewer than the 650 births planned for its first "
                 "year of the reopening of the maternity unit at Vierzon hospital. The cost of "
                 "the reopening of the Vierzon maternity unit has also risen. The final bill "
                 "for the works reached 4.9 million euros, against 4.2 million euros "
                 "announced in March, because of delays in fitting out the neonatal unit "
                 "of the maternity.", "vierzon-sept", "2025-09-18", lang="en")
    text = answerer().answer("How much did the reopening of the Vierzon maternity unit cost?",
                             [update, old]).text
    assert "4.9 million" in text, text


def test_quotes_that_do_not_fit_leave_before_the_figure_asked_for() -> None:
    update = doc("Six months after it reopened in March, the Vierzon maternity unit has "
                 "recorded 275 births, fewer than the pace needed to reach the 650 births "
                 "planned for its first year, the hospital said on Wednesday in a statement. "
                 "The cost of the reopening has also risen sharply, the hospital director "
                 "said on Wednesday, and the region, which paid for most of the works and "
                 "for the new equipment of the delivery rooms, is worried about its own "
                 "budget for the coming years and about the hospital's other wards. "
                 "The final bill for the works reached 4.9 million euros, against 4.2 "
                 "million euros announced in March, because of delays in the neonatal unit.",
                 "vierzon-sept", "2025-09-18", lang="en")
    quotes = passage_sentences([update])
    for s, score in zip(quotes, (0.9, 0.8, 0.5), strict=True):
        s.score = score
    text = answerer()._compose("How much did the reopening cost?", "en", quotes, [update]).text
    assert len(text) <= 600 and "4.9 million" in text, text


def test_no_latest_figure_over_another_subjects_figure() -> None:
    # A new user's harvest question also quoted a hospital article's "eight health
    # workers", and was told "The latest figure is from" the harvest article's date.
    harvest = doc("Near Tours, 1,200 seasonal workers were hired for the Touraine harvest.",
                  "touraine-harvest", "2025-10-03", lang="en")
    hospital = doc("In Vierzon, the council housed eight health workers in new flats.",
                   "vierzon-hospital", "2025-09-18", lang="en")
    question = "How many seasonal workers were hired?"
    quotes = passage_sentences([harvest, hospital])
    text = answerer()._compose(question, "en", quotes, [harvest, hospital]).text
    assert "1,200" in text and "latest" not in text, text
    update = doc("The Touraine harvest finally hired 1,350 seasonal workers, growers said.",
                 "touraine-update", "2025-11-20", lang="en")
    quotes = passage_sentences([update, harvest])
    text = answerer()._compose(question, "en", quotes, [update, harvest]).text
    assert text.startswith("The latest figure is from 2025-11-20."), text
