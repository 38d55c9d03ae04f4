"""The web page without Gradio running: the pure renderers and the Handlers' methods
over a fake assistant (no models, no server)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.documents import Document

from assistant.answer import Answer
from assistant.core import Reply
from assistant.indexing import RefreshReport
from assistant.settings import Settings
from assistant.ui import EXAMPLES, LABELS, SOURCES_MARK
from assistant.ui.handlers import RELABELLED, Handlers
from assistant.ui.render import (
    answer_markdown,
    articles_html,
    doc_to_dict,
    header,
    highlight,
    mode_text,
    passages_html,
    plain_history,
    render_sources,
    report_html,
    user_text,
)

HOSTILE = '<img src=x onerror="alert(1)">'
DOC = Document(page_content=f"OpenAI a levé 6,6 milliards. {HOSTILE}", id="a:0", metadata={
    "title": f"Titre {HOSTILE}", "published": "2024-10-03", "url": "https://e.com/a",
    "article_id": "a", "score": 0.87, "section": "Financement", "extra": [1]})
ANSWER = Answer("D’après l’article : OpenAI a levé 6,6 milliards. [1]", [DOC],
                language="fr", quotes=["OpenAI a levé 6,6 milliards."])


def test_sources_are_numbered_escaped_and_quote_marked() -> None:
    out = render_sources(ANSWER, "fr")
    assert out.startswith(SOURCES_MARK) and 'data-n="1"' in out
    assert "<mark>OpenAI a levé 6,6 milliards.</mark>" in out
    assert "<img" not in out and "&lt;img" in out
    assert 'href="https://e.com/a"' in out and "§ Financement" in out


def test_a_source_with_a_non_web_url_gets_no_link() -> None:
    doc = Document(page_content="x", metadata={"title": "t", "url": "javascript:alert(1)"})
    assert "href" not in render_sources(Answer("x [1]", [doc]), "en")


def test_a_refusal_has_no_sources_block() -> None:
    assert render_sources(Answer("Non."), "fr") == ""
    assert answer_markdown(Answer("Non.", notice="LLM down"), "fr") == \
        '<span class="notice">LLM down</span>\n\nNon.'


def test_answer_markdown_escapes_the_text() -> None:
    out = answer_markdown(Answer(f"x {HOSTILE}"), "en")
    assert "<img" not in out


def test_highlight_marks_longest_quotes_first_and_keeps_lines() -> None:
    text = "OpenAI a levé 6 milliards.\nAnthropic <suit>."
    assert highlight(text, ["Anthropic <suit>.", "", "absent"]) == \
        "OpenAI a levé 6 milliards.<br><mark>Anthropic &lt;suit&gt;.</mark>"


def test_user_text_shows_markdown_as_typed() -> None:
    assert user_text("**gras** <b>") == r"\*\*gras\*\* &lt;b&gt;"
    assert user_text("    code") == "code"


def test_plain_history_cuts_sources_and_unescapes() -> None:
    chat = [{"role": "user", "content": "Q &amp; A"},
            {"role": "assistant", "content": f"Réponse [1]\n\n{SOURCES_MARK}…</div>"},
            {"role": "system", "content": "x"}, ["vieux", "format"], 42]
    assert plain_history(chat) == [
        {"role": "user", "content": "Q & A"}, {"role": "assistant", "content": "Réponse [1]"},
        {"role": "user", "content": "vieux"}, {"role": "assistant", "content": "format"}]
    assert plain_history("nope") == []


def test_doc_to_dict_keeps_plain_metadata() -> None:
    d = doc_to_dict(DOC)
    assert d["text"] == DOC.page_content and d["score"] == 0.87 and d["title"].startswith("Titre")
    assert "extra" not in d


def test_passages_html_lists_scores_or_says_none() -> None:
    assert LABELS["en"]["passages_none"] in passages_html([], "en")
    out = passages_html([DOC], "fr")
    assert "(score 0.87)" in out and "<img" not in out


def test_articles_html_lists_rows_or_says_why_not() -> None:
    rows = [{"title": HOSTILE, "published": "2024", "language": "fr", "passages": 3}]
    out = articles_html(rows, "en")
    assert "1 article(s)" in out and "3 passages" in out and "<img" not in out
    assert LABELS["fr"]["no_articles"] in articles_html([], "fr")
    one = articles_html([{**rows[0], "passages": 1}], "fr")
    assert "1 passage<" in one and "1 passages" not in one
    assert LABELS["fr"]["error"] in articles_html(None, "fr")


def test_report_html_counts_and_names_by_title() -> None:
    report = RefreshReport(added=["a"], unchanged=["b", "c"], errors=[("x.pdf", "broken")])
    out = report_html(report, "en", {"a": "Title A"})
    assert "1 added · 0 updated · 0 removed · 2 unchanged" in out
    assert "Title A" in out and "<b>x.pdf</b>: broken" in out
    many = report_html(RefreshReport(added=[str(i) for i in range(13)]), "fr")
    assert "(+3)" in many
    # A message that already names its file does not name it twice.
    twice = report_html(RefreshReport(errors=[("empty.txt", "empty.txt: empty file")]), "en")
    assert "<b>empty.txt</b>: empty file" in twice and "empty.txt: empty.txt" not in twice


def test_header_and_mode_lines() -> None:
    assert header("en").startswith("# News assistant")
    assert LABELS["fr"]["modes"] in mode_text("fr", "extractive")
    assert mode_text("en", "extractive", "openai:m", "fell back") == \
        "**Answer mode**: openai:m\n\n_fell back_"


# -- the handlers, over a fake assistant ---------------------------------------------

class FakeAssistant:
    """Answers from DOC; streams the text first when asked to (as an LLM would)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.calls: list[tuple[str, Any, Any]] = []
        self.stream = False
        self.saved: list[tuple[str, str]] = []

    def chat(self, question: str, history: list | None = None,
             k: int | None = None) -> Iterator[str | Reply]:
        self.calls.append((question, list(history or []), k))
        if question == "boom":
            raise RuntimeError("secret detail")
        if question == "bad":
            raise ValueError("k must be between 1 and 50")
        if not question.strip():
            yield Reply(Answer("Please type a question."))
            return
        if self.stream:
            yield "D’après"
        yield Reply(ANSWER, [DOC] * (k or 1))

    def ask(self, question: str, history: list | None = None) -> Answer:
        self.calls.append((question, history, None))
        if question == "boom":
            raise RuntimeError("secret detail")
        return ANSWER

    def retrieve(self, question: str, k: int = 4, history: list | None = None) -> list:
        if not 1 <= k <= 50:
            raise ValueError("k must be between 1 and 50")
        return [DOC]

    def articles(self) -> list[dict]:
        return [{"article_id": "a", "title": "Titre A", "published": "2024", "language": "fr",
                 "passages": 2}]

    def add_text(self, title: str, text: str) -> str:
        self.saved.append((title, text))
        return "a"

    def refresh(self, sources: list[str] | None = None, **_: Any) -> RefreshReport:
        return RefreshReport(added=["a"])


