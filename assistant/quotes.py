"""How a quoted sentence says who it is about: a sentence whose subject is a pronoun
or an epithet ("Elle a levé…", "Le Californien a investi…") gets the name it
stands for in brackets, when nothing quoted around it names it."""

from __future__ import annotations

import re

from .lexical import STOP
from .scoring import GENERIC, NAME, Sentence
from .text import fold

#: Nouns that stand for an organisation in an epithet (a closed class of the two
#: languages, not words of an article).
_ORGANISATION = {fold(w) for w in (
    "entreprise société start-up startup groupe firme compagnie constructeur "
    "company firm group business maker").split()}
#: The subject of a sentence that does not say who: a pronoun ("Elle a levé…") or an
#: epithet, a determiner before a demonym or an organisation noun ("Le Californien a
#: investi…", "The group said…", "La start-up a levé…").
_PRONOUN = re.compile(r"^(?:il|elle|ils|elles|it|they|he|she)(?=\s)", re.IGNORECASE)
_DETERMINER = re.compile(r"^(?:le|la|les|l['’]|ce|cette|the|this)\s*", re.IGNORECASE)


def _subject_end(text: str) -> int:
    """Where a pronoun or epithet subject opening ``text`` ends; 0 if it has none."""
    m = _PRONOUN.match(text)
    if m:
        return m.end()
    m = _DETERMINER.match(text)
    if not m:
        return 0
    at = m.end()
    for word in re.finditer(r"[\w’'-]+", text[at:at + 60]):
        w = word.group(0)
        if w[:1].isupper() or fold(w) in _ORGANISATION:
            return at + word.end()
        if word.start() > 0 and len(w) > 3:  # an adjective may come first, not a phrase
            break
    return 0


def query_names(question: str) -> list[str]:
    """The question's names, as written there, possessive dropped ("Verdanis's")."""
    names = [re.sub(r"['’]s$", "", m.group(0)) for m in NAME.finditer(question)]
    return [n for n in names if fold(n) not in STOP and fold(n) not in GENERIC]


def named(text: str, names: list[str], before: Sentence | None) -> str:
    """``text``, with the name its pronoun or epithet subject stands for in brackets
    ("Le Californien [Microsoft] a investi…"), when the sentence names none of the
    question's names and the sentence quoted just before does not either."""
    folded = fold(text)
    if not names or any(fold(n) in folded for n in names):
        return text
    if before is not None and any(fold(n) in fold(before.text) for n in names):
        return text
    end = _subject_end(text)
    if not end:
        return text
    return f"{text[:end]} [{names[0]}]{text[end:]}"
