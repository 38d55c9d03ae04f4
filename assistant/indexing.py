"""Keeping the index in step with the corpus folder, re-embedding only what changed.

Each passage carries its article's content hash. An article whose passages are
all present, in every vector space, with the current hash is left alone; a
changed article has its passages replaced; an article gone from the corpus has
its passages deleted. Writes are upserts by deterministic id, then deletion of
leftover ids, so a refresh killed midway is completed by the next one.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.embeddings import Embeddings

from .chunking import Chunk, chunk_article
from .metadata import NearCopies, date_span, fingerprint, normalise_url, text_hash, web_url
from .readers import suffix_refusal
from .sources import (
    Article,
    SourceError,
    corpus_files,
    load_article,
    slugify,
    unsupported_files,
)
from .store import Store

log = logging.getLogger(__name__)
#: Passages embedded per model call (whole articles are grouped up to about this).
EMBED_BATCH = 256

#: progress(passages_done, passages_total, article_id)
Progress = Callable[[int, int, str], None]


@dataclass
class RefreshReport:
    """What a refresh did, by article id; ``errors`` holds (source, message) pairs,
    ``skipped`` those of the sources not stored because an article of the corpus
    already has their text (the message names it)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    passages_embedded: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: The ids of the sources given to ``refresh`` that the corpus already held as
    #: themselves (the same file or address): unchanged or updated.
    present: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when the index was modified."""
        return bool(self.added or self.updated or self.removed)


#: Bumped when chunk_metadata gains fields or articles are cut differently: passages
#: of an older version are re-indexed.
META_VERSION = 7  # 7: the article's key names in each passage's header

def index_hash(article: Article, chunks: list[Chunk]) -> str:
    """What an article's passages were made of: its content and how it was cut. A
    new chunker that cuts an article differently re-embeds that article only (the
    others keep their vectors)."""
    joined = "\x00".join([article.content_hash, *(f"{c.id}\x01{c.indexed_text}" for c in chunks)])
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()  # exact: line breaks count


def chunk_metadata(article: Article, chunk: Chunk, n_chunks: int, digest: str = "") -> dict:
    """Metadata stored with a passage (Chroma accepts only scalar values).
    ``digest``: :func:`index_hash` of the article's passages (default: its content's).

    ``published_min``/``published_max`` bound the publication day as ``YYYYMMDD``
    numbers (absent when the date is unknown), for date-range filters.
    """
    span = date_span(article.published)
    url = web_url(article.url)
    return {
        "article_id": article.id,
        "title": article.title,
        # Never the server's absolute path: the article's web address or its file name.
        "source": url or Path(article.source).name,
        "url": url,
        "published": article.published,
        "language": article.language,
        "outlet": article.outlet,
        "chunk_id": chunk.id,
        "position": chunk.position,
        "section": chunk.section,
        "names": chunk.names,
        "article_hash": digest or article.content_hash,
        "n_chunks": n_chunks,
        "meta_version": META_VERSION,
    } | ({"published_min": span[0], "published_max": span[1]} if span else {})


# "[7]", "[2, 9]", "[source 3]": in an article, these would read as the answer's own
# citation markers once a sentence is quoted; stored as "(7)" they stay plain text.
_FAKE_MARKER = re.compile(r"\[((?:(?:passages?|sources?)\s*)?\d+(?:\s*[,;]\s*\d+)*\s*)\]",
                          re.IGNORECASE)


def defang(text: str) -> str:
    """Passage text as stored: citation-like brackets of the article become parentheses."""
    return _FAKE_MARKER.sub(r"(\1)", text)


class Indexer:
    """Embeds articles' passages into a :class:`Store`, skipping unchanged ones.

    ``origin`` names the corpus folder the articles come from; it is recorded with
    each passage. In a ``shared`` store (a Chroma server used by several processes,
    each with its own corpus folder) a sync removes only articles of its own origin.
    """

    def __init__(self, store: Store, embedders: dict[str, Embeddings], chunk_chars: int,
                 *, origin: str = "", shared: bool = False):
        self.store = store
        self.embedders = embedders
        self.chunk_chars = chunk_chars
        self.origin = origin
        self.shared = shared

    def _index_state(self) -> dict[str, tuple[set[str], set[str], int, str]]:
        """article id → (its ids, its hashes, expected count, origin), over every space."""
        ids: dict[str, set[str]] = defaultdict(set)
        hashes: dict[str, set[str]] = defaultdict(set)
        counts: dict[str, int] = {}
        origins: dict[str, str] = {}
        per_space = [self.store.metadatas(key) for key in self.store.spaces]
        primary = per_space[0]
        for cid, meta in primary.items():
            aid = str(meta.get("article_id", ""))
            ids[aid].add(cid)
            current = meta.get("meta_version") == META_VERSION  # else: redo, new fields
            hashes[aid].add(str(meta.get("article_hash", "")) if current else "")
            counts[aid] = int(meta.get("n_chunks", -1))
            origins[aid] = str(meta.get("corpus", ""))
        for other in per_space[1:]:
            for cid, meta in other.items():
                aid = str(meta.get("article_id", ""))
                if cid not in primary:  # stray vector from an interrupted write
                    ids[aid].add(cid)
                    hashes[aid].add("")
                else:  # a write killed between spaces leaves the old hash in one of them
                    hashes[aid].add(str(meta.get("article_hash", "")))
        for aid in ids:
            if any(set(ids[aid]) - set(o) for o in per_space[1:]):
                hashes[aid].add("")  # a space misses some passages: redo the article
        return {aid: (ids[aid], hashes[aid], counts.get(aid, -1), origins.get(aid, ""))
                for aid in ids}

    def sync(self, articles: list[Article], *, keep: set[str] | None = None,
             progress: Progress | None = None, report: RefreshReport | None = None,
             prune: bool = True) -> RefreshReport:
        """Make the index hold exactly ``articles`` (plus ``keep`` ids, left untouched)."""
        report = report or RefreshReport()
        state = self._index_state()
        todo: list[tuple[Article, list[Chunk]]] = []
        digests: dict[str, str] = {}  # index_hash of each article, worked out once
        for article in articles:
            chunks = chunk_article(article, self.chunk_chars)
            digests[article.id] = index_hash(article, chunks)
            have = state.get(article.id)
            if have and have[1] == {digests[article.id]} and have[2] == len(chunks) and (
                have[0] == {c.id for c in chunks}
            ):
                report.unchanged.append(article.id)
            else:
                todo.append((article, chunks))
        total = sum(len(c) for _, c in todo)
        again = [len(chunks) for a, chunks in todo if a.id in state]  # their passages
        if len(again) > 1:  # a setting that cuts passages differently re-embeds them all
            log.warning("re-embedding %d indexed articles (%d passages): their text or how "
                        "they are cut (ASSISTANT_CHUNK_CHARS) changed", len(again), sum(again))
        done = 0
        for batch in _batches(todo, EMBED_BATCH):
            # One encode call for several articles: a call per article (often a
            # handful of passages) left the models' batching unused (measured
            # +72% over bare encode on 199 passages).
            texts = [c.indexed_text for _, chunks in batch for c in chunks]
            vectors = {key: emb.embed_documents(texts) for key, emb in self.embedders.items()}
            self._write(batch, state, vectors, digests)
            for article, chunks in batch:
                (report.updated if article.id in state else report.added).append(article.id)
                done += len(chunks)
                report.passages_embedded += len(chunks)
                if progress:
                    progress(done, total, article.id)
        if prune:
            wanted = {a.id for a in articles} | (keep or set())
            for aid, (ids, _, _, origin) in state.items():
                if aid not in wanted and (not self.shared or origin == self.origin):
                    self.store.delete(sorted(ids))
                    report.removed.append(aid)
        return report

    def _write(self, batch: list[tuple[Article, list[Chunk]]], state: dict,
               vectors: dict[str, list[list[float]]], digests: dict[str, str]) -> None:
        """Store a batch's passages (one upsert per space), then drop each article's
        passages that its new version no longer has."""
        pairs = [(a, c) for a, chunks in batch for c in chunks]
        metas = [chunk_metadata(a, c, len(chunks), digests[a.id]) | {"corpus": self.origin}
                 for a, chunks in batch for c in chunks]
        self.store.upsert([c.id for _, c in pairs], [defang(c.text) for _, c in pairs], metas,
                          vectors)
        for article, chunks in batch:
            old_ids = state[article.id][0] if article.id in state else set()
            self.store.delete(sorted(old_ids - {c.id for c in chunks}))
            log.info("indexed %s (%d passages)", article.id, len(chunks))


def _batches(todo: list[tuple[Article, list[Chunk]]],
             size: int) -> Iterator[list[tuple[Article, list[Chunk]]]]:
    """Whole articles grouped until a group holds about ``size`` passages."""
    batch: list[tuple[Article, list[Chunk]]] = []
    count = 0
    for item in todo:
        batch.append(item)
        count += len(item[1])
        if count >= size:
            yield batch
            batch, count = [], 0
    if batch:
        yield batch


def load_corpus(corpus_dir: Path, report: RefreshReport) -> tuple[list[Article], set[str]]:
    """Read every article of the corpus folder.

    Returns the articles read and the ids of files that could not be read (their
    passages already in the index must be kept, not deleted); errors go to ``report``.
    """
    articles: dict[str, Article] = {}
    unreadable: set[str] = set()
    seen: dict[str, Article] = {}  # "url:…" / "text:…" → the first article with it
    near = NearCopies()  # nearly the same text: the .txt scrape beside a cleaned .md
    loaded: list[tuple[Path, Article]] = []
    for path in unsupported_files(corpus_dir):
        # Said at every refresh while the file is there: it was put there to be read.
        report.errors.append((str(path), f"{suffix_refusal(path.suffix)}: not indexed"))
    for path in corpus_files(corpus_dir):
        try:
            loaded.append((path, load_article(path)))
        except SourceError as exc:
            report.errors.append((str(path), str(exc)))
            unreadable.add(slugify(path.stem))
    # Of two copies of one article, the one that knows its date is kept (stable: else
    # the first file).
    loaded.sort(key=lambda pa: not pa[1].published)
    for path, article in loaded:
        if article.id in articles:
            report.errors.append(
                (str(path), f"same article id '{article.id}' as {articles[article.id].source}")
            )
            continue
        # The same article saved twice (copied by hand, or as .html and .md) is indexed once.
        keys = {"text": f"text:{text_hash(article.text)}"}
        if article.url:
            keys["URL"] = f"url:{normalise_url(article.url)}"
        first = next(((what, seen[k]) for what, k in keys.items() if k in seen), None)
        prints = fingerprint(article.text)
        if first is None and (copied := near.find(prints)) is not None:
            first = ("nearly the same text", articles[copied])
        if first:
            what = first[0] if first[0].startswith("nearly") else f"same {first[0]}"
            report.errors.append((str(path), f"{what} as {Path(first[1].source).name}: "
                                             "indexed once, under that file"))
            continue
        seen.update({k: article for k in keys.values()})
        near.add(article.id, prints)
        articles[article.id] = article
    return list(articles.values()), unreadable
