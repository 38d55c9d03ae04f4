"""What the page does, as plain Python: a :class:`Handlers` object per page, whose
methods Gradio calls (and tests call directly, without launching anything).

Every handler catches its errors: the user sees one kind line, the log gets the
stack trace. The handlers talk only to :class:`~assistant.core.Assistant`.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from ..answer import MESSAGES
from ..core import Reply
from ..feeds_panel import TEXTS as FEEDS_TEXTS
from ..indexing import Progress, RefreshReport
from ..ingest import FILE_KEY
from ..metadata import file_key
from ..readers import suffix_refusal
from ..sources import SourceError, parse_front_matter
from ..text import clean
from .labels import LABELS, k_of, lang_of
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

if TYPE_CHECKING:
    from ..core import Assistant

log = logging.getLogger(__name__)

_WEB_URL = re.compile(r"^https?://", re.IGNORECASE)
#: "Leave this output as it is" (a Gradio update that changes nothing).
SKIP = gr.skip()


class ArticleList:
    """The indexed articles (see :meth:`Assistant.articles`), cached until reloaded."""

    def __init__(self, assistant: Assistant):
        self.assistant = assistant
        self.cached: list[dict] | None = None
        self._lock = threading.Lock()

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


def upload_paths(files: Any) -> list[str]:
    """The paths of a gr.File payload: FileData dicts (raw payload), paths, or None."""
    if not isinstance(files, list | tuple):
        files = [files] if files else []
    paths = [str(f.get("path") or "") if isinstance(f, dict) else str(f or "") for f in files]
    return [p for p in paths if p]


@dataclass
class AddReport(RefreshReport):
    """A refresh report, plus the names of what the panel was given that was already
    indexed (an upload, a web page or a pasted text with the text of an article in the
    index)."""

    already: list[str] = field(default_factory=list)


class ArticleAdder:
    """The work of the "Add articles" panel: check what was given, then refresh.

    Files must be uploads (inside Gradio's upload folder) of at most
    ``settings.max_upload_bytes``; the URL box takes only http(s) addresses (so no
    server path can be slipped in), fetched under the private-address rule of
    ``settings.allow_private_urls``; pasted text is saved with :meth:`Assistant.add_text`.
    Everything else goes through :meth:`Assistant.refresh`, which writes inside
    the corpus folder only and never drops what is already indexed.
    """

    def __init__(self, assistant: Assistant, upload_dir: Path | str | None = None):
        self.assistant = assistant
        self.upload_dir = Path(upload_dir or gr.utils.get_upload_folder()).resolve()

    def _check_upload(self, path: Path, limit: int, t: dict[str, str]) -> str:
        """Why this uploaded file is refused ('' if it is not)."""
        try:
            resolved = path.resolve(strict=True)
            size = resolved.stat().st_size
        except OSError:
            return t["no_file"]
        if not resolved.is_relative_to(self.upload_dir):
            return t["not_upload"]
        if suffix_refusal(resolved.suffix):
            return suffix_refusal(resolved.suffix)
        if size > limit:
            return t["too_big"].format(size=size, limit=limit)
        return ""

    def discard_uploads(self, files: list | None) -> None:
        """Delete the uploaded ``files`` and their emptied folders (Gradio keeps every
        upload forever). Anything outside the upload folder is left alone."""
        for f in files or []:
            try:
                path = Path(str(getattr(f, "path", None) or f)).resolve(strict=True)
            except OSError:
                continue
            if not path.is_file() or not path.is_relative_to(self.upload_dir):
                continue
            try:
                path.unlink()
                if path.parent != self.upload_dir:  # <upload folder>/<hash>/<name>
                    path.parent.rmdir()
            except OSError as exc:  # e.g. the folder holds another upload: it stays
                log.debug("upload %s not fully removed: %s", path, exc)

    def add(self, files: list | None, urls: str | None, title: str | None,
            text: str | None, lang: str = "fr",
            progress: Progress | None = None) -> AddReport:
        """Add the uploaded ``files``, the ``urls`` (one per line) and the pasted text;
        the refresh report, with every refusal among its errors as (name, reason) and
        the uploads and pasted text that were already indexed named."""
        t = LABELS.get(lang, LABELS["fr"])
        limit = int(self.assistant.settings.max_upload_bytes)
        errors: list[tuple[str, str]] = []
        sources: list[str] = []
        names: dict[str, str] = {}
        for f in files or []:
            path = Path(str(getattr(f, "path", None) or f))
            name = Path(str(getattr(f, "orig_name", None) or path.name)).name
            reason = self._check_upload(path, limit, t)
            if reason:
                errors.append((name, reason))
            else:
                sources.append(str(path.resolve()))
                names[sources[-1]] = name
        for line in (urls or "").splitlines():  # one error a line, not one a word
            found = line.split()
            sources += [u for u in found if _WEB_URL.match(u)]
            if bad := " ".join(u for u in found if not _WEB_URL.match(u)):
                errors.append((bad[:200], t["not_url"]))
        title = (title or "").strip()
        saved = self._save_text(title, (text or "").strip(), limit, t, errors)
        if not (files or sources or errors or saved):
            return AddReport(errors=[("", t["add_nothing"])])
        if not (sources or saved):
            return AddReport(errors=errors)
        report = self.assistant.refresh(sources or None, progress=progress)
        out = AddReport(**{f.name: getattr(report, f.name) for f in fields(report)})
        out.errors = errors + [(names.get(src, src), msg) for src, msg in report.errors]
        fresh = {*report.added, *report.updated}
        failed = {src for src, _ in report.errors}
        out.already = self._already_indexed(
            {src: name for src, name in names.items() if src not in failed}, fresh)
        # A web page whose text an article has already (uploads are found above).
        out.already += [src for src, _ in report.skipped if src not in names]
        if saved and saved not in fresh:  # save_text gave the id of the article it matched
            out.already.append(title or t["pasted"])
        return out

    def _save_text(self, title: str, text: str, limit: int, t: dict[str, str],
                   errors: list[tuple[str, str]]) -> str:
        """Save the pasted text in the corpus folder; its article id ("" if there was
        none, or it was refused: the reason then goes to ``errors``)."""
        if not text:
            if title:
                errors.append((title, t["no_text"]))
            return ""
        size = len(text.encode("utf-8"))
        if size > limit:
            errors.append((title or t["pasted"], t["too_big"].format(size=size, limit=limit)))
            return ""
        try:
            return self.assistant.add_text(title, text)
        except (SourceError, OSError) as exc:
            errors.append((title or t["pasted"], str(exc)))
            return ""

    def _already_indexed(self, uploads: dict[str, str], fresh: set[str]) -> list[str]:
        """The names of the ``uploads`` (path: name) read without error whose article
        is none of the ``fresh`` ones (added or updated): ingest found their text
        indexed already and wrote nothing."""
        if not uploads:
            return []
        corpus = Path(self.assistant.settings.corpus_dir)
        keys = set()
        for aid in fresh:
            try:
                meta, _ = parse_front_matter((corpus / f"{aid}.md").read_text("utf-8"))
            except (OSError, UnicodeError, SourceError):
                return []  # gone or changed since: better say nothing than something wrong
            keys.add(str(meta.get(FILE_KEY) or ""))
        return [name for src, name in uploads.items() if file_key(src) not in keys]


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
                lang: Any) -> Iterator[tuple]:
        """A chat turn: (textbox, chat, history, passages panel, mode line, status line)
        after the question is shown, as an LLM answer grows, and once it is complete.
        One search per turn feeds the answer and the passages panel. An empty question
        leaves all as it was and says what to do on the status line (in the chat, the
        words joined the last answer's bubble); a question cut to the length limit
        says so there too."""
        lang = lang_of(lang)
        t = LABELS[lang]
        message = message if isinstance(message, str) else ""
        if not message.strip():
            yield "", SKIP, SKIP, SKIP, SKIP, note_html(MESSAGES[lang]["empty"])
            return
        note = note_html(self.cut_note(message, lang))
        chat = [*(chat or []), {"role": "user", "content": user_text(message)},
                {"role": "assistant", "content": t["thinking"]}]
        history = list(history or [])
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

    def cut_note(self, message: str, lang: str) -> str:
        """The note that ``message`` is cut to the question length limit ("" if it is
        not): the end of a long text may be the question itself."""
        limit = int(self.assistant.settings.max_question_chars)
        return LABELS[lang]["cut"].format(limit=limit) if len(clean(message)) > limit else ""

    def respond_whole(self, message: str, chat: list | None, history: list | None, k: Any,
                      lang: Any) -> tuple:
        """:meth:`respond`'s last step alone: the whole turn in one update, for answers
        that come whole (extractive), which the page then sends outside Gradio's queue
        (see ``layout.chat_events``)."""
        *_, last = self.respond(message, chat, history, k, lang)
        return last

    def clear(self, lang: Any) -> tuple:
        """An empty chat, history, passages panel and status line."""
        return [], [], passages_html([], lang_of(lang)), ""

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
        out["msg"] = gr.update(label=t["input"], placeholder=t["placeholder"])
        out["header"] = header(lang)
        out["examples"] = t["examples"]
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
