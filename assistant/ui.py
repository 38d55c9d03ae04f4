"""The web chat (Gradio 6): streamed answers with their numbered, quoted sources.

:func:`build_app` returns the :class:`gradio.Blocks` page; ``app.py`` launches it.
Besides the page, two API endpoints are exposed to ``gradio_client``:

* ``/chat`` — (message, history) → the answer's markdown, sources block included;
* ``/retrieve`` — (question, k) → the k best passages as a list of dicts.

A side panel adds articles (uploaded files, web pages or feeds, pasted text)
through :meth:`Assistant.refresh`; see :class:`ArticleAdder` for what it refuses.

Every piece of article text is HTML-escaped before it is put into the page, and
every handler catches its errors: the user sees one kind line, the log gets the
stack trace.
"""

from __future__ import annotations

import html
import logging
import re
import string
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from .answer import MESSAGES, Answer
from .core import Assistant
from .feeds_panel import TEXTS as FEEDS_TEXTS
from .feeds_panel import FeedsPanel
from .indexing import Progress, RefreshReport, web_url
from .ingest import save_text
from .settings import Settings
from .sources import SUFFIXES, SourceError
from .web_guard import LoginGuard, LoginPageGuard, LoginThrottle

log = logging.getLogger(__name__)

#: The sources block starts with this; it is cut off before history goes back to ask().
SOURCES_MARK = '<div class="sources">'

EXAMPLES = [
    "Combien OpenAI a-t-il levé en octobre ?",
    "How much money has OpenAI raised in total?",
    "Qui a investi dans Anthropic ?",
    "What are Meta's AI models called?",
]

MAX_K_UI = 10
#: Ids listed per line of the Add articles report (the rest is counted).
MAX_REPORT_IDS = 10
_WEB_URL = re.compile(r"^https?://", re.IGNORECASE)

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Assistant actualités",
        "intro": "Posez une question sur les articles indexés : chaque réponse cite "
                 "ses sources, avec le passage exact.",
        "chat": "Conversation",
        "input": "Votre question",
        "placeholder": "Ex. : Combien OpenAI a-t-il levé en octobre ?",
        "send": "Envoyer",
        "clear": "Effacer la conversation",
        "examples": "**Exemples** (cliquez pour demander)",
        "settings": "Réglages",
        "k": "Passages à afficher (k)",
        "lang": "Langue de l’interface",
        "articles": "Articles indexés",
        "refresh": "↻ Actualiser la liste",
        "mode": "Mode de réponse",
        "modes": "extractif (phrases citées telles quelles, sans LLM)",
        "passages": "Passages trouvés pour la dernière question",
        "passages_none": "Posez une question pour voir les passages trouvés.",
        "sources": "Sources",
        "open": "lien",
        "n_passages": "passages",
        "no_articles": "Aucun article indexé.",
        "loading": "Chargement de l’index…",
        "error": "Désolé, une erreur est survenue. Réessayez dans un instant.",
        "bad_input": "Cette question ne peut pas être traitée : reformulez-la, s’il vous plaît.",
        "thinking": "…",
        "score": "score",
        "date": "date",
        "language": "langue",
        "add": "Ajouter des articles",
        "add_files": "Fichiers (.md, .txt, .html, .pdf)",
        "add_urls": "Adresses web : articles ou flux RSS/Atom, une par ligne",
        "add_title": "Titre du texte collé",
        "add_text": "Texte collé",
        "add_btn": "Ajouter",
        "add_none": "Déposez des fichiers, collez des adresses ou un texte, puis « Ajouter ».",
        "add_nothing": "Rien à ajouter : déposez un fichier, collez une adresse ou un texte.",
        "add_reading": "Lecture des sources…",
        "add_embedding": "Indexation",
        "add_report": "Résultat",
        "added": "ajoutés",
        "updated": "mis à jour",
        "removed": "retirés",
        "unchanged": "inchangés",
        "errors": "Erreurs",
        "pasted": "texte collé",
        "too_big": "{size} octets : au-delà de la limite de {limit} octets des dépôts",
        "not_upload": "refusé : ce n’est pas un fichier déposé dans cette page",
        "not_url": "pas une adresse web (http:// ou https://)",
        "no_text": "un titre sans texte : collez aussi le texte de l’article",
    },
    "en": {
        "title": "News assistant",
        "intro": "Ask a question about the indexed articles: every answer cites its "
                 "sources, with the exact passage.",
        "chat": "Conversation",
        "input": "Your question",
        "placeholder": "E.g. How much money has OpenAI raised in total?",
        "send": "Send",
        "clear": "Clear chat",
        "examples": "**Examples** (click to ask)",
        "settings": "Settings",
        "k": "Passages to show (k)",
        "lang": "Interface language",
        "articles": "Indexed articles",
        "refresh": "↻ Refresh list",
        "mode": "Answer mode",
        "modes": "extractive (sentences quoted verbatim, no LLM)",
        "passages": "Passages found for the last question",
        "passages_none": "Ask a question to see the passages found.",
        "sources": "Sources",
        "open": "link",
        "n_passages": "passages",
        "no_articles": "No article indexed.",
        "loading": "Loading the index…",
        "error": "Sorry, something went wrong. Please try again in a moment.",
        "bad_input": "This question cannot be handled: please rephrase it.",
        "thinking": "…",
        "score": "score",
        "date": "date",
        "language": "language",
        "add": "Add articles",
        "add_files": "Files (.md, .txt, .html, .pdf)",
        "add_urls": "Web addresses: articles or RSS/Atom feeds, one per line",
        "add_title": "Title of the pasted text",
        "add_text": "Pasted text",
        "add_btn": "Add",
        "add_none": "Drop files, paste addresses or a text, then “Add”.",
        "add_nothing": "Nothing to add: drop a file, paste an address or a text.",
        "add_reading": "Reading the sources…",
        "add_embedding": "Indexing",
        "add_report": "Result",
        "added": "added",
        "updated": "updated",
        "removed": "removed",
        "unchanged": "unchanged",
        "errors": "Errors",
        "pasted": "pasted text",
        "too_big": "{size} bytes: over the {limit} byte upload limit",
        "not_upload": "refused: not a file uploaded through this page",
        "not_url": "not a web address (http:// or https://)",
        "no_text": "a title without a text: paste the article's text too",
    },
}

