"""One reader per article format, serving both files and fetched URLs, and the
registries that pick one by file suffix or by media type.

A reader takes the raw content (bytes, or text already decoded) and the page's URL
("" for a file) and returns the :class:`Extracted` text and metadata. The HTML
reader keeps what each caller always got: a file's page as plain text, a fetched
page as Markdown with its site name (trafilatura is told the URL).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field

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
    """Plain text, as it is."""
    return Extracted(decode(data))


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
                            "outlet": found.sitename or ""})


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
