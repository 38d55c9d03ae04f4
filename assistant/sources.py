"""Articles: reading them from the corpus folder (the single source of truth).

An article file is Markdown with YAML front matter (suggested), plain text,
HTML (main text extracted with trafilatura) or PDF (pypdf). The file name,
without its extension, is the article id.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import SourceError
from .metadata import date_span
from .readers import BY_SUFFIX, dateline, decode, read_pdf, read_text
from .text import ENGLISH_HINTS, FRENCH_HINTS, clean, detect_language, words

log = logging.getLogger(__name__)

#: The article files read (one reader per format, see readers.py).
SUFFIXES = tuple(BY_SUFFIX)
MAX_FILE_BYTES = 20_000_000


@dataclass
class Article:
    """One article: its text (Markdown headings allowed) and its metadata."""

    id: str
    title: str
    text: str
    language: str = ""
    published: str = ""
    url: str = ""
    outlet: str = ""
    source: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        """Hash of everything that ends up in the index; unchanged hash = no re-embedding."""
        h = hashlib.sha256()
        for part in (self.title, self.language, self.published, self.url, self.outlet, self.text):
            h.update(part.encode("utf-8"))
            h.update(b"\x00")
        return h.hexdigest()[:32]


def slugify(text: str, max_len: int = 80) -> str:
    """A file-name-safe id made of lowercase ASCII letters, digits and dashes."""
    from .text import fold

    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return slug[:max_len].strip("-") or "article"


_FM_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.M)
#: Front matter larger than this is refused: a few fields of metadata never need more,
#: and a bound keeps a hostile header from costing time or memory.
MAX_FRONT_MATTER_BYTES = 16_000
#: Longest value of a known field (title, language, published, url, outlet).
MAX_FIELD_CHARS = 2_000
_KNOWN_FIELDS = ("title", "language", "published", "url", "outlet")


def split_front_matter(raw: str) -> tuple[str | None, str]:
    """(the YAML header, the body) of a Markdown text; (None, raw) if it has no header.

    A header is only a first block: the text's first line is ``---`` and the header
    ends at the next line that is ``---`` or ``...`` (or, with none, at the first
    blank line when every line before it is a plain ``key: value`` line). Everything
    after that line is the body, whatever ``---`` lines it holds (thematic breaks,
    setext headings, tables).
    """
    text = raw.lstrip("\ufeff")
    first, sep, rest = text.partition("\n")
    if first.rstrip() != "---" or not sep:
        return None, raw
    close = _FM_CLOSE.search(rest)
    if close is None:  # no closing line: its "key: value" lines up to a blank line
        head, blank, body = rest.partition("\n\n")
        return (head, body) if blank and head.strip() and _plain_lines(head) else (None, raw)
    body = rest[close.end():]
    return rest[:close.start()], body[1:] if body.startswith("\n") else body


def _refuse_aliases(head: str) -> None:
    """YAML anchors and aliases can expand a few bytes into gigabytes: refuse them."""
    for event in yaml.parse(head, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise SourceError("front matter uses YAML anchors or aliases, which are refused")


def _checked_meta(meta: dict) -> dict:
    """Known fields as short strings; extra fields kept only as scalars or lists of them."""
    out: dict = {}
    for key, value in meta.items():
        key = str(key)
        if key in _KNOWN_FIELDS:
            if value is not None and not isinstance(value, (str, int, float, datetime.date)):
                raise SourceError(f"front matter field '{key}' must be a single value")
            value = "" if value is None else str(value)
            if len(value) > MAX_FIELD_CHARS:
                raise SourceError(
                    f"front matter field '{key}' is over {MAX_FIELD_CHARS} characters")
        elif isinstance(value, list):
            value = [v for v in value if isinstance(v, (str, int, float, bool))]
        elif not isinstance(value, (str, int, float, bool, datetime.date)) and value is not None:
            log.warning("front matter field '%s' dropped: not a plain value", key)
            continue
        out[key] = value
    return out


def parse_front_matter(raw: str) -> tuple[dict, str]:
    """(metadata, body) of a Markdown text with optional YAML front matter.

    Raises SourceError for a header that is not a small, plain YAML mapping.
    """
    head, body = split_front_matter(raw)
    if head is None:
        return {}, raw
    if len(head.encode("utf-8")) > MAX_FRONT_MATTER_BYTES:
        raise SourceError(f"front matter over {MAX_FRONT_MATTER_BYTES} bytes")
    try:
        _refuse_aliases(head)
        meta = yaml.safe_load(head) or {}
    except SourceError:
        raise
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: "2025-13-45" as a date
        meta = _plain_lines(head)  # "title: Grêle : la cave…" is no YAML, yet plain
        if meta is None:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or exc.__class__.__name__
            raise SourceError(f"front matter is not valid YAML ({problem}{where})") from exc
    if not isinstance(meta, dict):
        raise SourceError("front matter is not a mapping of keys to values")
    return _checked_meta(meta), body


_PLAIN_LINE = re.compile(r"([A-Za-z_][\w-]*):[ \t]*(.*)")


def _plain_lines(head: str) -> dict | None:
    """A header written as plain ``key: value`` lines, each value the rest of its line
    (a French title holds " : ", which YAML reads as a second mapping); None when a
    line is not such a line."""
    meta = {}
    for line in head.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _PLAIN_LINE.fullmatch(line.rstrip())
        if m is None or m.group(2)[:1] in "[{&*!|>%@`":  # YAML's own syntax, broken
            return None
        value = m.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        meta[m.group(1)] = value
    return meta


#: Running text is at least this share of function words ("the", "de", "and"…):
#: our 40 article files read 0.275–0.413, a server log or a CSV file 0.0.
PROSE_SHARE = 0.08
_TOKEN = re.compile(r"[^\W\d_][\w'-]*")
_HINTS = FRENCH_HINTS | ENGLISH_HINTS


def reads_as_prose(text: str) -> bool:
    """Does ``text`` read as running text rather than a log or a table? (A text of
    under 40 words is not judged.)"""
    tokens = _TOKEN.findall(text.lower().replace("’", "'"))
    if len(tokens) < 40:
        return True
    return sum(t in _HINTS for t in tokens) >= PROSE_SHARE * len(tokens)


def load_article(path: Path) -> Article:
    """Read one article file; raises SourceError with a clear reason if it cannot."""
    if not path.is_file():
        raise SourceError(f"{path.name}: not a file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise SourceError(f"{path.name}: {size} bytes, over the {MAX_FILE_BYTES} byte limit")
    suffix = path.suffix.lower()
    reader = BY_SUFFIX.get(suffix, read_text)
    try:
        data = path.read_bytes()
        found = reader(data if reader is read_pdf else decode(data), "")  # text files: decoded
        meta, body = found.meta, found.text
        if suffix in (".md", ".markdown"):
            meta, body = parse_front_matter(body)
    except SourceError as exc:
        raise SourceError(f"{path.name}: {exc}") from exc
    except Exception as exc:  # a library's own parse error: report it, keep going
        reason = " ".join(str(exc).split())  # one line, whatever the library said
        raise SourceError(f"{path.name}: unreadable ({exc.__class__.__name__}: {reason})") from exc
    body = "\n".join(clean(line) for line in body.splitlines()).strip()
    if reader is read_text and suffix not in (".md", ".markdown"):
        # a plain text's headline is its title, not a sentence of it (a new user's
        # .txt headline was quoted as the first sentence of an answer)
        body = "\n".join(without_heading(body.split("\n"), str(meta.get("title") or ""))
                         ).strip() or body
    if not body:
        raise SourceError(f"{path.name}: no text in it")
    if not reads_as_prose(body):
        raise SourceError(f"{path.name}: no running French or English text (a log, a table, "
                          "another language?), not added")
    known = {"title", "language", "published", "url", "outlet"}
    title = str(meta.get("title") or "").strip() or path.stem.replace("-", " ").replace("_", " ")
    return Article(
        id=slugify(path.stem),
        title=clean(title),
        text=body,
        language=str(meta.get("language") or "") or detect_language(body[:2000]),
        published=_published(str(meta.get("published") or ""), path.name),
        url=str(meta.get("url") or ""),
        outlet=str(meta.get("outlet") or ""),
        source=str(path),
        extra={k: v for k, v in meta.items() if k not in known},
    )


def without_heading(lines: list[str], title: str) -> list[str]:
    """``lines`` without a first line that repeats ``title`` (its words, "#" aside)."""
    if lines and title and words(lines[0].lstrip("#")) == words(title):
        return lines[1:]
    return lines


def _published(value: str, name: str) -> str:
    """A front matter's date as written when it is one ("2024-11", "2024-11-28…"),
    else read as a dateline ("28 novembre 2024" → "2024-11-28"); "" and a warning
    for no date ("2025-13-45" was shown as "the latest figure dates from 2025-13-45")."""
    if not value or date_span(value) is not None:
        return value
    found = "" if re.match(r"\s*\d{4}[-/.]", value) else dateline(value)
    if not found:
        log.warning("%s: published %r is not a date: left out", name, value)
    return found


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Article files of the corpus folder, in a stable order."""
    return [p for p in _visible_files(corpus_dir) if p.suffix.lower() in SUFFIXES]


def unsupported_files(corpus_dir: Path) -> list[Path]:
    """Files of the corpus folder that no reader reads."""
    return [p for p in _visible_files(corpus_dir) if p.suffix.lower() not in SUFFIXES]


def _visible_files(corpus_dir: Path) -> list[Path]:
    """The corpus folder's files, sorted; hidden ones (the assistant's own state
    files start with a dot) left out."""
    if not corpus_dir.is_dir():
        return []
    return sorted(p for p in corpus_dir.iterdir() if p.is_file() and not p.name.startswith("."))
