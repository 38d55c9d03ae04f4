"""The web app as a user's program sees it: `python app.py` + gradio_client."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, free_port, wait_http_ok
from gradio_client import Client

from assistant.settings import Settings

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
    out = log.open("w")
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env,
                            stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    wait_http_ok(url, proc, log, START_TIMEOUT)
    return proc, url


def stop_app(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


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

class _FakeStore:
    def passages(self) -> list:
        return []


class FakeAssistant:
    """Records what the UI passes to ask(); answers with a hostile passage."""

    HOSTILE = ('<script>window.__pwned=1</script> Zorglub a levé 3 milliards de dollars. '
               '<img src=x onerror="window.__pwned=1">')

    def __init__(self, settings: Settings):
        self.settings = settings
        self.store = _FakeStore()
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

    def ask_stream(self, question: str, history: list | None = None):
        answer = self.ask(question, history)
        for n in range(1, len(answer.text), 12):
            yield answer.text[:n]
        yield answer

    def retrieve(self, question: str, k: int = 4, history: list | None = None,
                 where: dict | None = None) -> list:
        from assistant.core import check_k

        check_k(k)
        return []


@pytest.fixture(scope="module")
def fake(settings: Settings) -> Iterator[tuple[FakeAssistant, Client]]:
    from assistant.ui import build_app

    assistant = FakeAssistant(settings)
    demo = build_app(assistant)  # type: ignore[arg-type]
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                quiet=True)
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
