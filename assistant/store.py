"""The passage store: the only module that talks to Chroma.

One Chroma collection per vector space ("dense" = the sentence-transformers
model, "multi" = the multilingual leg), cosine distance, the same ids and
metadata in each. Every collection records the model that made its vectors;
opening it with another model raises :class:`IndexMismatch` instead of mixing
vector spaces.
"""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import chromadb
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import NotFoundError

from .errors import AssistantError, InvalidRequest

log = logging.getLogger(__name__)

#: The name of a segment's vector folder in an embedded index (a UUID).
_SEGMENT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

#: Key of the collection metadata that changes on every write (see Store.version).
MODIFIED = "modified"
#: Passages per read or delete: SQLite binds at most 32,766 variables per statement.
PAGE = 5000


class IndexMismatch(AssistantError, RuntimeError):
    """The index was built with another embedding model."""


class IndexCorrupt(AssistantError, RuntimeError):
    """The index files cannot be read (damaged or half-written)."""


# What SQLite says of a file that is not, or no longer, a database, and what Chroma
# says of damaged vector segment files (HNSW header.bin / data_level0.bin / link lists).
_CORRUPT = ("file is not a database", "malformed", "error loading hnsw", "hnsw segment",
            "error reading hnsw", "failed to load", "index file", "segment reader",
            "error constructing hnsw")


def is_corrupt(exc: BaseException) -> bool:
    """True when ``exc`` says the index files are damaged (not busy, not misconfigured)."""
    chroma = isinstance(exc, chromadb.errors.ChromaError) or (
        type(exc).__name__ == "PanicException"  # raised by Chroma's Rust core
    )
    return isinstance(exc, IndexCorrupt) or (
        chroma and any(m in str(exc).lower() for m in _CORRUPT)
    )


@dataclass(frozen=True)
class Space:
    """A vector space: the model that makes its vectors and their length."""

    key: str
    model: str
    dimension: int


@dataclass
class Hit:
    """A passage found by a query; ``score`` is cosine similarity (higher is better)."""

    id: str
    text: str
    metadata: dict[str, Any]
    score: float


