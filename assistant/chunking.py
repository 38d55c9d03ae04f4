"""Cutting an article into passages: sentence-aware, at most 600 characters.

A passage never crosses a section boundary (Markdown heading) and knows its
article, its position and its section. Its id is ``<article id>:<position>``,
so the same article always gives the same ids and a refresh is idempotent.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .lexical import STOP
from .scoring import GENERIC, NAME
from .settings import MAX_PASSAGE_CHARS
from .sources import Article
from .text import fold, split_sentences

#: How many of its article's most frequent names a passage's header carries. A
#: passage that says "he" or "the council" is then found for the name its article
#: is about, though its title does not hold it (a title names a "council payments
#: manager", its article "Northmoor" and "Pettifer"). The number was chosen on the
#: dev corpus's tuning half (recall@3 3 names 0.859, 6 names 0.848, 10 names 0.848,
#: none 0.836); test half 0.863 → 0.877, keywords 0.573 → 0.591.
KEY_NAMES = 3

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
    names: str = ""

    @property
    def indexed_text(self) -> str:
        """What the search legs see (see :func:`indexed_text`)."""
        return indexed_text(self.section, self.text, self.title, self.published,
                            self.names)


def indexed_text(section: str, text: str, title: str = "", published: str = "",
                 names: str = "") -> str:
    """What the search legs see of a passage: a header with its article's title, its
    article's key names (:func:`key_names`) and date, and its section, so that a
    passage saying only "la start-up" or "the group" is still found for the name its
    article is about. ``page_content`` stays the article's own words."""
    head = " · ".join(x for x in (title, names, published, section) if x)
    return f"{head}\n{text}" if head else text


def key_names(text: str, top: int = KEY_NAMES) -> list[str]:
    """An article's most frequent names: capitalised words seen at least twice away
    from a sentence's start, common words and generic nouns left out."""
    seen: Counter[str] = Counter()
    for sentence in split_sentences(text):
        for m in NAME.finditer(sentence):
            word = re.sub(r"['’]s$", "", m.group(0))  # "Quillon's" counts as "Quillon"
            if m.start() > 0 and fold(word) not in STOP and fold(word) not in GENERIC:
                seen[word] += 1
    return [w for w, n in seen.most_common(top) if n >= 2]


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


#: A plain-text heading: a short line with no closing stop (a closing bracket is no
#: stop: "- OpenAI, leader (20 milliards levés)"), of two words or more.
_PLAIN_HEADING = re.compile(r"^(?=\S)(?=(?:\S+\s+)+\S)[^\n]{3,120}(?<![.!?…:;»\"”,])$")
_ITEM = re.compile(r"^[-•–*]\s+")
#: A line this long is a whole paragraph (text saved one paragraph per line).
PARAGRAPH_LINE = 200


def mark_headings(text: str) -> str:
    """Plain text's headings marked as Markdown ones ("## ", list items "### "), so
    that they open sections and are never read as the start of the next sentence.

    Text with Markdown headings is left alone. Elsewhere a heading is a short line
    with no closing stop that stands as a block of its own (blank lines around), or
    any such line in text saved one paragraph per line (no blank lines, most of
    the text in long lines), as scraped pages often are. A line of a hard-wrapped paragraph
    is neither. Each line becomes a paragraph of its own."""
    if re.search(r"(?m)^#{1,6}\s", text):
        return text
    lines = [line.strip() for line in text.splitlines()]
    full = [line for line in lines if line]
    long_chars = sum(len(x) for x in full if len(x) >= PARAGRAPH_LINE)
    by_line = "" not in lines and long_chars * 2 >= sum(len(x) for x in full)
    # the next line with text after each line (None after the last one): one pass
    following: list[int | None] = [None] * len(lines)
    for n in range(len(lines) - 2, -1, -1):
        following[n] = n + 1 if lines[n + 1] else following[n + 1]

    def heading(n: int) -> bool:
        alone = (n == 0 or not lines[n - 1]) and (n + 1 == len(lines) or not lines[n + 1])
        return bool(lines[n] and following[n] is not None and (alone or by_line)
                    and _PLAIN_HEADING.match(lines[n]))

    out: list[str] = []
    for n, line in enumerate(lines):
        after = following[n]
        # A headline right before a heading of its rank or above heads nothing: the
        # headline of another article in the page ("À lire aussi"), kept as a line.
        if heading(n) and not (after is not None and heading(after) and (
                _ITEM.match(line) or not _ITEM.match(lines[after]))):
            level = "###" if _ITEM.match(line) else "##"
            line = f"{level} {_ITEM.sub('', line)}"
        out.append(line)
    return "\n\n".join(x for x in out if x) if by_line else "\n".join(out)


def _sections(text: str) -> list[tuple[str, list[str], int]]:
    """Group the article's sentences by section; a heading followed by text opens
    one. Returns (section path, sentences, how many of the first are headings)."""
    text = mark_headings(text)
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
    names = " ".join(key_names(article.text))
    for section, sentences, headed in _sections(article.text):
        current, last = "", ""
        for n, sentence in enumerate(sentences):
            # A heading, or a line with no final punctuation (a headline, a list
            # item), keeps its line: glued to the next sentence it would read as one.
            sep = "\n" if 0 < n <= headed or (last and not _ENDED.search(last)) else " "
            for piece in _pieces(sentence, max_chars):
                if current and len(current) + 1 + len(piece) > max_chars:
                    chunks.append(_make(article, len(chunks), current, section, names))
                    carried = last if len(last) <= OVERLAP_CHARS and last != current else ""
                    current = f"{carried} {piece}" if carried else piece
                else:
                    current = f"{current}{sep}{piece}" if current else piece
                sep = " "
                last = piece
        if current:
            chunks.append(_make(article, len(chunks), current, section, names))
    return chunks


def _make(article: Article, position: int, text: str, section: str, names: str) -> Chunk:
    return Chunk(chunk_id(article.id, position), article.id, position, text, section,
                 article.title, article.published, names)
