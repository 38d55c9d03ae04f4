"""What the page does, as plain Python: a :class:`Handlers` object per page, whose
methods Gradio calls (and tests call directly, without launching anything).

Every handler catches its errors: the user sees one kind line, the log gets the
stack trace. The handlers talk only to :class:`~assistant.core.Assistant`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from ..answer import MESSAGES
from ..core import Reply
from ..feeds_panel import TEXTS as FEEDS_TEXTS
from ..readers import suffix_refusal
from ..text import clean
from .adding import AddReport, ArticleAdder, upload_paths
from .labels import EXAMPLES, LABELS, k_of, lang_of
from .render import (
    answer_markdown,
    articles_html,
    doc_to_dict,
    esc,
    header,
    mode_text,
    note_html,
    passages_html,
    plain_history,
    refusals_html,
    report_html,
    user_text,
)
from .session import (
    Turns,
    conversation_to_save,
    saved_conversation,
    saved_language,
    session_of,
)

if TYPE_CHECKING:
    from ..core import Assistant

log = logging.getLogger(__name__)

#: "Leave this output as it is" (a Gradio update that changes nothing).
SKIP = gr.skip()


class ArticleList:
    """The indexed articles (see :meth:`Assistant.articles`), cached until reloaded."""

    def __init__(self, assistant: Assistant):
        self.assistant = assistant
        self.cached: list[dict] | None = None
        self._lock = threading.Lock()

    @property
    def empty(self) -> bool:
        """Whether the last listing found no article (False before any listing)."""
        return self.cached == []

    def rows(self, reload: bool = False) -> list[dict]:
        """The articles' rows, read from the index on first use or ``reload``."""
        with self._lock:
            if self.cached is None or reload:
                self.cached = self.assistant.articles()
            return self.cached

    def html(self, lang: str, reload: bool = False) -> str:
        """The list as HTML (an error line if the index cannot be read)."""
        try:
            rows: list[dict] | None = self.rows(reload)
        except Exception:
            log.exception("cannot list the indexed articles")
            rows = None
        return articles_html(rows, lang)


#: The components set_language relabels, by name (layout.py maps names to components).
RELABELLED = ("header", "chatbot", "msg", "send", "clear", "examples", "settings", "k",
              "lang", "mode", "articles_acc", "articles", "refresh", "passages_acc", "found",
              "add_acc", "add_files", "add_urls", "add_title", "add_text", "add_btn",
              "status", "feeds_acc", "feed_url", "feed_add", "feed_remove")


