"""Adding articles, as a new user saw it: the files stored can be read by others
(the mode of a newly created file), and a source skipped because an article of the
corpus already has its text is named, with that article, in what refresh reports
(the command line's table, the web panel's "already indexed")."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes import FakeEmbedder

from assistant import ingest as ingest_module
from assistant.cli import _refresh
from assistant.core import Assistant
from assistant.feeds import STATE_FILE, FeedBook
from assistant.fetch import Fetched
from assistant.ingest import ingest, save_text
from assistant.settings import Settings
from assistant.sources import parse_front_matter
from assistant.ui.handlers import ArticleAdder
from assistant.ui.render import report_html

SEED = Path(__file__).resolve().parents[1] / "data" / "course-ia-financement.md"
SEED_ID = "course-ia-financement"
NEAR = f"nearly the same text as article '{SEED_ID}', already in the corpus: not added"


def seed_body() -> str:
    return parse_front_matter(SEED.read_text("utf-8"))[1]


@pytest.fixture()
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """The process's umask set to ``request.param`` for the test, then put back."""
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002], indirect=True,
                         ids=["022", "027", "002"])
def test_stored_files_get_the_mode_of_a_new_file(umask: int, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    source = tmp_path / "velo.md"
    source.write_text("---\ntitle: Vélo\n---\nLa ville ouvre trois pistes cyclables.\n",
                      "utf-8")
    assert ingest([str(source)], corpus).added == ["velo"]
    saved_text = save_text("Météo", "Il pleuvra demain sur Nantes.", corpus)
    FeedBook(corpus).subscribe("https://example.org/feed.xml")
    expected = 0o666 & ~umask
    for name in ("velo.md", f"{saved_text}.md", STATE_FILE):
        assert oct((corpus / name).stat().st_mode & 0o777) == oct(expected), name
    source.write_text("---\ntitle: Vélo\n---\nLa ville ouvre quatre pistes cyclables.\n",
                      "utf-8")
    os.chmod(corpus / "velo.md", 0o600)  # as stored before: written over, it is fixed
    assert ingest([str(source)], corpus).saved == ["velo"]
    assert oct((corpus / "velo.md").stat().st_mode & 0o777) == oct(expected)
    assert not [p.name for p in corpus.iterdir() if p.name.endswith(".tmp")]


def test_a_source_skipped_as_a_copy_names_the_article_it_duplicates(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / SEED.name).write_bytes(SEED.read_bytes())
    near = tmp_path / "copie.txt"  # another format, a line more
    near.write_text(f"Une copie\n\n{seed_body()}\nUne ligne de plus.\n", "utf-8")
    same = tmp_path / "meme-texte.md"
    same.write_text(f"---\ntitle: Autre titre\n---\n{seed_body()}", "utf-8")
    result = ingest([str(near), str(same)], corpus)
    assert result.added == [] and result.errors == []
    assert result.saved == [SEED_ID, SEED_ID]
    assert result.skipped == [
        (str(near), NEAR),
        (str(same), NEAR.replace("nearly the same text", "the same text"))]
    assert [p.name for p in corpus.glob("*.md")] == [SEED.name]
    # The same file added again is its own article: nothing skipped.
    own = tmp_path / "velo.md"
    own.write_text("La ville ouvre trois pistes cyclables rue de la Gare.\n", "utf-8")
    assert ingest([str(own)], corpus).added == ["velo"]
    again = ingest([str(own)], corpus)
    assert (again.saved, again.skipped) == (["velo"], [])


@pytest.fixture()
def assistant(tmp_path: Path) -> Assistant:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / SEED.name).write_bytes(SEED.read_bytes())
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", multilingual=False)
    built = Assistant(settings, embedders={"dense": FakeEmbedder()})
    assert built.refresh().added == [SEED_ID]
    return built


