"""Reading articles and cutting them into passages."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.chunking import chunk_article
from assistant.sources import Article, SourceError, load_article
from assistant.text import split_sentences

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "tests" / "data" / "course-ia-financement.md"


@pytest.fixture(scope="module")
def seed() -> Article:
    return load_article(SEED)


def test_seed_article_metadata_is_known_facts_only(seed: Article) -> None:
    assert seed.id == "course-ia-financement"
    assert seed.language == "fr"
    assert seed.published == "2024-11"
    assert seed.url == "" and seed.outlet == ""  # unknown: left empty, not invented


def test_related_headlines_stand_in_a_section_of_their_own(seed: Article) -> None:
    body, _, related = seed.text.partition("## À lire aussi")
    assert "Sam Altman, tout-puissant" not in body  # not glued to the paragraphs
    assert "Related News" not in seed.text
    assert "Sam Altman, tout-puissant à la tête d’OpenAI" in seed.extra["related_headlines"]
    assert "Sam Altman, tout-puissant à la tête d’OpenAI\n" in related
    passages = [c for c in chunk_article(seed) if c.section == "À lire aussi"]
    assert passages and all("Aleph Alpha" not in c.text or c.text.count("\n") >= 1
                            for c in passages)


def test_passages_are_short_ordered_and_identified(seed: Article) -> None:
    chunks = chunk_article(seed)
    assert len(chunks) > 10
    assert all(len(c.text) <= 600 for c in chunks)
    assert [c.position for c in chunks] == list(range(len(chunks)))
    assert [c.id for c in chunks] == [f"course-ia-financement:{n:04d}" for n in range(len(chunks))]
    assert chunk_article(seed) == chunks  # deterministic


def test_passages_keep_whole_sentences_and_sections(seed: Article) -> None:
    chunks = chunk_article(seed)
    sentences = {s.lstrip("# ") for s in split_sentences(seed.text)}
    for c in chunks:
        for sent in split_sentences(c.text):
            assert sent in sentences, sent
    heading = "OpenAI, leader de la course (environ 20 milliards de dollars levés)"
    openai = next(c for c in chunks if "Thrive Capital" in c.text)
    assert openai.section.endswith(heading)
    assert openai.section.startswith("Trois start-up surfinancées en tête")
    first = next(c for c in chunks if c.section == openai.section)
    # Both headings are text of the section's first passage, each on its own line.
    assert first.text.startswith(f"Trois start-up surfinancées en tête\n{heading}\n")
    google = next(c for c in chunks if c.text.startswith("Les géants de la technologie"))
    assert google.text.startswith(
        "Les géants de la technologie au centre du jeu\nGoogle, le numéro deux officieux\n")
    # A heading is repeated only under its own parent: the next subsection starts afresh.
    anthropic = next(c for c in chunks if "Anthropic, le challenger" in c.text)
    assert anthropic.text.startswith("Anthropic, le challenger")


def test_a_sentence_longer_than_a_passage_is_cut(tmp_path: Path) -> None:
    long = "Le marché " + ", ".join(f"le stand {n} de la place" for n in range(200)) + "."
    p = tmp_path / "long.txt"
    p.write_text(long, encoding="utf-8")
    chunks = chunk_article(load_article(p))
    assert len(chunks) > 1 and all(len(c.text) <= 600 for c in chunks)
    assert " ".join(c.text for c in chunks) == long


def test_plain_text_loads_with_a_title_and_language(tmp_path: Path) -> None:
    p = tmp_path / "Une-Note.txt"
    p.write_text("Mistral a levé des fonds. La start-up est française.", encoding="utf-8")
    art = load_article(p)
    assert art.id == "une-note" and art.title == "Une Note" and art.language == "fr"


@pytest.mark.parametrize("content", [b"", b"   \n\n", b"\x00\x01\x02binary\x00"])
def test_unusable_files_are_refused_with_a_reason(tmp_path: Path, content: bytes) -> None:
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    with pytest.raises(SourceError, match=r"bad\.txt"):
        load_article(p)


def test_content_hash_follows_text_and_metadata(seed: Article) -> None:
    other = Article(**{**seed.__dict__, "text": seed.text + " Fin."})
    same = Article(**seed.__dict__)
    assert same.content_hash == seed.content_hash
    assert other.content_hash != seed.content_hash


def test_a_short_last_sentence_opens_the_next_passage_too(tmp_path: Path) -> None:
    filler = " ".join(f"Phrase de remplissage numéro {n} sur le marché." for n in range(11))
    announce = "Autrement dit, pour la société, deux voies se dessinent."
    listing = "Soit elle lève des fonds, soit elle est rachetée par un géant."
    p = tmp_path / "annonce.txt"
    p.write_text(f"{filler} {announce}\n\n{listing}", encoding="utf-8")
    chunks = chunk_article(load_article(p))
    assert len(chunks) == 2 and all(len(c.text) <= 600 for c in chunks)
    assert chunks[0].text.endswith(announce)
    assert chunks[1].text == f"{announce} {listing}"  # found together with the list
    longs = [f"Une phrase longue numéro {n} " + "qui s'étire encore " * 7 + "et se termine."
             for n in range(5)]
    assert all(len(s) > 150 for s in longs)
    p.write_text(" ".join(longs), encoding="utf-8")
    first, second = chunk_article(load_article(p))
    assert " ".join([first.text, second.text]) == " ".join(longs)  # long ones not repeated


LONG = ("Le groupe a publié mercredi des résultats annuels en nette hausse, portés par "
        "ses ventes en Europe et au Moyen-Orient, où il a remporté plusieurs contrats "
        "pour des usines de dessalement, selon sa directrice financière. ")


def test_plain_text_headings_open_sections_and_keep_their_line(tmp_path: Path) -> None:
    # Saved one paragraph per line, headings as short lines with no closing stop, a
    # list item as a sub-heading, the headline of another article before a heading.
    text = "\n".join([
        LONG * 2, "Trois groupes en tête", "- Brisa, le leader (20 millions levés)",
        LONG * 2, "Un autre article du site", "Les géants au centre du jeu", LONG * 2])
    path = tmp_path / "plain.txt"
    path.write_text(text, encoding="utf-8")
    chunks = chunk_article(load_article(path))
    sections = {c.section for c in chunks}
    assert "Trois groupes en tête › Brisa, le leader (20 millions levés)" in sections
    assert "Les géants au centre du jeu" in sections
    assert not any("Un autre article" in s for s in sections)  # it heads nothing
    for c in chunks:  # never glued to the sentence after it
        assert "levés) Le groupe" not in c.text and "du site Les" not in c.text


def test_a_hard_wrapped_paragraph_has_no_headings(tmp_path: Path) -> None:
    wrapped = "\n".join(["Le groupe a publié mercredi des résultats annuels en nette",
                         "hausse, portés par ses ventes en Europe et au Moyen-Orient",
                         "selon sa directrice financière.", "", "Une autre phrase du texte."])
    path = tmp_path / "wrapped.txt"
    path.write_text(wrapped, encoding="utf-8")
    assert {c.section for c in chunk_article(load_article(path))} == {""}


def test_every_passage_header_carries_its_articles_key_names() -> None:
    # The title names no one; the article names Pettifer and Northmoor often, and a
    # later passage only says "he". Its header (what the search legs read) holds
    # both names, so a question naming them finds it; its text stays the article's.
    from assistant.chunking import key_names
    body = ("A former manager at Northmoor District Council has been jailed. "
            "Graham Pettifer, 58, pleaded guilty in June. "
            "Northmoor said the fraud went unnoticed for six years. "
            "The court heard that Pettifer hid the payments in routine invoices. "
            "Yesterday the judge spoke. Yesterday it rained. " * 2
            + " ".join(f"Filler sentence number {n} about the hearing." for n in range(20))
            + " In total, he diverted £1,342,600.")
    article = Article(id="fraud", title="Former council manager jailed for £1.3m fraud",
                      text=body, language="en")
    names = key_names(body)
    assert set(names[:2]) == {"Northmoor", "Pettifer"}
    assert "Yesterday" not in names and "The" not in names  # a sentence's first word
    chunks = chunk_article(article)
    last = chunks[-1]
    assert len(chunks) > 1 and "Pettifer" not in last.text and "diverted" in last.text
    head = last.indexed_text.split("\n")[0]
    assert "Pettifer" in head and "Northmoor" in head and article.title in head
    assert key_names("Une seule mention de Mistral ici.") == []  # seen once: no key name
    # a possessive is the same name: "Quillon" (once) and "Quillon's" (once) make two
    assert key_names("Then Quillon raised money. Then Quillon's chief spoke.") == ["Quillon"]


def test_a_sentence_ends_after_a_closing_quote_or_bracket() -> None:
    # a new user saw 'This time it reached the kitchen." Fire crews…' quoted as one
    text = ('"In 2007 it reached the second step. This time it reached the kitchen." '
            'Fire crews carried out 63 rescues. « C’est fini. » Il est parti. '
            '"Stop," he said. He left (for good.) Then rain.')
    assert split_sentences(text) == [
        '"In 2007 it reached the second step.', 'This time it reached the kitchen."',
        "Fire crews carried out 63 rescues.", "« C’est fini. »", "Il est parti.",
        '"Stop," he said.', "He left (for good.)", "Then rain."]
