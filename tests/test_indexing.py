"""Incremental refresh against a real Chroma in a temp folder."""

from __future__ import annotations

import dataclasses
import inspect
import logging
import shutil
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import free_port, own_index
from news_site import (  # site_fixture, base_fixture: the fixtures site and base
    ARTICLE_BODY_FR,
    BOILERPLATE_WORDS,
    FEED_ARTICLES,
    base_fixture,  # noqa: F401
    make_pdf,
    page,
    requests_since,
    site_fixture,  # noqa: F401
)

import assistant as package
from assistant.core import Assistant
from assistant.indexing import RefreshReport
from assistant.settings import Settings
from assistant.sources import corpus_files, load_article
from assistant.store import IndexMismatch, Space, Store

NEW = """---
title: "Zorglub lève des fonds"
language: fr
published: "2024-12"
---

La start-up Zorglub a levé 3 milliards de dollars en décembre 2024.
Son fondateur, Jean Dupont, vise la superintelligence.
"""


@pytest.fixture()
def own(assistant: Assistant, settings: Settings, corpus_dir: Path, tmp_path: Path) -> Assistant:
    """An assistant on its own corpus copy and index, sharing the loaded models."""
    corpus = tmp_path / "corpus"
    shutil.copytree(corpus_dir, corpus)
    s = own_index(settings, tmp_path, corpus_dir=corpus)
    return Assistant(s, embedders=assistant.embedders)


def test_first_use_builds_the_missing_index(own: Assistant, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="assistant"):
        docs = own.retrieve("Thrive Capital", k=2)
    assert docs and "building" in caplog.text


def test_refresh_embeds_only_what_changed(own: Assistant) -> None:
    own.refresh()
    corpus = Path(own.settings.corpus_dir)
    (corpus / "zorglub.md").write_text(NEW, encoding="utf-8")
    report = own.refresh()
    assert report.added == ["zorglub"] and report.unchanged == ["course-ia-financement"]
    assert report.passages_embedded == 1
    assert "3 milliards" in own.ask("Combien Zorglub a-t-il levé ?").text

    (corpus / "zorglub.md").write_text(NEW.replace("3 milliards", "4 milliards"), encoding="utf-8")
    report = own.refresh()
    assert report.updated == ["zorglub"] and report.passages_embedded == 1
    texts = [h.text for h in own.store.passages({"article_id": "zorglub"})]
    assert len(texts) == 1 and "4 milliards" in texts[0]

    (corpus / "zorglub.md").unlink()
    report = own.refresh()
    assert report.removed == ["zorglub"]
    assert own.store.passages({"article_id": "zorglub"}) == []
    assert own.refresh().passages_embedded == 0


