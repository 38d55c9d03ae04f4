"""Pure renderers: answers, sources, passages, article lists and reports as HTML or
Markdown. No Gradio, no I/O: every function maps values to text.

Every piece of article text is HTML-escaped before it is put into the page.
"""

from __future__ import annotations

import html
import re
import string
from typing import TYPE_CHECKING, Any

from ..errors import bare_message
from ..metadata import web_url
from .labels import LABELS, MAX_REPORT_IDS, counted, counted_word
from .messages import localized

if TYPE_CHECKING:
    from ..answer import Answer
    from ..indexing import RefreshReport

#: The sources block starts with this; it is cut off before history goes back to ask().
SOURCES_MARK = '<div class="sources">'


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


#: A line that opens on "2026." or "92)": Markdown reads an ordered list item.
_LIST_START = re.compile(r"^(\s*\d+)([.)])(?=\s|$)")


def answer_markdown(answer: Answer, lang: str = "fr", text: str | None = None) -> str:
    """The chat message for an answer: its text (escaped), a notice, its sources.
    An answer opening on the item asked for ("2026. D'après l'article…") is not made
    a numbered list: a new user saw "2026." hang outside the message, unselectable."""
    body = _LIST_START.sub(r"\1\\\2", esc(answer.text if text is None else text))
    if answer.notice:
        body = f'<span class="notice">{esc(answer.notice)}</span>\n\n{body}'
    sources = render_sources(answer, lang)
    return f"{body}\n\n{sources}" if sources else body


def content_text(content: Any) -> str:
    """The text of a chat message's content (a string, a part, or a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or content.get("content") or "")
    if isinstance(content, list | tuple):
        return " ".join(content_text(c) for c in content)
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
                    out.append({"role": role, "content": content_text(content)})
            continue
        else:
            continue
        if role not in ("user", "assistant"):
            continue
        text = content_text(content).split(SOURCES_MARK, 1)[0]
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


def articles_html(rows: list[dict] | None, lang: str) -> str:
    """The indexed articles (title, date, language, passages); ``None``: unreadable."""
    t = LABELS.get(lang, LABELS["fr"])
    if rows is None:
        return f'<div class="articles"><p>{esc(t["error"])}</p></div>'
    if not rows:
        return f'<div class="articles"><p>{esc(t["no_articles"])}</p></div>'
    items = []
    for r in rows:
        meta = [esc(x) for x in (r["published"], r["language"]) if x]
        meta.append(counted(int(r["passages"]), "passage", lang))
        items.append(f'<li><b>{esc(r["title"])}</b><br>'
                     f'<span class="art-meta">{" · ".join(meta)}</span></li>')
    return (f'<div class="articles"><p class="art-meta">{counted(len(rows), "article", lang)}</p>'
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


def _ids(ids: list[str], titles: dict[str, str]) -> str:
    shown = ", ".join(esc(titles.get(i) or i) for i in ids[:MAX_REPORT_IDS])
    return shown + (f" … (+{len(ids) - MAX_REPORT_IDS})" if len(ids) > MAX_REPORT_IDS else "")


def report_html(report: RefreshReport, lang: str, titles: dict[str, str] | None = None) -> str:
    """What adding articles did: counts, the articles added/updated/removed (by title
    when ``titles`` maps their id to it), what was already indexed, each error.

    The counts are about what was given: the corpus's other articles, unchanged, are
    not counted (a failed address read as "1 unchanged"), and a failure is counted
    as one."""
    titles = titles or {}
    t = LABELS.get(lang, LABELS["fr"])
    colon = " :" if lang == "fr" else ":"
    already = list(getattr(report, "already", []))  # an AddReport's (see handlers)
    failed = len({src for src, _ in report.errors if src})
    groups = [("added", report.added), ("updated", report.updated),
              ("removed", report.removed)]
    parts = []
    if report.changed or already or failed:
        counts = [(key, len(ids)) for key, ids in groups]
        counts += [("already", len(already)), ("failed", failed)]
        shown = " · ".join(counted(n, key, lang) for key, n in counts if n or key == "added")
        parts.append(f'<p class="add-counts"><b>{t["add_report"]}</b>{colon} {shown}</p>')
        items = [f'<li class="add-{key}">{counted_word(len(ids), key, lang)}{colon} '
                 f'{_ids(ids, titles)}</li>' for key, ids in groups if ids]
        if already:
            items.append(f'<li class="add-already">{counted_word(len(already), "already", lang)}'
                         f'{colon} {_ids(already, titles)}</li>')
        parts.append(f'<ul>{"".join(items)}</ul>' if items else "")
    elif report.unchanged and not report.errors:  # given, read, and nothing new in it
        parts.append(f'<p class="add-counts">{esc(t["nothing_new"])}</p>')
    if report.errors:
        parts.append(refusals_html(report.errors, lang))
    return f'<div class="add-report">{"".join(parts)}</div>'


def refusals_html(errors: list[tuple[str, str]], lang: str) -> str:
    """The errors of adding articles, one line each: the source named once, then the
    reason in the page's language."""
    t = LABELS.get(lang, LABELS["fr"])
    colon = " :" if lang == "fr" else ":"
    items = "".join(
        f"<li><b>{esc(src)}</b>{colon} {esc(localized(bare_message(src, msg), lang))}</li>"
        if src else f"<li>{esc(localized(msg, lang))}</li>" for src, msg in errors)
    return (f'<p><b>{t["errors"]} ({len(errors)})</b></p>'
            f'<ul class="add-errors">{items}</ul>')


def note_html(text: str) -> str:
    """A short note beside the chat (the status line), escaped; "" for none."""
    return f'<p class="chat-note">{esc(text)}</p>' if text else ""


def header(lang: str) -> str:
    """The page's title and introduction (Markdown)."""
    t = LABELS[lang]
    return f"# {t['title']}\n{t['intro']}"


def mode_text(lang: str, configured: str, mode: str = "", notice: str = "") -> str:
    """The answer mode line (Markdown): ``mode`` of the last answer, else ``configured``;
    a notice (e.g. why the LLM was not used) under it."""
    t = LABELS[lang]
    mode = mode or configured
    shown = t["modes"] if mode == "extractive" else esc(mode)
    line = f"**{t['mode']}** : {shown}" if lang == "fr" else f"**{t['mode']}**: {shown}"
    return f"{line}\n\n_{esc(notice)}_" if notice else line
