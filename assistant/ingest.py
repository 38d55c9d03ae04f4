"""Adding articles to the corpus folder from local files, web pages and feeds.

The corpus folder stays the single source of truth: every source becomes one
Markdown file with front matter (title, language, published, url, outlet) named
``<article-id>.md``; indexing reads it from there. An article already in the
corpus (same URL, or same text once normalised) is not written again.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

from .errors import source_line
from .fetch import Fetched, FetchError, fetch
from .metadata import NearCopies, file_key, fingerprint, normalise_url, text_hash
from .readers import Reader, by_media_type, read_html, read_pdf, read_text, suffix_refusal
from .saving import write_article
from .sources import (
    MAX_FILE_BYTES,
    Article,
    SourceError,
    corpus_files,
    load_article,
    parse_front_matter,
    slugify,
    without_heading,
)
from .text import clean, detect_language, words

log = logging.getLogger(__name__)

#: At most this many entries of one feed are fetched.
MAX_FEED_ENTRIES = 50
#: A web page whose extracted text is shorter than this is not an article: trafilatura
#: falls back to whatever text a page has (a menu, a consent banner, a login wall).
MIN_PAGE_WORDS = 20
#: Front-matter key of the link an article was fetched from, when it redirected to ``url``.
LINK_KEY = "link"
#: Front-matter key set only on articles fetched from their URL (the time of the fetch).
#: Only those count as "already indexed" for a URL: a file that merely claims a URL in its
#: front matter must not block the real article from being fetched.
FETCHED_KEY = "fetched"
#: Front-matter key of an article added from a file: a fingerprint of the file's full
#: path (not the path itself), so that adding the same file again after editing it
#: updates its article instead of adding a second one beside it.
FILE_KEY = "added_from"
_FEED_TYPES = ("rss", "atom", "xml")
#: A response validator and the request header that sends it back.
_CONDITIONAL = (("etag", "If-None-Match"), ("last-modified", "If-Modified-Since"))
_URL_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_BOILERPLATE = re.compile(
    r"\bcookies?\b.*\b(accept|accepter|consent|refuser|refuse|paramétrer|settings)", re.I
)
# One writer at a time per process: choosing a free id and writing it must not interleave.
_write_lock = threading.Lock()


@dataclass
class IngestResult:
    """What :func:`ingest` did.

    ``saved``: ids of the articles written or already present (in source order);
    ``added``: the subset newly written; ``errors``: (source, message) pairs;
    ``skipped``: (source, message) pairs of the sources not written because another
    article of the corpus has their text or nearly (the message names it);
    ``present``: ids of the sources already in the corpus as themselves (the same file
    or address), not written again, or rewritten when their text changed.
    """

    saved: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    present: list[str] = field(default_factory=list)


class Stored(NamedTuple):
    """What storing an article did: its id, whether it was newly written, and why
    another article already stored stands for it ("" when none does)."""

    aid: str
    new: bool
    duplicate: str = ""


class _Corpus:
    """What the corpus folder already holds: ids, article URLs and text hashes."""

    def __init__(self, corpus_dir: Path):
        self.dir = corpus_dir
        self.ids: set[str] = set()
        self.urls: dict[str, str] = {}
        self.hashes: dict[str, str] = {}
        self.current: dict[str, str] = {}  # article id → hash of the text it holds now
        self.files: dict[str, str] = {}
        self.near = NearCopies()
        for path in corpus_files(corpus_dir):
            aid = slugify(path.stem)
            self.ids.add(aid)
            try:
                article = load_article(path)
            except SourceError as exc:
                log.warning("corpus file %s unreadable: %s", path.name, exc)
                continue
            self._remember(article)

    def _remember(self, article: Article, aid: str = "") -> None:
        aid = aid or article.id
        text = article.text
        self.ids.add(aid)
        if article.extra.get(FETCHED_KEY):
            for u in (article.url, str(article.extra.get(LINK_KEY) or "")):
                if u:
                    self.urls.setdefault(normalise_url(u), aid)
        if text:
            self.current[aid] = digest = text_hash(text)
            self.hashes.setdefault(digest, aid)
            self.near.add(aid, fingerprint(text))
        if article.extra.get(FILE_KEY):
            self.files[str(article.extra[FILE_KEY])] = aid

    def by_url(self, *urls: str) -> str | None:
        """The id of the article stored under any of ``urls``, if any."""
        for url in urls:
            if url and (aid := self.urls.get(normalise_url(url))):
                return aid
        return None

    def find(self, article: Article) -> tuple[str, str] | None:
        """(id, "the same address" or "the same text") of an article already stored
        with the URL or the text of ``article`` (:meth:`store` also finds one with
        nearly the same text)."""
        if aid := self.by_url(article.url):
            return aid, "the same address"
        if aid := self.hashes.get(text_hash(article.text)):
            return aid, "the same text"
        return None

    def update(self, aid: str, article: Article) -> Stored:
        """Rewrite stored article ``aid`` with a new fetch of its page, if its text
        changed."""
        with _write_lock:
            return self._rewrite(aid, article, "its page changed")

    def _rewrite(self, aid: str, article: Article, why: str) -> Stored:
        """Write ``article`` over stored article ``aid`` unless it holds that text
        already (caller holds the write lock)."""
        if self.current.get(aid) != text_hash(article.text):
            write_article(self.dir, aid, article)
            self._remember(article, aid)
            log.info("updated %s: %s", aid, why)
        return Stored(aid, False)

    def store(self, article: Article, edits: bool = False) -> Stored:
        """Write ``article`` unless an article already stored has its URL or (nearly)
        its text; with ``edits`` (pasted text), nearly the text of the article of the
        same title is an edit of it, written over it."""
        with _write_lock:
            own = self.files.get(str(article.extra.get(FILE_KEY) or ""))
            if found := self.find(article):
                aid, same = found
                # The same file again, unchanged, is its own article: no duplicate.
                return Stored(aid, False, "" if aid == own else same)
            if own and (self.dir / f"{own}.md").exists():
                # The same file again, edited: its article is updated, not doubled.
                return self._rewrite(own, article, "its file was edited")
            copied = self.near.find(fingerprint(article.text))
            if copied and edits and copied == slugify(article.id or article.title):
                # pasted again, corrected: a new user's fix was "already indexed"
                return self._rewrite(copied, article, "its text was edited")
            if copied:  # nearly the same text (another format, a few lines more or less)
                return Stored(copied, False, "nearly the same text")
            base = slugify(article.id or article.title)
            aid, n = base, 1
            while aid in self.ids or (self.dir / f"{aid}.md").exists():
                n += 1
                aid = f"{base[:76]}-{n}"
            write_article(self.dir, aid, article)
            self._remember(article, aid)
            return Stored(aid, True)


def _strip_boilerplate(text: str, title: str) -> str:
    """Drop a leading heading repeating the title and stray cookie-consent lines."""
    lines = [clean(line) for line in text.splitlines()]
    lines = [line for line in lines if not (len(line) < 200 and _BOILERPLATE.search(line))]
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(without_heading(lines, title)).strip()


def _check_local_file(path: Path) -> None:
    """Refuse what is not an article file before parsing it, with a clear reason."""
    if not path.exists():
        raise SourceError(f"{path.name}: no such file")
    if not path.is_file():
        raise SourceError(f"{path.name}: not a file")
    suffix = path.suffix.lower()
    if suffix_refusal(suffix):
        raise SourceError(f"{path.name}: {suffix_refusal(suffix)}")
    size = path.stat().st_size
    if size == 0:
        raise SourceError(f"{path.name}: empty file")
    if size > MAX_FILE_BYTES:
        raise SourceError(f"{path.name}: {size} bytes, over the {MAX_FILE_BYTES} byte limit")
    with path.open("rb") as f:
        head = f.read(8192)
    if suffix == ".pdf":
        if not head.startswith(b"%PDF-"):
            raise SourceError(f"{path.name}: not a PDF file")
        return
    controls = sum(b < 32 and b not in (9, 10, 12, 13) for b in head)
    if b"\x00" in head or controls > len(head) // 10:
        raise SourceError(f"{path.name}: binary file, not text")


def _ingest_file(source: str, corpus: _Corpus, result: IngestResult) -> None:
    path = Path(source).expanduser()
    _check_local_file(path)
    if path.resolve().parent == corpus.dir.resolve():
        aid = slugify(path.stem)
        log.info("%s is already in the corpus folder", path.name)
        result.saved.append(aid)
        result.present.append(aid)  # (the web panel says "already indexed")
        return
    article = load_article(path)
    article.source = ""
    # A file's own claims of where it came from are not trusted (see FETCHED_KEY).
    article.extra.pop(FETCHED_KEY, None)
    article.extra.pop(LINK_KEY, None)
    article.extra[FILE_KEY] = file_key(path)
    _record(corpus.store(article), result, source)


def _record(stored: Stored, result: IngestResult, source: str = "", *,
            quiet: bool = False) -> None:
    """Note what storing ``source``'s article did; a source another article stands for
    is skipped, with a warning (unless ``quiet``: a feed's entry, polled again and again)."""
    aid, new, duplicate = stored
    result.saved.append(aid)
    if new:
        result.added.append(aid)
    elif duplicate:
        why = f"{duplicate} as article '{aid}', already in the corpus: not added"
        result.skipped.append((source, why))
        log.log(logging.INFO if quiet else logging.WARNING, "%s", source_line(source, why))
    else:
        result.present.append(aid)
        log.info("already in the corpus: %s", aid)


def _looks_like_feed(fetched: Fetched) -> bool:
    if "html" in fetched.content_type:  # before "xml": application/xhtml+xml is a page
        return False
    if any(t in fetched.content_type for t in _FEED_TYPES):
        return True
    head = fetched.content[:2048].lstrip().lower()
    return head.startswith(b"<?xml") or b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


def _entry_date(entry) -> str:
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if value:
            return time.strftime("%Y-%m-%d", value)
    return ""


#: The feed entry's fields a page's reader may fall back on (as it always did: a
#: plain-text page takes only the entry's title).
_HINTED: dict[Reader, tuple[str, ...]] = {
    read_html: ("title", "published", "outlet"), read_text: ("title",),
    read_pdf: ("title", "published")}


def _page_article(fetched: Fetched, hint: dict[str, str]) -> Article:
    """The article of a fetched page (HTML, plain text or PDF); SourceError if none."""
    url = fetched.url
    reader = by_media_type(fetched.content_type)
    if reader is None:
        raise SourceError(f"unsupported content type '{fetched.content_type}'")
    try:
        found = reader(fetched.text if reader is read_text else fetched.content, url)
    except Exception as exc:
        if reader is not read_pdf:
            raise
        # pypdf's own parse errors: report, keep going
        raise SourceError(f"unreadable PDF ({exc.__class__.__name__}: {exc})") from exc
    body = found.text
    # What the feed entry said, where the page itself says nothing.
    hinted = {k: hint.get(k, "") for k in _HINTED[reader]}
    title, published, outlet = (found.meta.get(k) or hinted.get(k, "")
                                for k in ("title", "published", "outlet"))
    if hinted.get("outlet") and outlet in (urlsplit(url).netloc, urlsplit(url).hostname):
        outlet = hinted["outlet"]  # the page named no site (only its host): the feed's name
    title = clean(title or "")
    body = _strip_boilerplate(body, title)
    if len(words(body)) < MIN_PAGE_WORDS:
        raise SourceError("no article text found in the page")
    if not title:
        tail = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
        title = re.sub(r"\.\w+$", "", tail).replace("-", " ").replace("_", " ") or body[:60]
    return Article(
        id=slugify(title), title=title, text=body,
        language=detect_language(body[:2000]), published=str(published or ""),
        url=url, outlet=clean(outlet or ""),
    )


def _ingest_url(url: str, corpus: _Corpus, result: IngestResult, *, allow_private: bool,
                timeout: float, max_bytes: int, in_feed: bool = False,
                hint: dict[str, str] | None = None) -> None:
    # A feed's entries already stored are not fetched again (polling stays cheap); a
    # page the user adds again is: its article is updated if the page changed.
    known = corpus.by_url(url)
    if known and in_feed:
        _record(Stored(known, False), result)
        return
    fetched = fetch(url, allow_private=allow_private, timeout=timeout, max_bytes=max_bytes)
    known = known or corpus.by_url(fetched.url)  # or a redirect to an article stored
    if known and in_feed:
        _record(Stored(known, False), result)
        return
    if _looks_like_feed(fetched):
        if in_feed:
            raise SourceError("a feed inside a feed, not an article")
        _ingest_feed(fetched, corpus, result, allow_private=allow_private, timeout=timeout,
                     max_bytes=max_bytes)
        return
    article = _page_article(fetched, hint or {})
    if normalise_url(url) != normalise_url(fetched.url):
        # The link redirected (a feed's tracking link, a moved page): remember it too,
        # so that the next refresh of the feed knows the entry without fetching it.
        article.extra[LINK_KEY] = url
    article.extra[FETCHED_KEY] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    _record(corpus.update(known, article) if known else corpus.store(article), result, url,
            quiet=in_feed)


def _ingest_feed(fetched: Fetched, corpus: _Corpus, result: IngestResult, *,
                 allow_private: bool, timeout: float, max_bytes: int,
                 max_new: int | None = None, stop: Callable[[], bool] | None = None) -> int:
    """Store the feed's entries not in the corpus yet; at most ``max_new`` of them are
    fetched, none once ``stop()`` is true. Returns how many new entries were left."""
    import feedparser

    parsed = feedparser.parse(fetched.content,
                              response_headers={"content-type": fetched.content_type})
    entries = parsed.entries
    if not entries:
        if parsed.bozo:
            reason = getattr(parsed, "bozo_exception", "") or "not well-formed"
            raise SourceError(f"malformed feed ({reason})")
        raise SourceError("feed has no entries")
    outlet = clean(parsed.feed.get("title", "") or "")
    if len(entries) > MAX_FEED_ENTRIES:
        log.warning("%s: %d entries, only the first %d are read", fetched.url, len(entries),
                    MAX_FEED_ENTRIES)
    fetched_new = left = 0
    for entry in entries[:MAX_FEED_ENTRIES]:
        link = (entry.get("link") or "").strip()
        if not link:
            result.errors.append((fetched.url, f"entry '{entry.get('title', '?')}' has no link"))
            continue
        link = urljoin(fetched.url, link)
        known = corpus.by_url(link)
        if known:  # already stored: never fetched again
            _record(Stored(known, False), result)
            continue
        if (max_new is not None and fetched_new >= max_new) or (stop is not None and stop()):
            left += 1
            continue
        fetched_new += 1
        hint = {"title": entry.get("title", ""), "published": _entry_date(entry),
                "outlet": outlet}
        try:
            _ingest_url(link, corpus, result, allow_private=allow_private, timeout=timeout,
                        max_bytes=max_bytes, in_feed=True, hint=hint)
        except (FetchError, SourceError, OSError) as exc:
            result.errors.append((link, str(exc)))
    return left


def ingest(sources: list[str], corpus_dir: Path, *, allow_private: bool = False,
           timeout: float = 15.0, max_bytes: int = 5_000_000) -> IngestResult:
    """Add each source (file path, web page URL or RSS/Atom feed URL) to the corpus folder.

    Never raises for a bad source: its (source, message) goes to ``errors`` and
    the others go on. Articles already in the corpus (same URL or same text) are
    reported in ``saved`` under their existing id and not written again.
    """
    corpus_dir = Path(corpus_dir)
    result = IngestResult()
    corpus = _Corpus(corpus_dir)
    for source in sources:
        s = (source or "").strip() if isinstance(source, str) else ""
        if not s:
            result.errors.append((str(source), "empty source"))
            continue
        try:
            if _URL_RE.match(s):
                _ingest_url(s, corpus, result, allow_private=allow_private, timeout=timeout,
                            max_bytes=max_bytes)
            else:
                _ingest_file(s, corpus, result)
        except (FetchError, SourceError, OSError) as exc:
            result.errors.append((s, str(exc)))
        except Exception as exc:  # a parser's unexpected failure must not stop the others
            log.exception("ingesting %s failed", s)
            result.errors.append((s, f"failed ({exc.__class__.__name__}: {exc})"))
    for source, message in result.errors:
        log.warning("%s", source_line(source, message))
    return result


@dataclass
class FeedPoll:
    """What one conditional poll of a feed did: ``status`` 304 = unchanged (nothing
    else read); ``validators`` to send next time; ``left``: new entries not fetched
    yet (over the cap, or stopped), for the next poll."""

    url: str
    status: int
    validators: dict[str, str] = field(default_factory=dict)
    result: IngestResult = field(default_factory=IngestResult)
    left: int = 0


def poll_feed(url: str, corpus_dir: Path, *, validators: dict[str, str] | None = None,
              max_new: int | None = None, stop: Callable[[], bool] | None = None,
              allow_private: bool = False, timeout: float = 15.0,
              max_bytes: int = 5_000_000) -> FeedPoll:
    """Fetch a feed with a conditional GET (``validators`` from the last poll: ETag,
    Last-Modified) and store its entries not in the corpus yet (see ``_ingest_feed``).

    Raises FetchError / SourceError when the feed itself cannot be read; an entry's
    error goes to ``result.errors`` and the others go on.
    """
    known = validators or {}
    conditional = {header: known[key] for key, header in _CONDITIONAL if known.get(key)}
    fetched = fetch(url, allow_private=allow_private, timeout=timeout, max_bytes=max_bytes,
                    conditional=conditional)
    poll = FeedPoll(url, fetched.status, fetched.validators)
    if fetched.status == 304:
        return poll
    if not _looks_like_feed(fetched):
        raise SourceError("not an RSS/Atom feed")
    poll.left = _ingest_feed(fetched, _Corpus(Path(corpus_dir)), poll.result,
                             allow_private=allow_private, timeout=timeout,
                             max_bytes=max_bytes, max_new=max_new, stop=stop)
    return poll


def save_text(title: str, text: str, corpus_dir: Path, *, url: str = "", published: str = "",
              language: str = "") -> str:
    """Save pasted text as an article; return its id (an existing one if already stored).

    Pasted text that starts with a front-matter block gives its title, date, URL and
    language (unless passed here) and the block itself is not part of the text.
    Raises SourceError when the text is empty or too large.
    """
    meta, raw = parse_front_matter(text or "")
    meta = meta or read_text(raw).meta  # plain text: its headline and dateline, as a .txt
    title = title or str(meta.get("title") or "")
    url = url or str(meta.get("url") or "")
    published = published or str(meta.get("published") or "")
    language = language or str(meta.get("language") or "")
    body = "\n".join(clean(line) for line in raw.splitlines()).strip()
    if not body:
        raise SourceError("no text to save")
    if len(body.encode("utf-8")) > MAX_FILE_BYTES:
        raise SourceError(f"text over the {MAX_FILE_BYTES} byte limit")
    title = clean(title or "") or clean(body.splitlines()[0])[:80]
    # its first line, when it is the title, is no sentence of the text (a new user's
    # headline was quoted, run into the next sentence)
    body = _strip_boilerplate(body, title) or body
    article = Article(
        id=slugify(title), title=title, text=body,
        language=language or detect_language(body[:2000]),
        published=published, url=url.strip(),
    )
    return _Corpus(Path(corpus_dir)).store(article, edits=True).aid
