"""The web page without Gradio running: the pure renderers and the Handlers' methods
over a fake assistant (no models, no server)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.documents import Document

from assistant.answer import MESSAGES, Answer
from assistant.core import Reply
from assistant.indexing import RefreshReport
from assistant.metadata import file_key
from assistant.settings import Settings
from assistant.ui import EXAMPLES, LABELS, SOURCES_MARK
from assistant.ui.handlers import RELABELLED, AddReport, Handlers
from assistant.ui.render import (
    answer_markdown,
    articles_html,
    doc_to_dict,
    esc,
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


def test_an_answer_opening_on_its_item_is_no_numbered_list() -> None:
    # "2026. D'après l'article…" was shown as a list item, "2026." outside the bubble.
    assert answer_markdown(Answer("2026. D’après l’article : x. [1]"), "fr").startswith(
        "2026\\. D’après")
    assert answer_markdown(Answer("92) x"), "fr").startswith("92\\) x")
    assert answer_markdown(Answer("1 200. D’après"), "fr").startswith("1 200. D’après")


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
    assert ">1 article<" in out and "3 passages" in out and "<img" not in out
    assert LABELS["fr"]["no_articles"] in articles_html([], "fr")
    one = articles_html([{**rows[0], "passages": 1}], "fr")
    assert "1 passage<" in one and "1 passages" not in one
    assert LABELS["fr"]["error"] in articles_html(None, "fr")


def test_report_html_counts_and_names_by_title() -> None:
    report = RefreshReport(added=["a"], unchanged=["b", "c"], errors=[("x.pdf", "broken")])
    out = report_html(report, "en", {"a": "Title A"})
    assert "<b>Result</b>: 1 added · 1 failed</p>" in out
    assert "Title A" in out and "<b>x.pdf</b>: broken" in out
    many = report_html(RefreshReport(added=[str(i) for i in range(13)]), "fr")
    assert "(+3)" in many
    # A message that already names its file does not name it twice.
    twice = report_html(RefreshReport(errors=[("empty.txt", "empty.txt: empty file")]), "en")
    assert "<b>empty.txt</b>: empty file" in twice and "empty.txt: empty.txt" not in twice


def test_a_failure_is_counted_as_failed_not_unchanged() -> None:
    # A refresh counts the corpus's other articles as unchanged: a failed address
    # once read "0 ajouté · … · 1 inchangé".
    report = RefreshReport(unchanged=["seed"], errors=[
        ("https://x.invalid/a", "cannot resolve host 'x.invalid'")])
    out = report_html(report, "fr")
    assert "<b>Résultat</b> : 0 ajouté · 1 en échec</p>" in out and "inchangé" not in out
    # Read, and nothing new in it: said so, without counting the corpus.
    assert LABELS["en"]["nothing_new"] in report_html(RefreshReport(unchanged=["a"]), "en")


def test_report_html_names_what_was_already_indexed() -> None:
    out = report_html(AddReport(unchanged=["a", "b"], already=["note.md", HOSTILE]), "en")
    assert "Result</b>: 0 added · 2 already indexed</p>" in out
    assert '<li class="add-already">already indexed: note.md, &lt;img' in out


def test_counts_take_the_singular_or_the_plural() -> None:
    # A new user read "1 ajoutés", "1 déjà indexés" and "3 article(s)".
    one = report_html(AddReport(added=["a"], already=["x.md"]), "fr", {"a": "Titre A"})
    assert "<b>Résultat</b> : 1 ajouté · 1 déjà indexé</p>" in one
    assert '<li class="add-added">ajouté : Titre A</li>' in one
    assert '<li class="add-already">déjà indexé : x.md</li>' in one
    many = AddReport(added=["a", "b"], updated=["c"], removed=["d", "e"],
                     already=["x.md", "y.md"], errors=[("z", "no")])
    two = report_html(many, "fr")
    assert ("<b>Résultat</b> : 2 ajoutés · 1 mis à jour · 2 retirés · 2 déjà indexés · "
            "1 en échec</p>") in two
    assert '<li class="add-added">ajoutés : a, b</li>' in two
    assert '<li class="add-removed">retirés : d, e</li>' in two
    assert ("<b>Result</b>: 2 added · 1 updated · 2 removed · 2 already indexed · "
            "1 failed</p>") in report_html(many, "en")
    row = {"title": "T", "published": "", "language": "fr", "passages": 1}
    for lang in ("fr", "en"):
        assert ">1 article<" in articles_html([row], lang) and "(s)" not in articles_html(
            [row], lang)
        assert ">2 articles<" in articles_html([row, {**row, "passages": 0}], lang)
    assert "0 passage<" in articles_html([{**row, "passages": 0}], "fr")  # French: 0, 1
    assert "0 passages<" in articles_html([{**row, "passages": 0}], "en")


def test_fetch_errors_are_shown_in_the_pages_language() -> None:
    private = ("refused: 127.0.0.1 is a private/loopback address "
               "(set ASSISTANT_ALLOW_PRIVATE_URLS=1 to allow)")
    report = RefreshReport(errors=[("http://127.0.0.1/", private),
                                   ("https://x.invalid/", "cannot resolve host 'x.invalid'"),
                                   ("https://e.org/", "timed out after 15 s")])
    fr = report_html(report, "fr")
    assert "refusé : 127.0.0.1 est une adresse privée ou locale" in fr
    assert "ASSISTANT_ALLOW_PRIVATE_URLS=1" in fr  # the detail that helps is kept
    assert "nom de serveur introuvable : « x.invalid »" in fr and "délai de 15 s dépassé" in fr
    assert "refused" not in fr and "resolve" not in fr and "timed out" not in fr
    en = report_html(report, "en")
    assert esc(private) in en and esc("cannot resolve host 'x.invalid'") in en


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_an_unreadable_file_is_named_once_with_a_plain_reason(lang: str) -> None:
    raw = "broken.pdf: unreadable (PdfStreamError: Stream has ended unexpectedly)"
    out = report_html(RefreshReport(errors=[("broken.pdf", raw)]), lang)
    assert out.count("broken.pdf") == 1 and "PdfStreamError" not in out
    assert "Stream has ended" not in out
    assert ("PDF illisible" if lang == "fr" else "unreadable PDF: the file is damaged") in out
    other = report_html(RefreshReport(errors=[("a.html", "a.html: unreadable (ValueError: x)")]),
                        lang)
    assert "ValueError" not in other and other.count("a.html") == 1


def test_header_and_mode_lines() -> None:
    assert header("en").startswith("# News assistant")
    assert LABELS["fr"]["modes"] in mode_text("fr", "extractive")
    assert mode_text("en", "extractive", "openai:m", "fell back") == \
        "**Answer mode**: openai:m\n\n_fell back_"


# -- the handlers, over a fake assistant ---------------------------------------------

ROWS = [{"article_id": "a", "title": "Titre A", "published": "2024", "language": "fr",
         "passages": 2}]


class FakeAssistant:
    """Answers from DOC; streams the text first when asked to (as an LLM would)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.calls: list[tuple[str, Any, Any]] = []
        self.stream = False
        self.saved: list[tuple[str, str]] = []
        self.report = RefreshReport(added=["a"])  # what refresh() returns
        self.rows = list(ROWS)  # what articles() returns

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
        return list(self.rows)

    @property
    def answerer(self) -> Any:  # the extractive answerer the example questions are tried on
        def answer(question: str, passages: list[Document]) -> Answer:
            said = {w for p in passages for w in p.page_content.split()}
            names = {w for w in question.split()[1:] if w[:1].isupper()}
            return ANSWER if names & said else Answer("Les articles ne répondent pas.")
        return type("Answerer", (), {"answer": staticmethod(answer)})()

    def add_text(self, title: str, text: str) -> str:
        self.saved.append((title, text))
        return "a"

    def refresh(self, sources: list[str] | None = None, **_: Any) -> RefreshReport:
        return self.report


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
    _, chat, history, found, mode, status = steps[-1]
    assert chat[0] == {"role": "user", "content": user_text("Combien **OpenAI** ?")}
    assert status == ""  # nothing to say beside the answer
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