CSS = """
#header h1 { margin-bottom: 0.2em; }
#chat { min-height: 420px; }
.sources { margin-top: 0.6em; border-top: 1px solid var(--border-color-primary);
           padding-top: 0.4em; font-size: 0.92em; }
.sources-head { font-weight: 600; margin-bottom: 0.3em; }
.sources details { border: 1px solid var(--border-color-primary); border-radius: 8px;
                   padding: 0.35em 0.6em; margin: 0.35em 0;
                   background: var(--background-fill-secondary); }
.sources summary { cursor: pointer; list-style-position: outside; margin-left: 1em; }
.src-num { font-weight: 700; }
.src-title { font-weight: 600; }
.src-meta { color: var(--body-text-color-subdued); font-size: 0.9em; }
.src-quote { display: block; margin-top: 0.25em; font-style: italic; }
.src-passage { margin-top: 0.5em; white-space: normal; line-height: 1.5; }
.src-section { color: var(--body-text-color-subdued); font-size: 0.88em; }
.sources mark, .passages mark { background: #fde68a; color: #1f2937; padding: 0 2px;
                                border-radius: 3px; }
.articles, .passages, .sources { overflow-wrap: anywhere; }
.articles ul, .passages ol { padding-left: 1.1em; margin: 0; }
.articles li, .passages li { margin-bottom: 0.5em; }
.art-meta, .pass-meta { color: var(--body-text-color-subdued); font-size: 0.88em; }
.notice { color: var(--body-text-color-subdued); font-style: italic; }
#examples-row button { white-space: normal; text-align: left; }
.add-report { overflow-wrap: anywhere; font-size: 0.92em; }
.add-report ul { padding-left: 1.1em; margin: 0.2em 0; }
.add-errors li { color: var(--error-text-color, #b91c1c); }
@media (max-width: 700px) {
  #main-row { flex-direction: column; }
  #main-row > div { width: 100% !important; min-width: 0 !important; }
  #chat { min-height: 340px; }
}
"""


def esc(value: Any) -> str:
    """HTML-escaped text (quotes too): safe inside elements and attributes."""
    return html.escape("" if value is None else str(value), quote=True)