def connect(url: str, *, token: str = "", tenant: str = chromadb.DEFAULT_TENANT,
            database: str = chromadb.DEFAULT_DATABASE) -> Any:
    """A client of the Chroma server at ``url`` (``http[s]://host[:port]``)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise InvalidRequest(f"Chroma server URL must look like http://host:port, not {url!r}")
    ssl = parts.scheme == "https"
    # Chroma servers read the token from either header, depending on their configuration.
    headers = {"Authorization": f"Bearer {token}", "X-Chroma-Token": token} if token else None
    return chromadb.HttpClient(
        host=parts.hostname, port=parts.port or (443 if ssl else 80), ssl=ssl, headers=headers,
        settings=ChromaSettings(anonymized_telemetry=False), tenant=tenant, database=database,
    )


def _forget_failed_client(path: Path) -> None:
    # Chroma caches one client system per folder, even one whose start failed; the
    # next client of that folder would get the broken one. Drop it if nobody uses it.
    from chromadb.api.shared_system_client import SharedSystemClient as Shared

    if not Shared._identifier_to_refcount.get(str(path)):
        Shared._identifier_to_system.pop(str(path), None)


class Store:
    """Passages with their vectors and metadata, in Chroma.

    ``path`` is the folder of an embedded (persistent) Chroma; ``client`` may be
    given instead (e.g. an ``HttpClient`` for a Chroma server).
    """

    def __init__(self, name: str, spaces: list[Space], *, path: Path | None = None,
                 client: Any = None):
        if client is None:
            if path is None:
                raise ValueError("Store needs a path or a client")
            path.mkdir(parents=True, exist_ok=True)
            try:
                client = chromadb.PersistentClient(
                    path=str(path), settings=ChromaSettings(anonymized_telemetry=False)
                )
            except BaseException as exc:  # Chroma's Rust panics are BaseExceptions
                _forget_failed_client(path)
                if is_corrupt(exc):
                    raise IndexCorrupt(f"the index in {path} cannot be read: {exc}") from exc
                raise
        self.client = client
        self.name = name
        self.spaces = {s.key: s for s in spaces}
        self.primary = spaces[0].key
        self._collections: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.path = path
        self._batches = 0
        self._unannounced = False

    def _collection_name(self, key: str) -> str:
        return self.name if key == self.primary else f"{self.name}-{key}"

    def collection(self, key: str) -> Any:
        """The Chroma collection of a space, created on first use, model checked."""
        with self._lock:
            col = self._collections.get(key)
            if col is None:
                space = self.spaces[key]
                col = self.client.get_or_create_collection(
                    self._collection_name(key),
                    metadata={"embedding_model": space.model, "dimension": space.dimension},
                    configuration={"hnsw": {"space": "cosine"}},
                    embedding_function=None,
                )
                meta = col.metadata or {}
                if (meta.get("embedding_model"), meta.get("dimension")) != (
                    space.model, space.dimension,
                ):
                    raise IndexMismatch(
                        f"The index was built with {meta.get('embedding_model')} "
                        f"({meta.get('dimension')} dimensions), not {space.model} "
                        f"({space.dimension}). Run `python -m assistant refresh --rebuild` "
                        "to rebuild it with the new model."
                    )
                self._collections[key] = col
            return col

    def exists(self) -> bool:
        """True when the primary collection exists (even if empty)."""
        names = {getattr(c, "name", c) for c in self.client.list_collections()}
        return self._collection_name(self.primary) in names

    def count(self) -> int:
        """Number of passages."""
        return int(self.collection(self.primary).count())

    def version(self) -> tuple[str, str, int]:
        """Changes whenever the passages change, also when another process sharing
        the Chroma server changed them: (collection id, change marker, count)."""
        try:
            col = self.client.get_collection(self._collection_name(self.primary),
                                             embedding_function=None)
        except NotFoundError:
            col = None
        with self._lock:
            cached = self._collections.get(self.primary)
            if cached is not None and (col is None or cached.id != col.id):
                self._collections.clear()  # dropped or rebuilt by another process
        if col is None:
            return ("", "", 0)
        return (str(col.id), str((col.metadata or {}).get(MODIFIED, "")), int(col.count()))

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group writes: the change marker (a slow write) is stamped once, at the end."""
        self._batches += 1
        try:
            yield
        finally:
            self._batches -= 1
            if not self._batches and self._unannounced:
                self._changed()

    def _changed(self) -> None:
        # A new marker tells processes sharing this store that the passages changed.
        self._unannounced = bool(self._batches)
        if not self._batches:
            col = self.collection(self.primary)
            col.modify(metadata={**(col.metadata or {}), MODIFIED: uuid.uuid4().hex})

    def upsert(self, ids: list[str], texts: list[str], metadatas: list[dict],
               vectors: dict[str, list[list[float]]]) -> None:
        """Insert or replace passages; ``vectors`` has one list per space."""
        if not ids:
            return
        for key in self.spaces:
            self.collection(key).upsert(
                ids=ids, documents=texts, metadatas=metadatas, embeddings=vectors[key]
            )
        self._changed()

    def delete(self, ids: list[str]) -> None:
        """Remove passages by id (missing ids are ignored)."""
        if ids:
            for key in self.spaces:
                for start in range(0, len(ids), PAGE):
                    self.collection(key).delete(ids=ids[start : start + PAGE])
            self._changed()

    def metadatas(self, key: str | None = None) -> dict[str, dict]:
        """Every passage id with its metadata, for one space."""
        out: dict[str, dict] = {}
        for got in self._pages(key or self.primary, None, ["metadatas"]):
            out.update(zip(got["ids"], got["metadatas"] or [], strict=False))
        return out

    def passages(self, where: dict | None = None) -> list[Hit]:
        """Every passage (text and metadata), optionally filtered."""
        return [
            Hit(i, d or "", m or {}, 0.0)
            for got in self._pages(self.primary, where, ["documents", "metadatas"])
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=False)
        ]

    def by_ids(self, ids: list[str]) -> list[Hit]:
        """The passages (text and metadata) of these ids, in no particular order;
        unknown ids are left out. A lookup by Chroma's own key: at 100,000 passages
        20 of them took 9-16 ms, against 72-79 ms with ``where={"chunk_id": {"$in":
        ids}}``, which filters the metadata."""
        col = self.collection(self.primary)
        out: list[Hit] = []
        for start in range(0, len(ids), PAGE):
            got = col.get(ids=ids[start : start + PAGE], include=["documents", "metadatas"])
            out.extend(Hit(i, d or "", m or {}, 0.0) for i, d, m in
                       zip(got["ids"], got["documents"], got["metadatas"], strict=False))
        return out

    def _pages(self, key: str, where: dict | None, include: list[str]) -> Iterator[Any]:
        """A collection's passages read in pages: one ``get`` of everything fails
        past SQLite's 32,766 bound variables (about 32,000 passages)."""
        col = self.collection(key)
        offset = 0
        while True:
            got = col.get(where=where or None, include=include,  # type: ignore[arg-type]
                          limit=PAGE, offset=offset)
            yield got
            if len(got["ids"]) < PAGE:
                return
            offset += PAGE

    def query(self, key: str, vector: list[float], k: int, where: dict | None = None, *,
              with_text: bool = True) -> list[Hit]:
        """The ``k`` passages nearest to ``vector`` in a space, best first.

        ``with_text=False`` returns ids and scores only (empty text and metadata):
        three times faster, for callers that hold the passages already.
        """
        # Chroma returns fewer than n_results when the collection is smaller (or empty).
        res = self.collection(key).query(
            query_embeddings=[vector], n_results=k, where=where or None,
            include=["documents", "metadatas", "distances"] if with_text else ["distances"],
        )
        ids, dists = res["ids"][0], res["distances"][0]
        texts = res["documents"][0] if with_text else [""] * len(ids)
        metas = res["metadatas"][0] if with_text else [{}] * len(ids)
        return [
            Hit(i, d or "", dict(m or {}), 1.0 - float(dist))
            for i, d, m, dist in zip(ids, texts, metas, dists, strict=False)
        ]

    def close(self) -> None:
        """Release the Chroma client (an embedded index's files can then be moved)."""
        with self._lock:
            self._collections.clear()
        close = getattr(self.client, "close", None)
        if close is not None:
            close()

    def reset(self) -> None:
        """Delete every collection of this store (for a rebuild)."""
        with self._lock:
            for key in self.spaces:
                try:
                    self.client.delete_collection(self._collection_name(key))
                except Exception:  # absent collection: nothing to delete
                    log.debug("no collection %s to delete", self._collection_name(key))
            self._collections.clear()
            self._sweep()

    def _sweep(self) -> None:
        """Remove the vector folders no segment of an embedded index names any more:
        Chroma (1.5.9) leaves a deleted collection's folder behind
        (chroma-core/chroma#1309), so every rebuild left a copy of the vectors."""
        if self.path is None or not (self.path / "chroma.sqlite3").exists():
            return
        try:
            with contextlib.closing(sqlite3.connect(
                    f"file:{self.path / 'chroma.sqlite3'}?mode=ro", uri=True)) as db:
                live = {str(row[0]) for row in db.execute("SELECT id FROM segments")}
        except sqlite3.Error as exc:  # another layout: leave the folders alone
            log.warning("stale vector folders not removed: %s", exc)
            return
        for folder in self.path.iterdir():
            if folder.is_dir() and _SEGMENT.fullmatch(folder.name) and folder.name not in live:
                shutil.rmtree(folder, ignore_errors=True)
                log.info("removed the stale vector folder %s", folder.name)