def test_an_empty_question_leaves_the_chat_and_says_so_on_the_status_line(
        h: Handlers, fake: FakeAssistant) -> None:
    # Once in the chat, the hint joined the last answer's bubble (Gradio merges two
    # assistant messages) and the passages panel was emptied.
    chat = [{"role": "user", "content": "Q ?"}, {"role": "assistant", "content": "R [1]"}]
    for lang in ("fr", "en"):
        (step,) = h.respond("  ", chat, [], 4, lang)
        box, *kept, status = step
        assert box == "" and all(x == {"__type__": "update"} for x in kept)  # all left as is
        assert status == f'<p class="chat-note">{MESSAGES[lang]["empty"]}</p>'
    assert fake.calls == []  # nothing asked


class Request:
    """What the handlers read of a gr.Request: the browser tab's session."""

    def __init__(self, session_hash: str):
        self.session_hash = session_hash


def test_a_double_submit_neither_answers_twice_nor_says_the_question_is_empty(
        h: Handlers, fake: FakeAssistant) -> None:
    # Click, click, Enter: one answer came, then the status line said "Posez une
    # question sur les articles indexés." as if nothing had been asked.
    import gradio as gr
    from gradio.helpers import special_args

    from assistant.ui.session import Turns

    now = [100.0]
    h.turns = Turns(grace=2.0, clock=lambda: now[0])
    tab, other = Request("tab"), Request("other")
    skipped = (gr.skip(),) * 6
    fake.stream = True  # a turn that runs while the other submits come
    running = h.respond("Q ?", [], [], 2, "fr", tab)  # type: ignore[arg-type]
    next(running)  # the question is shown, the answer is on its way
    assert h.respond_whole("", [], [], 2, "fr", tab) == skipped  # type: ignore[arg-type]
    assert h.respond_whole("Q ?", [], [], 2, "fr", tab) == skipped  # type: ignore[arg-type]
    *_, answered = running
    assert SOURCES_MARK in answered[1][-1]["content"] and answered[5] == ""
    now[0] += 1.5  # the Enter arriving just after the answer
    assert h.respond_whole("  ", [], [], 2, "fr", tab) == skipped  # type: ignore[arg-type]
    assert h.respond_whole("Q ?", [], [], 2, "fr", tab) == skipped  # type: ignore[arg-type]
    assert [c[0] for c in fake.calls] == ["Q ?"]  # asked once
    empty = f'<p class="chat-note">{MESSAGES["fr"]["empty"]}</p>'
    assert h.respond_whole("", [], [], 2, "fr", other)[5] == empty  # type: ignore[arg-type]
    now[0] += 1.0  # later, an empty submit is an empty question again
    assert h.respond_whole("", [], [], 2, "fr", tab)[5] == empty  # type: ignore[arg-type]
    *_, again = h.respond("Q ?", [], [], 2, "fr", tab)  # type: ignore[arg-type]
    assert SOURCES_MARK in again[1][-1]["content"] and len(fake.calls) == 2
    # Gradio gives the handlers the request, whose session tells the tabs apart.
    for fn in (h.respond, h.respond_whole):
        args, *_ = special_args(fn, inputs=["Q", [], [], 2, "fr"], request=tab)  # type: ignore[arg-type]
        assert args[-1] is tab


