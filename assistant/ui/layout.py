"""The page's layout (Gradio Blocks) and its wiring to :class:`Handlers`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import gradio as gr
from starlette.middleware import Middleware

from ..feeds_panel import TEXTS as FEEDS_TEXTS
from ..feeds_panel import FeedsPanel
from ..settings import Settings
from ..web_guard import LoginGuard, LoginPageGuard, LoginThrottle
from .handlers import RELABELLED, Handlers
from .labels import CSS, EXAMPLES, GRADIO_LOCALE_JS, LABELS, MAX_K_UI
from .messages import localized
from .render import esc, header, passages_html

if TYPE_CHECKING:
    from ..core import Assistant


def build_app(assistant: Assistant) -> gr.Blocks:
    """The chat page over ``assistant`` (nothing is loaded until first use)."""
    h = Handlers(assistant)
    t0 = LABELS["fr"]
    c: dict[str, Any] = {}  # the components, by the names the handlers use
    with gr.Blocks(title="Assistant actualités · News assistant", fill_width=True) as demo:
        c["history"] = gr.State([])
        # Kept in this browser across a reload: the interface language (under a fixed
        # key, as it is no secret: it survives a restart of the app too) and the
        # conversation (under this process's key: a restart forgets it).
        c["saved_lang"] = gr.BrowserState("fr", storage_key="assistant-ui-language",
                                          secret="assistant-ui-language")
        c["saved_chat"] = gr.BrowserState(None, storage_key="assistant-conversation")
        c["header"] = gr.Markdown(header("fr"), elem_id="header")
        with gr.Row(equal_height=False, elem_id="main-row"):
            with gr.Column(scale=3, min_width=320):
                c["chatbot"] = gr.Chatbot(
                    label=t0["chat"], show_label=False, elem_id="chat", height=560,
                    latex_delimiters=[], buttons=["copy"], feedback_options=None, autoscroll=True,
                )
                with gr.Row(equal_height=True):
                    # One character over the limit gets through, for the turn to say
                    # that the question was cut (the browser would cut it unsaid).
                    c["msg"] = gr.Textbox(
                        label=t0["input"], placeholder=t0["placeholder"], show_label=False,
                        lines=1, max_lines=4, scale=5, autofocus=True, elem_id="question",
                        max_length=assistant.settings.max_question_chars + 1,
                    )
                    c["send"] = gr.Button(t0["send"], variant="primary", scale=1, min_width=90,
                                          elem_id="send")
                c["status"] = gr.HTML("", elem_id="chat-status")
                c["examples"] = gr.HTML(h.examples_head("fr"), elem_id="examples-head")
                with gr.Row(elem_id="examples-row") as c["examples_row"]:
                    c["example_buttons"] = [gr.Button(q, size="sm", variant="secondary",
                                                      min_width=150) for q in EXAMPLES]
                c["clear"] = gr.Button(t0["clear"], size="sm", variant="secondary",
                                       elem_id="clear")
                with gr.Accordion(t0["passages"], open=False, elem_id="passages-acc") as acc:
                    c["passages_acc"] = acc
                    c["found"] = gr.HTML(passages_html([], "fr"), elem_id="passages")
            with gr.Column(scale=1, min_width=260, elem_id="side"):
                with gr.Accordion(t0["settings"], open=True) as c["settings"]:
                    c["lang"] = gr.Radio([("Français", "fr"), ("English", "en")], value="fr",
                                         label=t0["lang"], elem_id="lang")
                    c["k"] = gr.Slider(1, MAX_K_UI, value=h.default_k, step=1, label=t0["k"],
                                       elem_id="k")
                c["mode"] = gr.Markdown(h.mode("fr"), elem_id="mode")
                with gr.Accordion(t0["articles"], open=True) as c["articles_acc"]:
                    c["articles"] = gr.HTML(
                        f'<div class="articles"><p>{esc(t0["loading"])}</p></div>',
                        elem_id="articles")
                    c["refresh"] = gr.Button(t0["refresh"], size="sm")
                    feeds_part(assistant, c)
                with gr.Accordion(t0["add"], open=False, elem_id="add-acc") as c["add_acc"]:
                    # Any file type: see Handlers.check_uploads.
                    c["add_files"] = gr.File(label=t0["add_files"], file_count="multiple",
                                             type="filepath", elem_id="add-files", height=140)
                    c["add_urls"] = gr.Textbox(label=t0["add_urls"], lines=2, max_lines=8,
                                               placeholder="https://…", elem_id="add-urls")
                    c["add_title"] = gr.Textbox(label=t0["add_title"], lines=1, max_length=300,
                                                elem_id="add-title")
                    c["add_text"] = gr.Textbox(label=t0["add_text"], lines=4, max_lines=12,
                                               elem_id="add-text")
                    c["add_btn"] = gr.Button(t0["add_btn"], variant="primary", size="sm",
                                             elem_id="add-btn")
                    c["add_report"] = gr.HTML(f'<div class="add-report"><p class="art-meta">'
                                              f'{esc(t0["add_none"])}</p></div>',
                                              elem_id="add-report")
        wire_chat(h, c)
        wire_page(demo, h, c)
        gr.api(h.chat_api, api_name="chat")
        gr.api(h.retrieve_api, api_name="retrieve")
    return demo


#: Private events (not in the API): the page's own wiring.
UI: dict[str, Any] = {"api_visibility": "private"}


def wire_chat(h: Handlers, c: dict[str, Any]) -> None:
    """The chat's events: a turn on Enter, Send or an example, each then saved in the
    browser; the clear buttons (ours, and the chat's own, hidden by the CSS)."""
    ins = [c["msg"], c["chatbot"], c["history"], c["k"], c["lang"]]
    outs = [c["msg"], c["chatbot"], c["history"], c["found"], c["mode"], c["status"]]
    turn, options = chat_events(h)
    save = {"fn": h.remember, "inputs": [c["chatbot"], c["history"]],
            "outputs": [c["saved_chat"]], "queue": False, **UI}
    c["msg"].submit(turn, ins, outs, **options, **UI).then(**save)
    c["send"].click(turn, ins, outs, **options, **UI).then(**save)
    for b in c["example_buttons"]:
        b.click(lambda q: q, b, c["msg"], queue=False, **UI).then(
            turn, ins, outs, **options, **UI).then(**save)
    cleared = [c["chatbot"], c["history"], c["found"], c["status"]]
    for event in (c["clear"].click, c["chatbot"].clear):
        event(h.clear, [c["lang"]], cleared, queue=False, **UI).then(**save)


def wire_page(demo: gr.Blocks, h: Handlers, c: dict[str, Any]) -> None:
    """The rest: on load, the language and conversation this browser kept, then the
    article list; the language switch (saved); the Add articles panel; the feeds."""
    corpus = {"fn": h.corpus_state, "inputs": [c["lang"]],
              "outputs": [c["examples"], c["examples_row"], c["msg"], *c["example_buttons"]],
              "queue": False, **UI}
    # Gradio's own words (file box, footer) in the page's language, not the browser's.
    demo.load(None, [c["saved_lang"]], None, js=GRADIO_LOCALE_JS, **UI)
    c["lang"].change(None, [c["lang"]], None, js=GRADIO_LOCALE_JS, **UI)
    loaded = demo.load(h.restore, [c["saved_lang"], c["saved_chat"]],
                       [c["lang"], c["chatbot"], c["history"]], queue=False, **UI)
    loaded.then(h.load_articles, [c["lang"]], [c["articles"]], **UI).then(**corpus)
    c["lang"].input(lambda lang: lang, [c["lang"]], [c["saved_lang"]], queue=False, **UI)
    c["lang"].change(lambda lang: {c[n]: v for n, v in h.set_language(lang).items()},
                     [c["lang"]], [c[n] for n in RELABELLED], queue=False, **UI)
    c["refresh"].click(h.reload_articles, [c["lang"]], [c["articles"]], **UI).then(**corpus)
    # One refresh at a time, apart from the chat's workers: questions go on meanwhile.
    # preprocess=False: gr.File's preprocessing leaves an empty temporary file
    # behind per upload, under a name it forgets; the handler takes the raw
    # payload (uploads already checked to be in Gradio's upload folder).
    boxes = [c["add_files"], c["add_urls"], c["add_title"], c["add_text"]]
    c["add_btn"].click(h.add_articles, [*boxes, c["lang"]],
                       [c["add_report"], c["articles"], *boxes],
                       concurrency_limit=1, concurrency_id="add-articles",
                       show_progress_on=[c["add_report"]], preprocess=False, **UI
                       ).then(**corpus)
    c["add_files"].upload(h.check_uploads, [c["add_files"], c["lang"]], [c["add_report"]],
                          queue=False, preprocess=False, **UI)
    c["feeds_wiring"](loaded)


def chat_events(h: Handlers) -> tuple[Callable[..., Any], dict[str, Any]]:
    """The chat turn's handler and event options.

    An answer that comes whole (extractive) is one update sent outside Gradio's
    queue (``queue=False``: a plain POST answered with the outputs): the queue's
    join request, then the event stream it opens per turn, cost about 90 ms per
    question here (web chat Enter → sources, 2026-12-01, `benchmarks/web_chat.py`).
    An LLM's answer streams, so it stays a queued generator (``respond``: the
    question and "…" first, then the answer as it grows).

    ``show_progress="hidden"`` in both: Gradio's progress overlay (a spinner and a
    running timer over every output) is redrawn by the browser on every frame
    while a turn runs, which on these 2 cores took CPU from the server: hiding it
    took 70–140 ms off Enter → sources. The "…" message (LLM) or the answer itself
    (extractive, tens of ms) is the feedback."""
    if h.streams:
        return h.respond, {"show_progress": "hidden"}
    return h.respond_whole, {"queue": False, "show_progress": "hidden"}


def feeds_part(assistant: Assistant, c: dict[str, Any]) -> None:
    """The Feeds part of the articles panel (watch / stop watching a feed, each feed's
    status); its wiring is left in ``c["feeds_wiring"]``, called once the page exists."""
    s = assistant.settings
    feeds = FeedsPanel(s.corpus_dir, s.watch_every, in_app=s.watch_in_app, localize=localized)
    t = FEEDS_TEXTS["fr"]  # relabelled by Handlers.set_language
    with gr.Accordion(t["title"], open=False, elem_id="feeds-acc") as c["feeds_acc"]:
        url = c["feed_url"] = gr.Textbox(label=t["url"], lines=1, elem_id="feed-url",
                                         placeholder="https://…/feed.xml")
        with gr.Row():
            add = c["feed_add"] = gr.Button(t["add"], size="sm")
            remove = c["feed_remove"] = gr.Button(t["remove"], size="sm")
        box = gr.HTML(elem_id="feeds")

    def wire(loaded: Any) -> None:
        """Wired once the page exists; ``loaded``: the page's load event (language set)."""
        # A small file's read and write: not queued behind the chat's workers.
        add.click(lambda u, lg: feeds.add(u, _lang(lg)), [url, c["lang"]], [box],
                  queue=False, **UI)
        remove.click(lambda u, lg: feeds.remove(u, _lang(lg)), [url, c["lang"]], [box],
                     queue=False, **UI)
        for event in (loaded.then, c["lang"].change):
            event(lambda lg: feeds.html(_lang(lg)), [c["lang"]], [box], **UI)

    c["feeds_wiring"] = wire


def _lang(value: Any) -> str:
    return "en" if value == "en" else "fr"


#: Gradio's status tracker announces "common.complete" to screen readers, a key its
#: own translations lack (a new user's trial found it in the upload box's live
#: region): these words fill it.
STATUS_WORDS = gr.I18n(en={"common.complete": "Done"}, fr={"common.complete": "Terminé"})


def launch_options(settings: Settings | None = None) -> dict:
    """Extra keyword arguments for ``demo.launch``: the CSS and theme (Gradio 6 takes
    them there), the upload size limit (``ASSISTANT_MAX_UPLOAD_BYTES``), which Gradio
    enforces before a file is stored, the login throttle (``ASSISTANT_LOGIN_*``) and
    a login page without the API description."""
    s = settings or Settings()
    throttle = LoginThrottle(s.login_max_failures, s.login_window, s.login_backoff_max)
    return {"css": CSS, "theme": gr.themes.Soft(), "max_file_size": s.max_upload_bytes,
            "i18n": STATUS_WORDS,
            "app_kwargs": {"middleware": [Middleware(LoginGuard, throttle=throttle),
                                          Middleware(LoginPageGuard)]}}