@pytest.fixture()
def fake(tmp_path: Path) -> FakeAssistant:
    return FakeAssistant(Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "i",
                                  default_k=3, max_upload_bytes=100))


@pytest.fixture()
def h(fake: FakeAssistant, tmp_path: Path) -> Handlers:
    return Handlers(fake, upload_dir=tmp_path / "uploads")  # type: ignore[arg-type]


def test_respond_shows_the_question_then_the_whole_answer_with_its_passages(
        h: Handlers, fake: FakeAssistant) -> None:
    steps = list(h.respond("Combien **OpenAI** ?", [], [], 2, "fr"))
    assert len(steps) == 2  # thinking, then the answer: no word-by-word replay
    _, chat, history, found, mode = steps[-1]
    assert chat[0] == {"role": "user", "content": user_text("Combien **OpenAI** ?")}
    assert chat[1]["content"].startswith("D’après") and SOURCES_MARK in chat[1]["content"]
    assert history == [{"role": "user", "content": "Combien **OpenAI** ?"},
                       {"role": "assistant", "content": ANSWER.text}]
    assert found.count("<li>") == 2 and "**" in mode
    assert fake.calls == [("Combien **OpenAI** ?", [], 2)]  # one call, the slider's k


def test_respond_streams_a_growing_answer_with_a_cursor(
        h: Handlers, fake: FakeAssistant) -> None:
    fake.stream = True
    shown = [step[1][-1]["content"] for step in h.respond("Q ?", None, None, "x", "en")]
    assert shown[:2] == ["…", "D’après ▌"] and SOURCES_MARK in shown[2]
    assert fake.calls[-1][2] == 3  # an unreadable k: the default


@pytest.mark.parametrize(("question", "key"), [("boom", "error"), ("bad", "bad_input")])
def test_respond_failures_say_one_kind_line(h: Handlers, question: str, key: str) -> None:
    *_, last = h.respond(question, [], [], 4, "en")
    assert last[1][-1]["content"] == LABELS["en"][key] and last[2] == []
    assert "secret" not in str(last)


def test_an_empty_question_is_answered_in_the_pages_language(h: Handlers) -> None:
    *_, last = h.respond("", [], [], 4, "fr")
    assert last[1] == [{"role": "assistant", "content": "Posez une question sur les articles."}] \
        or "question" in last[1][-1]["content"]
    assert last[2] == [] and LABELS["fr"]["passages_none"] in last[3]


def test_clear_empties_chat_history_and_passages(h: Handlers) -> None:
    chat, history, found = h.clear("en")
    assert chat == history == [] and LABELS["en"]["passages_none"] in found


