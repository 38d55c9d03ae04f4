"""The readers (one per format, for files and URLs) and the backend registries."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import AssistantError
from assistant.llm import BACKENDS as LLM_BACKENDS
from assistant.llm import build_chat_model
from assistant.onnx_embeddings import BACKENDS as EMBEDDING_BACKENDS
from assistant.onnx_embeddings import dense_embedder
from assistant.readers import (
    BY_SUFFIX,
    by_media_type,
    decode,
    read_html,
    read_pdf,
    read_text,
    suffix_refusal,
)
from assistant.settings import Settings
from assistant.sources import SUFFIXES, SourceError, load_article

PAGE = ("<html><head><title>Le tram arrive</title></head><body><article><h1>Le tram "
        "arrive</h1><p>" + "La nouvelle ligne de tramway relie le centre à la gare. " * 8
        + "</p></article></body></html>")


def test_every_suffix_has_a_reader() -> None:
    assert set(BY_SUFFIX) == set(SUFFIXES)


@pytest.mark.parametrize(("ctype", "reader"), [
    ("text/html; charset=utf-8", read_html), ("application/xhtml+xml", read_html),
    ("", read_html), ("text/plain", read_text), ("application/pdf", read_pdf),
    ("image/png", None),
])
def test_readers_by_media_type(ctype: str, reader: object) -> None:
    assert by_media_type(ctype) is reader


def test_decode_takes_utf8_then_latin1_and_refuses_binary() -> None:
    assert decode("déjà".encode()) == "déjà"
    assert decode("déjà".encode("latin-1")) == "déjà"
    with pytest.raises(SourceError, match="binary"):
        decode(b"ab\x00cd")


def test_the_html_reader_serves_files_and_urls_alike() -> None:
    as_file, as_url = read_html(PAGE), read_html(PAGE.encode(), "https://e.com/tram")
    assert "tramway relie le centre" in as_file.text and "tramway" in as_url.text
    assert as_file.meta["title"] == as_url.meta["title"] == "Le tram arrive"


def test_an_html_file_loads_as_an_article(tmp_path: Path) -> None:
    (tmp_path / "tram.html").write_text(PAGE, "utf-8")
    article = load_article(tmp_path / "tram.html")
    assert article.title == "Le tram arrive" and article.language == "fr"


def test_a_broken_pdf_is_refused_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "x.pdf").write_bytes(b"%PDF-1.4 nothing else")
    with pytest.raises(SourceError, match=r"x\.pdf: unreadable"):
        load_article(tmp_path / "x.pdf")


def test_backend_registries_name_every_setting_value() -> None:
    assert set(EMBEDDING_BACKENDS) == {"torch", "onnx", "onnx-int8"}
    assert set(LLM_BACKENDS) == {"openai", "ollama"}
    with pytest.raises(AssistantError, match="unknown embedding backend 'gpu'"):
        dense_embedder("m", "gpu")


def test_llm_backends_reach_openai_compatible_endpoints() -> None:
    assert build_chat_model(Settings(llm="none")) is None
    url, model, key = LLM_BACKENDS["ollama"](Settings(llm="ollama"))
    assert url == "http://127.0.0.1:11434/v1" and model == "llama3.2" and key == "ollama"
    url, model, _ = LLM_BACKENDS["openai"](Settings(llm="openai", llm_model="m"))
    assert url is None and model == "m"


def test_one_refusal_for_unsupported_files() -> None:
    assert suffix_refusal(".PDF") == suffix_refusal(".md") == ""
    assert suffix_refusal(".exe") == \
        "unsupported file type '.exe' (use .md, .markdown, .txt, .html, .htm, .pdf)"
    assert "'(none)'" in suffix_refusal("")


def test_a_corpus_file_no_reader_reads_is_named_not_skipped_silently(tmp_path: Path) -> None:
    from assistant.indexing import RefreshReport, load_corpus
    (tmp_path / "tram.md").write_text("# Le tram arrive\n\n" + "La ligne relie la gare. " * 20,
                                      encoding="utf-8")
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / ".feeds.json").write_text("{}", encoding="utf-8")  # the assistant's own
    report = RefreshReport()
    articles, _ = load_corpus(tmp_path, report)
    assert [a.id for a in articles] == ["tram"]
    assert report.errors == [(str(tmp_path / "notes.docx"),
                              f"{suffix_refusal('.docx')}: not indexed")]


def test_plain_text_headline_is_the_title_and_a_dateline_the_date() -> None:
    text = ("Aberdeen harbour orders two electric ferries\n\nAberdeen, 2 April 2025.\n\n"
            "The harbour said on Wednesday that it had signed the contract.\n")
    assert read_text(text).meta == {"title": "Aberdeen harbour orders two electric ferries",
                                    "published": "2025-04-02"}
    assert read_text("Le port commande deux ferries\nPublié le 1er mars 2025\nTexte.").meta[
        "published"] == "2025-03-01"
    # A paragraph first is no headline; a bare year, or a date inside a paragraph, no date.
    para = ("Le 12 mars 2024, la société a levé 6 milliards de dollars auprès de fonds "
            "américains, selon plusieurs sources proches du dossier, et vise plus encore.")
    assert read_text(f"{para}\nRevenue rose in 2023.\n").meta == {}
    assert read_text("Un seul titre sans texte").meta == {}


def test_a_text_files_headline_is_its_title_not_its_first_sentence(tmp_path: Path) -> None:
    # A new user's .txt headline was quoted as the first sentence of an answer.
    path = tmp_path / "ferries.txt"
    path.write_text("Aberdeen harbour orders two electric ferries\n\nAberdeen, 2 April 2025.\n\n"
                    + "The harbour said on Wednesday that it had signed the contract. " * 4,
                    encoding="utf-8")
    article = load_article(path)
    assert article.title == "Aberdeen harbour orders two electric ferries"
    assert article.text.startswith("Aberdeen, 2 April 2025."), article.text[:60]
    assert article.published == "2025-04-02"


def test_pasted_text_keeps_its_dateline_as_its_date(tmp_path: Path) -> None:
    from assistant.ingest import save_text
    text = ("Galway approves a new bridge\nGalway, 14 March 2025.\n"
            + "The council approved the Corrib bridge on Thursday. " * 5)
    aid = save_text("", text, tmp_path)
    article = load_article(tmp_path / f"{aid}.md")
    assert article.published == "2025-03-14" and article.title == "Galway approves a new bridge"
    # A title typed by the user wins over the headline.
    aid = save_text("Le pont de Galway", text.replace("bridge on", "pont le"), tmp_path)
    assert load_article(tmp_path / f"{aid}.md").title == "Le pont de Galway"


def test_a_log_saved_as_txt_is_refused_not_indexed_as_an_article(tmp_path: Path) -> None:
    log = tmp_path / "server.txt"
    log.write_text("\n".join(f"2025-11-02 10:00:{i:02d} INFO worker started pid={4400 + i}"
                             for i in range(20)), encoding="utf-8")
    with pytest.raises(SourceError, match="no running French or English text"):
        load_article(log)
    prose = tmp_path / "note.txt"
    prose.write_text("The council said on Monday that the new tram line would open in "
                     "September, two months later than planned, because of a shortage of "
                     "rails and of the drivers it needs to run a full timetable from the "
                     "first day of service.", encoding="utf-8")
    assert load_article(prose).text.startswith("The council said")


def test_a_fetched_page_is_credited_to_the_site_its_title_names() -> None:
    from assistant.readers import read_html

    page = ("<html><head><title>Ferry crews strike over pay | The Coastal Herald</title>"
            "</head><body><article><h1>Ferry crews strike over pay</h1><p>"
            + "Crews on the ferry walked out on Monday at the start of a strike. " * 8
            + "</p></article></body></html>")
    got = read_html(page.encode(), url="http://127.0.0.1:8000/news/ferry.html")
    assert got.meta["outlet"] == "The Coastal Herald", got.meta
    named = page.replace("<head>", '<head><meta property="og:site_name" content="Herald">')
    assert read_html(named, url="http://127.0.0.1:8000/x").meta["outlet"] == "Herald"
