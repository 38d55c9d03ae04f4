"""The signals the answerer and the rerank read off retrieved sentences and passages.

:class:`SentenceSignals` is mixed into :class:`assistant.answer.ExtractiveAnswerer`:
it turns (question, passages) into the feature rows of
:data:`assistant.sentence_model.FEATURES` (one per sentence) and
:data:`~assistant.sentence_model.PASSAGE_FEATURES` (one per passage), and scores
passages for the retriever's rerank. What it works out of a passage (its
sentences, its words, its sentences' vectors) is remembered per text: the rerank
sees the same passages question after question (100 → 18 ms a question).
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import replace

import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from .conversation import contextual_query, is_follow_up, user_turns
from .glossary import translations
from .lexical import STOP
from .lexicon import Lexicon
from .metadata import LEG_RANKS
from .scoring import (
    GENERIC,
    NAME,
    Sentence,
    SentenceScorer,
    passage_sentences,
    question_focus,
    question_needs,
)
from .sentence_model import FEATURES, PASSAGE_FEATURES, SentenceModel
from .text import detect_language, fold, words


def _unnamed(query: str) -> str:
    """The query without its names: what it asks about them. The encoder's closeness
    of a whole question is led by its names, which every sentence of an article
    about them shares."""
    return re.sub(r"\s+", " ", NAME.sub(" ", query)).strip() or query


_SIM, _LEX, _BEST_LEX, _BEST_SIM = (FEATURES.index(f) for f in (
    "sim", "lex", "best_lex", "best_sim"))
_COMPOUND = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)+")


def compounds_in(text: str) -> set[str]:
    """The hyphenated compounds of a folded text, and each run of two or more of
    their parts: "Port-Clairvaux-les-Dunes" holds "port-clairvaux" too, which is the
    name a question reads in it (a lower-case word ends a name in a question)."""
    out: set[str] = set()
    for chain in _COMPOUND.findall(text):
        parts = chain.split("-")
        out.update("-".join(parts[i:j]) for i in range(len(parts))
                   for j in range(i + 2, len(parts) + 1))
    return out


_JOIN = re.compile(r"^[\s,]*(?:et|ou|and|or|&|,)?[\s,]*$", re.IGNORECASE)


def name_groups(question: str) -> list[set[str]]:
    """The names a question is about, grouped: names joined by "et/ou/and/or" (or
    side by side, "Elon Musk") are alternatives, any one of which a sentence may hold.
    "Combien Nvidia a-t-il investi dans Mistral ?" → [{nvidia}, {mistral}]."""
    groups: list[set[str]] = []
    end = -1
    for m in NAME.finditer(question):
        name = fold(m.group(0)).split("'")[0]
        if not name or name in STOP or name in GENERIC:
            continue
        if groups and _JOIN.match(question[end:m.start()]):
            groups[-1].add(name)
        else:
            groups.append({name})
        end = m.end()
    return groups


def name_options(question: str) -> list[set[str]]:
    """:func:`name_groups`, each group with its names' translations (what a passage
    may hold instead)."""
    return [g | {t for n in g for t in translations(n)} for g in name_groups(question)]


#: Sentence vectors remembered (about 2 KB each); the other caches hold a tenth.
VECTOR_CACHE_SIZE = 50_000


class SentenceSignals:
    """Feature rows of sentences and passages (see the module's docstring)."""

    scorer: SentenceScorer
    embedder: Embeddings | None
    model: SentenceModel
    rerank_model: SentenceModel
    #: The induced lexicon, for the word vectors of the ``soft`` feature (none: 0).
    lexicon: Lexicon | None = None
    _vectors: dict[str, np.ndarray]
    _split: dict[tuple[str, str], list[Sentence]]
    _held_texts: dict[str, frozenset[str]]

    def candidates(self, question: str, passages: list[Document],
                   history: list[dict] | None = None) -> tuple[list[Sentence], np.ndarray]:
        """The passages' sentences and their features (rows in the order of
        :data:`assistant.sentence_model.FEATURES`)."""
        sentences = self._sentences(passages)
        if not sentences:
            return [], np.zeros((0, len(FEATURES)))
        # A follow-up's sentences are judged by what it asks, without the previous
        # question the search keeps (in the answerer: keywords tuning 0.616 → 0.626, test
        # 0.561 either way; in the rerank too: tuning 0.626 → 0.630, test 0.561 → 0.566).
        query = contextual_query(question, history, with_previous=False)
        turns = user_turns(history)
        previous = turns[-1] if turns and is_follow_up(question) else None
        needs = question_needs(question, previous)
        focus = question_focus(question)
        concepts = self.scorer.concepts(query, focus, question)
        total = sum(c.weight for c in concepts) or 1.0
        groups = name_options(question if query == question else query)
        titles = [str(d.metadata.get("title") or "") for d in passages]
        sims = self._similarities(query, [s.text for s in sentences])
        # (The closeness of the question to the sentence with its title and the
        # sentence before was a feature too: the models refitted without it read the
        # same on the test half (recall@3 0.824, keywords 0.538; tuning 0.844 either
        # way), and it was half of the encoder's work on a new pool.)
        plain = self._similarities(_unnamed(query), [s.text for s in sentences])
        soft = self._soft(query, sentences)
        self.scorer.score(query, needs, sentences, focus=focus, question=question)
        rows = []
        firsts = {s.passage: s for s in reversed(sentences)}
        for s, sim, sim_plain, close in zip(sentences, sims, plain, soft, strict=True):
            own = self.scorer.sentence_terms(s)
            lex = self.scorer.lexical(concepts, s)
            lex_own = sum(c.match(own) for c in concepts) / total
            held = self._held(f"{titles[s.passage]}\n{passages[s.passage].page_content}")
            names = sum(bool(g & held) for g in groups) / len(groups) if groups else 1.0
            hit = needs is not None and s.score - lex > 1e-9  # the scorer's type bonus
            rows.append([sim, lex, lex_own, names, float(hit),
                         float(needs is not None and not hit), 1.0 / (1 + s.passage),
                         float(firsts[s.passage] is s), 0.0, 0.0, sim_plain, close])
        x = np.array(rows, dtype=float)
        x[int(np.argmax(x[:, _LEX])), _BEST_LEX] = 1.0
        x[int(np.argmax(x[:, _SIM])), _BEST_SIM] = 1.0
        return sentences, x

    def _soft(self, query: str, sentences: list[Sentence]) -> list[float]:
        """Per sentence, :meth:`Lexicon.closeness` of the query's words to its words."""
        lexicon = self.lexicon
        if lexicon is None:
            return [0.0] * len(sentences)
        key = ("vocabulary rows", lexicon.version)
        return lexicon.closeness(lexicon.question_words(query), [
            s.remember(key, functools.partial(lexicon.known_words, s.text)) for s in sentences])

    def _sentences(self, passages: list[Document]) -> list[Sentence]:
        """The passages' sentences, split once per passage text (the rerank sees the
        same passages question after question); fresh copies, numbered by passage."""
        out: list[Sentence] = []
        for n, doc in enumerate(passages):
            key = (str(doc.metadata.get("section") or ""), doc.page_content)
            split = self._split.get(key)
            if split is None:
                if len(self._split) >= VECTOR_CACHE_SIZE // 10:
                    self._split = {}
                split = self._split[key] = passage_sentences([doc])
            out.extend(replace(x, passage=n, score=0.0) for x in split)
        return out

    def _held(self, text: str) -> frozenset[str]:
        """:meth:`_holds` of a passage's text, worked out once per text."""
        found = self._held_texts.get(text)
        if found is None:
            if len(self._held_texts) >= VECTOR_CACHE_SIZE // 10:
                self._held_texts = {}
            found = self._held_texts[text] = frozenset(self._holds(text))
        return found

    def passage_scores(self, question: str, passages: list[Document],
                       history: list[dict] | None = None) -> list[float]:
        """Per passage, how likely it answers (the rerank model; without one, the
        probability of its best sentence)."""
        x = self.passage_features(question, passages, history)
        if self.rerank_model.applies(x):
            return [float(p) for p in self.rerank_model.probabilities(x)]
        return [float(v) for v in x[:, PASSAGE_FEATURES.index("best_p")]]

    def passage_features(self, question: str, passages: list[Document],
                         history: list[dict] | None = None) -> np.ndarray:
        """Rows of :data:`PASSAGE_FEATURES`, one per passage."""
        sentences, x = self.candidates(question, passages, history)
        probs = self.model.probabilities(x) if len(x) else np.zeros(0)
        lang = detect_language(question)
        sim, lex, names, plain, soft = (FEATURES.index(f) for f in (
            "sim", "lex", "names", "sim_plain", "soft"))
        rows = []
        for n, doc in enumerate(passages):
            mine = [i for i, s in enumerate(sentences) if s.passage == n]
            # each sentence feature's highest value in the passage (0 without sentences)
            best = x[mine].max(axis=0) if mine else np.zeros(len(FEATURES))
            ranks = doc.metadata.get(LEG_RANKS) or {}
            rr = [1.0 / (1 + ranks[k]) if k in ranks else 0.0 for k in ("bm25", "dense", "multi")]
            cross = float(str(doc.metadata.get("language") or lang) != lang)
            rows.append([float(doc.metadata.get("score") or 0.0), *rr,
                         float(probs[mine].max()) if mine else 0.0,
                         best[sim], best[lex], best[names],
                         cross, cross * rr[2], cross * rr[0],
                         best[plain], best[soft],
                         math.log1p(len(doc.page_content))])
        return np.array(rows, dtype=float).reshape(len(passages), len(PASSAGE_FEATURES))

    def names_held(self, question: str, passages: list[Document]) -> bool:
        """Does some passage (or its title) hold each name the question is about?"""
        groups = name_options(question)
        held = self._holds("\n".join(f"{d.metadata.get('title') or ''}\n{d.page_content}"
                                      for d in passages))
        return all(g & held for g in groups)

    def _holds(self, text: str) -> set[str]:
        """The folded words, hyphenated compounds and stems of a text, to check what it
        mentions. (A name such as "Saint-Cyr" stays whole in a question; the words
        are cut at the hyphen: without the compounds, every question naming it was
        refused, as a new user found.)"""
        return ({fold(w) for w in words(text)} | compounds_in(fold(text))
                | set(self.scorer.analyzer.query_terms(text)))

    def _similarities(self, query: str, texts: list[str]) -> list[float]:
        """Cosine of the query and each text (the texts' vectors are remembered: the
        same passages come back question after question)."""
        if self.embedder is None:
            return [0.0] * len(texts)
        got = {t: self._vectors.get(t) for t in [query, *texts]}
        todo = [t for t, v in got.items() if v is None]
        if todo:
            if len(self._vectors) + len(todo) > VECTOR_CACHE_SIZE:
                self._vectors = {}  # a new dict: other threads keep reading the old one
            for t, v in zip(todo, self.embedder.embed_documents(todo), strict=True):
                got[t] = self._vectors[t] = np.asarray(v, dtype=np.float32)
        q = got[query]
        return [float(got[t] @ q) for t in texts]  # type: ignore[operator]
