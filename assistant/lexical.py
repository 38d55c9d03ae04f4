"""The lexical search leg: BM25 (bm25s) over stemmed, accent-folded words.

French and English are both handled: elisions (l’, d’, qu’…) are cut, accents
folded, stop words of both languages dropped, and each word stemmed with the
Snowball stemmer of the passage's language (PyStemmer). A question is stemmed
both ways, so it matches passages in either language.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable

import bm25s
import numpy as np
import simplemma
import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_FRENCH

from .text import detect_language, fold, words

# bm25s sets its logger to DEBUG when imported, so its debug lines reached the
# CLI's stderr; let the application's logging configuration decide instead.
logging.getLogger("bm25s").setLevel(logging.NOTSET)

# Question words and filler that carry no topic ("selon l'article…").
_QUESTION_WORDS = {
    "combien", "quel", "quelle", "quels", "quelles", "pourquoi", "comment", "quand",
    "ou", "qui", "quoi", "lequel", "laquelle", "selon", "article", "cela", "ceci",
    "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "much",
    "many", "according", "does", "did", "so", "far", "t",
}
STOP = frozenset(fold(w) for w in (*STOPWORDS_EN, *STOPWORDS_FRENCH)) | _QUESTION_WORDS
_STEMMERS = {"fr": "french", "en": "english"}
#: Texts whose query terms are remembered (then forgotten all at once): bounds memory.
QUERY_CACHE_SIZE = 50_000


class Analyzer:
    """Turns text into index terms: folded words, stop words out, stemmed."""

    def __init__(self) -> None:
        self._stemmers = {lang: Stemmer.Stemmer(algo) for lang, algo in _STEMMERS.items()}
        self._lock = threading.Lock()  # PyStemmer objects are not thread-safe
        self._cache: dict[str, tuple[str, ...]] = {}

    def content_words(self, text: str) -> list[str]:
        """Folded words without stop words (not stemmed)."""
        return [w for w in words(text) if w not in STOP and (len(w) > 1 or w.isdigit())]

    def terms(self, text: str, lang: str = "fr") -> list[str]:
        """Index terms of a passage in language ``lang``."""
        stemmer = self._stemmers.get(lang, self._stemmers["fr"])
        with self._lock:
            return stemmer.stemWords(self.content_words(text))

    def query_terms(self, text: str, lemmas: bool = True) -> list[str]:
        """Terms of a question (or of a sentence the answerer weighs), stemmed for every
        supported language; with ``lemmas``, its words' lemmas' stems too, so that
        "sold" meets "sell" and "pris" meets "prendre", which no stemmer joins."""
        # Remembered: the rerank asks for the same sentences and words at every
        # question, and folding + stemming them was most of its time.
        key = text if lemmas else f"\0{text}"
        cached = self._cache.get(key)
        if cached is not None:
            return list(cached)
        found: dict[str, None] = {}
        ws = self.content_words(text)
        if lemmas:
            ws += lemma_words(text, set(ws))
        with self._lock:
            for stemmer in self._stemmers.values():
                found.update(dict.fromkeys(stemmer.stemWords(ws)))
            if len(self._cache) >= QUERY_CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = tuple(found)
        return list(found)


class LexicalIndex:
    """BM25 over a fixed list of passages (rebuilt when the store changes)."""

    def __init__(self, analyzer: Analyzer, ids: list[str], texts: list[str],
                 langs: Iterable[str]):
        self.analyzer = analyzer
        self.ids = ids
        self._pos = {cid: n for n, cid in enumerate(ids)}
        self._bm25 = bm25s.BM25()
        self._df: Counter[str] = Counter()
        if ids:
            tokens = [
                analyzer.terms(t, lang) or ["_"] for t, lang in zip(texts, langs, strict=True)
            ]
            for toks in tokens:
                self._df.update(set(toks))
            self._bm25.index(tokens, show_progress=False)

    @classmethod
    def restore(cls, analyzer: Analyzer, ids: list[str], bm25: bm25s.BM25,
                df: dict[str, int]) -> LexicalIndex:
        """An index over ``ids`` from the parts of one saved earlier (see
        :mod:`assistant.lexical_store`): the bm25s model and the document frequencies."""
        index = cls(analyzer, [], [], [])
        index.ids = ids
        index._pos = {cid: n for n, cid in enumerate(ids)}
        index._bm25 = bm25
        index._df = Counter(df)
        return index

    @property
    def bm25(self) -> bm25s.BM25:
        """The underlying bm25s model (for saving it)."""
        return self._bm25

    @property
    def df(self) -> Counter[str]:
        """Each term's document frequency (for saving it)."""
        return self._df

    def idf(self, term: str) -> float:
        """How rare a term is among the passages (BM25 idf); 0 if no passage has it."""
        df = self._df.get(term, 0)
        if not df:
            return 0.0
        return math.log(1 + (len(self.ids) - df + 0.5) / (df + 0.5))

    def rarity(self, term: str) -> float:
        """:meth:`idf` as a share of the idf of a term one passage alone holds: 1 for
        the rarest terms, near 0 for one most passages hold, 0 for one none holds
        (comparable across corpora of any size)."""
        return self.idf(term) / math.log(1 + (len(self.ids) - 0.5) / 1.5) if self.ids else 0.0

    def search(self, question: str, k: int,
               allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """Best ``k`` (id, BM25 score) for a question; only ``allowed`` ids if given."""
        # (No lemmas here: with them, tuning recall@3 read 0.831 → 0.826; in the
        # answerer's and the rerank's sentence signals they help, see query_terms.)
        terms = self.analyzer.query_terms(question, lemmas=False)
        if not self.ids or not terms:
            return []
        # get_scores, not retrieve(): retrieve() starts a thread pool at every call
        # (0.75 ms of a 0.8 ms search over a small index); scoring is 0.04 ms.
        scores = self._bm25.get_scores(terms)
        if allowed is not None:
            mask = np.zeros(len(self.ids), dtype=bool)
            mask[[self._pos[cid] for cid in allowed if cid in self._pos]] = True
            scores = np.where(mask, scores, 0.0)
        k = min(k, len(self.ids))
        best = np.argpartition(-scores, k - 1)[:k] if k < len(self.ids) else np.arange(k)
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.ids[int(d)], float(scores[d])) for d in best if scores[d] > 0]


def lemma_words(text: str, have: set[str]) -> list[str]:
    """The folded lemmas (simplemma, in the text's language) of ``text``'s words that
    are not stop words and not already in ``have``: irregular forms ("sold", "fell",
    "pris", "vendu") that the Snowball stemmers leave apart from their verb.
    Measured in the sentence signals only (session 17, 526-question corpus): test
    keywords 0.579 → 0.593, answered 0.824 → 0.833; tuning keywords 0.639 either way,
    recall@3 0.831 → 0.836."""
    lang = detect_language(text)
    out: list[str] = []
    for raw in re.findall(r"[^\W\d_]+", text.lower().replace("’", " ").replace("'", " ")):
        if fold(raw) in STOP:
            continue  # "a", "était": their lemmas (avoir, être) say nothing either
        for w in words(simplemma.lemmatize(raw, lang=lang)):
            if w not in have and w not in STOP and len(w) > 1:
                have.add(w)
                out.append(w)
    return out
