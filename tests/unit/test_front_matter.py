"""Front matter: only a first block, plain and small; the body always survives (no models)."""

from __future__ import annotations

import re
import time
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.chunking import chunk_article
from assistant.ingest import ingest, save_text
from assistant.sources import SourceError, load_article, parse_front_matter
from assistant.text import words

BREAKS = ["---", "-----", "***", "|---|---|", "| a | b |", "...", "--- ", "Titre", "=====",
          "---\ntitle: x\n---"]
line = st.one_of(st.sampled_from(BREAKS),
                 st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                         max_size=40))
# A first line of prose: a text that starts with a front-matter block is another case
# (its block is metadata, see the pasted-text test).
body_st = st.lists(line, min_size=1, max_size=12).map(lambda ls: "\n".join(["Début.", *ls]))


def test_thematic_break_setext_and_table_keep_the_text_after_them(tmp_path: Path) -> None:
    text = ("---\ntitle: Essai\n---\n\nPremier paragraphe.\n\n---\n\nDeuxième partie\n"
            "---------------\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nDernière phrase ici.\n")
    f = tmp_path / "essai.md"
    f.write_text(text, encoding="utf-8")
    article = load_article(f)
    assert article.title == "Essai"
    assert "Dernière phrase ici." in article.text and "Deuxième partie" in article.text
    passages = " ".join(c.text for c in chunk_article(article))
    assert "Dernière phrase ici" in passages


def test_pasted_text_with_its_own_front_matter_gives_title_and_body(tmp_path: Path) -> None:
    aid = save_text("", "---\ntitle: Marée haute\npublished: 2025-01-02\n---\nLa mer monte.\n"
                    "---\nEt la suite reste.", tmp_path)
    article = load_article(tmp_path / f"{aid}.md")
    assert article.title == "Marée haute" and article.published == "2025-01-02"
    assert article.text == "La mer monte.\n---\nEt la suite reste."


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=body_st)
def test_any_body_survives_save_load_and_chunking(tmp_path: Path, body: str) -> None:
    folder = tmp_path / str(time.perf_counter_ns())
    aid = save_text("Un titre", body, folder)
    try:
        article = load_article(folder / f"{aid}.md")
    except SourceError as exc:
        # Forty words or more with almost no function word read as a log or a table
        # (hypothesis found one): refused with the reason, the saved file kept.
        assert "no running French or English text" in str(exc)
        assert (folder / f"{aid}.md").read_text(encoding="utf-8")
        return
    # The loader writes text in NFC (a CJK compatibility ideograph becomes its
    # canonical form, hypothesis found U+FA2A → U+98EF).
    # Invisible characters are dropped too (hypothesis found a line holding only a
    # U+FEFF byte-order mark), as the README's limits table says.
    visible = re.sub("[\u200b-\u200f\u202a-\u202e\ufeff]", " ",
                     unicodedata.normalize("NFC", body))
    expected = "\n".join(" ".join(x.split()) for x in visible.splitlines()).strip()
    assert "\n".join(" ".join(x.split()) for x in article.text.splitlines()) == expected
    indexed = " ".join(c.text for c in chunk_article(article))
    assert set(words(article.text)) <= set(words(indexed))


ALIAS_BOMB = ("---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
              "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n"
              "title: [*d, *d, *d, *d, *d, *d, *d, *d]\n---\nTexte.\n")


