"""Word translations induced from the corpus's own vocabulary by the multilingual encoder.

No English–French dictionary on hand knows the words of business news (FreeDict's
8.7k headwords lack valuation, funding, investor, revenue), so the corpus supplies
its own: the most frequent words of its French and of its English passages are
embedded once with the multilingual encoder (kept in ``lexicon.npz`` beside the
index, so only new words are embedded after a refresh), and a question's words are
translated to their nearest words of the *other* language's vocabulary when the
cosine is high enough (funding→financement 0.95, profit→bénéfices 0.86,
valuation→valorisation 0.74; unrelated pairs stay below about 0.7).

Both directions work alike: a French question gains English words for the lexical
leg, an English question French ones (the hand glossary only goes English → French).
Recall@3 on the dev corpus's test half: 0.756 with the glossary, 0.761 with both
(benchmarks/results/dev-ablation-test.md). The answerer's checks keep the glossary:
with the induced words there, more answers were refused on the tuning half.

The same vectors give the sentence model its ``soft`` signal (:meth:`Lexicon.closeness`):
how close a sentence's words come to each of the question's, in either language
(dev test half recall@3 0.807 without it, 0.824 with it and ``sim_plain``).
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from .text import fold

log = logging.getLogger(__name__)

_WORD = re.compile(r"[^\W\d_]{3,}")
# Closed classes have fixed translations: their vectors sit among their own kind
# ("décembre" nearest "december", then "novembre"; "six" → "eight", "huit").
# Dev halves unchanged; eval/fresh2 refused 3 → 4 of 6.
_CLOSED_EN = ("january february march april may june july august september october "
              "november december monday tuesday wednesday thursday friday saturday sunday "
              "two three four five six seven eight nine ten eleven twelve twenty thirty forty "
              "fifty hundred thousand billion").split()
_CLOSED_FR = ("janvier février mars avril mai juin juillet août septembre octobre "
              "novembre décembre lundi mardi mercredi jeudi vendredi samedi dimanche "
              "deux trois quatre cinq six sept huit neuf dix onze douze vingt trente quarante "
              "cinquante cent mille milliard").split()
CLOSED = {fold(a): (fold(b),) for pair in zip(_CLOSED_EN, _CLOSED_FR, strict=True)
          for a, b in (pair, pair[::-1]) if a not in ("may", "march")}  # verbs, in lower case
#: Vectors of words outside the vocabulary remembered (about 2 KB each).
OTHER_WORDS = 20_000


def _alike(word: str, other: str) -> bool:
    """The same word: nothing to add. Cognates spelt alike are kept (passengers →
    passagers, margin → marge): the stemmers of the two languages cut them apart.
    (Dropping every word sharing its first four letters, against false friends,
    cost recall: dev tuning half 0.836 → 0.820, other-language questions 0.790 →
    0.750; test half 0.807 → 0.798.)"""
    return word == other


class Lexicon:
    """Nearest other-language words of a question's words, over the corpus vocabulary."""

    def __init__(self, embedder: Embeddings, cache: Path | None = None, *,
                 per_language: int = 6000, threshold: float = 0.7, top: int = 2,
                 stop: frozenset[str] = frozenset()):
        self.embedder = embedder
        self.cache = cache
        self.per_language = per_language
        self.threshold = threshold
        self.top = top
        self.stop = stop
        self._vocab: dict[str, tuple[list[str], np.ndarray]] = {}  # lang → (folded words, vectors)
        self._vectors: dict[str, np.ndarray] = {}  # surface word → vector
        self._chosen: dict[str, list[str]] = {}  # language → its vocabulary (surface words)
        # (version, surface word → row, the vocabulary's vectors as one matrix)
        self._rows: tuple[int, dict[str, int], np.ndarray] = (0, {}, np.zeros((0, 0)))
        # Words outside the vocabulary (a question's): remembered, never saved, bounded.
        self._other: dict[str, np.ndarray] = {}
        #: words_for's answers, with the vocabulary they were worked out for.
        self._memo: tuple[dict, dict[str, tuple[str, ...]]] = ({}, {})
        self._lock = threading.Lock()

    def build(self, texts: list[str], langs: list[str]) -> None:
        """Take the vocabulary of these passages: the ``per_language`` words found in
        most passages of each language, embedded (or read from the cache)."""
        counts: dict[str, Counter[str]] = {}
        for text, lang in zip(texts, langs, strict=True):
            found = {w for w in _WORD.findall(text.lower()) if fold(w) not in self.stop}
            counts.setdefault(lang, Counter()).update(found)
        chosen = {lang: [w for w, _ in c.most_common(self.per_language)]
                  for lang, c in counts.items()}
        self._chosen = chosen
        self._embed([w for ws in chosen.values() for w in ws], save=True)
        self._use(chosen)

    def restore(self) -> bool:
        """Take the vocabulary saved by the last :meth:`build` (in any process: the
        BM25 index may be loaded instead of built); False if none was saved."""
        with self._lock:
            chosen = self._load()
        if not chosen:
            return False
        self._chosen = chosen
        self._use(chosen)
        return True

    def _use(self, chosen: dict[str, list[str]]) -> None:
        words: list[str] = []
        spans = {}
        for lang, ws in chosen.items():
            ws = [w for w in ws if w in self._vectors]
            if ws:
                spans[lang] = (len(words), len(words) + len(ws))
                words += ws
        matrix = (np.stack([self._vectors[w] for w in words]) if words
                  else np.zeros((0, 0), dtype=np.float32))
        # One matrix; each language's vocabulary is a view of its rows.
        self._vocab = {lang: ([fold(w) for w in words[a:b]], matrix[a:b])
                       for lang, (a, b) in spans.items()}
        self._rows = (self.version + 1, {w: i for i, w in enumerate(words)}, matrix)

    @property
    def version(self) -> int:
        """Counts the vocabularies taken: row numbers of :meth:`known_words` hold for
        one version only."""
        return self._rows[0]

    def translate(self, text: str, lang: str) -> dict[str, tuple[str, ...]]:
        """The words of ``text`` (in language ``lang``) with their nearest words of
        every other language's vocabulary, cosine ≥ ``threshold`` (folded)."""
        others = [v for key, v in self._vocab.items() if key != lang]
        # Names are written alike in both languages ("OpenAI" is no "ouvert"): only
        # words in lower case are translated.
        ws = list(dict.fromkeys(w for w in _WORD.findall(text)
                                if w.islower() and fold(w) not in self.stop))
        if not others or not ws:
            return {}
        mine = dict(zip(ws, self.vectors(ws), strict=True))
        out: dict[str, tuple[str, ...]] = {}
        for w in ws:
            if fold(w) in CLOSED:
                out[fold(w)] = CLOSED[fold(w)]
                continue
            found: list[str] = []
            for words, vectors in others:
                sims = vectors @ mine[w]
                best = np.argsort(-sims)[: self.top]
                found += [words[i] for i in best if sims[i] >= self.threshold
                          and not _alike(words[i], fold(w))]
            if found:
                out[fold(w)] = tuple(dict.fromkeys(found))
        return out

    def words_for(self, word: str) -> tuple[str, ...]:
        """The nearest words of the other languages for one word, whichever language
        it is in (folded; none for a name). Remembered per vocabulary: the sentence
        scorer asks for each of a question's words several times (rerank, answer)."""
        vocab, memo = self._memo
        if vocab is not self._vocab or len(memo) > OTHER_WORDS:  # new vocabulary, or full
            vocab, memo = self._vocab, {}
            self._memo = (vocab, memo)
        found = memo.get(word)
        if found is None:
            found = tuple(dict.fromkeys(t for lang in vocab
                                        for ts in self.translate(word, lang).values()
                                        for t in ts))
            memo[word] = found
        return found

    def expansion(self, text: str, lang: str) -> str:
        """The translations of ``text``'s words, as one string (for the lexical leg)."""
        return " ".join(t for ts in self.translate(text, lang).values() for t in ts)

    def question_words(self, text: str) -> np.ndarray:
        """Vectors (rows) of a question's words in lower case, stop words and names
        left out (names are matched as written elsewhere)."""
        ws = list(dict.fromkeys(w for w in _WORD.findall(text)
                                if w.islower() and fold(w) not in self.stop))
        return np.stack(self.vectors(ws)) if ws else np.zeros((0, 0), dtype=np.float32)

    def known_words(self, text: str) -> np.ndarray:
        """Row numbers, in this :attr:`version`'s vocabulary, of a text's words that
        it holds. Nothing is embedded (a sentence's rare words are skipped, so no
        question waits on them), and numbers are kept rather than vectors (a
        sentence's 15 words would take 30 KB as vectors, 60 bytes as rows)."""
        rows = self._rows[1]
        found = [rows[w] for w in dict.fromkeys(_WORD.findall(text.lower()))
                 if w in rows and fold(w) not in self.stop]
        return np.array(found, dtype=np.int32)

    def closeness(self, asked: np.ndarray, held: list[np.ndarray]) -> list[float]:
        """For each text's :meth:`known_words`, the mean over the question's words
        (:meth:`question_words`) of their closest word's cosine in the text: a soft
        share of the question's words, in any language and any wording ("bénéfice"
        is close to "profit", "coût" to "cost")."""
        matrix = self._rows[2]
        used = np.unique(np.concatenate([np.zeros(0, dtype=np.int32), *held]))
        if not len(asked) or not len(used) or used[-1] >= len(matrix):
            return [0.0] * len(held)  # (rows of a vocabulary replaced meanwhile: none)
        # Question words × the texts' words. einsum, not a BLAS product: BLAS threads
        # kept spinning after this small product and tripled an answer's CPU time
        # (public questions: 10 → 23 ms of CPU an ask, for 1.6 ms of wall time).
        sims = np.einsum("qd,wd->qw", asked, matrix[used])
        return [float(sims[:, np.searchsorted(used, ids)].max(axis=1).mean()) if len(ids)
                else 0.0 for ids in held]

    def vectors(self, ws: list[str]) -> list[np.ndarray]:
        """The words' vectors: the vocabulary's as saved, others embedded now and
        remembered in memory only (a question's words must not grow the cache file)."""
        other = self._other
        todo = [w for w in dict.fromkeys(ws) if w not in self._vectors and w not in other]
        if todo:
            got = np.asarray(self.embedder.embed_documents(todo), dtype=np.float32)
            if len(other) + len(todo) > OTHER_WORDS:
                other = {}  # a new dict: other threads keep reading the old one
            other.update(zip(todo, got, strict=True))
            self._other = other
        return [self._vectors[w] if w in self._vectors else other[w] for w in ws]

    def _embed(self, ws: list[str], save: bool = False) -> None:
        """Vectors for the words not yet known (cache file first, then the encoder)."""
        with self._lock:
            if save and not self._vectors:
                self._load()
            todo = [w for w in dict.fromkeys(ws) if w not in self._vectors]
            if not todo:
                return
            vectors = np.asarray(self.embedder.embed_documents(todo), dtype=np.float32)
            self._vectors.update(zip(todo, vectors, strict=True))
            if save:
                self._save()

    def _load(self) -> dict[str, list[str]]:
        """Read the cache's vectors; return the vocabulary it saved, by language."""
        if self.cache is None or not self.cache.exists():
            return {}
        try:
            with np.load(self.cache, allow_pickle=False) as data:
                self._vectors = dict(zip(data["words"].tolist(), data["vectors"], strict=True))
                return {str(k)[len("vocab_"):]: data[k].tolist() for k in data.files
                        if str(k).startswith("vocab_")}
        except (OSError, ValueError, KeyError) as exc:  # a damaged cache is rebuilt
            log.warning("lexicon cache %s unreadable (%s): re-embedding", self.cache, exc)
            self._vectors = {}
            return {}

    def _save(self) -> None:
        if self.cache is None or not self.cache.parent.exists():
            return
        words = list(self._vectors)
        tmp = self.cache.with_suffix(".tmp.npz")
        try:
            vectors = np.stack([self._vectors[w] for w in words])
            vocab = {f"vocab_{lang}": np.array(ws) for lang, ws in self._chosen.items()}
            np.savez(tmp, words=np.array(words), vectors=vectors, **vocab)  # type: ignore[arg-type]
            tmp.replace(self.cache)
        except OSError as exc:  # a read-only index still answers
            log.warning("lexicon cache %s not written: %s", self.cache, exc)
