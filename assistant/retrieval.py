"""Finding the passages that answer a question: hybrid search with rank fusion.

Three legs each rank the passages — BM25 over stemmed words
(:mod:`assistant.lexical`), the sentence-transformers vectors, and the
multilingual vectors (English questions, French articles) — and reciprocal rank
fusion merges them. Follow-up questions are searched together with the
conversation's previous question (see :func:`contextual_query`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from . import lexical_store
from .chunking import indexed_text
from .conversation import contextual_query, user_turns
from .glossary import expand
from .lexical import Analyzer, LexicalIndex
from .lexicon import Lexicon
from .metadata import LEG_RANKS, date_span
from .scoring import Sentence, SentenceScorer, passage_sentences, question_focus, question_needs
from .text import detect_language

if TYPE_CHECKING:  # chromadb pulls in httpx: the search needs only the store's methods
    from .store import Hit, Store

log = logging.getLogger(__name__)

RRF_K = 60
#: (question, passages, history) → a score in 0..1 per passage, for the rerank.
PassageScorer = Callable[[str, list[Document], list[dict] | None], list[float]]
#: Seconds between checks that the store is unchanged (another process may write to it).
VERSION_CHECK_SECONDS = 1.0

@dataclass
class Leg:
    """A dense search leg: the store's space key, its embedder and its fusion weight."""

    key: str
    embedder: Embeddings
    weight: float = 1.0


def _texts(hits: list[Hit]) -> tuple[list[str], list[str]]:
    """The indexed texts of passages and their languages."""
    return [_indexed(h) for h in hits], [str(h.metadata.get("language") or "fr") for h in hits]


@dataclass
class _Snapshot:
    """What is computed once per state of the store: the BM25 index, the passages
    read so far (every one when the index was built here, else those fetched
    for a question), and — on a passage's first rerank — its sentences."""

    index: LexicalIndex
    hits: dict[str, Hit]
    _sentences: dict[str, list[Sentence]] = field(default_factory=dict)

    @classmethod
    def build(cls, analyzer: Analyzer, hits: list[Hit],
              lexicon: Lexicon | None = None) -> _Snapshot:
        texts, langs = _texts(hits)
        index = LexicalIndex(analyzer, [h.id for h in hits], texts, langs)
        if lexicon is not None:
            lexicon.build(texts, langs)
        return cls(index, {h.id: h for h in hits})

    def sentences(self, doc: Document) -> list[Sentence]:
        """The passage's sentences, split on first use only."""
        found = self._sentences.get(str(doc.id))
        if found is None:
            found = passage_sentences([doc])
            self._sentences[str(doc.id)] = found
        return found