def test_with_no_article_indexed_the_page_says_how_to_add_one(
        h: Handlers, fake: FakeAssistant) -> None:
    # The example buttons asked about the seed article, and asking answered "Les
    # articles indexés ne répondent pas…" as if there were articles.
    fake.rows = []
    assert LABELS["fr"]["no_articles"] in h.load_articles("fr")
    head, row, box, *_ = h.corpus_state("fr")
    assert LABELS["fr"]["no_articles_hint"] in head and "chat-note" in head
    assert row["visible"] is False and box["placeholder"] == LABELS["fr"]["placeholder_empty"]
    assert "OpenAI" not in box["placeholder"]
    english = h.set_language("en")
    assert LABELS["en"]["no_articles_hint"] in english["examples"]
    assert english["msg"]["placeholder"] == LABELS["en"]["placeholder_empty"]
    chat = [{"role": "user", "content": "Q0"}, {"role": "assistant", "content": "R0"}]
    *_, last = h.respond("Combien OpenAI a-t-il levé ?", chat, chat, 2, "en")
    box_text, shown, history, found, mode, _ = last
    assert shown[:2] == chat and shown[-1] == {
        "role": "assistant", "content": esc(LABELS["en"]["no_articles_reply"])}
    assert history == chat and fake.calls == []  # nothing asked; no answer in the history
    assert found == mode == {"__type__": "update"} and box_text == ""
    # An article added (here or by another process): asked again, examples back.
    fake.rows = ROWS
    *_, last = h.respond("Combien OpenAI a-t-il levé ?", [], [], 2, "fr")
    assert SOURCES_MARK in last[1][-1]["content"] and len(fake.calls) == 1
    h.load_articles("fr")
    head, row, box, *_ = h.corpus_state("fr")
    assert LABELS["fr"]["examples"] in head and row["visible"] is True
    assert box["placeholder"] == LABELS["fr"]["placeholder"]


