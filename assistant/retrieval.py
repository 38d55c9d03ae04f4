"""Finding the passages that answer a question: hybrid search with rank fusion.

Three legs each rank the passages — BM25 over stemmed words
(:mod:`assistant.lexical`), the sentence-transformers vectors, and the
multilingual vectors (English questions, French articles) — and reciprocal rank
fusion merges them. Follow-up questions are searched together with the
conversation's previous question (see :func:`contextual_query`).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from .chunking import indexed_text
from .glossary import expand
from .lexical import Analyzer, LexicalIndex
from .scoring import SentenceScorer, passage_sentences, question_needs
from .store import Hit, Store
from .text import clean

log = logging.getLogger(__name__)

RRF_K = 60
#: Seconds between checks that the store is unchanged (another process may write to it).
VERSION_CHECK_SECONDS = 1.0

_ANAPHORA = re.compile(
    r"\b(it|its|they|them|their|this|that|these|those|he|she|his|her|there|"
    r"il|elle|ils|elles|cela|ça|celui|celle|ceux|sa|son|ses|leur|leurs|lui|y)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][\w’'-]*|\b\w*[A-Z]\w*[A-Z0-9]\w*\b|\b\d{4}\b")


def user_turns(history: list[dict] | None) -> list[str]:
    """The user's earlier questions, oldest first, from an OpenAI-style message list."""
    out: list[str] = []
    for msg in history or []:
        if isinstance(msg, dict) and msg.get("role") == "user":
            content = msg.get("content")
            if isinstance(content, str) and content.strip():
                out.append(clean(content))
    return out


def is_follow_up(question: str) -> bool:
    """A question that leans on the conversation: no name of its own, and a pronoun
    or hardly any words ("Combien au total ?")."""
    if _NAME.search(question.strip()):
        return False
    return bool(_ANAPHORA.search(question)) or len(re.findall(r"\w{3,}", question)) <= 3


def contextual_query(question: str, history: list[dict] | None) -> str:
    """The text to search for: the question, plus the previous question for follow-ups."""
    previous = user_turns(history)
    if previous and is_follow_up(question):
        return f"{previous[-1]} {question}"
    return question


@dataclass
class Leg:
    """A dense search leg: the store's space key, its embedder and its fusion weight."""

    key: str
    embedder: Embeddings
    weight: float = 1.0


class Retriever:
    """Hybrid retrieval over a :class:`Store` (lexical + dense legs, fused by rank)."""

    def __init__(self, store: Store, legs: list[Leg], analyzer: Analyzer, *,
                 lexical_weight: float = 1.0, fetch_k: int = 20, rerank_k: int = 12,
                 rerank_weight: float = 1.0):
        self.store = store
        self.legs = legs
        self.analyzer = analyzer
        self.lexical_weight = lexical_weight
        self.fetch_k = fetch_k
        self.rerank_k = rerank_k
        self.rerank_weight = rerank_weight
        self._lexical: LexicalIndex | None = None
        self._version: tuple = ()
        self._checked = 0.0
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        """Forget the lexical index; it is rebuilt from the store on next use."""
        with self._lock:
            self._lexical = None

    def lexical(self) -> LexicalIndex:
        """The BM25 index over every passage of the store, rebuilt when the store
        changed (checked at most every VERSION_CHECK_SECONDS)."""
        with self._lock:
            now = time.monotonic()
            if self._lexical is None or now - self._checked >= VERSION_CHECK_SECONDS:
                version, self._checked = self.store.version(), now
                if version != self._version:
                    self._lexical, self._version = None, version
            if self._lexical is None:
                hits = self.store.passages()
                self._lexical = LexicalIndex(
                    self.analyzer,
                    [h.id for h in hits],
                    [_indexed(h) for h in hits],
                    [str(h.metadata.get("language") or "fr") for h in hits],
                )
            return self._lexical

    def search(self, question: str, k: int = 4, history: list[dict] | None = None,
               where: dict | None = None) -> list[Document]:
        """The ``k`` best passages for a question, best first, as Documents."""
        query = contextual_query(question, history)
        fetch = max(self.fetch_k, k)
        fused: dict[str, float] = {}
        found: dict[str, Hit] = {}
        allowed = {h.id for h in self.store.passages(where)} if where else None
        lexical = self.lexical().search(expand(query), fetch, allowed)
        ranked = [(self.lexical_weight, lexical)]
        for leg in self.legs:
            hits = self.store.query(leg.key, leg.embedder.embed_query(query), fetch, where)
            found.update((h.id, h) for h in hits)
            ranked.append((leg.weight, [(h.id, h.score) for h in hits]))
        for weight, results in ranked:
            for rank, (cid, _) in enumerate(results):
                fused[cid] = fused.get(cid, 0.0) + weight / (RRF_K + rank + 1)
        top = sum(w for w, _ in ranked) / (RRF_K + 1)
        pool = sorted(fused, key=lambda c: -fused[c])[: max(k, self.rerank_k)]
        missing = [c for c in pool if c not in found]
        if missing:
            found.update((h.id, h) for h in self.store.passages({"chunk_id": {"$in": missing}}))
        docs = [_document(found[c], fused[c] / top) for c in pool if c in found]
        if self.rerank_weight:
            docs = self._rerank(question, query, history, docs)
        return docs[:k]

    def _rerank(self, question: str, query: str, history: list[dict] | None,
                docs: list[Document]) -> list[Document]:
        """Reorder by fused score plus the best sentence's lexical and answer-type score."""
        previous = user_turns(history)[-1] if user_turns(history) and query != question else None
        sentences = passage_sentences(docs)
        scorer = SentenceScorer(self.analyzer, self.lexical().idf)
        scorer.score(query, question_needs(question, previous), sentences)
        best = [0.0] * len(docs)
        for sent in sentences:
            best[sent.passage] = max(best[sent.passage], sent.score)
        for doc, b in zip(docs, best, strict=True):
            doc.metadata["score"] = round((doc.metadata["score"] + self.rerank_weight * b)
                                          / (1 + 1.25 * self.rerank_weight), 4)
        return sorted(docs, key=lambda d: -d.metadata["score"])


def _indexed(hit: Hit) -> str:
    return indexed_text(str(hit.metadata.get("section") or ""), hit.text)


def _document(hit: Hit, score: float) -> Document:
    meta = dict(hit.metadata)
    meta["score"] = round(score, 4)
    meta.pop("article_hash", None)
    meta.pop("corpus", None)
    return Document(page_content=hit.text, metadata=meta, id=hit.id)
