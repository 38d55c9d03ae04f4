"""One reader per article format, serving both files and fetched URLs, and the
registries that pick one by file suffix or by media type.

A reader takes the raw content (bytes, or text already decoded) and the page's URL
("" for a file) and returns the :class:`Extracted` text and metadata. The HTML
reader keeps what each caller always got: a file's page as plain text, a fetched
page as Markdown with its site name (trafilatura is told the URL).
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .errors import SourceError


@dataclass
class Extracted:
    """What a reader found: the text, and the metadata it could tell."""

    text: str
    meta: dict = field(default_factory=dict)


def decode(data: bytes | str) -> str:
    """Text of a file: UTF-8, else Latin-1; binary data refused."""
    if isinstance(data, str):
        return data
    if b"\x00" in data[:8192]:
        raise SourceError("binary file, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_text(data: bytes | str, url: str = "") -> Extracted:
    """Plain text, as it is; its first line is its title when it reads as a headline
    (short, no closing stop, text after it), and a date on one of its first lines (a
    dateline, "Aberdeen, 2 April 2025.") its date. (Before, a saved news page's
    title was its file name and it had no date: a new user's trial.)"""
    text = decode(data)
    lines = [line.strip() for line in text.splitlines() if line.strip()][:DATELINE_LINES]
    meta = {}
    if (len(lines) > 1 and len(lines[0]) <= HEADLINE_CHARS and len(lines[0].split()) >= 2
            and not lines[0].endswith((".", ",", ";", ":"))):
        meta["title"] = lines[0]
    for line in lines:  # a line of its own, not a paragraph's event date
        if len(line) <= DATELINE_CHARS and (found := dateline(line)):
            meta["published"] = found
            break
    return Extracted(text, meta)


HEADLINE_CHARS = 200
DATELINE_LINES = 4
DATELINE_CHARS = 100
#: A day, a month's name and a year ("2 April 2025", "1er mars 2025", "March 3,
#: 2025"), or an ISO date: a bare year is no date.
_DATE = re.compile(r"\b\d{1,2}(?:er)?\s+[^\W\d_]{3,9}\.?,?\s+((?:19|20)\d{2})\b"
                   r"|\b[^\W\d_]{3,9}\.?\s+\d{1,2},?\s+((?:19|20)\d{2})\b"
                   r"|\b((?:19|20)\d{2})-\d{2}-\d{2}\b")


def dateline(line: str) -> str:
    """The date a line gives (YYYY-MM-DD, read by htmldate), or ""."""
    m = _DATE.search(line)
    if not m:
        return ""
    from htmldate import find_date  # trafilatura's own date reader

    found = find_date(f"<html><body><p>{html.escape(m.group(0))}</p></body></html>",
                      extensive_search=True, outputformat="%Y-%m-%d")
    year = next(g for g in m.groups() if g)
    return found if found and found.startswith(year) else ""


def read_html(data: bytes | str, url: str = "") -> Extracted:
    """The main text of a web page (trafilatura), its title, date, URL and, for a
    fetched page, its site name."""
    import trafilatura

    if not url:
        text = trafilatura.extract(data, include_comments=False, include_tables=False) or ""
        found = trafilatura.extract_metadata(data)
        if found is None:
            return Extracted(text)
        return Extracted(text, {"title": found.title or "", "published": found.date or "",
                                "url": found.url or ""})
    text = trafilatura.extract(data, url=url, output_format="markdown",
                               include_comments=False, include_tables=False) or ""
    found = trafilatura.extract_metadata(data, default_url=url)
    if found is None:
        return Extracted(text)
    return Extracted(text, {"title": found.title or "", "published": found.date or "",
                            "outlet": _site_name(data, found.title or "", found.sitename or "",
                                                 url)})


_TITLE_TAG = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _site_name(data: bytes | str, title: str, sitename: str, url: str) -> str:
    """The site's name: trafilatura's, unless it is only the page's host, then the
    part of the page's <title> after its headline ("… | The Coastal Herald"): a new
    user's pages were all credited to "127.0.0.1:56909"."""
    if sitename and sitename not in (urlsplit(url).netloc, urlsplit(url).hostname):
        return sitename
    raw = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    m = _TITLE_TAG.search(raw[:200_000])
    whole = html.unescape(re.sub(r"\s+", " ", m.group(1))).strip() if m else ""
    rest = whole[len(title):] if title and whole.startswith(title) else ""
    suffix = re.match(r"\s*[|\-–—:·]\s*(\S.{0,60})$", rest)
    return suffix.group(1).strip() if suffix else sitename


def read_pdf(data: bytes | str, url: str = "") -> Extracted:
    """The text of every page of a PDF (pypdf), pages apart."""
    from pypdf import PdfReader

    raw = data.encode("latin-1") if isinstance(data, str) else data
    reader = PdfReader(io.BytesIO(raw))
    return Extracted("\n\n".join((page.extract_text() or "") for page in reader.pages))


Reader = Callable[[bytes | str, str], Extracted]

#: Readers by file suffix (Markdown's front matter is read by the caller, on text).
BY_SUFFIX: dict[str, Reader] = {
    ".md": read_text, ".markdown": read_text, ".txt": read_text,
    ".html": read_html, ".htm": read_html, ".pdf": read_pdf,
}


def suffix_refusal(suffix: str) -> str:
    """Why a file with this suffix is not read ("" if it is): one line naming the
    suffixes that are (the same words for the CLI and the web panel)."""
    if suffix.lower() in BY_SUFFIX:
        return ""
    return f"unsupported file type '{suffix or '(none)'}' (use {', '.join(BY_SUFFIX)})"


def by_media_type(content_type: str) -> Reader | None:
    """The reader of a fetched response's media type (an HTML page when unsaid)."""
    if "html" in content_type or not content_type:
        return read_html
    if content_type.startswith("text/"):
        return read_text
    if content_type == "application/pdf":
        return read_pdf
    return None