#: ASCII punctuation, which Markdown may give a meaning to, minus what html.escape turns
#: into entities (a backslash before an entity would show the entity's text).
_MARKDOWN_PUNCT = re.compile(
    "([" + re.escape("".join(c for c in string.punctuation if c not in "&<>\"'")) + "])")


def user_text(message: str) -> str:
    """The user's message for the chat, shown as typed: the Chatbot renders Markdown, so
    every punctuation mark is backslash-escaped (``**bold**`` and links stay text) and
    the HTML is escaped; indentation is dropped, since it would make a code block."""
    lines = "\n".join(line.lstrip() for line in message.splitlines())
    return esc(_MARKDOWN_PUNCT.sub(r"\\\1", lines))


def highlight(text: str, quotes: list[str]) -> str:
    """``text`` escaped, the quoted sentences wrapped in <mark>, line breaks kept."""
    out = esc(text)
    for q in sorted({q for q in quotes if q}, key=len, reverse=True):
        eq = esc(q)
        if eq in out:
            out = out.replace(eq, f"<mark>{eq}</mark>")
    return out.replace("\n", "<br>")


def render_sources(answer: Answer, lang: str = "fr") -> str:
    """The numbered sources of an answer, as one line of HTML (<details> per source)."""
    if not answer.sources:
        return ""
    t = LABELS.get(lang, LABELS["fr"])
    items = []
    for n, doc in enumerate(answer.sources, 1):
        md = doc.metadata or {}
        text = doc.page_content or ""
        title = esc(md.get("title") or md.get("article_id") or md.get("source") or "?")
        meta = []
        if md.get("published"):
            meta.append(esc(md["published"]))
        url = web_url(md.get("url"))
        if url:
            meta.append(f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">'
                        f'{t["open"]} ↗</a>')
        meta_html = f' <span class="src-meta">· {" · ".join(meta)}</span>' if meta else ""
        quotes = [q for q in answer.quotes if q and q in text]
        if quotes:
            quote_html = " … ".join(f"<mark>{esc(q)}</mark>" for q in quotes)
        else:
            short = text if len(text) <= 220 else text[:220].rsplit(" ", 1)[0] + "…"
            quote_html = esc(short)
        section = md.get("section")
        section_html = f'<div class="src-section">§ {esc(section)}</div>' if section else ""
        items.append(
            f'<details class="source" data-n="{n}"><summary>'
            f'<span class="src-num">[{n}]</span> <span class="src-title">{title}</span>'
            f'{meta_html}<span class="src-quote">« {quote_html} »</span></summary>'
            f'<div class="src-passage">{section_html}{highlight(text, quotes)}</div></details>'
        )
    return f'{SOURCES_MARK}<div class="sources-head">{t["sources"]}</div>{"".join(items)}</div>'


def answer_markdown(answer: Answer, lang: str = "fr", text: str | None = None) -> str:
    """The chat message for an answer: its text (escaped), a notice, its sources."""
    body = esc(answer.text if text is None else text)
    if answer.notice:
        body = f'<span class="notice">{esc(answer.notice)}</span>\n\n{body}'
    sources = render_sources(answer, lang)
    return f"{body}\n\n{sources}" if sources else body


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or content.get("content") or "")
    if isinstance(content, list | tuple):
        return " ".join(_content_text(c) for c in content)
    return ""


def plain_history(history: Any) -> list[dict]:
    """Chat history as [{"role", "content"}] with plain answer text (sources cut off)."""
    out: list[dict] = []
    if not isinstance(history, list | tuple):
        return out
    for msg in history:
        if isinstance(msg, dict):
            role, content = msg.get("role"), msg.get("content")
        elif isinstance(msg, list | tuple) and len(msg) == 2:  # old [user, bot] pairs
            for role, content in zip(("user", "assistant"), msg, strict=True):
                if content:
                    out.append({"role": role, "content": _content_text(content)})
            continue
        else:
            continue
        if role not in ("user", "assistant"):
            continue
        text = _content_text(content).split(SOURCES_MARK, 1)[0]
        text = html.unescape(text).strip()
        if text:
            out.append({"role": role, "content": text})
    return out


