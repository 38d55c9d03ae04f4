"""Wiring: the one place that builds the pipeline's objects from the settings.

:class:`Assistant` owns a store, the embedders, the indexer, the retriever and
the answerer, and passes each its collaborators. The package-level functions
``retrieve``, ``ask`` and ``refresh`` use one shared instance, built on first
use from the environment (see :func:`default`).
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever

from .answer import Answer, ExtractiveAnswerer
from .answering import Extractive
from .conversation import asked, dated, is_follow_up, last_reply, user_turns
from .embeddings import MultilingualEmbeddings
from .errors import InvalidRequest, InvalidType, source_line
from .indexing import Indexer, Progress, RefreshReport, load_corpus
from .ingest import ingest, save_text
from .lc_retriever import AssistantRetriever
from .lexical import STOP, Analyzer
from .lexicon import Lexicon
from .llm import build_answerer
from .onnx_embeddings import dense_embedder
from .protocols import Answerer
from .retrieval import Leg, Retriever
from .scoring import SentenceScorer
from .settings import MAX_K, Settings
from .store import Space, Store, connect, is_corrupt
from .text import clean

log = logging.getLogger(__name__)
#: Damaged index folders kept aside (index.broken-*); older ones are removed.
KEEP_BROKEN = 3

#: The writer lock's file, in the corpus folder (not an article: its name starts with a dot).
WRITE_LOCK = ".write.lock"


def check_question(question: object, max_chars: int) -> str:
    """The question cleaned, truncated and without the words around it that ask and
    name nothing (:func:`assistant.conversation.asked`); TypeError if not a string."""
    if not isinstance(question, str):
        raise InvalidType(f"question must be a str, not {type(question).__name__}")
    return asked(clean(_text(question))[:max_chars])


def _text(s: str) -> str:
    # Lone surrogates (e.g. "\ud800" from JSON) are not text; tokenizers reject them.
    return s.encode("utf-8", "ignore").decode("utf-8")


def check_history(history: list[dict] | None, max_chars: int) -> list[dict] | None:
    """``history`` with its messages' text cut like a question's (and lone
    surrogates dropped): an earlier question may be searched again."""
    if not isinstance(history, list):
        return history
    return [{**m, "content": _text(m["content"][:max_chars])}
            if isinstance(m, dict) and isinstance(m.get("content"), str) else m
            for m in history]


def check_k(k: object) -> int:
    """``k`` itself if it is an int in 1..50, else ValueError/TypeError naming the range."""
    if isinstance(k, bool) or not isinstance(k, int):
        raise InvalidType(f"k must be an int between 1 and {MAX_K}")
    if not 1 <= k <= MAX_K:
        raise InvalidRequest(f"k must be between 1 and {MAX_K}, got {k}")
    return k


class Assistant:
    """The whole pipeline: sources → chunking → embeddings → store → retrieval → answer."""

    def __init__(self, settings: Settings | None = None, *,
                 embedders: dict[str, Embeddings] | None = None,
                 answerer: Answerer | None = None):
        """``embedders`` (store space key → :class:`~assistant.protocols.Embedder`) and
        ``answerer`` (:class:`~assistant.protocols.Answerer`) replace the ones the
        settings name; the extractive answerer stays, for refusals and fallbacks."""
        self.settings = settings or Settings()
        s = self.settings
        if embedders is None:
            embedders = {"dense": dense_embedder(s.embedding_model, s.embedding_backend,
                                                 s.onnx_dir)}
            if s.multilingual:
                embedders["multi"] = MultilingualEmbeddings()
        self.embedders = embedders
        self._store: Store | None = None
        self._ready = False
        self._lock = threading.RLock()
        self._file_lock: FileLock | None = None
        self._retriever_lock = threading.Lock()  # not _lock: a refresh may hold that one
        self.analyzer = Analyzer()
        self._retriever: Retriever | None = None
        self.lexicon = self._lexicon()
        self.answerer = ExtractiveAnswerer(
            SentenceScorer(self.analyzer, self._idf,
                           self.lexicon.words_for if self.lexicon is not None else None,
                           self._rarity),
            embedder=embedders.get("multi") or embedders.get("dense"),
            lexicon=self.lexicon,
        )
        self.answering: Answerer = (answerer or build_answerer(self.settings, self.answerer)
                                    or Extractive(self.answerer))

    @property
    def mode(self) -> str:
        """The active answer mode: 'extractive' or the LLM's name."""
        return self.answering.name

    # -- building blocks ---------------------------------------------------
    def _idf(self, term: str) -> float:
        return self.retriever.lexical().idf(term)

    def _rarity(self, term: str) -> float:
        return self.retriever.lexical().rarity(term)

    @property
    def store(self) -> Store:
        """The passage store (opened on first use)."""
        if self._store is not None:  # no lock: readers go on while a refresh writes
            return self._store
        with self._lock:
            if self._store is None:
                spaces = [
                    Space(key, getattr(e, "name", key), int(getattr(e, "dimension", 0)))
                    for key, e in self.embedders.items()
                ]
                s = self.settings
                if s.chroma_url:
                    client = connect(s.chroma_url, token=s.chroma_token.get_secret_value(),
                                     tenant=s.chroma_tenant, database=s.chroma_database)
                    self._store = Store(s.collection, spaces, client=client)
                else:
                    self._store = Store(s.collection, spaces, path=Path(s.index_dir))
            return self._store

    @property
    def retriever(self) -> Retriever:
        """The hybrid retriever, over an index made ready first."""
        self.ensure_index()
        if self._retriever is not None:  # no lock: questions go on during a refresh
            return self._retriever
        with self._retriever_lock:
            if self._retriever is None:
                legs = [Leg(key, emb) for key, emb in self.embedders.items()
                        if key != "dense" or self.settings.dense_search or len(self.embedders) == 1]
                self._retriever = Retriever(self.store, legs, self.analyzer,
                                            passage_scorer=self.answerer.passage_scores,
                                            lexicon=self.lexicon,
                                            lexical_dir=self.lexical_dir)
            return self._retriever

    def _lexicon(self) -> Lexicon | None:
        """The induced lexicon, over the multilingual encoder (none without one)."""
        s = self.settings
        multi = self.embedders.get("multi")
        if multi is None or not s.lexicon_words:
            return None
        cache = None if s.chroma_url else Path(s.index_dir) / "lexicon.npz"
        return Lexicon(multi, cache, per_language=s.lexicon_words,
                       threshold=s.lexicon_threshold, stop=STOP)

    @property
    def lexical_dir(self) -> Path | None:
        """Where the BM25 index is saved for every process of this store (with a
        Chroma server only if ``ASSISTANT_LEXICAL_DIR`` says where: nothing of a
        server's index is written to the local index folder)."""
        s = self.settings
        if s.chroma_url and not s.lexical_dir:
            return None
        return Path(s.lexical_dir or Path(s.index_dir) / f"bm25-{s.collection}")

    def indexer(self) -> Indexer:
        """An indexer writing into this assistant's store."""
        s = self.settings
        return Indexer(self.store, self.embedders, s.chunk_chars,
                       origin=str(Path(s.corpus_dir).resolve()), shared=bool(s.chroma_url))

    def ensure_index(self) -> None:
        """On first use, build the index if missing, or sync it with the corpus."""
        if self._ready:  # once ready, questions need not wait for a refresh's lock
            return
        with self.writing():
            if self._ready:
                return
            self._recovering(self._first_use)
            self._ready = True

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the writer lock of the corpus folder and its index: one writer at a time,
        in this process (threads) and across processes (web app, ``watch``, ``refresh``)
        sharing the folder. Adding articles under it sees what other writers stored."""
        with self._lock, self._folder_lock():
            yield

    def _folder_lock(self) -> AbstractContextManager:
        """The corpus folder's lock file (one object, re-entered by nested writers)."""
        if self._file_lock is None:
            folder = Path(self.settings.corpus_dir)
            try:
                folder.mkdir(parents=True, exist_ok=True)
                (folder / WRITE_LOCK).touch(exist_ok=True)
            except OSError as exc:  # a read-only folder: nothing else can write it either
                log.debug("no writer lock in %s: %s", folder, exc)
                return nullcontext()
            self._file_lock = FileLock(folder / WRITE_LOCK)
        return self._file_lock

    def _first_use(self) -> None:
        missing = not self.store.exists() or self.store.count() == 0
        if missing:
            log.info("no index in %s: building it from %s",
                     self.settings.chroma_url or self.settings.index_dir, self.settings.corpus_dir)
        if missing or self.settings.auto_refresh:
            self._refresh()

    def _recovering(self, work: Callable[[], object]) -> None:
        """Run ``work``; if it finds the embedded index damaged, move the index aside
        and run it again on a new one (rebuilt: the corpus folder is the source of
        truth, and nothing of it is lost)."""
        try:
            work()
        except BaseException as exc:  # Chroma's Rust panics are BaseExceptions
            if self.settings.chroma_url or not is_corrupt(exc):
                raise
            self._set_aside(exc)
            work()

    def _set_aside(self, exc: BaseException) -> None:
        """Move the damaged index folder aside (kept for inspection, the last few only)."""
        index = Path(self.settings.index_dir)
        broken = index.with_name(f"{index.name}.broken-{time.strftime('%Y%m%d-%H%M%S')}")
        while broken.exists():
            broken = broken.with_name(broken.name + "-1")
        if self._store is not None:
            try:
                self._store.close()
            except Exception:  # a client broken by the damage: it goes anyway
                log.debug("closing the damaged index failed", exc_info=True)
        self._store = self._retriever = None
        self._ready = False
        index.rename(broken)
        log.warning("the index in %s is damaged (%s): moved to %s, rebuilding it from %s",
                    index, exc, broken, self.settings.corpus_dir)
        old = sorted(index.parent.glob(f"{index.name}.broken-*"),
                     key=lambda p: p.stat().st_mtime)
        for stale in old[:-KEEP_BROKEN]:
            shutil.rmtree(stale, ignore_errors=True)
            log.info("removed the old damaged index %s", stale)

    def _search(self, q: str, k: int, history: list[dict] | None,
                where: dict | None) -> list[Document]:
        """The retriever's search; vector files found damaged only when queried (an
        HNSW segment is loaded lazily) are set aside and rebuilt like a damaged database."""
        try:
            return self.retriever.search(q, k, history, where)
        except BaseException as exc:
            if self.settings.chroma_url or not is_corrupt(exc):
                raise
            with self._lock:
                self._set_aside(exc)  # not ready any more: the next use rebuilds it
            return self.retriever.search(q, k, history, where)

    # -- the public API ----------------------------------------------------
    def refresh(self, sources: list[str] | None = None, *, rebuild: bool = False,
                progress: Progress | None = None) -> RefreshReport:
        """Add ``sources`` (files, article URLs, feed URLs) to the corpus folder, then
        sync the index with it; ``rebuild`` drops the index and re-embeds everything."""
        report = RefreshReport()
        if isinstance(sources, (str, Path)):  # one source, not a list of characters
            sources = [str(sources)]
        with self.writing():
            if sources:
                s = self.settings
                result = ingest([str(x) for x in sources], Path(s.corpus_dir),
                                allow_private=s.allow_private_urls, timeout=s.fetch_timeout,
                                max_bytes=s.max_fetch_bytes)
                report.errors.extend(result.errors)
                report.skipped.extend(result.skipped)
                report.present.extend(result.present)
            return self.sync(report, rebuild=rebuild, progress=progress)

    def sync(self, report: RefreshReport | None = None, *, rebuild: bool = False,
             progress: Progress | None = None) -> RefreshReport:
        """Sync the index with the corpus folder (under the writer lock); ``rebuild``
        drops the index first."""
        report = report or RefreshReport()
        with self.writing():

            def work() -> None:
                if rebuild:
                    self.store.reset()
                self._refresh(progress, report)

            self._recovering(work)
            self._ready = True
        if report.changed:
            # Built and saved now by the process that changed the passages, so the
            # next question here, and the first one of every other process, loads it.
            self.retriever.snapshot()
        return report

    def _refresh(self, progress: Progress | None = None,
                 report: RefreshReport | None = None) -> RefreshReport:
        report = report or RefreshReport()
        known = len(report.errors)  # the sources' errors: ingest has logged them
        articles, unreadable = load_corpus(Path(self.settings.corpus_dir), report)
        with self.store.batch():  # processes sharing the store are told once, at the end
            self.indexer().sync(articles, keep=unreadable, progress=progress, report=report)
        for source, message in report.errors[known:]:
            log.warning("%s", source_line(source, message))
        if report.changed and self._retriever is not None:
            self._retriever.invalidate()
        if report.changed:
            log.info("refresh: %d added, %d updated, %d removed, %d unchanged",
                     len(report.added), len(report.updated), len(report.removed),
                     len(report.unchanged))
        return report

    def retrieve(self, question: str, k: int = 4, history: list[dict] | None = None,
                 where: dict | None = None) -> list[Document]:
        """The ``k`` passages that best answer ``question``, best first; ``where``
        filters on article metadata (see :func:`assistant.retrieval.where_clause`)."""
        q = check_question(question, self.settings.max_question_chars)
        k = check_k(k)
        history = check_history(history, self.settings.max_question_chars)
        q = dated(q, history)
        if not q:
            return []
        return self._search(q, k, self._with_reply(q, history), where)

    def _with_reply(self, q: str, history: list[dict] | None) -> list[dict] | None:
        """``history`` with the assistant's reply to its last question: a follow-up
        ("how much has *it* raised?") is about what that reply named. Code callers
        often pass only the user's questions; the reply is then recomputed (extractive)."""
        turns = user_turns(history)
        if not turns or not is_follow_up(q) or last_reply(history) is not None:
            return history
        assert history is not None
        earlier = history[: max(i for i, m in enumerate(history)
                                if isinstance(m, dict) and m.get("role") == "user")]
        passages = self._search(turns[-1], self.settings.default_k, earlier, None)
        reply = self.answerer.answer(turns[-1], passages, earlier)
        if reply.refused:
            return history
        return [*history, {"role": "assistant", "content": " ".join(reply.quotes)}]

    def as_retriever(self, k: int = 4, where: dict | None = None) -> BaseRetriever:
        """This assistant's search as a LangChain retriever (``invoke(query, k=…)``)."""
        return AssistantRetriever(assistant=self, k=k, where=where)

    def ask(self, question: str, history: list[dict] | None = None) -> Answer:
        """A short answer with ``[n]`` citations, or a refusal with no sources."""
        q = check_question(question, self.settings.max_question_chars)
        history = check_history(history, self.settings.max_question_chars)
        q = dated(q, history)
        if not q:
            return self.answerer.empty(q)
        passages, history = self._turn_passages(q, history, self.settings.default_k)
        return self.answering.answer(q, passages, history)

    def chat(self, question: str, history: list[dict] | None = None,
             k: int | None = None) -> Iterator[str | Reply]:
        """One chat turn: the answer's text as it grows (LLM answers only; an extractive
        one comes whole), then a :class:`Reply` with the answer and the ``k`` passages
        found (default ``default_k``). One search feeds both: the answer reads the
        first ``default_k`` of them (a search for more returns the same first ones:
        its rerank pool, 20, does not depend on ``k``)."""
        q = check_question(question, self.settings.max_question_chars)
        history = check_history(history, self.settings.max_question_chars)
        q = dated(q, history)
        k = check_k(self.settings.default_k if k is None else k)
        if not q:
            yield Reply(self.answerer.empty(q), [])
            return
        found, history = self._turn_passages(q, history, max(k, self.settings.default_k))
        for item in self.answering.stream(q, found[: self.settings.default_k], history):
            yield Reply(item, found[:k]) if isinstance(item, Answer) else item

    def ask_stream(self, question: str,
                   history: list[dict] | None = None) -> Iterator[str | Answer]:
        """The answer's text as it grows (LLM answers), then the final Answer."""
        for item in self.chat(question, history):
            yield item.answer if isinstance(item, Reply) else item

    def _turn_passages(self, q: str, history: list[dict] | None,
                       k: int) -> tuple[list[Document], list[dict] | None]:
        """The passages for a turn and the history the answerer gets. An LLM rewrites
        a follow-up into a standalone question, searched alone; otherwise the history
        gains the last reply (see :meth:`_with_reply`)."""
        search = self.answering.condense(q, history) if history and is_follow_up(q) else q
        if search != q:
            return self.retrieve(search, k, None), history
        history = self._with_reply(q, history)
        return self.retrieve(q, k, history), history

    def articles(self) -> list[dict]:
        """The indexed articles, newest first: ``article_id``, ``title``,
        ``published``, ``language`` and the number of ``passages``."""
        self.ensure_index()
        by_id: dict[str, dict] = {}
        for hit in self.store.passages():
            md = hit.metadata or {}
            aid = str(md.get("article_id") or hit.id)
            row = by_id.setdefault(aid, {
                "article_id": aid, "title": md.get("title") or aid,
                "published": md.get("published") or "",
                "language": md.get("language") or "", "passages": 0,
            })
            row["passages"] += 1
        return sorted(by_id.values(), key=lambda r: (str(r["published"]), str(r["title"])),
                      reverse=True)

    def add_text(self, title: str, text: str) -> str:
        """Save a pasted article into the corpus folder (indexed by the next
        :meth:`refresh`); its article id. :class:`~assistant.sources.SourceError` or
        ``OSError`` if it cannot be saved."""
        return save_text(title, text, Path(self.settings.corpus_dir))


@dataclass
class Reply:
    """The end of a chat turn: the answer and the passages found for the question."""

    answer: Answer
    passages: list[Document] = field(default_factory=list)


_default: Assistant | None = None
_default_lock = threading.Lock()


def default() -> Assistant:
    """The shared assistant used by the package-level functions (built on first use)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Assistant()
        return _default


def configure(settings: Settings | None = None) -> Assistant:
    """Replace the shared assistant with one built from ``settings``."""
    global _default
    with _default_lock:
        _default = Assistant(settings)
        return _default
