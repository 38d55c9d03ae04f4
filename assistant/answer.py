"""Answers: the extractive answerer (no LLM) and the :class:`Answer` it returns.

The extractive answerer reads the retrieved passages sentence by sentence and
keeps, verbatim, the one to three sentences that answer the question, each
with its ``[n]`` marker. It scores a sentence by the question's words it holds,
its meaning (multilingual embedding), and whether it holds the kind of thing
asked for (an amount for "how much", a year for "when"…). It refuses when the
passages miss a name, a number or the very thing the question asks about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from .glossary import translations
from .lexical import STOP, Analyzer
from .retrieval import contextual_query, is_follow_up, user_turns
from .text import detect_language, fold, split_sentences, words

MAX_ANSWER_CHARS = 600
MAX_SENTENCES = 3

MESSAGES = {
    "fr": {
        "empty": "Posez une question sur les articles indexés.",
        "refuse": "Les articles indexés ne répondent pas à cette question.",
        "one": "D’après l’article :",
        "many": "D’après les articles :",
    },
    "en": {
        "empty": "Please type a question about the indexed articles.",
        "refuse": "The indexed articles don't answer this question.",
        "one": "According to the article:",
        "many": "According to the articles:",
    },
}

_AMOUNT = re.compile(
    r"\d[\d\s.,]*\s*(milliards?|millions?|billions?|md|mds|k|%|€|\$|dollars|euros)|"
    r"\b(un|une|deux|trois|quatre|cinq|dix)\s+(milliards?|millions?)\b",
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

# Nouns that only say "a thing" and tell nothing about what is asked.
_GENERIC = {fold(w) for w in (
    "montant somme chose nom année an date entreprise entreprises société sociétés "
    "start-up startup start up firme groupe autre autres article articles selon "
    "amount thing name year date company companies firm firms business other "
    "one ones kind type part total argent money"
).split()}

_FOCUS = re.compile(
    r"\b(?:quel(?:le)?s?|à quel(?:le)?s?|what|which|who is the|who are the|"
    r"what is the|what are the|what was the)\s+((?:[\w’'-]+\s+){0,2}[\w’'-]+)",
    re.IGNORECASE,
)


@dataclass
class Answer:
    """An answer: ``text`` with ``[n]`` markers; ``sources[n-1]`` is passage n.

    ``sources`` is empty exactly when the assistant says the articles do not
    answer. ``mode`` names the answerer; ``notice`` tells of a fallback.
    """

    text: str
    sources: list[Document] = field(default_factory=list)
    mode: str = "extractive"
    language: str = "en"
    notice: str = ""
    quotes: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        """True when the articles did not answer."""
        return not self.sources


@dataclass
class _Sentence:
    text: str
    passage: int
    context: str  # the sentence with the one before it and its section title
    score: float = 0.0


def question_type(question: str) -> tuple[str, re.Pattern | None]:
    """('amount' | 'count' | 'date' | 'name' | 'reason' | 'other', pattern it needs)."""
    for name, asks, needs in _TYPES:
        if asks.search(question):
            return name, needs
    return "other", None


class ExtractiveAnswerer:
    """Builds a short, cited, verbatim answer from retrieved passages (no LLM)."""

    def __init__(self, analyzer: Analyzer, embedder: Embeddings | None = None,
                 min_score: float = 0.35):
        self.analyzer = analyzer
        self.embedder = embedder
        self.min_score = min_score

    # -- messages ----------------------------------------------------------
    def empty(self, question: str) -> Answer:
        """The answer to an empty question."""
        lang = detect_language(question) if question else "en"
        return Answer(MESSAGES[lang]["empty"], language=lang)

    def refusal(self, lang: str) -> Answer:
        """The answer when the passages do not answer."""
        return Answer(MESSAGES[lang]["refuse"], language=lang)

    # -- answering ---------------------------------------------------------
    def answer(self, question: str, passages: list[Document],
               history: list[dict] | None = None) -> Answer:
        """Answer ``question`` from ``passages`` (best first), or refuse."""
        lang = detect_language(question)
        if not passages:
            return self.refusal(lang)
        query = contextual_query(question, history)
        kind, needs = question_type(question)
        if kind == "other" and is_follow_up(question) and user_turns(history):
            kind, needs = question_type(user_turns(history)[-1])
        sentences = self._sentences(passages)
        if not sentences:
            return self.refusal(lang)
        self._score(query, sentences, needs, len(passages))
        chosen = self._choose(query, sentences)
        if not chosen or not self._covers(question, query, [s.context for s in chosen]):
            return self.refusal(lang)
        return self._compose(lang, chosen, passages)

    def _sentences(self, passages: list[Document]) -> list[_Sentence]:
        out: list[_Sentence] = []
        for n, doc in enumerate(passages):
            section = str(doc.metadata.get("section") or "")
            previous = ""
            for sent in split_sentences(doc.page_content):
                if len(words(sent)) >= 3:
                    out.append(_Sentence(sent, n, f"{section}\n{previous}\n{sent}"))
                previous = sent
        return out

    def _terms(self, text: str) -> set[str]:
        return set(self.analyzer.query_terms(_with_translations(text)))

    def _score(self, query: str, sentences: list[_Sentence], needs: re.Pattern | None,
               n_passages: int) -> None:
        q_terms = self._terms(query)
        sims = self._similarities(query, [s.text for s in sentences])
        for s, sim in zip(sentences, sims, strict=True):
            own = set(self.analyzer.query_terms(s.text))
            ctx = set(self.analyzer.query_terms(s.context))
            lex = (len(q_terms & own) + 0.5 * len(q_terms & (ctx - own))) / max(1, len(q_terms))
            kind = 0.25 if needs is not None and needs.search(s.text) else 0.0
            rank = 0.1 * (1 - s.passage / max(1, n_passages))
            s.score = 0.45 * sim + 0.6 * min(lex, 1.0) + kind + rank

    def _similarities(self, query: str, texts: list[str]) -> list[float]:
        if self.embedder is None:
            return [0.0] * len(texts)
        vecs = np.array(self.embedder.embed_documents([query, *texts]))
        return [float(v) for v in vecs[1:] @ vecs[0]]

    def _choose(self, query: str, sentences: list[_Sentence]) -> list[_Sentence]:
        ranked = sorted(sentences, key=lambda s: -s.score)
        best = ranked[0]
        if best.score < self.min_score:
            return []
        chosen = [best]
        q_terms = self._terms(query)
        covered = q_terms & set(self.analyzer.query_terms(best.context))
        length = len(best.text)
        for s in ranked[1:]:
            if len(chosen) == MAX_SENTENCES or s.score < 0.75 * best.score:
                break
            gain = (q_terms & set(self.analyzer.query_terms(s.context))) - covered
            if gain and length + len(s.text) + 8 <= MAX_ANSWER_CHARS - 40:
                chosen.append(s)
                covered |= gain
                length += len(s.text) + 5
        order = {id(s): n for n, s in enumerate(sentences)}
        return sorted(chosen, key=lambda s: order[id(s)])

    def _covers(self, question: str, query: str, contexts: list[str]) -> bool:
        """Do the chosen sentences hold every name, number and the thing asked for?"""
        have = set()
        for c in contexts:
            have |= {fold(w) for w in words(c)}
            have |= set(self.analyzer.query_terms(c))
        english = detect_language(question) == "en"
        for must, strict in _musts(question):
            if english and not strict and not translations(must):
                continue  # an English word we cannot translate: no evidence either way
            options = {must, *translations(must)}
            stems = set(self.analyzer.query_terms(" ".join(options)))
            if not (options & have or stems & have):
                return False
        return True

    def _compose(self, lang: str, chosen: list[_Sentence], passages: list[Document]) -> Answer:
        markers: dict[int, int] = {}
        parts = []
        for s in chosen:
            n = markers.setdefault(s.passage, len(markers) + 1)
            parts.append(f"{s.text} [{n}]")
        articles = {passages[p].metadata.get("article_id") for p in markers}
        lead = MESSAGES[lang]["one" if len(articles) == 1 else "many"]
        text = f"{lead} {' '.join(parts)}"
        if len(text) > MAX_ANSWER_CHARS:
            text = text[: MAX_ANSWER_CHARS - 5].rsplit(" ", 1)[0] + f"… [{len(markers)}]"
        sources = [passages[p] for p in sorted(markers, key=markers.get)]
        return Answer(text, sources, language=lang, quotes=[s.text for s in chosen])


def _with_translations(text: str) -> str:
    extra = [t for w in words(text) for t in translations(w)]
    return f"{text} {' '.join(extra)}"


def _musts(question: str) -> list[tuple[str, bool]]:
    """Words the answer's passages must hold: numbers and names (strictly), and the
    thing asked for ("à quelle *valorisation*", "who is the *CEO*")."""
    out = [(w, True) for w in words(question) if w.isdigit() and len(w) >= 2]
    for m in _NAME.finditer(question):
        w = fold(m.group(0)).split("'")[0]
        if w and w not in STOP and w not in _GENERIC:
            out.append((w, True))
    focus = _FOCUS.search(question)
    if focus:
        for w in words(focus.group(1)):
            if w not in STOP and w not in _GENERIC and len(w) > 2:
                out.append((w, False))
                break
    return out