def doc_to_dict(doc: Any) -> dict:
    """A retrieved passage as a JSON-ready dict: text, title, source, score + metadata."""
    md = dict(doc.metadata or {})
    out = {k: v for k, v in md.items() if isinstance(v, str | int | float | bool) or v is None}
    out["text"] = doc.page_content
    out["title"] = md.get("title", "")
    out["source"] = md.get("source", "")
    out["score"] = float(md.get("score") or 0.0)
    return out


class ArticleList:
    """The indexed articles (title, date, language, number of passages), cached."""

    def __init__(self, assistant: Assistant):
        self.assistant = assistant
        self._rows: list[dict] | None = None
        self._lock = threading.Lock()

    def rows(self, reload: bool = False) -> list[dict]:
        with self._lock:
            if self._rows is None or reload:
                self.assistant.ensure_index()
                by_id: dict[str, dict] = {}
                for hit in self.assistant.store.passages():
                    md = hit.metadata or {}
                    aid = str(md.get("article_id") or hit.id)
                    row = by_id.setdefault(aid, {
                        "article_id": aid, "title": md.get("title") or aid,
                        "published": md.get("published") or "",
                        "language": md.get("language") or "", "passages": 0,
                    })
                    row["passages"] += 1
                self._rows = sorted(by_id.values(),
                                    key=lambda r: (str(r["published"]), str(r["title"])),
                                    reverse=True)
            return self._rows

    def html(self, lang: str, reload: bool = False) -> str:
        t = LABELS.get(lang, LABELS["fr"])
        try:
            rows = self.rows(reload)
        except Exception:
            log.exception("cannot list the indexed articles")
            return f'<div class="articles"><p>{esc(t["error"])}</p></div>'
        if not rows:
            return f'<div class="articles"><p>{esc(t["no_articles"])}</p></div>'
        items = []
        for r in rows:
            meta = [esc(x) for x in (r["published"], r["language"]) if x]
            meta.append(f'{r["passages"]} {t["n_passages"]}')
            items.append(f'<li><b>{esc(r["title"])}</b><br>'
                         f'<span class="art-meta">{" · ".join(meta)}</span></li>')
        return (f'<div class="articles"><p class="art-meta">{len(rows)} article(s)</p>'
                f'<ul>{"".join(items)}</ul></div>')


def passages_html(docs: list, lang: str) -> str:
    """The passages retrieved for the last question (escaped), best first."""
    t = LABELS.get(lang, LABELS["fr"])
    if not docs:
        return f'<div class="passages"><p>{esc(t["passages_none"])}</p></div>'
    items = []
    for doc in docs:
        md = doc.metadata or {}
        score = float(md.get("score") or 0.0)
        items.append(
            f'<li><b>{esc(md.get("title") or "?")}</b> '
            f'<span class="pass-meta">({t["score"]} {score:.2f})</span><br>'
            f'{highlight(doc.page_content or "", [])}</li>'
        )
    return f'<div class="passages"><ol>{"".join(items)}</ol></div>'


def upload_paths(files: Any) -> list[str]:
    """The paths of a gr.File payload: FileData dicts (raw payload), paths, or None."""
    if not isinstance(files, list | tuple):
        files = [files] if files else []
    paths = [str(f.get("path") or "") if isinstance(f, dict) else str(f or "") for f in files]
    return [p for p in paths if p]