class Handlers:
    """The page's event handlers and API functions over one :class:`Assistant`."""

    def __init__(self, assistant: Assistant, upload_dir: Path | str | None = None):
        self.assistant = assistant
        self.articles = ArticleList(assistant)
        #: (the article listing it was worked out for, which examples it is about)
        self._examples: tuple[list[dict] | None, list[bool]] = (None, [])
        self.turns = Turns()
        self.adder = ArticleAdder(assistant, upload_dir)
        s = assistant.settings
        self.default_k = k_of(s.default_k, 4)
        self.configured = "extractive" if getattr(s, "llm", "none") == "none" else \
            f"{s.llm}:{getattr(s, 'llm_model', '')}".rstrip(":")
        #: Whether answers grow as they are written (an LLM) rather than come whole.
        self.streams = getattr(assistant, "mode", self.configured) != "extractive"

    def mode(self, lang: str, mode: str = "", notice: str = "") -> str:
        """The answer mode line (the configured mode unless an answer said otherwise)."""
        return mode_text(lang, self.configured, mode, notice)

    def respond(self, message: str, chat: list | None, history: list | None, k: Any,
                lang: Any, request: gr.Request | None = None) -> Iterator[tuple]:
        """A chat turn: (textbox, chat, history, passages panel, mode line, status line)
        after the question is shown, as an LLM answer grows, and once it is complete.
        One search per turn feeds the answer and the passages panel. An empty question
        leaves all as it was and says what to do on the status line (in the chat, the
        words joined the last answer's bubble); a question cut to the length limit
        says so there too. A stray submit of a double submit (click, click, Enter: the
        same question again, or the box already emptied, while or just after it is
        answered) changes nothing at all. With no article indexed, the turn says so and
        how to add one, instead of asking."""
        lang = lang_of(lang)
        message = message if isinstance(message, str) else ""
        session = session_of(request)
        if self.turns.stray(session, message):
            yield (SKIP,) * 6
            return
        if not message.strip():
            yield "", SKIP, SKIP, SKIP, SKIP, note_html(MESSAGES[lang]["empty"])
            return
        self.turns.begin(session, message)
        try:
            yield from self._turn(message, chat, history, k, lang)
        finally:
            self.turns.end(session, message)

    def _turn(self, message: str, chat: list | None, history: list | None, k: Any,
              lang: str) -> Iterator[tuple]:
        """:meth:`respond` for a question that is not empty."""
        t = LABELS[lang]
        note = note_html(self.cut_note(message, lang))
        chat = [*(chat or []), {"role": "user", "content": user_text(message)},
                {"role": "assistant", "content": t["thinking"]}]
        history = list(history or [])
        if self.no_articles():  # the reply is no answer: it stays out of the history
            chat[-1] = {"role": "assistant", "content": esc(t["no_articles_reply"])}
            yield "", chat, history, SKIP, SKIP, note
            return
        yield "", chat, history, SKIP, SKIP, note
        reply = None
        try:
            for item in self.assistant.chat(message, history, k_of(k, self.default_k)):
                if isinstance(item, Reply):
                    reply = item
                elif item:
                    chat[-1] = {"role": "assistant", "content": esc(item) + " ▌"}
                    yield "", chat, history, SKIP, SKIP, SKIP
            if reply is None:
                raise RuntimeError("the answer stream ended without an answer")
        except (ValueError, TypeError) as e:
            log.warning("bad question %r: %s", message[:200], e)
            chat[-1] = {"role": "assistant", "content": esc(t["bad_input"])}
            yield "", chat, history, SKIP, SKIP, note
            return
        except Exception:
            log.exception("answering %r failed", message[:200])
            chat[-1] = {"role": "assistant", "content": esc(t["error"])}
            yield "", chat, history, SKIP, SKIP, note
            return
        answer = reply.answer
        chat[-1] = {"role": "assistant", "content": answer_markdown(answer, lang)}
        history += [{"role": "user", "content": message},
                    {"role": "assistant", "content": answer.text}]
        yield ("", chat, history, passages_html(reply.passages, lang),
               self.mode(lang, answer.mode, answer.notice), note)

    def no_articles(self) -> bool:
        """Whether the index holds no article (read again each time it held none: another
        writer may have added some since); False if it cannot be read (then asking
        says what is wrong)."""
        try:
            return not self.articles.rows(reload=self.articles.empty)
        except Exception:
            log.exception("cannot list the indexed articles")
            return False

    def cut_note(self, message: str, lang: str) -> str:
        """The note that ``message`` is cut to the question length limit ("" if it is
        not): the end of a long text may be the question itself."""
        limit = int(self.assistant.settings.max_question_chars)
        return LABELS[lang]["cut"].format(limit=limit) if len(clean(message)) > limit else ""

    def respond_whole(self, message: str, chat: list | None, history: list | None, k: Any,
                      lang: Any, request: gr.Request | None = None) -> tuple:
        """:meth:`respond`'s last step alone: the whole turn in one update, for answers
        that come whole (extractive), which the page then sends outside Gradio's queue
        (see ``layout.chat_events``)."""
        *_, last = self.respond(message, chat, history, k, lang, request)
        return last

    def clear(self, lang: Any) -> tuple:
        """An empty chat, history, passages panel and status line."""
        return [], [], passages_html([], lang_of(lang)), ""

    def corpus_state(self, lang: Any) -> tuple:
        """What the page offers by the indexed articles (as last listed): (examples
        heading, examples row, question box, each example button). The example
        questions are about the seed article: with no article they give way to how to
        add one, and only those the articles are about are shown."""
        lang = lang_of(lang)
        shown = self.examples_shown()
        return (self.examples_head(lang), gr.update(visible=any(shown)),
                gr.update(placeholder=LABELS[lang][self._placeholder()]),
                *(gr.update(visible=v) for v in shown))

    def examples_shown(self) -> list[bool]:
        """Per example question, whether the indexed articles answer it. (A new user's
        own articles got examples about OpenAI, which were refused.) Worked out once
        per article listing."""
        rows = self.articles.cached
        if not rows:  # not listed yet: as the page was built; none: no example
            return [rows is None] * len(EXAMPLES)
        if self._examples[0] is not rows:
            self._examples = (rows, [self._answered(q) for q in EXAMPLES])
        return self._examples[1]

    def _answered(self, question: str) -> bool:
        """Does the extractive answerer (fast, whatever the mode) answer ``question``?"""
        answerer = getattr(self.assistant, "answerer", None)
        if answerer is None:
            return True
        try:
            passages = self.assistant.retrieve(question, k=self.default_k)
            return not answerer.answer(question, passages).refused
        except Exception:
            log.exception("cannot try an example question")
            return False

    def _placeholder(self) -> str:
        if self.articles.empty:
            return "placeholder_empty"
        return "placeholder" if any(self.examples_shown()) else "placeholder_any"

    def examples_head(self, lang: str) -> str:
        """The line above the example questions, or, with no article indexed (as last
        listed), what to do first; nothing when no example is about the articles."""
        t = LABELS[lang]
        if self.articles.empty:
            return note_html(t["no_articles_hint"])
        if not any(self.examples_shown()):
            return ""
        return f'<p class="examples-head"><b>{t["examples"]}</b> ({t["examples_how"]})</p>'

    def restore(self, lang: Any, conversation: Any) -> tuple:
        """The page as this browser left it: (language, chat, history) from what was
        saved in its storage (see :mod:`.session`)."""
        return (saved_language(lang), *saved_conversation(conversation))

    def remember(self, chat: Any, history: Any) -> dict:
        """The conversation to save in the browser's storage."""
        return conversation_to_save(chat, history)

    def load_articles(self, lang: Any) -> str:
        """The article list (cached)."""
        return self.articles.html(lang_of(lang))

    def reload_articles(self, lang: Any) -> str:
        """The article list, read again from the index."""
        return self.articles.html(lang_of(lang), reload=True)

    def add_articles(self, files: Any, urls: str | None, title: str | None,
                     text: str | None, lang: Any,
                     progress: gr.Progress = gr.Progress()) -> tuple:  # noqa: B008
        """Add what the panel was given: (report, article list, file box, URL box,
        title, text). The uploads are always deleted; the text boxes are emptied
        unless something failed (for the user to fix)."""
        lang = lang_of(lang)
        t = LABELS[lang]
        files = upload_paths(files)
        progress(0, desc=t["add_reading"])  # Gradio's bar; outside an event, nothing

        def on_progress(done: int, total: int, article_id: str) -> None:
            progress((done, total), desc=f"{t['add_embedding']} · {article_id}",
                     unit="passages")

        try:
            report = self.adder.add(files, urls, title, text, lang, on_progress)
        except Exception:
            log.exception("adding articles failed")
            report = AddReport(errors=[("", t["error"])])
        finally:
            self.adder.discard_uploads(files)  # copied into the corpus, or refused
        keep = bool(report.errors)
        cleared = (None, *((SKIP,) * 3 if keep else ("", "", "")))
        listed = self.articles.html(lang, reload=True) if report.changed else SKIP
        try:
            titles = {r["article_id"]: str(r["title"]) for r in self.articles.rows()}
        except Exception:  # the list already said so; the report shows ids then
            titles = {}
        return (report_html(report, lang, titles), listed, *cleared)

    def check_uploads(self, files: Any, lang: Any) -> Any:
        """The Add report once files are dropped: those no reader takes, named at once
        with the types that are taken (the file box takes any file, so that Gradio
        neither refuses it in English nor leaves the box in an error state)."""
        refused = [(Path(p).name, why) for p in upload_paths(files)
                   if (why := suffix_refusal(Path(p).suffix))]
        if not refused:
            return SKIP
        return f'<div class="add-report">{refusals_html(refused, lang_of(lang))}</div>'

    def set_language(self, lang: Any) -> dict[str, Any]:
        """The page's words in ``lang``: {component name (see RELABELLED): update}."""
        lang = lang_of(lang)
        t = LABELS[lang]
        labels = {"chatbot": "chat", "k": "k", "lang": "lang", "add_files": "add_files",
                  "add_urls": "add_urls", "add_title": "add_title", "add_text": "add_text",
                  "settings": "settings", "articles_acc": "articles",
                  "passages_acc": "passages", "add_acc": "add"}
        values = {"send": "send", "clear": "clear", "refresh": "refresh", "add_btn": "add_btn"}
        out: dict[str, Any] = {name: gr.update(label=t[key]) for name, key in labels.items()}
        out.update({name: gr.update(value=t[key]) for name, key in values.items()})
        out["msg"] = gr.update(label=t["input"], placeholder=t[self._placeholder()])
        out["header"] = header(lang)
        out["examples"] = self.examples_head(lang)
        out["mode"] = self.mode(lang)
        out["articles"] = self.articles.html(lang) if self.articles.cached is not None else SKIP
        out["found"] = SKIP
        out["status"] = ""  # a note of the other language
        f = FEEDS_TEXTS[lang]
        out.update(feeds_acc=gr.update(label=f["title"]), feed_url=gr.update(label=f["url"]),
                   feed_add=gr.update(value=f["add"]), feed_remove=gr.update(value=f["remove"]))
        return out

    def chat_api(self, message: str, history: list | None = None) -> str:
        """Answer a question about the indexed articles: the answer text with [n] markers,
        then its numbered sources (HTML). ``history`` is the conversation so far as
        [{"role": "user"|"assistant", "content": str}, …]."""
        try:
            answer = self.assistant.ask(message if isinstance(message, str) else "",
                                        plain_history(history))
        except (ValueError, TypeError) as e:
            log.warning("bad API question: %s", e)
            return LABELS["en"]["bad_input"]
        except Exception:
            log.exception("API /chat failed")
            return LABELS["en"]["error"]
        return answer_markdown(answer, answer.language)

    def retrieve_api(self, question: str, k: int = 4) -> list[dict]:
        """The k (1..50) passages that best answer the question, best first, each as
        {"text", "title", "source", "score", + metadata}."""
        try:
            docs = self.assistant.retrieve(question, int(k) if not isinstance(k, bool) else k)
        except (ValueError, TypeError) as e:
            raise gr.Error(f"Invalid request: {e}", print_exception=False) from None
        except Exception:
            log.exception("API /retrieve failed")
            raise gr.Error(LABELS["en"]["error"], print_exception=False) from None
        return [doc_to_dict(d) for d in docs]
