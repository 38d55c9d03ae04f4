"""Scoring sentences against a question, shared by reranking and answering.

A sentence scores by the question's terms it holds (weighted by rarity; terms
found only in its context — the sentence before it and its section title —
count half), and by whether it holds the kind of thing asked for: an amount
for "how much", a number for "how many", a date for "when", a name for "who".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from langchain_core.documents import Document

from .glossary import expand, translations
from .lexical import Analyzer
from .text import fold, split_sentences, words

NAME_WEIGHT = 2.0
SYNONYM_SHARE = 0.7
TYPE_BONUS = 0.25


@dataclass(frozen=True)
class Concept:
    """A content word of the question: its own stems, its translations' and
    synonyms' stems, its weight, and how much a synonym match is worth."""

    own: frozenset[str]
    alts: frozenset[str]
    weight: float
    alt_share: float

    def match(self, terms: set[str]) -> float:
        """Weight earned in a text with these terms."""
        if self.own & terms:
            return self.weight
        return self.weight * self.alt_share if self.alts & terms else 0.0

_AMOUNT = re.compile(
    r"\d[\d\s.,]*\s*(milliards?|millions?|billions?|md|mds|k|%|€|\$|dollars|euros)|"
    r"\b(un|une|deux|trois|quatre|cinq|dix)\s+(milliards?|millions?)\b|"
    r"\b(dizaines?|centaines?|milliers|millions|milliards|tens|hundreds|thousands)\s+"
    r"(de\s+|of\s+)?(milliers\s+de\s+|millions\s+de\s+|milliards\s+de\s+)?(dollars|euros)",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\b\d+([.,]\d+)?\b|\b(un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|douze|"
    r"one|two|three|four|five|six|seven|eight|nine|ten|dozen)\b",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"\b(19|20)\d{2}\b|\b(janvier|février|mars|avril|mai|juin|juillet|août|septembre|"
    r"octobre|novembre|décembre|january|february|march|april|may|june|july|august|"
    r"september|october|november|december|semaine|week)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<!^)\b[A-Z][\w’'-]+|\b\w*[a-z][A-Z]\w*|\b[A-Z]{2,}\w*")

# Question type → what the answering sentence must look like.
_TYPES = [
    ("amount", re.compile(
        r"\b(combien d[’']argent|how much|quel montant|what amount|how big|"
        r"combien .*(lev|invest|inject|financ|pes|vaut|valoris|co[uû]t)|"
        r"raised|invested|valuation)", re.IGNORECASE), _AMOUNT),
    ("count", re.compile(r"\b(combien de|combien d[’']|how many)\b", re.IGNORECASE), _NUMBER),
    ("date", re.compile(
        r"\b(quand|en quelle année|quelle année|depuis quand|when|what year|which year|"
        r"in what year)\b", re.IGNORECASE), _DATE),
    ("name", re.compile(
        r"\b(qui|quel(le)?s?|lequel|laquelle|who|which|what is the name|what are|"
        r"called|named)\b", re.IGNORECASE), _NAME),
    ("reason", re.compile(r"\b(pourquoi|why|for what reason)\b", re.IGNORECASE), None),
]



@dataclass
class Sentence:
    """A sentence of a retrieved passage; ``context`` adds its section and predecessor."""

    text: str
    passage: int
    context: str
    score: float = 0.0


def question_type(question: str) -> tuple[str, re.Pattern | None]:
    """('amount' | 'count' | 'date' | 'name' | 'reason' | 'other', pattern it needs)."""
    for name, asks, needs in _TYPES:
        if asks.search(question):
            return name, needs
    return "other", None


def question_needs(question: str, previous: str | None = None) -> re.Pattern | None:
    """What the answering sentence must hold; a follow-up inherits its previous question's."""
    kind, needs = question_type(question)
    if kind == "other" and previous:
        kind, needs = question_type(previous)
    return needs


def passage_sentences(passages: list[Document]) -> list[Sentence]:
    """The sentences of each passage (of three words or more), in order."""
    out: list[Sentence] = []
    for n, doc in enumerate(passages):
        section = str(doc.metadata.get("section") or "")
        previous = ""
        for sent in split_sentences(doc.page_content):
            if len(words(sent)) >= 3:
                out.append(Sentence(sent, n, f"{section}\n{previous}\n{sent}"))
            previous = sent
    return out


class SentenceScorer:
    """Lexical and answer-type score of sentences for a question.

    Each content word of the question is one *concept*, matched by its stems
    (French or English) or by those of its French translations. ``idf`` gives a
    term's rarity among the passages, 0 for a term no passage has (default:
    every term 1); a concept weighs as its rarest known alternative.
    """

    def __init__(self, analyzer: Analyzer, idf: Callable[[str], float] | None = None):
        self.analyzer = analyzer
        self.idf = idf or (lambda _: 1.0)

    def terms(self, text: str) -> set[str]:
        """Query terms of a text, English words also translated to French."""
        return set(self.analyzer.query_terms(expand(text)))

    def concepts(self, query: str) -> list[Concept]:
        """One :class:`Concept` per content word of the question."""
        out: dict[frozenset[str], Concept] = {}
        names = {fold(m.group(0)) for m in _NAME.finditer(query)}
        for word in self.analyzer.content_words(query):
            own = frozenset(self.analyzer.query_terms(word))
            alts = frozenset(self.analyzer.query_terms(" ".join(translations(word)))) - own
            weight = max((self.idf(t) for t in own | alts), default=0.0)
            if weight > 0:
                # Names say what the question is about: a sentence about another
                # company must not win on the other words.
                weight *= NAME_WEIGHT if word in names else 1.0
                # A synonym is weaker evidence than the word itself, unless the word
                # cannot occur (an English word in French articles).
                alt_share = SYNONYM_SHARE if any(self.idf(t) for t in own) else 1.0
                out[own | alts] = Concept(own, alts, weight, alt_share)
        return list(out.values())

    def lexical(self, concepts: list[Concept], sentence: Sentence) -> float:
        """Share (rarity-weighted) of the question's concepts in the sentence, 0..1;
        a concept found only in the sentence's context counts half."""
        total = sum(c.weight for c in concepts)
        if not total:
            return 0.0
        own = set(self.analyzer.query_terms(sentence.text))
        ctx = set(self.analyzer.query_terms(sentence.context))
        got = sum(max(c.match(own), 0.5 * c.match(ctx)) for c in concepts)
        return got / total

    def score(self, query: str, needs: re.Pattern | None, sentences: list[Sentence]) -> None:
        """Set each sentence's ``score``: lexical share + answer-type bonus."""
        concepts = self.concepts(query)
        asked = {fold(m.group(0)) for m in _NAME.finditer(query)}
        for s in sentences:
            if needs is _NAME:  # "who/which": a name the question does not already give
                hit = any(fold(m.group(0)) not in asked for m in _NAME.finditer(s.text))
            else:
                hit = needs is not None and bool(needs.search(s.text))
            s.score = self.lexical(concepts, s) + (TYPE_BONUS if hit else 0.0)