class ArticleAdder:
    """The work of the "Add articles" panel: check what was given, then refresh.

    Files must be uploads (inside Gradio's upload folder) of at most
    ``settings.max_upload_bytes``; the URL box takes only http(s) addresses (so no
    server path can be slipped in), fetched under the private-address rule of
    ``settings.allow_private_urls``; pasted text is saved with :func:`save_text`.
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
            return "no such file"
        if not resolved.is_relative_to(self.upload_dir):
            return t["not_upload"]
        if resolved.suffix.lower() not in SUFFIXES:
            return f"unsupported file type '{resolved.suffix or '(none)'}' " \
                   f"(use {', '.join(SUFFIXES)})"
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
            progress: Progress | None = None) -> RefreshReport:
        """Add the uploaded ``files``, the ``urls`` (one per line) and the pasted text;
        the refresh report, with every refusal among its errors as (name, reason)."""
        t = LABELS.get(lang, LABELS["fr"])
        settings = self.assistant.settings
        limit = int(settings.max_upload_bytes)
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
        for url in (urls or "").split():
            if _WEB_URL.match(url):
                sources.append(url)
            else:
                errors.append((url[:200], t["not_url"]))
        title, text = (title or "").strip(), (text or "").strip()
        saved = False
        if text:
            size = len(text.encode("utf-8"))
            if size > limit:
                errors.append((title or t["pasted"], t["too_big"].format(size=size,
                                                                         limit=limit)))
            else:
                try:
                    save_text(title, text, Path(settings.corpus_dir))
                    saved = True
                except (SourceError, OSError) as exc:
                    errors.append((title or t["pasted"], str(exc)))
        elif title:
            errors.append((title, t["no_text"]))
        if not (files or sources or errors or saved):
            return RefreshReport(errors=[("", t["add_nothing"])])
        if not (sources or saved):
            return RefreshReport(errors=errors)
        report = self.assistant.refresh(sources or None, progress=progress)
        report.errors = errors + [(names.get(src, src), msg) for src, msg in report.errors]
        return report


def _ids(ids: list[str], titles: dict[str, str]) -> str:
    shown = ", ".join(esc(titles.get(i) or i) for i in ids[:MAX_REPORT_IDS])
    return shown + (f" … (+{len(ids) - MAX_REPORT_IDS})" if len(ids) > MAX_REPORT_IDS else "")


def report_html(report: RefreshReport, lang: str, titles: dict[str, str] | None = None) -> str:
    """What adding articles did: counts, the articles added/updated/removed (by title
    when ``titles`` maps their id to it), each error."""
    titles = titles or {}
    t = LABELS.get(lang, LABELS["fr"])
    groups = [("added", report.added), ("updated", report.updated),
              ("removed", report.removed), ("unchanged", report.unchanged)]
    colon = " :" if lang == "fr" else ":"
    parts = []
    if report.added or report.updated or report.removed or report.unchanged:
        counts = " · ".join(f"{len(ids)} {t[key]}" for key, ids in groups)
        parts.append(f'<p class="add-counts"><b>{t["add_report"]}</b>{colon} {counts}</p>')
        parts.append("<ul>" + "".join(
            f'<li class="add-{key}">{t[key]}{colon} {_ids(ids, titles)}</li>'
            for key, ids in groups[:3] if ids) + "</ul>")
    if report.errors:
        items = "".join(f"<li><b>{esc(src)}</b>{colon} {esc(msg)}</li>" if src else
                        f"<li>{esc(msg)}</li>" for src, msg in report.errors)
        parts.append(f'<p><b>{t["errors"]} ({len(report.errors)})</b></p>'
                     f'<ul class="add-errors">{items}</ul>')
    return f'<div class="add-report">{"".join(parts)}</div>'


def _lang(value: Any) -> str:
    return value if value in LABELS else "fr"


def _k(value: Any, default: int) -> int:
    try:
        k = int(value)
    except (TypeError, ValueError):
        return default
    return min(max(k, 1), MAX_K_UI)


def build_app(assistant: Assistant) -> gr.Blocks:
    """The chat page over ``assistant`` (nothing is loaded until first use)."""
    articles = ArticleList(assistant)
    feeds = FeedsPanel(assistant.settings.corpus_dir, assistant.settings.watch_every)
    adder = ArticleAdder(assistant)
    default_k = min(max(int(assistant.settings.default_k), 1), MAX_K_UI)
    t0 = LABELS["fr"]

    def header(lang: str) -> str:
        t = LABELS[lang]
        return f"# {t['title']}\n{t['intro']}"

    settings = assistant.settings
    configured = "extractive" if getattr(settings, "llm", "none") == "none" else \
        f"{settings.llm}:{getattr(settings, 'llm_model', '')}".rstrip(":")

    def mode_text(lang: str, mode: str = "", notice: str = "") -> str:
        t = LABELS[lang]
        mode = mode or configured
        shown = t["modes"] if mode == "extractive" else esc(mode)
        line = f"**{t['mode']}** : {shown}" if lang == "fr" else f"**{t['mode']}**: {shown}"
        return f"{line}\n\n_{esc(notice)}_" if notice else line

    # -- handlers ------------------------------------------------------------
    def respond(message: str, chat: list | None, history: list | None, k: Any,
                lang: Any) -> Iterator[tuple]:
        lang = _lang(lang)
        t = LABELS[lang]
        chat = list(chat or [])
        history = list(history or [])
        message = message if isinstance(message, str) else ""
        if message.strip():
            chat.append({"role": "user", "content": user_text(message)})
        chat.append({"role": "assistant", "content": t["thinking"]})
        yield "", chat, history, gr.skip(), gr.skip()
        answer = None
        try:
            for item in assistant.ask_stream(message, history):
                if isinstance(item, Answer):
                    answer = item
                elif item:
                    chat[-1] = {"role": "assistant", "content": esc(item) + " ▌"}
                    yield "", chat, history, gr.skip(), gr.skip()
                    time.sleep(0.03)
            if answer is None:
                raise RuntimeError("the answer stream ended without an answer")
        except (ValueError, TypeError) as e:
            log.warning("bad question %r: %s", message[:200], e)
            chat[-1] = {"role": "assistant", "content": esc(t["bad_input"])}
            yield "", chat, history, gr.skip(), gr.skip()
            return
        except Exception:
            log.exception("answering %r failed", message[:200])
            chat[-1] = {"role": "assistant", "content": esc(t["error"])}
            yield "", chat, history, gr.skip(), gr.skip()
            return
        if not message.strip() and not answer.sources and lang in MESSAGES:
            answer.text = MESSAGES[lang]["empty"]  # in the interface's language
        chat[-1] = {"role": "assistant", "content": answer_markdown(answer, lang)}
        if message.strip():
            history += [{"role": "user", "content": message},
                        {"role": "assistant", "content": answer.text}]
        try:
            docs = assistant.retrieve(message, _k(k, default_k), history[:-2]) \
                if message.strip() else []
            found = passages_html(docs, lang)
        except Exception:
            log.exception("retrieving passages for %r failed", message[:200])
            found = f'<div class="passages"><p>{esc(t["error"])}</p></div>'
        yield "", chat, history, found, mode_text(lang, answer.mode, answer.notice)

    def clear(lang: Any) -> tuple:
        return [], [], passages_html([], _lang(lang))

    def load_articles(lang: Any) -> str:
        return articles.html(_lang(lang))

    def reload_articles(lang: Any) -> str:
        return articles.html(_lang(lang), reload=True)

    def add_articles(files: Any, urls: str | None, title: str | None,
                     text: str | None, lang: Any,
                     progress: gr.Progress = gr.Progress()) -> tuple:  # noqa: B008
        lang = _lang(lang)
        t = LABELS[lang]
        files = upload_paths(files)
        progress(0, desc=t["add_reading"])

        def on_progress(done: int, total: int, article_id: str) -> None:
            progress((done, total), desc=f"{t['add_embedding']} · {article_id}",
                     unit="passages")

        try:
            report = adder.add(files, urls, title, text, lang, on_progress)
        except Exception:
            log.exception("adding articles failed")
            report = RefreshReport(errors=[("", t["error"])])
        finally:
            adder.discard_uploads(files)  # copied into the corpus, or refused: not needed
        # The uploads are gone, so the file box is emptied; the text inputs stay when
        # something failed, for the user to fix.
        keep = bool(report.errors)
        cleared = (None, *((gr.skip(),) * 3 if keep else ("", "", "")))
        listed = articles.html(lang, reload=True) if report.changed else gr.skip()
        try:
            titles = {r["article_id"]: str(r["title"]) for r in articles.rows()}
        except Exception:  # the list already said so; the report shows ids then
            titles = {}
        return (report_html(report, lang, titles), listed, *cleared)

    def set_language(lang: Any) -> tuple:
        lang = _lang(lang)
        t = LABELS[lang]
        return (
            header(lang),
            gr.Chatbot(label=t["chat"]),
            gr.Textbox(label=t["input"], placeholder=t["placeholder"]),
            gr.Button(value=t["send"]),
            gr.Button(value=t["clear"]),
            t["examples"],
            gr.Accordion(label=t["settings"]),
            gr.Slider(label=t["k"]),
            gr.Radio(label=t["lang"]),
            mode_text(lang),
            gr.Accordion(label=t["articles"]),
            articles.html(lang) if articles._rows is not None else gr.skip(),
            gr.Button(value=t["refresh"]),
            gr.Accordion(label=t["passages"]),
            gr.skip(),
            gr.Accordion(label=t["add"]),
            gr.File(label=t["add_files"]),
            gr.Textbox(label=t["add_urls"]),
            gr.Textbox(label=t["add_title"]),
            gr.Textbox(label=t["add_text"]),
            gr.Button(value=t["add_btn"]),
        )

    # -- API-only functions ----------------------------------------------------
    def chat_api(message: str, history: list | None = None) -> str:
        """Answer a question about the indexed articles: the answer text with [n] markers,
        then its numbered sources (HTML). ``history`` is the conversation so far as
        [{"role": "user"|"assistant", "content": str}, …]."""
        try:
            answer = assistant.ask(message if isinstance(message, str) else "",
                                   plain_history(history))
        except (ValueError, TypeError) as e:
            log.warning("bad API question: %s", e)
            return LABELS["en"]["bad_input"]
        except Exception:
            log.exception("API /chat failed")
            return LABELS["en"]["error"]
        return answer_markdown(answer, answer.language)

    def retrieve_api(question: str, k: int = 4) -> list[dict]:
        """The k (1..50) passages that best answer the question, best first, each as
        {"text", "title", "source", "score", + metadata}."""
        try:
            docs = assistant.retrieve(question, int(k) if not isinstance(k, bool) else k)
        except (ValueError, TypeError) as e:
            raise gr.Error(f"Invalid request: {e}", print_exception=False) from None
        except Exception:
            log.exception("API /retrieve failed")
            raise gr.Error(LABELS["en"]["error"], print_exception=False) from None
        return [doc_to_dict(d) for d in docs]

    # -- layout ----------------------------------------------------------------
    with gr.Blocks(title="Assistant actualités · News assistant", fill_width=True) as demo:
        history = gr.State([])
        header_md = gr.Markdown(header("fr"), elem_id="header")
        with gr.Row(equal_height=False, elem_id="main-row"):
            with gr.Column(scale=3, min_width=320):
                chatbot = gr.Chatbot(
                    label=t0["chat"], show_label=False, elem_id="chat", height=560,
                    latex_delimiters=[], buttons=["copy"], feedback_options=None, autoscroll=True,
                )
                with gr.Row(equal_height=True):
                    msg = gr.Textbox(
                        label=t0["input"], placeholder=t0["placeholder"], show_label=False,
                        lines=1, max_lines=4, scale=5, autofocus=True, elem_id="question",
                        max_length=assistant.settings.max_question_chars,
                    )
                    send = gr.Button(t0["send"], variant="primary", scale=1, min_width=90,
                                     elem_id="send")
                examples_md = gr.Markdown(t0["examples"])
                with gr.Row(elem_id="examples-row"):
                    example_buttons = [
                        gr.Button(q, size="sm", variant="secondary", min_width=150)
                        for q in EXAMPLES
                    ]
                clear_btn = gr.Button(t0["clear"], size="sm", variant="secondary",
                                      elem_id="clear")
                with gr.Accordion(t0["passages"], open=False,
                                 elem_id="passages-acc") as passages_acc:
                    found = gr.HTML(passages_html([], "fr"), elem_id="passages")
            with gr.Column(scale=1, min_width=260, elem_id="side"):
                with gr.Accordion(t0["settings"], open=True) as settings_acc:
                    lang = gr.Radio([("Français", "fr"), ("English", "en")], value="fr",
                                    label=t0["lang"], elem_id="lang")
                    k = gr.Slider(1, MAX_K_UI, value=default_k, step=1, label=t0["k"],
                                  elem_id="k")
                mode_md = gr.Markdown(mode_text("fr"), elem_id="mode")
                with gr.Accordion(t0["articles"], open=True) as articles_acc:
                    articles_box = gr.HTML(
                        f'<div class="articles"><p>{esc(t0["loading"])}</p></div>',
                        elem_id="articles",
                    )
                    refresh_btn = gr.Button(t0["refresh"], size="sm")
                    with gr.Accordion(FEEDS_TEXTS["fr"]["title"], open=False, elem_id="feeds-acc"):
                        feed_url = gr.Textbox(label=FEEDS_TEXTS["fr"]["url"], lines=1,
                                              placeholder="https://…/feed.xml", elem_id="feed-url")
                        with gr.Row():
                            feed_add = gr.Button(FEEDS_TEXTS["fr"]["add"], size="sm")
                            feed_remove = gr.Button(FEEDS_TEXTS["fr"]["remove"], size="sm")
                        feeds_box = gr.HTML(elem_id="feeds")
                with gr.Accordion(t0["add"], open=False, elem_id="add-acc") as add_acc:
                    add_files = gr.File(
                        label=t0["add_files"], file_count="multiple", type="filepath",
                        file_types=list(SUFFIXES), elem_id="add-files", height=140,
                    )
                    add_urls = gr.Textbox(label=t0["add_urls"], lines=2, max_lines=8,
                                          placeholder="https://…", elem_id="add-urls")
                    add_title = gr.Textbox(label=t0["add_title"], lines=1, max_length=300,
                                           elem_id="add-title")
                    add_text = gr.Textbox(label=t0["add_text"], lines=4, max_lines=12,
                                          elem_id="add-text")
                    add_btn = gr.Button(t0["add_btn"], variant="primary", size="sm",
                                        elem_id="add-btn")
                    add_report = gr.HTML(
                        f'<div class="add-report"><p class="art-meta">{esc(t0["add_none"])}'
                        "</p></div>", elem_id="add-report",
                    )

        ui: dict[str, Any] = {"api_visibility": "private"}
        outs = [msg, chatbot, history, found, mode_md]
        msg.submit(respond, [msg, chatbot, history, k, lang], outs, **ui)
        send.click(respond, [msg, chatbot, history, k, lang], outs, **ui)
        for b in example_buttons:
            b.click(lambda q: q, b, msg, queue=False, **ui).then(
                respond, [msg, chatbot, history, k, lang], outs, **ui)
        clear_btn.click(clear, [lang], [chatbot, history, found], queue=False, **ui)
        refresh_btn.click(reload_articles, [lang], [articles_box], **ui)
        # One refresh at a time, apart from the chat's workers: questions go on meanwhile.
        # preprocess=False: gr.File's preprocessing leaves an empty temporary file
        # behind per upload, under a name it forgets; the handler takes the raw
        # payload (uploads already checked to be in Gradio's upload folder).
        add_btn.click(add_articles, [add_files, add_urls, add_title, add_text, lang],
                      [add_report, articles_box, add_files, add_urls, add_title, add_text],
                      concurrency_limit=1, concurrency_id="add-articles",
                      show_progress_on=[add_report], preprocess=False, **ui)
        lang.change(set_language, [lang], [
            header_md, chatbot, msg, send, clear_btn, examples_md, settings_acc, k, lang,
            mode_md, articles_acc, articles_box, refresh_btn, passages_acc, found,
            add_acc, add_files, add_urls, add_title, add_text, add_btn,
        ], queue=False, **ui)
        demo.load(load_articles, [lang], [articles_box], **ui)
        # A small file's read and write: not queued behind the chat's workers.
        feed_add.click(lambda u, lg: feeds.add(u, _lang(lg)), [feed_url, lang], [feeds_box],
                       queue=False, **ui)
        feed_remove.click(lambda u, lg: feeds.remove(u, _lang(lg)), [feed_url, lang], [feeds_box],
                          queue=False, **ui)
        for event in (demo.load, lang.change):
            event(lambda lg: feeds.html(_lang(lg)), [lang], [feeds_box], **ui)

        gr.api(chat_api, api_name="chat")
        gr.api(retrieve_api, api_name="retrieve")
    return demo


def launch_options(settings: Settings | None = None) -> dict:
    """Extra keyword arguments for ``demo.launch``: the CSS and theme (Gradio 6 takes
    them there), the upload size limit (``ASSISTANT_MAX_UPLOAD_BYTES``), which Gradio
    enforces before a file is stored, the login throttle (``ASSISTANT_LOGIN_*``) and
    a login page without the API description."""
    s = settings or Settings()
    throttle = LoginThrottle(s.login_max_failures, s.login_window, s.login_backoff_max)
    return {"css": CSS, "theme": gr.themes.Soft(), "max_file_size": s.max_upload_bytes,
            "app_kwargs": {"middleware": [Middleware(LoginGuard, throttle=throttle),
                                          Middleware(LoginPageGuard)]}}