def test_only_examples_the_articles_are_about_are_offered(
        h: Handlers, fake: FakeAssistant) -> None:
    # The examples ask about the seed article: a new user's own articles (a hospital,
    # a food company) got "Combien OpenAI a-t-il levé ?", which was refused.
    h.load_articles("fr")
    head, row, box, *buttons = h.corpus_state("fr")  # the fake's passage names OpenAI
    assert [b["visible"] for b in buttons] == [True, True, False, False]  # not Anthropic, Meta
    assert row["visible"] is True and LABELS["fr"]["examples"] in head
    fake.retrieve = lambda q, k=4, history=None: [  # type: ignore[method-assign]
        Document(page_content="La maternité de Vierzon a rouvert en mars.")]
    fake.rows = [dict(ROWS[0], article_id="vierzon")]
    h.reload_articles("fr")
    head, row, box, *buttons = h.corpus_state("fr")
    assert not any(b["visible"] for b in buttons) and row["visible"] is False
    assert head == "" and box["placeholder"] == LABELS["fr"]["placeholder_any"]
    assert h.set_language("en")["msg"]["placeholder"] == LABELS["en"]["placeholder_any"]


def test_the_language_and_conversation_come_back_from_the_browser(h: Handlers) -> None:
    # A reload went back to French (and lost the conversation).
    from assistant.ui.session import MAX_SAVED_MESSAGES

    chat = [{"role": "user", "content": [{"type": "text", "text": "Q ?"}]},  # as Gradio gives
            {"role": "assistant", "content": f"R [1]\n\n{SOURCES_MARK}x</div>"}]
    history = [{"role": "user", "content": "Q ?"}, {"role": "assistant", "content": "R [1]"}]
    saved = h.remember(chat, history)
    assert saved == {"chat": [{"role": "user", "content": "Q ?"}, chat[1]], "history": history}
    assert h.restore("en", saved) == ("en", saved["chat"], history)
    # What the browser's storage holds is the user's to change: anything odd is dropped.
    assert h.restore("de", "junk") == ("fr", [], [])
    assert h.restore(None, None) == ("fr", [], [])
    odd = {"chat": [{"role": "system", "content": "x"}, 42, {"role": "user", "content": "ok"}],
           "history": "nope"}
    assert h.restore("fr", odd) == ("fr", [{"role": "user", "content": "ok"}], [])
    long = [{"role": "user", "content": str(i)} for i in range(MAX_SAVED_MESSAGES + 5)]
    assert h.remember(long, [])["chat"] == long[5:]  # the latest kept
    # The page keeps both in the browser: the language under a key that survives a
    # restart of the app, the conversation under this process's own.
    from assistant.ui import build_app

    kept = {b.storage_key: b for b in build_app(h.assistant).blocks.values()
            if isinstance(b, gr_browser_state())}
    assert set(kept) == {"assistant-ui-language", "assistant-conversation"}
    assert kept["assistant-ui-language"].secret == "assistant-ui-language"


def gr_browser_state() -> type:
    import gradio as gr

    return gr.BrowserState


def test_a_question_over_the_limit_says_it_was_cut(h: Handlers, fake: FakeAssistant) -> None:
    limit = fake.settings.max_question_chars
    *_, last = h.respond("é" * (limit + 1), [], [], 4, "fr")
    assert f"coupée à ses {limit} premiers caractères" in last[5]
    *_, last = h.respond("  " + "é" * limit + "  ", [], [], 4, "en")  # not cut: nothing said
    assert last[5] == ""
    # The question box lets one character more through, for the turn to see it.
    from assistant.ui import build_app

    box = next(b for b in build_app(fake).blocks.values()  # type: ignore[arg-type]
               if getattr(b, "elem_id", None) == "question")
    assert box.max_length == limit + 1


