"""Cutting an article into passages: sentence-aware, at most 600 characters.

A passage never crosses a section boundary (Markdown heading) and knows its
article, its position and its section. Its id is ``<article id>:<position>``,
so the same article always gives the same ids and a refresh is idempotent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .settings import MAX_PASSAGE_CHARS
from .sources import Article
from .text import split_sentences

#: Longest sentence a passage repeats from the one before it.
OVERLAP_CHARS = 150
_ENDED = re.compile(r"[.!?…:;»\"”’)\]]\s*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")


@dataclass(frozen=True)
class Chunk:
    """One passage of an article."""

    id: str
    article_id: str
    position: int
    text: str
    section: str
    title: str = ""
    published: str = ""

    @property
    def indexed_text(self) -> str:
        """What the search legs see (see :func:`indexed_text`)."""
        return indexed_text(self.section, self.text, self.title, self.published)


def indexed_text(section: str, text: str, title: str = "", published: str = "") -> str:
    """What the search legs see of a passage: a header with its article's title and
    date, and its section, so that a passage saying only "la start-up" or "the group"
    is still found for the name its article is about. ``page_content`` stays the
    article's own words."""
    head = " · ".join(x for x in (title, published, section) if x)
    return f"{head}\n{text}" if head else text


def chunk_id(article_id: str, position: int) -> str:
    """Deterministic id of the passage at ``position`` in an article."""
    return f"{article_id}:{position:04d}"


def _pieces(sentence: str, limit: int) -> list[str]:
    """Cut a sentence longer than ``limit`` at commas, then at spaces."""
    if len(sentence) <= limit:
        return [sentence]
    out: list[str] = []
    current = ""
    for part in re.split(r"(?<=[,;:])\s+|\s+", sentence):
        while len(part) > limit:  # a single unbroken token
            out.append(part[:limit])
            part = part[limit:]
        if current and len(current) + 1 + len(part) > limit:
            out.append(current)
            current = part
        else:
            current = f"{current} {part}".strip()
    if current:
        out.append(current)
    return out


def _sections(text: str) -> list[tuple[str, list[str], int]]:
    """Group the article's sentences by section; a heading followed by text opens
    one. Returns (section path, sentences, how many of the first are headings)."""
    path: dict[int, str] = {}
    sections: list[tuple[str, list[str], int]] = [("", [], 0)]
    pending: list[tuple[int, str]] = []  # headings not yet followed by text
    for block in re.split(r"\n\s*\n|\n(?=#)", text):
        block = block.strip()
        if not block:
            continue
        lines = block.splitlines()
        m = _HEADING.match(lines[0])
        if m:
            level, title = len(m.group(1)), m.group(2).lstrip("-• ").strip()
            path = {lv: t for lv, t in path.items() if lv < level}
            path[level] = title
            # A heading right under another ("## Trois start-up…" then "### OpenAI…")
            # is read with it: both are article text.
            pending = [(lv, t) for lv, t in pending if lv < level] + [(level, title)]
            sections.append((" › ".join(path[lv] for lv in sorted(path)), [], 0))
            lines = lines[1:]
            if not lines:
                continue
        sentences = split_sentences("\n".join(lines))
        if pending and sentences:
            # The headings are article text too (they hold facts), on lines of their own.
            name, _, _ = sections[-1]
            sections[-1] = (name, [t for _, t in pending], len(pending))
            pending = []
        sections[-1][1].extend(sentences)
    return [s for s in sections if s[1]]


def chunk_article(article: Article, max_chars: int = MAX_PASSAGE_CHARS) -> list[Chunk]:
    """Cut an article into passages of at most ``max_chars`` characters.

    Sentences are packed in order. A passage after the first of a section opens
    with the last sentence of the one before, when that sentence is short
    (``OVERLAP_CHARS``): a sentence that announces what follows ("trois
    trajectoires se dessinent.") is then found with it.
    """
    chunks: list[Chunk] = []
    for section, sentences, headed in _sections(article.text):
        current, last = "", ""
        for n, sentence in enumerate(sentences):
            # A heading, or a line with no final punctuation (a headline, a list
            # item), keeps its line: glued to the next sentence it would read as one.
            sep = "\n" if 0 < n <= headed or (last and not _ENDED.search(last)) else " "
            for piece in _pieces(sentence, max_chars):
                if current and len(current) + 1 + len(piece) > max_chars:
                    chunks.append(_make(article, len(chunks), current, section))
                    carried = last if len(last) <= OVERLAP_CHARS and last != current else ""
                    current = f"{carried} {piece}" if carried else piece
                else:
                    current = f"{current}{sep}{piece}" if current else piece
                sep = " "
                last = piece
        if current:
            chunks.append(_make(article, len(chunks), current, section))
    return chunks


def _make(article: Article, position: int, text: str, section: str) -> Chunk:
    return Chunk(chunk_id(article.id, position), article.id, position, text, section,
                 article.title, article.published)