def test_a_new_way_of_cutting_reembeds_only_the_articles_it_changes(
        own: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant import indexing

    corpus = Path(own.settings.corpus_dir)
    (corpus / "zorglub.md").write_text(NEW, encoding="utf-8")
    own.refresh()
    cut = indexing.chunk_article

    def recut(article, max_chars):  # the chunker now puts a line break in Zorglub's
        chunks = cut(article, max_chars)
        if article.id == "zorglub":
            text = chunks[0].text.replace(" Son fondateur", "\nSon fondateur")
            chunks[0] = dataclasses.replace(chunks[0], text=text)
        return chunks

    monkeypatch.setattr(indexing, "chunk_article", recut)
    report = own.refresh()
    assert report.updated == ["zorglub"] and report.unchanged == ["course-ia-financement"]
    assert report.passages_embedded == 1
    assert own.refresh().passages_embedded == 0


def test_a_bad_source_is_logged_once_naming_the_file_once(
        own: Assistant, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    missing = tmp_path / "nope.md"
    with caplog.at_level(logging.WARNING):
        report = own.refresh([str(missing)])
    assert report.errors == [(str(missing), "nope.md: no such file")]
    lines = [r.getMessage() for r in caplog.records if "no such file" in r.getMessage()]
    assert lines == [f"{missing}: no such file"], lines


def test_ids_are_deterministic_and_refresh_idempotent(own: Assistant) -> None:
    own.refresh()
    ids = sorted(own.store.metadatas())
    own.refresh(rebuild=True)
    assert sorted(own.store.metadatas()) == ids
    assert own.store.count() == len(ids)


def test_unreadable_file_is_reported_and_nothing_is_lost(own: Assistant) -> None:
    own.refresh()
    before = own.store.count()
    seed = Path(own.settings.corpus_dir) / "course-ia-financement.md"
    original = seed.read_bytes()
    seed.write_bytes(b"\x00\x00garbage")  # the seed file became unreadable
    report = own.refresh()
    assert report.errors and "binary" in report.errors[0][1]
    assert report.removed == [] and own.store.count() == before
    seed.write_bytes(original)


def test_another_model_is_refused_with_the_rebuild_command(own: Assistant) -> None:
    own.refresh()
    other = Store(own.settings.collection, [Space("dense", "other-model", 384)],
                  client=own.store.client)
    with pytest.raises(IndexMismatch, match="refresh --rebuild"):
        other.count()


# -- refresh(sources): pages, feeds and files through to the index ------------------------

VELO = "le-velo-gagne-du-terrain-a-lyon"
FEED_IDS = sorted("-".join(t.lower().split()) for t, _ in FEED_ARTICLES.values())


@pytest.fixture()
def fresh(assistant: Assistant, settings: Settings, tmp_path: Path) -> Assistant:
    """An assistant on an empty corpus folder and an index of its own; private URLs are
    allowed (the test site is on 127.0.0.1)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    s = own_index(settings, tmp_path, corpus_dir=corpus, allow_private_urls=True)
    return Assistant(s, embedders=assistant.embedders)


def indexed(a: Assistant) -> dict[str, str]:
    """Passage id → text, checking that every vector space holds the same ids."""
    texts = {h.id: h.text for h in a.store.passages()}
    for key in a.store.spaces:
        assert set(a.store.metadatas(key)) == set(texts), key
    return texts


def test_package_refresh_signature() -> None:
    sig = inspect.signature(package.refresh)
    assert list(sig.parameters) == ["sources", "rebuild"]
    assert sig.parameters["sources"].default is None
    assert sig.parameters["rebuild"].kind is inspect.Parameter.KEYWORD_ONLY
    assert sig.parameters["rebuild"].default is False
    assert sig.return_annotation in (RefreshReport, "RefreshReport")


def test_page_and_feed_are_saved_with_metadata_and_a_rebuild_reproduces_the_index(
    fresh: Assistant, base: str, site: ThreadingHTTPServer
) -> None:
    report = fresh.refresh([f"{base}/article", f"{base}/feed.xml"])
    assert isinstance(report, RefreshReport)
    assert report.errors == []
    assert sorted(report.added) == sorted([VELO, *FEED_IDS])
    assert (report.updated, report.removed, report.unchanged) == ([], [], [])
    before = indexed(fresh)
    assert report.passages_embedded == len(before) >= 3
    # Each article is a file of the corpus folder, with its metadata.
    corpus = Path(fresh.settings.corpus_dir)
    articles = {a.id: a for a in map(load_article, corpus_files(corpus))}
    assert sorted(articles) == sorted(report.added)
    velo = articles[VELO]
    assert (velo.title, velo.url, velo.published, velo.language) == (
        "Le vélo gagne du terrain à Lyon", f"{base}/article", "2024-05-12", "fr")
    for path, (title, _) in FEED_ARTICLES.items():
        (a,) = [a for a in articles.values() if a.url == f"{base}{path}"]
        assert (a.title, a.published, a.language) == (title, "2024-05-12", "en")
    assert {h.metadata["url"] for h in fresh.store.passages({"article_id": VELO})} == {
        f"{base}/article"}

    # The same feed again: nothing embedded, no entry page fetched.
    hits = dict(site.hits)  # type: ignore[attr-defined]
    again = fresh.refresh([f"{base}/feed.xml"])
    assert (again.added, again.updated, again.removed, again.errors) == ([], [], [], [])
    assert sorted(again.unchanged) == sorted([VELO, *FEED_IDS])
    assert again.passages_embedded == 0
    assert requests_since(site, hits) == {"/feed.xml": 1}

    # The corpus folder alone rebuilds the same index: same ids, same texts.
    rebuilt = fresh.refresh(rebuild=True)
    assert sorted(rebuilt.added) == sorted([VELO, *FEED_IDS])
    assert indexed(fresh) == before


def test_a_changed_article_has_its_passages_replaced(fresh: Assistant) -> None:
    corpus = Path(fresh.settings.corpus_dir)
    long_text = "\n\n".join(
        f"Le conseil municipal de la ville numéro {n} a voté un budget de {n * 7} millions "
        f"d'euros pour rénover {n * 3} écoles, {n} gymnases et la piscine du quartier nord. "
        f"Les travaux commenceront au printemps {2025 + n % 3} et dureront {n + 2} ans, "
        "selon le maire, qui a présenté le projet devant une salle comble." for n in range(1, 9)
    )
    (corpus / "budget.md").write_text(f"---\ntitle: Budget\n---\n{long_text}\n",
                                      encoding="utf-8")
    first = fresh.refresh()
    old = indexed(fresh)
    assert first.added == ["budget"] and len(old) >= 4
    # Shorter now: its first passage changes, the passages past the new end go.
    short = "Le conseil municipal a finalement reporté le vote du budget à l'automne."
    (corpus / "budget.md").write_text(f"---\ntitle: Budget\n---\n{short}\n", encoding="utf-8")
    changed = fresh.refresh()
    assert (changed.updated, changed.added, changed.removed) == (["budget"], [], [])
    assert changed.passages_embedded == 1
    assert indexed(fresh) == {"budget:0000": short}
    # Unchanged: nothing embedded.
    same = fresh.refresh()
    assert (same.unchanged, same.passages_embedded) == (["budget"], 0)
    # Deleted from the corpus folder: its passages are deleted.
    (corpus / "budget.md").unlink()
    gone = fresh.refresh()
    assert gone.removed == ["budget"]
    assert indexed(fresh) == {}


def test_the_same_article_twice_is_indexed_once(fresh: Assistant, base: str,
                                                tmp_path: Path) -> None:
    copy = tmp_path / "copie.txt"  # the page's text, saved by hand as a text file
    copy.write_text("\n\n".join(ARTICLE_BODY_FR), encoding="utf-8")
    report = fresh.refresh([f"{base}/article", f"{base}/article#comments",
                            f"{base}/old-article", str(copy)])
    assert report.errors == []
    assert report.added == [VELO]
    assert [p.stem for p in corpus_files(Path(fresh.settings.corpus_dir))] == [VELO]
    assert {h.metadata["article_id"] for h in fresh.store.passages()} == {VELO}


def test_the_same_article_twice_in_the_corpus_folder_is_indexed_once(fresh: Assistant) -> None:
    corpus = Path(fresh.settings.corpus_dir)
    text = "Le Parlement a adopté jeudi la loi sur l'énergie, après six mois de débats."
    (corpus / "a-loi.md").write_text(f"---\ntitle: Loi\nurl: https://example.org/loi\n---\n"
                                     f"{text}\n", encoding="utf-8")
    # Copied by hand: the same text as plain text (other case and spacing)…
    (corpus / "b-copie.txt").write_text(text.upper().replace(" ", "  "), encoding="utf-8")
    # …and an edited copy under the same URL.
    (corpus / "c-loi.md").write_text("---\nurl: https://example.org/loi/#maj\n---\n"
                                     f"{text} Mise à jour.\n", encoding="utf-8")
    report = fresh.refresh()
    assert report.added == ["a-loi"]
    assert dict(report.errors) == {
        str(corpus / "b-copie.txt"): "same text as a-loi.md: indexed once, under that file",
        str(corpus / "c-loi.md"): "same URL as a-loi.md: indexed once, under that file",
    }
    assert {h.metadata["article_id"] for h in fresh.store.passages()} == {"a-loi"}


def test_nearly_the_same_text_in_another_format_is_indexed_once_under_the_dated_copy(
        fresh: Assistant, corpus_dir: Path, tmp_path: Path) -> None:
    corpus = Path(fresh.settings.corpus_dir)
    seed = corpus_dir / "course-ia-financement.md"
    shutil.copy(seed, corpus / "zz-seed.md")  # front matter with its date
    # The same article scraped as plain text: no front matter, headings as plain
    # lines, a related headline and a trailing line more.
    body = load_article(seed).text.replace("### ", "").replace("## ", "")
    paragraphs = body.split("\n\n")
    paragraphs.insert(5, "Un autre article du site à lire aussi")
    (corpus / "aa-scrape.txt").write_text("\n".join([*paragraphs, "Related News :"]),
                                          encoding="utf-8")
    report = fresh.refresh()
    assert report.added == ["zz-seed"]
    assert dict(report.errors) == {str(corpus / "aa-scrape.txt"): (
        "nearly the same text as zz-seed.md: indexed once, under that file")}
    # another article on the same story is another article
    (corpus / "suite.md").write_text(NEW, encoding="utf-8")
    assert fresh.refresh().added == ["suite"]
    # refresh(sources) does not store a near copy again either
    again = tmp_path / "copie.txt"
    again.write_text("\n".join(paragraphs), encoding="utf-8")
    assert fresh.refresh([str(again)]).added == []


def test_bad_items_are_reported_and_the_rest_is_indexed(fresh: Assistant, base: str,
                                                        tmp_path: Path) -> None:
    assert fresh.refresh([f"{base}/article"]).added == [VELO]
    kept = indexed(fresh)
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.md").write_text("---\ntitle: Marée noire\n---\nUne marée noire a touché "
                                 "les côtes bretonnes samedi, selon la préfecture.\n",
                                 encoding="utf-8")
    (src / "empty.md").write_bytes(b"")
    (src / "image.txt").write_bytes(bytes(range(256)) * 8)
    with (src / "huge.txt").open("wb") as f:  # 20 MB and one byte (sparse: no disk used)
        f.truncate(20_000_001)
    (src / "broken.pdf").write_bytes(b"%PDF-1.4\ngarbage\n")
    (src / "broken.md").write_text("---\ntitle: [unclosed\n---\nTexte.\n", encoding="utf-8")
    dead = f"http://127.0.0.1:{free_port()}/gone"  # nothing listens there
    sources = [str(src / n) for n in ("good.md", "empty.md", "image.txt", "huge.txt",
                                      "broken.pdf", "broken.md")]
    sources += [dead, f"{base}/missing", f"{base}/bad-feed.xml", f"{base}/feed.xml"]
    report = fresh.refresh(sources)

    assert sorted(report.added) == sorted(["good", *FEED_IDS])  # the rest is indexed
    assert report.unchanged == [VELO] and report.removed == []
    errors = dict(report.errors)
    assert all(isinstance(e, tuple) and len(e) == 2 for e in report.errors)
    assert sorted(errors) == sorted(sources[1:-1])
    assert errors[str(src / "empty.md")] == "empty.md: empty file"
    assert errors[str(src / "image.txt")] == "image.txt: binary file, not text"
    assert errors[str(src / "huge.txt")] == (
        "huge.txt: 20000001 bytes, over the 20000000 byte limit")
    assert errors[str(src / "broken.pdf")].startswith("broken.pdf: unreadable (")
    assert errors[str(src / "broken.md")] == (
        "broken.md: front matter is not valid YAML "
        "(expected ',' or ']', but got '<stream end>' at line 2)")
    assert errors[dead].startswith(f"cannot fetch {dead}: ConnectError")
    assert errors[f"{base}/missing"] == f"HTTP 404 for {base}/missing"
    assert errors[f"{base}/bad-feed.xml"].startswith("malformed feed")
    # Nothing already indexed is lost.
    now = indexed(fresh)
    assert {k: v for k, v in now.items() if k.startswith(f"{VELO}:")} == kept


def test_private_addresses_are_refused_unless_allowed(
    fresh: Assistant, base: str, site: ThreadingHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = Assistant(fresh.settings.model_copy(update={"allow_private_urls": False}),
                       embedders=fresh.embedders)
    hits = dict(site.hits)  # type: ignore[attr-defined]
    report = closed.refresh([f"{base}/article", f"{base}/feed.xml"])
    assert report.added == []
    assert [m for _, m in report.errors] == [
        "refused: 127.0.0.1 is a private/loopback address "
        "(set ASSISTANT_ALLOW_PRIVATE_URLS=1 to allow)"] * 2
    assert requests_since(site, hits) == {}  # never connected
    assert corpus_files(Path(closed.settings.corpus_dir)) == []
    monkeypatch.setenv("ASSISTANT_ALLOW_PRIVATE_URLS", "1")
    assert Settings().allow_private_urls is True


def test_html_pdf_and_text_files_in_the_corpus_folder(fresh: Assistant) -> None:
    corpus = Path(fresh.settings.corpus_dir)
    (corpus / "page.html").write_text(page("Le vélo gagne du terrain à Lyon", ARTICLE_BODY_FR),
                                      encoding="utf-8")
    (corpus / "report.pdf").write_bytes(make_pdf([
        "Solar panel installations rose by forty percent last year,",
        "according to the national energy agency report.",
    ]))
    (corpus / "note.txt").write_text("Le budget a été adopté mardi à deux voix près.\n",
                                     encoding="utf-8")
    report = fresh.refresh()
    assert report.errors == []
    assert sorted(report.added) == ["note", "page", "report"]
    by_article: dict[str, str] = {}
    for h in fresh.store.passages():
        by_article[h.metadata["article_id"]] = by_article.get(h.metadata["article_id"], "") + h.text
    for para in ARTICLE_BODY_FR:
        assert para in by_article["page"]
    for word in BOILERPLATE_WORDS:
        assert word not in by_article["page"], word
    assert "Solar panel installations rose by forty percent" in by_article["report"]
    assert "deux voix près" in by_article["note"]
    meta = fresh.store.passages({"article_id": "page"})[0].metadata
    assert (meta["title"], meta["language"], meta["published"]) == (
        "Le vélo gagne du terrain à Lyon", "fr", "2024-05-12")


def test_the_index_records_its_model_and_refuses_another(fresh: Assistant,
                                                         assistant: Assistant) -> None:
    (Path(fresh.settings.corpus_dir) / "note.txt").write_text(
        "Le budget a été adopté mardi à deux voix près.\n", encoding="utf-8")
    fresh.refresh()
    spaces = {key: fresh.store.collection(key).metadata for key in fresh.store.spaces}
    assert {k: (m["embedding_model"], m["dimension"]) for k, m in spaces.items()} == {
        "dense": ("sentence-transformers/all-MiniLM-L6-v2", 384),
        "multi": ("use-multilingual-v3", 512),
    }
    before = indexed(fresh)
    # Another model for the same index: refused, naming the way out; nothing changed.
    other = Assistant(fresh.settings, embedders={"dense": assistant.embedders["multi"]})
    with pytest.raises(IndexMismatch, match=r"python -m assistant refresh --rebuild"):
        other.refresh()
    again = Assistant(fresh.settings, embedders=fresh.embedders)
    assert indexed(again) == before
    # --rebuild switches the index to the new model…
    rebuilt = other.refresh(rebuild=True)
    assert rebuilt.added == ["note"] and rebuilt.passages_embedded == 1
    meta = other.store.collection("dense").metadata
    assert (meta["embedding_model"], meta["dimension"]) == ("use-multilingual-v3", 512)
    # …and now the first model is the one refused.
    with pytest.raises(IndexMismatch, match="--rebuild"):
        Assistant(fresh.settings, embedders=fresh.embedders).refresh()


def test_refresh_takes_one_source_as_a_plain_string(own: Assistant, tmp_path: Path) -> None:
    own.refresh()
    f = tmp_path / "zorglub.md"
    f.write_text(NEW, encoding="utf-8")
    report = own.refresh(str(f))  # type: ignore[arg-type]  # a str, not a list
    assert report.errors == [] and report.added == ["zorglub"]


def test_store_reads_and_deletes_in_pages(own: Assistant, monkeypatch) -> None:
    """One Chroma get() of every passage fails past ~32,000 passages: reads page."""
    import assistant.store as store_module

    own.refresh()
    every = {h.id for h in own.store.passages()}
    monkeypatch.setattr(store_module, "PAGE", 3)
    assert len(every) > 3
    assert {h.id for h in own.store.passages()} == every
    assert set(own.store.metadatas()) == every
    doomed = sorted(every)[:7]
    own.store.delete(doomed)
    assert {h.id for h in own.store.passages()} == every - set(doomed)


def test_a_rebuild_leaves_no_stale_vector_folders(tmp_path: Path) -> None:
    """Chroma keeps a deleted collection's vector folder (chroma-core/chroma#1309):
    the store removes it, so rebuilding three times keeps one folder per space."""
    spaces = [Space("dense", "fake-model", 3), Space("multi", "fake-multi", 3)]

    def fill(store: Store) -> None:
        ids = [f"p{i}" for i in range(300)]
        vectors = [[float(i % 7), 1.0, float(i)] for i in range(300)]
        store.upsert(ids, [f"text {i}" for i in ids], [{"article_id": "a"} for _ in ids],
                     {"dense": vectors, "multi": vectors})
        assert store.collection("dense").query(query_embeddings=[[1.0, 1.0, 1.0]],
                                               n_results=2)["ids"]

    def folders() -> set[str]:
        return {p.name for p in (tmp_path / "index").iterdir() if p.is_dir()}

    store = Store("articles", spaces, path=tmp_path / "index")
    fill(store)
    first = folders()
    assert len(first) == 2
    for _ in range(3):
        store.reset()
        fill(store)
        assert len(folders()) == 2 and not folders() & first
    store.close()


def test_a_setting_that_recuts_the_articles_says_it_re_embeds_them(
        own: Assistant, caplog: pytest.LogCaptureFixture) -> None:
    """Passages cut differently (ASSISTANT_CHUNK_CHARS) are re-embedded, article by
    article, and a warning says so (a user saw a long silent wait); an unchanged
    refresh says nothing."""
    corpus = Path(own.settings.corpus_dir)
    (corpus / "second.md").write_text(
        "---\ntitle: Un second article\nlanguage: fr\n---\n"
        + " ".join(f"La phrase numéro {n} parle du tramway et de son budget." for n in range(40)),
        encoding="utf-8")
    own.refresh()
    with caplog.at_level(logging.WARNING, logger="assistant"):
        assert own.refresh().unchanged
        assert not [r for r in caplog.records if "re-embedding" in r.getMessage()]
        recut = Assistant(own.settings.model_copy(update={"chunk_chars": 300}),
                          embedders=own.embedders)
        report = recut.refresh()
    assert sorted(report.updated) == sorted(a.stem for a in corpus.glob("*.md"))
    (warning,) = [r for r in caplog.records if "re-embedding" in r.getMessage()]
    assert warning.getMessage().startswith("re-embedding 2 indexed articles")