class Retriever:
    """Hybrid retrieval over a :class:`Store` (lexical + dense legs, fused by rank).

    The switches turn parts off, for ablations: ``lexical_weight=0`` drops the
    BM25 leg, ``legs`` may hold any subset of the dense legs, ``glossary=False``
    does not add the hand glossary's words to BM25's query, ``lexicon`` (a
    :class:`~assistant.lexicon.Lexicon`) adds the query's words in the other
    language, ``rerank_weight=0`` keeps
    the fused order, ``follow_ups=False`` ignores the conversation.
    """

    def __init__(self, store: Store, legs: list[Leg], analyzer: Analyzer, *,
                 lexical_weight: float = 1.0, fetch_k: int = 20, rerank_k: int = 20,
                 rerank_weight: float = 1.0, glossary: bool = True, follow_ups: bool = True,
                 passage_scorer: PassageScorer | None = None, lexicon: Lexicon | None = None,
                 lexical_dir: Path | None = None):
        self.store = store
        self.lexicon = lexicon
        self.lexical_dir = lexical_dir  # where the BM25 index is saved; None: not saved
        self.passage_scorer = passage_scorer
        self.legs = legs
        self.analyzer = analyzer
        self.lexical_weight = lexical_weight
        self.fetch_k = fetch_k
        self.rerank_k = rerank_k
        self.rerank_weight = rerank_weight
        self.glossary = glossary
        self.follow_ups = follow_ups
        self._snapshot: _Snapshot | None = None
        self._version: tuple = ()
        self._checked = 0.0
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def _workers(self) -> ThreadPoolExecutor:
        """The threads that run the Chroma lookups (started on first use)."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max(1, len(self.legs) - 1),
                                                thread_name_prefix="chroma-lookup")
            return self._pool

    def invalidate(self) -> None:
        """Forget the lexical index; it is rebuilt from the store on next use."""
        with self._lock:
            self._snapshot = None

    def snapshot(self) -> _Snapshot:
        """The BM25 index and passage cache over every passage of the store, rebuilt
        when the store changed (checked at most every VERSION_CHECK_SECONDS)."""
        with self._lock:
            now = time.monotonic()
            version = None
            if self._snapshot is None or now - self._checked >= VERSION_CHECK_SECONDS:
                version, self._checked = self.store.version(), now
                if version != self._version:
                    self._snapshot, self._version = None, version
            if self._snapshot is None:
                self._snapshot = self._load_or_build(version)
            return self._snapshot

    def _load_or_build(self, version: tuple | None = None) -> _Snapshot:
        """The BM25 index saved for the store's current state (``version``, when the
        caller has just read it: a count costs 0.1-0.3 s at 100,000 passages), else
        one built from every passage (and saved). The stamp is read before the
        passages: a write in between makes the saved index one for a state already
        gone, never loaded."""
        if self.lexical_dir is None:
            return _Snapshot.build(self.analyzer, self.store.passages(), self.lexicon)
        version = version or self.store.version()
        index = lexical_store.load(self.lexical_dir, version, self.analyzer)
        if index is not None:
            if self.lexicon is not None and not self.lexicon.restore():
                self.lexicon.build(*_texts(self.store.passages()))  # none saved yet
            return _Snapshot(index, {})
        snap = _Snapshot.build(self.analyzer, self.store.passages(), self.lexicon)
        lexical_store.save(snap.index, self.lexical_dir, version)
        return snap

    def lexical(self) -> LexicalIndex:
        """The BM25 index over every passage of the store."""
        return self.snapshot().index

    def search(self, question: str, k: int = 4, history: list[dict] | None = None,
               where: dict | None = None) -> list[Document]:
        """The ``k`` best passages for a question, best first, as Documents.

        ``where`` filters on article metadata (see :func:`where_clause`); every leg
        searches only the matching passages.
        """
        chroma_where = where_clause(where)
        if not self.follow_ups:
            history = None
        query = contextual_query(question, history)
        fetch = max(self.fetch_k, k)
        snap = self.snapshot()  # one per question, though a refresh may swap it
        # The encoders run one after the other in this thread (each uses every core;
        # side by side they were slower), but a leg's Chroma lookup runs in a worker
        # beside the next encoding (Chroma leaves the GIL); the last leg's lookup
        # runs here, after BM25, as handing it over cost more than it saved
        # (benchmarks/README.md: "Retrieval latency").
        def lookup(leg: Leg, vector: list[float]) -> list[Hit]:
            return self.store.query(leg.key, vector, fetch, chroma_where,
                                    with_text=False)  # the snapshot has the passages

        vectors = []
        pending: list[Future[list[Hit]]] = []
        for n, leg in enumerate(self.legs):
            vectors.append(leg.embedder.embed_query(query))
            if n < len(self.legs) - 1:
                pending.append(self._workers().submit(lookup, leg, vectors[-1]))
        ranked: list[tuple[str, float, list[tuple[str, float]]]] = []  # (leg, weight, hits)
        if self.lexical_weight:
            allowed = None
            if chroma_where:
                allowed = {h.id for h in self.store.passages(chroma_where)}
            # Glossary and lexicon together: recall@3 on the dev test half 0.761
            # (glossary alone 0.756), tuning half 0.791 (0.775), public set 1.00; the
            # lexicon with the glossary's French synonyms only read 0.777 on the test
            # half but lost a public question and a follow-up of the seed.
            text = expand(query) if self.glossary else query
            if self.lexicon is not None:  # the query's words in the other language
                text = f"{text} {self.lexicon.expansion(query, detect_language(question))}"
            ranked.append(("bm25", self.lexical_weight, snap.index.search(text, fetch, allowed)))
        if self.legs:
            last = lookup(self.legs[-1], vectors[-1])
            for leg, hits in zip(self.legs, [*(f.result() for f in pending), last], strict=True):
                ranked.append((leg.key, leg.weight, [(h.id, h.score) for h in hits]))
        fused: dict[str, float] = {}
        leg_ranks: dict[str, dict[str, int]] = {}  # where each leg ranked a passage
        for name, weight, results in ranked:
            for rank, (cid, _) in enumerate(results):
                fused[cid] = fused.get(cid, 0.0) + weight / (RRF_K + rank + 1)
                leg_ranks.setdefault(cid, {})[name] = rank
        top = sum(w for _, w, _ in ranked) / (RRF_K + 1)
        pool = sorted(fused, key=lambda c: -fused[c])[: max(k, self.rerank_k)]
        found = snap.hits
        missing = [c for c in pool if c not in found]
        if missing:  # loaded index: read on first use; or written since the snapshot
            found.update((h.id, h) for h in self.store.by_ids(missing))
        docs = [_document(found[c], fused[c] / top) for c in pool if c in found]
        if self.rerank_weight and self.passage_scorer is not None:
            for doc in docs:  # the rerank's evidence
                doc.metadata[LEG_RANKS] = leg_ranks.get(str(doc.id), {})
            docs = self._rerank_by(self.passage_scorer, question, history, docs)
            for doc in docs:
                doc.metadata.pop(LEG_RANKS, None)
        elif self.rerank_weight:
            docs = self._rerank(question, query, history, docs, snap)
        return docs[:k]

    def _rerank_by(self, scorer: PassageScorer, question: str, history: list[dict] | None,
                   docs: list[Document]) -> list[Document]:
        """Reorder by how likely each passage answers: a logistic model over the legs'
        ranks, the fused score and the answerer's sentence signals (fitted on the
        tuning half, see benchmarks/fit_answerer.py)."""
        for doc, b in zip(docs, scorer(question, docs, history), strict=True):
            doc.metadata["score"] = round(b, 4)
        return sorted(docs, key=lambda d: -d.metadata["score"])

    def _rerank(self, question: str, query: str, history: list[dict] | None,
                docs: list[Document], snap: _Snapshot) -> list[Document]:
        """Reorder by fused score plus the best sentence's lexical and answer-type score."""
        turns = user_turns(history)
        previous = turns[-1] if turns and query != question else None
        sentences = [
            replace(sent, passage=n)
            for n, doc in enumerate(docs)
            for sent in snap.sentences(doc)
        ]
        scorer = SentenceScorer(snap.index.analyzer, snap.index.idf)
        scorer.score(query, question_needs(question, previous), sentences,
                     focus=question_focus(question), question=question)
        best = [0.0] * len(docs)
        for sent in sentences:
            best[sent.passage] = max(best[sent.passage], sent.score)
        for doc, b in zip(docs, best, strict=True):
            doc.metadata["score"] = round((doc.metadata["score"] + self.rerank_weight * b)
                                          / (1 + 1.25 * self.rerank_weight), 4)
        return sorted(docs, key=lambda d: -d.metadata["score"])