def test_set_language_relabels_every_listed_component(h: Handlers) -> None:
    out = h.set_language("en")
    assert set(out) == set(RELABELLED)
    assert out["chatbot"]["label"] == "Conversation" and out["send"]["value"] == "Send"
    assert out["msg"]["placeholder"] == LABELS["en"]["placeholder"]
    assert out["articles"] == {"__type__": "update"}  # not listed yet: left alone
    h.load_articles("fr")
    assert "Titre A" in h.set_language("xx")["articles"]  # unknown language: French


def test_add_articles_saves_pasted_text_through_the_assistant(
        h: Handlers, fake: FakeAssistant) -> None:
    report, listed, files, urls, title, text = h.add_articles(
        None, "", " Titre ", " Le texte. ", "en")
    assert fake.saved == [("Titre", "Le texte.")]
    assert "1 added" in report and "Titre A" in listed
    assert (files, urls, title, text) == (None, "", "", "")


def test_add_articles_refuses_what_is_not_allowed_and_keeps_the_boxes(
        h: Handlers, fake: FakeAssistant, tmp_path: Path) -> None:
    outside = tmp_path / "secret.md"
    outside.write_text("x")
    report, _, files, *boxes = h.add_articles(
        [str(outside)], "file:///etc/passwd", "", "y" * 101, "en")
    assert LABELS["en"]["not_upload"] in report and LABELS["en"]["not_url"] in report
    assert "over the 100 byte upload limit" in report and fake.saved == []
    assert files is None and all(b == {"__type__": "update"} for b in boxes)
    assert outside.exists()  # not an upload: never deleted


def test_words_that_are_no_address_are_one_error_a_line(h: Handlers) -> None:
    report = h.adder.add(None, "not a url\n\nhtp:/broken url", "", "", "en")
    assert report.errors == [("not a url", LABELS["en"]["not_url"]),
                             ("htp:/broken url", LABELS["en"]["not_url"])]


def test_add_articles_with_nothing_says_so(h: Handlers) -> None:
    report, *_ = h.add_articles(None, "", "", "", "fr")
    assert LABELS["fr"]["add_nothing"] in report


def test_chat_api_renders_the_answer_and_hides_failures(
        h: Handlers, fake: FakeAssistant) -> None:
    out = h.chat_api("Q ?", [{"role": "assistant", "content": f"R\n\n{SOURCES_MARK}x</div>"}])
    assert SOURCES_MARK in out and fake.calls[-1][1] == [{"role": "assistant", "content": "R"}]
    assert h.chat_api("boom") == LABELS["en"]["error"]


def test_retrieve_api_returns_dicts_and_refuses_a_bad_k(h: Handlers) -> None:
    import gradio as gr

    assert h.retrieve_api("Q", 2)[0]["article_id"] == "a"
    with pytest.raises(gr.Error, match="Invalid request"):
        h.retrieve_api("Q", 0)


@pytest.mark.parametrize("streams", [False, True])
def test_a_whole_answer_skips_the_queue_and_no_turn_draws_progress(
        fake: FakeAssistant, tmp_path: Path, streams: bool) -> None:
    # Issue #17: an extractive turn is one update outside Gradio's queue (its join
    # request and per-turn event stream cost ~90 ms), and no turn draws Gradio's
    # progress overlay (its redraws took 70-140 ms of CPU from the server);
    # an LLM's answer still streams through the queue.
    from assistant.ui import build_app

    fake.mode = "openai:m" if streams else "extractive"  # type: ignore[attr-defined]
    turns = [f for f in build_app(fake).fns.values()  # type: ignore[arg-type]
             if getattr(f.fn, "__name__", "") in ("respond", "respond_whole")]
    assert len(turns) == 2 + len(EXAMPLES)  # Enter, Send, each example
    for f in turns:
        assert f.fn.__name__ == ("respond" if streams else "respond_whole")
        assert f.queue is streams and f.show_progress == "hidden"
    steps = list(Handlers(fake).respond("Q ?", [], [], 2, "en"))  # type: ignore[arg-type]
    assert Handlers(fake).respond_whole("Q ?", [], [], 2, "en") == steps[-1]  # type: ignore[arg-type]


def test_the_command_line_ask_passes_earlier_questions_as_the_conversation(
        capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from assistant.cli import _ask

    class Recorder:
        history: list | None = None
        settings = argparse.Namespace(max_question_chars=2000)

        def ask(self, question: str, history: list | None = None) -> Answer:
            self.history = history
            return Answer(f"answer to {question}")

    rec = Recorder()
    _ask(rec, argparse.Namespace(question="Who founded it?",  # type: ignore[arg-type]
                                 after=["Which start-up does Amazon back?"]))
    assert rec.history == [{"role": "user", "content": "Which start-up does Amazon back?"}]
    assert "answer to Who founded it?" in capsys.readouterr().out
    _ask(rec, argparse.Namespace(question="Q", after=None))  # type: ignore[arg-type]
    assert rec.history is None