def test_clear_empties_chat_history_passages_and_status(h: Handlers) -> None:
    chat, history, found, status = h.clear("en")
    assert chat == history == [] and LABELS["en"]["passages_none"] in found and status == ""


def test_set_language_relabels_every_listed_component(h: Handlers) -> None:
    out = h.set_language("en")
    assert set(out) == set(RELABELLED)
    assert out["chatbot"]["label"] == "Conversation" and out["send"]["value"] == "Send"
    assert out["msg"]["placeholder"] == LABELS["en"]["placeholder"]
    assert out["articles"] == {"__type__": "update"}  # not listed yet: left alone
    # The Feeds part too (it stayed French).
    assert out["feeds_acc"]["label"] == "Watched feeds" and out["feed_url"]["label"] == \
        "RSS/Atom feed address"
    assert (out["feed_add"]["value"], out["feed_remove"]["value"]) == ("Watch", "Stop watching")
    assert h.set_language("fr")["feed_add"]["value"] == "Suivre"
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


def test_an_unsupported_upload_is_named_with_the_types_taken(
        h: Handlers, tmp_path: Path) -> None:
    # The file box took only the readers' types: Gradio refused others in English and
    # left the box in an error state, and "Add" then said there was nothing to add.
    from assistant.ui import build_app

    drop = tmp_path / "uploads" / "f0"
    drop.mkdir(parents=True)
    (drop / "rapport.docx").write_bytes(b"PK")
    (drop / "note.md").write_text("Une note.", "utf-8")
    payload = [{"path": str(drop / "rapport.docx"), "orig_name": "rapport.docx"},
               {"path": str(drop / "note.md"), "orig_name": "note.md"}]
    shown = h.check_uploads(payload, "fr")  # as the files are dropped
    assert "<b>rapport.docx</b> : type de fichier « .docx » non pris en charge (acceptés : " \
        ".md, .markdown, .txt, .html, .htm, .pdf)" in shown and "note.md" not in shown
    assert h.check_uploads(payload[1:], "fr") == {"__type__": "update"}  # all taken
    report, *_ = h.add_articles(payload[:1], "", "", "", "fr")  # and when added
    assert "<b>rapport.docx</b> : type de fichier « .docx »" in report
    files = next(b for b in build_app(h.assistant).blocks.values()
                 if getattr(b, "elem_id", None) == "add-files")
    assert files.file_types is None


def test_uploads_and_pasted_text_already_indexed_are_named(
        h: Handlers, fake: FakeAssistant, tmp_path: Path) -> None:
    drop = tmp_path / "uploads" / "f1"
    drop.mkdir(parents=True)
    new, dup = drop / "new.md", drop / "copy.md"
    for f in (new, dup):
        f.write_text("Un texte.", "utf-8")
    corpus = Path(fake.settings.corpus_dir)
    corpus.mkdir()  # ingest marks the article it wrote from new.md, not copy.md's twin
    (corpus / "new.md").write_text(f"---\nadded_from: {file_key(new)}\n---\nx", "utf-8")
    fake.report = RefreshReport(added=["new"], unchanged=["a"])
    report = h.adder.add([str(new), str(dup)], "", "", "", "en")
    assert report.already == ["copy.md"] and report.added == ["new"]
    fake.report = RefreshReport(unchanged=["a"])  # add_text gave "a": nothing new
    assert h.adder.add(None, "", "Titre", "Le texte.", "en").already == ["Titre"]
    fake.report = RefreshReport(added=["a"])
    assert h.adder.add(None, "", "", "Le texte.", "en").already == []


def test_the_feeds_part_speaks_the_pages_language(tmp_path: Path) -> None:
    from assistant.feeds_panel import FeedsPanel
    from assistant.ui.messages import localized

    panel = FeedsPanel(tmp_path, 900, localize=localized)
    for lang in ("fr", "en"):
        shown = panel.html(lang)
        assert "python -m" not in shown and "ASSISTANT_" not in shown  # no admin's words
    assert "par l’application" in FeedsPanel(tmp_path, 900, in_app=True).html("fr")
    refused = panel.add("javascript:alert(1)", "fr")
    assert '<p class="feeds-msg feeds-error">pas une adresse de flux http(s) : ' in refused
    assert "not an http(s)" not in refused
    assert '<p class="feeds-msg">Flux suivi' in panel.add("https://e.org/feed", "fr")


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
