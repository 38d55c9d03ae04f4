"""What fits in an answer: its length, how many sentences, and the sentences that
fill the room left (shared by the extractive answerer and its ablations)."""

from __future__ import annotations

from collections.abc import Callable

from langchain_core.documents import Document

from .crosslang import other_period
from .quotes import published
from .scoring import Sentence, question_type

MAX_ANSWER_CHARS = 600
#: A sentence scoring this share of the best one is quoted too when there is room
#: (after the sentences chosen for what they bring): the best sentence holds the
#: answer for only 62 of 108 tuning questions. Keywords, tuning half 0.451 → 0.525
#: (0.5: 0.516, 0.7: 0.500); test half 0.471 → 0.504.
CLOSE_SHARE = 0.6
#: Up to four sentences while they fit in the length, and the room left after the
#: checks goes to sentences the sentence model gives at least FILL_FLOOR (session 10,
#: three sentences: 0 → 0.590, 0.03 → 0.598, 0.1 → 0.549). Session 14, on the
#: enlarged dev corpus, four sentences and 0.01 against three and 0.03: keywords
#: tuning 0.571 → 0.580, test 0.525 → 0.543, nothing else moved.
MAX_SENTENCES = 4
FILL_FLOOR = 0.01
#: A figure from a newer article joins the answer when its sentence scores at least
#: this share of the best quoted one.
NEWER_SHARE = 0.8


def within(text: str, note: str) -> str:
    """``text`` followed by ``note``, the note shortened to keep the answer's length."""
    room = MAX_ANSWER_CHARS - len(text)
    if len(note) > room:
        note = note[: room - 2].rsplit(" ", 1)[0] + "…)" if room > 20 else ""
    return text + note


def fits(chosen: list[Sentence], s: Sentence) -> bool:
    """Is there room for ``s`` in the answer beside the ``chosen`` sentences?"""
    # Room for the lead, the item written for the reader, markers and dates (~100).
    return sum(len(c.text) + 18 for c in chosen) + len(s.text) <= MAX_ANSWER_CHARS - 100


def fill(chosen: list[Sentence], ranked: list[Sentence], best: float) -> None:
    """Add sentences of ``ranked`` (best first) scoring at least :data:`CLOSE_SHARE`
    of ``best`` while there is room (``chosen`` grows in place)."""
    for s in ranked:
        if len(chosen) == MAX_SENTENCES or s.score < CLOSE_SHARE * best:
            break
        if s not in chosen and fits(chosen, s) and all(c.text != s.text for c in chosen):
            chosen.append(s)


def in_order(chosen: list[Sentence], sentences: list[Sentence]) -> list[Sentence]:
    """``chosen`` in the order ``sentences`` (the articles' order) has them."""
    order = {id(s): n for n, s in enumerate(sentences)}
    return sorted(chosen, key=lambda s: order[id(s)])


def with_newer(question: str, chosen: list[Sentence], sentences: list[Sentence],
               passages: list[Document], about: Callable[[Sentence], bool]) -> list[Sentence]:
    """For "how much / how many": ``chosen`` and a sentence of a *newer* article that
    gives the same kind of figure, scores nearly as well and is ``about`` the question's
    names (the answer then puts it first and says it is the latest figure)."""
    kind, needs = question_type(question)
    if kind not in ("amount", "count") or needs is None:
        return chosen

    def date(s: Sentence) -> str:
        return published(s, passages)

    # Newer than the quotes that give the figure: a new user's quotes held the
    # update's framing sentence ("The cost of the reopening has also risen.") and the
    # older article's figure, and the update's own figure was left out.
    typed = [c for c in chosen if needs.search(c.text)]
    latest = max(date(c) for c in typed or chosen)
    best = max(c.score for c in chosen)
    # (about the question's names too: "the latest figure" of OpenAI's funds was
    # once a newer article's figure for another start-up)
    newer = [s for s in sentences if date(s) > latest and needs.search(s.text)
             and s.score >= NEWER_SHARE * best and s not in chosen and fits(typed, s)
             and not other_period(question, s.text) and about(s)]
    if not newer:
        return chosen
    return [*chosen, max(newer, key=lambda s: (date(s), s.score))]