def test_the_refresh_command_lists_a_skipped_source_and_its_article(
        assistant: Assistant, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    near = tmp_path / "copie.txt"
    near.write_text(f"Une copie\n\n{seed_body()}\nUne ligne de plus.\n", "utf-8")
    args = argparse.Namespace(sources=[str(near)], rebuild=False, verbose=False)
    assert _refresh(assistant, args) == 0  # not an error: the article is there
    out = capsys.readouterr().out.splitlines()
    assert f"skipped           1  {near}" in out, out
    assert f"skipped: {near}: {NEAR}" in out, out
    assert f"unchanged         1  {SEED_ID}" in out, out
    # A refresh skipping nothing has no such row.
    assert _refresh(assistant, argparse.Namespace(sources=[], rebuild=False,
                                                  verbose=False)) == 0
    assert not [line for line in capsys.readouterr().out.splitlines() if "skipped" in line]


def test_the_web_panel_names_a_page_already_indexed(
        assistant: Assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = "https://example.org/copie-de-l-article.txt"

    def fetch(address: str, **_: object) -> Fetched:
        assert address == url
        return Fetched(url, 200, "text/plain; charset=utf-8",
                       f"Une copie\n\n{seed_body()}\n".encode())

    monkeypatch.setattr(ingest_module, "fetch", fetch)
    report = ArticleAdder(assistant, tmp_path / "uploads").add(None, url, "", "", "en")
    assert report.already == [url] and report.errors == [] and report.added == []
    assert [(src, f"article '{SEED_ID}'" in why) for src, why in report.skipped] == [
        (url, True)]
    assert f'<li class="add-already">already indexed: {url}</li>' in report_html(report, "en")


def test_refresh_from_code_reports_a_skipped_source(assistant: Assistant, tmp_path: Path) -> None:
    near = tmp_path / "copie.txt"
    near.write_text(f"Une copie\n\n{seed_body()}\nUne ligne de plus.\n", "utf-8")
    report = assistant.refresh([str(near)])
    assert report.skipped == [(str(near), NEAR)] and report.errors == []
    assert report.unchanged == [SEED_ID]


def test_a_pasted_text_pasted_again_corrected_updates_its_article(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    body = seed_body()
    first = save_text("Le Fournil", body, corpus)
    corrected = body.replace("milliards", "millions", 1)
    assert corrected != body
    assert save_text("Le Fournil", corrected, corpus) == first  # the same article…
    assert "millions" in (corpus / f"{first}.md").read_text("utf-8")  # …corrected
    assert [p.name for p in corpus.glob("*.md")] == [f"{first}.md"]
    # nearly the text of an article of another title is still a copy, left alone
    assert save_text("Autre titre", body, corpus) == first
    assert (corpus / f"{first}.md").read_text("utf-8").count("millions") >= 1


def test_a_pasted_text_s_headline_is_its_title_not_a_sentence(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    aid = save_text("", "Le Fournil ouvre douze boulangeries\n\nFondée en 2009, la chaîne "
                    "compte 18 boutiques.\n", corpus)
    meta, body = parse_front_matter((corpus / f"{aid}.md").read_text("utf-8"))
    assert meta["title"] == "Le Fournil ouvre douze boulangeries"
    assert body.strip() == "Fondée en 2009, la chaîne compte 18 boutiques."
    # the same with the title typed beside it; a one-line text keeps its line
    aid = save_text("Le Fournil recrute", "Le Fournil recrute\nIl embauche 40 boulangers.",
                    corpus)
    assert parse_front_matter((corpus / f"{aid}.md").read_text("utf-8"))[1].strip() == (
        "Il embauche 40 boulangers.")
    aid = save_text("", "Une seule ligne de texte sur le pain.", corpus)
    assert "Une seule ligne" in (corpus / f"{aid}.md").read_text("utf-8")


def test_the_web_panel_names_an_address_given_again_among_others(
        assistant: Assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A new user's four addresses (new, already indexed, dead, broken) read
    # "1 added · 2 failed": the one already indexed was not said.
    again, new = "https://example.org/bis", "https://example.org/new"
    bodies = {again: "Le port de Brest agrandit son terminal. " * 12,
              new: "La ville de Rodez ouvre une piscine neuve. " * 12}

    def fetch(address: str, **_: object) -> Fetched:
        return Fetched(address, 200, "text/plain; charset=utf-8", bodies[address].encode())

    monkeypatch.setattr(ingest_module, "fetch", fetch)
    adder = ArticleAdder(assistant, tmp_path / "uploads")
    first = adder.add(None, again, "", "", "en")
    assert len(first.added) == 1 and first.already == []
    both = adder.add(None, f"{new}\n{again}", "", "", "en")
    assert len(both.added) == 1 and both.already == first.added, both
    assert "already indexed" in report_html(both, "en")
