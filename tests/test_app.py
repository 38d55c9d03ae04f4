"""The web app as a user's program sees it: `python app.py` + gradio_client."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SEED, free_port, stop, wait_http_ok
from gradio_client import Client
from local_page import PageServer, serve_page
from procs import start_app as start_app_process

from assistant.core import Assistant
from assistant.settings import Settings
from assistant.ui import LABELS, ArticleAdder, ArticleList, report_html

START_TIMEOUT = 120


def app_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment for `python app.py` on the temp corpus and index."""
    e = dict(os.environ)
    e["ASSISTANT_CORPUS_DIR"] = str(settings.corpus_dir)
    e["ASSISTANT_INDEX_DIR"] = str(settings.index_dir)
    e["PYTHONPATH"] = str(ROOT)
    e.pop("ASSISTANT_AUTH", None)
    e.update(extra)
    return e


def start_app(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    """`python app.py` on a free port; returns (process, url) once the page serves."""
    port = free_port()
    env = {**env, "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1"}
    proc = start_app_process(env, log)
    url = f"http://127.0.0.1:{port}/"
    wait_http_ok(url, proc, log, START_TIMEOUT)
    return proc, url


def stop_app(proc: subprocess.Popen) -> None:
    stop(proc, timeout=20)


@pytest.fixture(scope="module")
def server(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("app") / "app.log"
    proc, url = start_app(app_env(settings), log)
    yield url
    stop_app(proc)
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


@pytest.fixture(scope="module")
def client(server: str) -> Client:
    return Client(server, verbose=False)


def test_page_serves_html(server: str) -> None:
    with urllib.request.urlopen(server, timeout=10) as r:
        body = r.read().decode()
    assert r.status == 200
    assert "<html" in body.lower()


def test_api_lists_chat_and_retrieve(client: Client) -> None:
    api = client.view_api(print_info=False, return_format="dict")
    assert {"/chat", "/retrieve"} <= set(api["named_endpoints"])


def test_chat_french_question(client: Client) -> None:
    result = client.predict("Combien OpenAI a-t-il levé en octobre ?", api_name="/chat")
    assert isinstance(result, str)
    assert "6,6 milliards" in result
    assert "[1]" in result
    assert '<div class="sources">' in result
    assert "Course à l’IA générative" in result  # the cited article's title
    assert "<mark>" in result  # the quoted sentence is highlighted


def test_chat_english_question(client: Client) -> None:
    result = client.predict("How much money has OpenAI raised in total?", api_name="/chat")
    assert "20 milliards" in result
    assert "Sources" in result


def test_chat_follow_up_uses_history(client: Client) -> None:
    first = client.predict("Combien OpenAI a-t-il levé en octobre ?", api_name="/chat")
    history = [
        {"role": "user", "content": "Combien OpenAI a-t-il levé en octobre ?"},
        {"role": "assistant", "content": first},
    ]
    result = client.predict("Et quelle est sa valorisation ?", history, api_name="/chat")
    text = result.split('<div class="sources">', 1)[0]
    assert "157 milliards" in text


def test_chat_empty_question_is_kind(client: Client) -> None:
    result = client.predict("", api_name="/chat")
    assert "question" in result.lower()
    assert "sources" not in result.lower()
    assert "Traceback" not in result


def test_chat_unanswerable_question_refuses(client: Client) -> None:
    result = client.predict("Quelle est la recette de la tarte Tatin ?", api_name="/chat")
    assert "ne répondent pas" in result
    assert '<div class="sources">' not in result


def test_retrieve_returns_k_passages_best_first(client: Client) -> None:
    k = 3
    result = client.predict("Combien OpenAI a-t-il levé ?", k, api_name="/retrieve")
    assert isinstance(result, list) and len(result) == k
    for item in result:
        assert {"text", "title", "source", "score", "article_id", "chunk_id"} <= set(item)
        assert item["text"].strip()
    scores = [item["score"] for item in result]
    assert scores == sorted(scores, reverse=True)
    assert "OpenAI" in result[0]["text"]


def test_retrieve_bad_k_is_a_clean_error(client: Client) -> None:
    with pytest.raises(Exception) as info:
        client.predict("OpenAI", 0, api_name="/retrieve")
    assert "between 1 and 50" in str(info.value)
    assert "Traceback" not in str(info.value)


def test_auth_required_when_configured(settings: Settings,
                                       tmp_path_factory: pytest.TempPathFactory) -> None:
    log = tmp_path_factory.mktemp("app-auth") / "app.log"
    proc, url = start_app(app_env(settings, ASSISTANT_AUTH="user:pw"), log)
    try:
        with pytest.raises(Exception):  # noqa: B017 - any refusal will do
            Client(url, verbose=False).predict("", api_name="/chat")
        with pytest.raises(Exception):  # noqa: B017
            Client(url, auth=("user", "wrong"), verbose=False)
        client = Client(url, auth=("user", "pw"), verbose=False)
        result = client.predict("", api_name="/chat")  # no model needed for this one
        assert "question" in result.lower()
    finally:
        stop_app(proc)


# -- the same endpoints over a fake assistant (no models): history, errors, escaping --

class FakeAssistant:
    """Records what the UI passes to ask(); answers with a hostile passage."""

    HOSTILE = ('<script>window.__pwned=1</script> Zorglub a levé 3 milliards de dollars. '
               '<img src=x onerror="window.__pwned=1">')

    def __init__(self, settings: Settings):
        self.settings = settings
        self.calls: list[tuple[str, list | None]] = []

    def ensure_index(self) -> None:
        pass

    def ask(self, question: str, history: list | None = None):
        from langchain_core.documents import Document

        from assistant.answer import Answer

        self.calls.append((question, history))
        if question == "boom":
            raise RuntimeError("secret internal detail")
        if question == "bad":
            raise ValueError("k must be between 1 and 50")
        if not question:
            return Answer("Please type a question about the indexed articles.")
        doc = Document(page_content=self.HOSTILE, metadata={
            "title": '<img src=x onerror="window.__pwned=1">Hostile', "published": "2024",
            "url": "javascript:window.__pwned=1", "source": "hostile.md", "score": 0.9,
            "article_id": "hostile", "chunk_id": "hostile:0000",
        })
        return Answer("D’après l’article : Zorglub a levé 3 milliards de dollars. [1]", [doc],
                      language="fr", quotes=["Zorglub a levé 3 milliards de dollars."])

    def articles(self) -> list[dict]:
        return []

    def chat(self, question: str, history: list | None = None, k: int = 4):
        from assistant.core import Reply

        answer = self.ask(question, history)
        for n in range(1, len(answer.text), 12):  # as an LLM answer grows
            yield answer.text[:n]
        yield Reply(answer)

    def retrieve(self, question: str, k: int = 4, history: list | None = None,
                 where: dict | None = None) -> list:
        from assistant.core import check_k

        check_k(k)
        return []


@pytest.fixture(scope="module")
def fake(settings: Settings) -> Iterator[tuple[FakeAssistant, Client]]:
    from assistant.ui import build_app, launch_options

    assistant = FakeAssistant(settings.model_copy(update={"max_upload_bytes": 1000}))
    demo = build_app(assistant)  # type: ignore[arg-type]
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                quiet=True, **launch_options(assistant.settings))
    try:
        yield assistant, Client(f"http://127.0.0.1:{port}/", verbose=False)
    finally:
        demo.close()


def test_chat_passes_plain_history_to_ask(fake: tuple[FakeAssistant, Client]) -> None:
    assistant, client = fake
    first = client.predict("Combien Zorglub a-t-il levé ?", api_name="/chat")
    assert '<div class="sources">' in first
    history = [{"role": "user", "content": "Combien Zorglub a-t-il levé ?"},
               {"role": "assistant", "content": first}]
    client.predict("Et en 2025 ?", history, api_name="/chat")
    question, passed = assistant.calls[-1]
    assert question == "Et en 2025 ?"
    assert passed == [
        {"role": "user", "content": "Combien Zorglub a-t-il levé ?"},
        {"role": "assistant",
         "content": "D’après l’article : Zorglub a levé 3 milliards de dollars. [1]"},
    ]


def test_chat_escapes_article_html(fake: tuple[FakeAssistant, Client]) -> None:
    _, client = fake
    result = client.predict("Combien Zorglub a-t-il levé ?", api_name="/chat")
    assert "<script" not in result and "<img" not in result
    assert "&lt;script&gt;" in result and "&lt;img" in result
    assert "javascript:" not in result  # the unsafe link is dropped
    assert "<mark>Zorglub a levé 3 milliards de dollars.</mark>" in result


def test_chat_errors_are_one_kind_line(fake: tuple[FakeAssistant, Client]) -> None:
    _, client = fake
    for question in ("boom", "bad"):
        result = client.predict(question, api_name="/chat")
        assert "Traceback" not in result and "secret" not in result
        assert "k must be" not in result
        assert result.startswith(("Sorry", "This question"))


def test_uploads_over_the_limit_are_refused_before_storage(
        fake: tuple[FakeAssistant, Client]) -> None:
    import httpx

    _, client = fake
    url = f"{client.src.rstrip('/')}/gradio_api/upload"
    big = httpx.post(url, files={"files": ("big.md", b"x" * 1001, "text/markdown")})
    assert big.status_code == 413
    assert "maximum allowed size" in big.text
    small = httpx.post(url, files={"files": ("small.md", b"x" * 1000, "text/markdown")})
    assert small.status_code == 200
    (stored,) = small.json()
    assert Path(stored).name == "small.md" and Path(stored).stat().st_size == 1000


def test_plain_history_strips_sources_and_markup() -> None:
    from assistant.ui import SOURCES_MARK, plain_history

    history = [
        {"role": "user", "content": "Q &amp; A ?"},
        {"role": "assistant", "content": f"Réponse [1]\n\n{SOURCES_MARK}<details>…</details>"},
        {"role": "system", "content": "ignored"},
        {"role": "assistant", "content": [{"type": "text", "text": "Deux"}]},
        {"role": "user", "content": ""},
    ]
    assert plain_history(history) == [
        {"role": "user", "content": "Q & A ?"},
        {"role": "assistant", "content": "Réponse [1]"},
        {"role": "assistant", "content": "Deux"},
    ]
    assert plain_history(None) == []


def test_highlight_escapes_then_marks() -> None:
    from assistant.ui import highlight

    out = highlight("<b>x</b> Il a levé 3 € & plus.\nFin.", ["Il a levé 3 € & plus."])
    assert out == "&lt;b&gt;x&lt;/b&gt; <mark>Il a levé 3 € &amp; plus.</mark><br>Fin."


# -- the "Add articles" panel over a real assistant (own corpus copy and index) -----

NEW_FACT = ("La start-up Vernalis Robotique a levé 47 millions d’euros auprès du fonds "
            "Quillon Partners en mars 2025 pour construire des robots de vendange. "
            "Ses robots cueillent le raisin la nuit, guidés par des caméras thermiques.")


@pytest.fixture(scope="module")
def pages() -> Iterator[PageServer]:
    with serve_page() as httpd:
        yield httpd


@dataclass
class Panel:
    """A real assistant on its own corpus copy, and the panel's adder over it."""

    assistant: Assistant
    adder: ArticleAdder
    root: Path
    uploads: Path

    @property
    def corpus(self) -> Path:
        return Path(self.assistant.settings.corpus_dir)

    def upload(self, name: str, data: str | bytes) -> str:
        """A file as Gradio stores an upload: <upload folder>/<hash>/<name>."""
        d = self.uploads / f"u{len(list(self.uploads.iterdir()))}"
        d.mkdir()
        path = d / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return str(path)

    def files_outside(self) -> set[Path]:
        """Every file under the test's root but outside the corpus, uploads and index."""
        keep = (self.corpus, self.uploads, Path(self.assistant.settings.index_dir))
        return {p for p in self.root.rglob("*")
                if p.is_file() and not any(p.is_relative_to(k) for k in keep)}


def _panel(assistant: Assistant, root: Path, **changes: Any) -> Panel:
    corpus, uploads = root / "corpus", root / "uploads"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    uploads.mkdir()
    s = assistant.settings.model_copy(update={
        "corpus_dir": corpus, "index_dir": root / "index", "max_upload_bytes": 4000,
        "allow_private_urls": False, **changes})
    a = Assistant(s, embedders=assistant.embedders)  # the models load once per session
    a.ensure_index()
    return Panel(a, ArticleAdder(a, upload_dir=uploads), root, uploads)


@pytest.fixture(scope="module")
def panel(assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Panel:
    return _panel(assistant, tmp_path_factory.mktemp("panel"))


def _indexed_ids(a: Assistant) -> set[str]:
    return {str(h.metadata.get("article_id")) for h in a.store.passages()}


def test_panel_adds_pasted_text_then_answers_from_it(panel: Panel) -> None:
    before = _indexed_ids(panel.assistant)
    calls: list[tuple[int, int, str]] = []
    report = panel.adder.add(None, "", "Vernalis Robotique lève 47 millions", NEW_FACT,
                             "fr", lambda *a: calls.append(a))
    assert report.errors == []
    assert report.added == ["vernalis-robotique-leve-47-millions"]
    assert calls and calls[-1][0] == calls[-1][1]  # progress reached its total
    assert before < _indexed_ids(panel.assistant)  # nothing indexed before is lost
    html_report = report_html(report, "fr")
    assert "Résultat</b> : 1 ajouté</p>" in html_report
    assert "ajouté : vernalis-robotique-leve-47-millions" in html_report
    answer = panel.assistant.ask("Combien Vernalis Robotique a-t-il levé ?")
    assert "47 millions" in answer.text
    assert answer.sources[0].metadata["title"] == "Vernalis Robotique lève 47 millions"
    listed = ArticleList(panel.assistant).html("fr")
    assert "Vernalis Robotique lève 47 millions" in listed


def test_panel_bad_input_gets_clear_messages(panel: Panel) -> None:
    before = _indexed_ids(panel.assistant)
    report = panel.adder.add(None, " \n ", "", "  ", "en")
    assert report.errors == [("", LABELS["en"]["add_nothing"])]
    dead = f"http://127.0.0.1:{free_port()}/gone.html"
    broken = panel.upload("broken.pdf", b"%PDF-1.4 not really a pdf \x00\x01")
    report = panel.adder.add([broken], dead, "Un titre", "", "en")
    errors = dict(report.errors)
    assert set(errors) == {"broken.pdf", dead, "Un titre"}
    assert "unreadable" in errors["broken.pdf"] or "PDF" in errors["broken.pdf"]
    assert "cannot fetch" in errors[dead] or "refused" in errors[dead]
    assert errors["Un titre"] == LABELS["en"]["no_text"]
    assert "Traceback" not in report_html(report, "en")
    assert _indexed_ids(panel.assistant) == before
    # As the page shows it: the file named once, a plain reason, in the page's language.
    shown = report_html(report, "fr")
    assert shown.count("broken.pdf") == 1 and "PdfStreamError" not in shown
    assert "<b>broken.pdf</b> : PDF illisible" in shown
    assert "3 en échec" in shown and "inchangé" not in shown


def test_panel_refuses_private_url_when_not_allowed(panel: Panel, pages: PageServer) -> None:
    url = pages.url
    report = panel.adder.add(None, url, "", "", "en")
    assert report.added == []
    ((source, message),) = report.errors
    assert source == url
    assert message.startswith("refused: 127.0.0.1 is a") and "loopback" in message
    assert "ASSISTANT_ALLOW_PRIVATE_URLS=1" in message
    assert pages.hits == 0  # not even asked
    shown = report_html(report, "fr")  # counted as failed, in French
    assert "Résultat</b> : 0 ajouté · 1 en échec" in shown and "inchangé" not in shown
    assert "refusé : 127.0.0.1 est une adresse privée ou locale" in shown


def test_panel_fetches_local_page_when_private_urls_allowed(
        assistant: Assistant, pages: PageServer, tmp_path: Path) -> None:
    p = _panel(assistant, tmp_path, allow_private_urls=True, auto_refresh=False)
    url = pages.url
    report = p.adder.add(None, url, "", "", "fr")
    assert report.errors == [] and len(report.added) == 1
    assert pages.hits >= 1
    assert "12 millions" in p.assistant.ask("Combien Orvane Labs a-t-il levé ?").text


def test_panel_names_an_upload_already_indexed(panel: Panel) -> None:
    text = ("Des orages de grêle ont couché les vignes du Beaujolais le 12 mai 2025, "
            "selon la chambre d’agriculture du Rhône, qui chiffre les pertes à 30 %.")
    first = panel.adder.add([panel.upload("grele.md", text)], "", "", "", "fr")
    assert first.added == ["grele"] and first.already == [] and first.errors == []
    other = "Le port de Sète a accueilli 1,2 million de passagers en 2024, un record."
    again = panel.adder.add([panel.upload("grele-copie.md", text),
                             panel.upload("autre.md", other)], "", "", "", "fr")
    assert again.already == ["grele-copie.md"] and again.added == ["autre"]
    shown = report_html(again, "fr")
    assert "1 ajouté · 1 déjà indexé</p>" in shown and "déjà indexé : grele-copie.md" in shown


def test_panel_refuses_oversized_uploads(panel: Panel) -> None:
    limit = panel.assistant.settings.max_upload_bytes
    big = panel.upload("big.md", "Une phrase sur les vendanges nocturnes. " * 200)
    report = panel.adder.add([big], "", "Gros texte", "Encore une phrase." * 300, "en")
    assert report.added == []
    errors = dict(report.errors)
    assert errors["big.md"] == f"8000 bytes: over the {limit} byte upload limit"
    assert errors["Gros texte"] == f"5400 bytes: over the {limit} byte upload limit"
    assert not list(panel.corpus.glob("big*")) and not list(panel.corpus.glob("gros*"))


def test_panel_never_reads_or_writes_outside_its_folders(panel: Panel) -> None:
    before = panel.files_outside()
    secret = panel.root / "secret.md"  # a server file, not an upload
    secret.write_text("---\ntitle: Secret\n---\nLe code du coffre est 4242.\n", "utf-8")
    inside = panel.upload("note.md", "---\ntitle: Note\n---\nLe code du coffre est 4242.\n")
    traversal = str(Path(inside).parent / ".." / ".." / "secret.md")  # '../evil.md' style
    report = panel.adder.add(
        [str(secret), traversal], f"{secret}\nfile://{secret}", "", "", "en")
    refused = [src for src, _ in report.errors]
    assert refused == ["secret.md", "secret.md", str(secret), f"file://{secret}"]
    assert all(msg in (LABELS["en"]["not_upload"], LABELS["en"]["not_url"])
               for _, msg in report.errors)
    assert "secret" not in " ".join(_indexed_ids(panel.assistant))
    # Titles and uploads named like paths land inside the corpus folder.
    report = panel.adder.add([panel.upload("..evil.md", "Une note sur la pluie de mars.")],
                             "", "/tmp/abs", "Un texte collé sur les orages d’avril.", "en")
    assert report.errors == []
    assert {"evil", "tmp-abs"} <= set(report.added)
    assert (panel.corpus / "evil.md").is_file() and (panel.corpus / "tmp-abs.md").is_file()
    assert panel.files_outside() == before | {secret}
    assert not Path("/tmp/abs.md").exists() and not Path("/tmp/abs").exists()


def test_questions_are_answered_while_articles_are_added(panel: Panel) -> None:
    embedding, release = threading.Event(), threading.Event()

    def progress(done: int, total: int, article_id: str) -> None:
        embedding.set()
        release.wait(60)  # hold the refresh (and its lock) mid-embedding

    adding = threading.Thread(target=panel.adder.add, args=(
        None, "", "Orages d’avril à Brest", "Brest a connu quatorze orages en avril, un "
        "record depuis 1950 selon Météo-France.", "fr", progress))
    adding.start()
    try:
        assert embedding.wait(60), "the refresh never started embedding"
        answers: list = []
        asking = threading.Thread(target=lambda: answers.append(
            panel.assistant.ask("Combien OpenAI a-t-il levé en octobre ?")))
        asking.start()
        asking.join(60)
        assert answers, "a question waited for the refresh to end"
        assert "6,6 milliards" in answers[0].text
        assert "refresh" not in ArticleList(panel.assistant).html("fr", reload=True)
    finally:
        release.set()
        adding.join(60)
    assert "orages-d-avril-a-brest" in _indexed_ids(panel.assistant)