FILTER_KEYS = ("article_id", "language", "published_from", "published_to")


def where_clause(where: dict | None) -> dict | None:
    """The Chroma ``where`` for a filter on article metadata; ``None`` for no filter.

    ``where`` may hold (all given must match):

    * ``article_id`` — an article id, or a list of ids;
    * ``language`` — ``"fr"``, ``"en"``…, or a list of them;
    * ``published_from`` / ``published_to`` — a date (``"2024"``, ``"2024-10"``,
      ``"2024-10-02"``, or a ``date``), both ends included: an article matches when
      its publication date may fall in the range (an article dated "2024-11"
      matches ``published_to="2024-11-15"``); articles of unknown date never match.

    Raises ``ValueError`` for another key, an empty list or an unreadable date.
    """
    if not where:
        return None
    unknown = sorted(set(where) - set(FILTER_KEYS))
    if unknown:
        raise ValueError(f"unknown filter {', '.join(unknown)}; use {', '.join(FILTER_KEYS)}")
    conditions: list[dict] = []
    for key in ("article_id", "language"):
        if key in where:
            value = where[key]
            values = [value] if isinstance(value, str) else [str(v) for v in value]
            if not values:
                raise ValueError(f"filter {key} needs at least one value")
            conditions.append({key: values[0] if len(values) == 1 else {"$in": values}})
    for key, bound, op, end in (("published_from", "published_max", "$gte", 0),
                                ("published_to", "published_min", "$lte", 1)):
        if key in where:
            span = date_span(where[key])
            if span is None:
                raise ValueError(f"filter {key}: {where[key]!r} is not a date like 2024-10-02")
            conditions.append({bound: {op: span[end]}})
    return conditions[0] if len(conditions) == 1 else {"$and": conditions}


def _indexed(hit: Hit) -> str:
    md = hit.metadata
    return indexed_text(str(md.get("section") or ""), hit.text, str(md.get("title") or ""),
                        str(md.get("published") or ""), str(md.get("names") or ""))


def _document(hit: Hit, score: float) -> Document:
    meta = {k: v for k, v in hit.metadata.items() if k not in _INTERNAL}
    meta["score"] = round(score, 4)
    return Document(page_content=hit.text, metadata=meta, id=hit.id)


#: Metadata kept in the index for bookkeeping, not shown with a passage.
_INTERNAL = frozenset({"article_hash", "corpus", "meta_version", "names"})