def test_yaml_aliases_are_refused_quickly(tmp_path: Path) -> None:
    f = tmp_path / "bomb.md"
    f.write_text(ALIAS_BOMB, encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(SourceError, match="anchors or aliases"):
        load_article(f)
    assert time.perf_counter() - start < 1
    result = ingest([str(f)], tmp_path / "corpus")
    assert result.added == [] and "anchors or aliases" in result.errors[0][1]
    assert not (tmp_path / "corpus").exists() or not list((tmp_path / "corpus").iterdir())


@pytest.mark.parametrize("head, reason", [
    ("title: [a, b]", "single value"),
    ("title: {x: 1}", "single value"),
    ("title: " + "x" * 3000, "over 2000 characters"),
    ("note: " + "y" * 20000, "front matter over"),
    ("- a\n- b", "not a mapping"),
])
def test_front_matter_fields_are_short_plain_values(head: str, reason: str) -> None:
    with pytest.raises(SourceError, match=reason):
        parse_front_matter(f"---\n{head}\n---\nTexte.")


def test_a_file_claiming_a_url_does_not_count_as_fetched(tmp_path: Path) -> None:
    f = tmp_path / "claim.md"
    f.write_text("---\ntitle: Faux\nurl: https://example.org/vrai\nfetched: yes\n---\n"
                 "Un texte qui prétend venir d'ailleurs.\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    assert ingest([str(f)], corpus).added == ["claim"]
    from assistant.ingest import _Corpus

    assert _Corpus(corpus).by_url("https://example.org/vrai") is None
    assert "fetched" not in load_article(corpus / "claim.md").extra


def test_metadata_names_no_server_path_and_no_non_web_link(tmp_path: Path) -> None:
    from assistant.indexing import chunk_metadata

    f = tmp_path / "deep" / "note.md"
    f.parent.mkdir()
    f.write_text("---\ntitle: Note\nurl: javascript:alert(1)\n---\nUn texte assez long ici.\n",
                 encoding="utf-8")
    article = load_article(f)
    chunks = chunk_article(article)
    meta = chunk_metadata(article, chunks[0], len(chunks))
    assert meta["source"] == "note.md" and meta["url"] == ""
    assert str(tmp_path) not in str(meta)
    article.url = "https://example.org/a"
    assert chunk_metadata(article, chunks[0], 1)["source"] == "https://example.org/a"


def test_the_tests_corpus_is_the_seed_fixture_not_the_users_folder(corpus_dir: Path) -> None:
    from procs import ROOT

    seed = ROOT / "tests" / "data" / "course-ia-financement.md"
    assert seed.parent != ROOT / "corpus"
    assert [p.name for p in corpus_dir.iterdir()] == [seed.name]
    assert (corpus_dir / seed.name).read_bytes() == seed.read_bytes()


def test_adding_an_edited_file_again_updates_its_article(tmp_path: Path) -> None:
    corpus, src, other = tmp_path / "corpus", tmp_path / "src", tmp_path / "other"
    src.mkdir()
    other.mkdir()
    article = src / "velo.md"
    article.write_text("# Vélo\n\nLe réseau compte 8 000 vélos.\n", encoding="utf-8")
    assert ingest([str(article)], corpus).added == ["velo"]
    assert ingest([str(article)], corpus).added == []  # the same again: nothing new
    article.write_text("# Vélo\n\nLe réseau compte 12 000 vélos.\n", encoding="utf-8")
    result = ingest([str(article)], corpus)
    assert result.saved == ["velo"] and result.added == []
    assert sorted(p.name for p in corpus.glob("*.md")) == ["velo.md"]
    assert "12 000" in load_article(corpus / "velo.md").text
    # Another file of the same name, elsewhere, is another article: nothing replaced.
    (other / "velo.md").write_text("Le tramway compte 40 rames.\n", encoding="utf-8")
    assert ingest([str(other / "velo.md")], corpus).added == ["velo-2"]
    assert "12 000" in load_article(corpus / "velo.md").text


def test_a_title_holding_a_colon_is_read_as_plain_lines() -> None:
    # French titles put a space before ':'; YAML reads a second mapping there.
    meta, body = parse_front_matter(
        "---\ntitle: Grêle et sécheresse : la cave rentre sa plus petite récolte\n"
        "published: 2025-10-21\nlanguage: fr\n---\nTexte.")
    assert meta["title"] == "Grêle et sécheresse : la cave rentre sa plus petite récolte"
    assert str(meta["published"]).startswith("2025-10-21") and body.strip() == "Texte."
    with pytest.raises(SourceError, match="not valid YAML"):  # YAML's own syntax, broken
        parse_front_matter("---\ntitle: [unclosed\n---\nTexte.")


def test_a_header_without_its_closing_line_ends_at_the_first_blank_line() -> None:
    meta, body = parse_front_matter(
        "---\ntitle: Club d'aviron : une saison record\npublished: 2025-06-02\n\n"
        "Le club a gagné douze titres.")
    assert meta["title"] == "Club d'aviron : une saison record"
    assert body == "Le club a gagné douze titres."
    # a thematic break opening a text is no header
    assert parse_front_matter("---\nUn texte.\n\nSuite.")[0] == {}


def test_a_published_value_that_is_no_date_is_left_out(tmp_path: Path) -> None:
    from assistant.sources import load_article

    f = tmp_path / "piscine.md"
    f.write_text("---\ntitle: Piscine\npublished: 2025-13-45\n---\nLa piscine ferme.\n",
                 encoding="utf-8")
    assert load_article(f).published == ""
    f.write_text("---\ntitle: Piscine\npublished: 28 novembre 2024\n---\nLa piscine.\n",
                 encoding="utf-8")
    assert load_article(f).published == "2024-11-28"
    f.write_text("---\ntitle: Piscine\npublished: 2024-11\n---\nLa piscine.\n", encoding="utf-8")
    assert load_article(f).published == "2024-11"
