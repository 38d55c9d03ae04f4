"""The BM25 index saved next to the passage store, so that a process loads it
instead of rebuilding it.

Rebuilding means reading every passage from Chroma and stemming it: 29–34 s at
100,000 passages (benchmarks/README.md, "Query latency at scale"); loading the
saved arrays (memory-mapped) takes well under a second. Each saved index is
named by the store's version stamp (:meth:`assistant.store.Store.version`:
collection id, change marker, count), so an index saved for another state of
the store — before another process's refresh, or for a collection rebuilt or
set aside after damage — is never loaded: the reader rebuilds and saves anew.

Layout: ``<root>/<stamp key>/`` holds bm25s's own files plus ``terms.json``
(passage ids and document frequencies).
A save writes into a temporary folder and renames it into place, so readers
never see half an index, and two processes saving the same state keep one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

import bm25s

from .lexical import Analyzer, LexicalIndex

log = logging.getLogger(__name__)

TERMS = "terms.json"
#: A temporary save folder older than this was left by a process that died.
ABANDONED_SECONDS = 3600


def stamp_key(version: tuple) -> str:
    """The folder name for a store version stamp."""
    return hashlib.sha256(json.dumps(list(version)).encode()).hexdigest()[:24]


def load(root: Path, version: tuple, analyzer: Analyzer) -> LexicalIndex | None:
    """The index saved for exactly this store ``version``, or None (none saved,
    or unreadable: the caller rebuilds it)."""
    folder = root / stamp_key(version)
    if not (folder / TERMS).is_file():
        return None
    try:
        terms = json.loads((folder / TERMS).read_text(encoding="utf-8"))
        ids = terms["ids"]
        # mmap: the score arrays stay in the page cache, shared by every process
        # serving this index, instead of a private copy each.
        bm25 = bm25s.BM25.load(folder, mmap=True, show_progress=False) if ids else None
    except (OSError, ValueError, KeyError) as exc:
        log.warning("the saved BM25 index %s is unreadable (%s): rebuilding it", folder, exc)
        shutil.rmtree(folder, ignore_errors=True)  # so that the rebuilt one is saved
        return None
    if bm25 is None:
        return LexicalIndex(analyzer, [], [], [])
    return LexicalIndex.restore(analyzer, ids, bm25, terms["df"])


def save(index: LexicalIndex, root: Path, version: tuple) -> None:
    """Save ``index`` as the one for store ``version`` and remove older ones.
    Failures are logged, not raised: a process can always rebuild."""
    folder = root / stamp_key(version)
    if folder.exists():
        return  # another process saved this state already
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".saving-", dir=root))
        if index.ids:
            index.bm25.save(tmp, show_progress=False)
        (tmp / TERMS).write_text(json.dumps({"ids": index.ids, "df": index.df}),
                                 encoding="utf-8")
        try:
            os.rename(tmp, folder)
        except OSError:  # saved meanwhile by another process
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:
        log.warning("could not save the BM25 index in %s: %s", root, exc)
        return
    for old in root.iterdir():
        # Older states go (a process still reading one keeps its memory map, which
        # outlives the files), and saves abandoned by a crash; not others' saves.
        saving = old.name.startswith(".saving-")
        if old.name != folder.name and (
                not saving or time.time() - old.stat().st_mtime > ABANDONED_SECONDS):
            shutil.rmtree(old, ignore_errors=True)
