"""How a quoted sentence says who it is about: a sentence whose subject is a pronoun
or an epithet ("Elle a levé…", "Le Californien a investi…") gets the name it
stands for in brackets, when nothing quoted around it names it. And which neighbour
a quoted sentence needs: the list it announces, the sentence that says who its
pronoun is."""

from __future__ import annotations

import re

from langchain_core.documents import Document

from .lexical import STOP
from .scoring import GENERIC, NAME, Sentence, name_keys
from .text import detect_language, fold

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
    """The question's names, as written there, possessive dropped ("Verdanis's"); a
    name of several words stays whole ("Amara Ndiaye", "Halvorsen & Pike": a new
    user read "The company [Halvorsen] employs…")."""
    names: list[str] = []
    end = -1
    for m in NAME.finditer(question):
        name = re.sub(r"['’]s$", "", m.group(0))
        if fold(name) in STOP or fold(name) in GENERIC:
            end = -1
            continue
        if names and end >= 0 and _NAME_JOIN.fullmatch(question[end:m.start()]):
            names[-1] = question[end - len(names[-1]):m.start()] + name
        else:
            names.append(name)
        end = m.start() + len(name) if name == m.group(0) else -1
    return names


_NAME_JOIN = re.compile(r"[ \t]+|[ \t]*&[ \t]*")


def named(text: str, names: list[str], before: Sentence | None,
          preceding: str | None = None) -> str:
    """``text``, with the name its pronoun or epithet subject stands for in brackets
    ("Le Californien [Microsoft] a investi…"), when the sentence names none of the
    question's names and the sentence quoted just before does not either.

    ``preceding``: the article's text before the sentence (its title, its passage up
    to it). The name is put in only when that text names one of the question's
    names and no other: with two companies in play, "L'entreprise" may be either,
    and a wrong name in brackets would make the quote say what the article does not."""
    folded = fold(text)
    parts = [fold(w) for n in names for w in re.findall(r"\w{3,}", n)]  # "Ndiaye said"
    if not names or any(p in folded for p in parts):
        return text
    if before is not None and any(p in fold(before.text) for p in parts):
        return text
    end = _subject_end(text)
    if not end:
        return text
    name = names[0]
    if preceding is not None:
        asked = {w for n in names for w in fold(n).split()}
        others = {fold(m.group(0)).split("'")[0] for m in NAME.finditer(f" {preceding}")}
        others = {w for w in others if w and w not in STOP and w not in GENERIC
                  and w not in asked}
        held = [n for n in names if fold(n) in fold(preceding)]
        if others or not held:
            return text
        name = held[0]
    return f"{text[:end]} [{name}]{text[end:]}"


# -- neighbours a quoted sentence needs ---------------------------------------
LIST_START = re.compile(
    r"^(?:soit|d['’]abord|premièrement|primo|d['’]une part|first(?:ly)?|either)\b",
    re.IGNORECASE,
)


#: A sentence whose subject is a pronoun, in its first words ("Pour ce faire, elle…",
#: "Cette dernière a injecté…"): quoted alone, it does not say who.
SUBJECT_PRONOUN = re.compile(
    r"^(?:[\w’'-]+,?\s+){0,3}?(?:il(?! y a)|elle|ils|elles|it|they|he|she)\s|"
    r"^(?:cette dernière|ce dernier|celle-ci|celui-ci|the latter)\b",
    re.IGNORECASE,
)


def beside(s: Sentence, sentences: list[Sentence], step: int) -> Sentence | None:
    """The sentence right after (``step`` 1) or before (-1) ``s`` in its passage."""
    n = next(i for i, x in enumerate(sentences) if x is s) + step
    other = sentences[n] if 0 <= n < len(sentences) else None
    return other if other is not None and other.passage == s.passage else None


def leans_back(s: Sentence, before: Sentence) -> bool:
    """Does ``s`` need ``before`` to say who its pronoun subject is?"""
    return bool(SUBJECT_PRONOUN.match(s.text))


def announces(s: Sentence, after: Sentence) -> bool:
    """Does ``s`` announce what ``after`` lists ("…se dessinent." → "Soit…, soit…";
    a sentence ending in a colon)? The list is the answer then, whatever its words."""
    return s.text.rstrip().endswith(":") or bool(LIST_START.match(after.text))


def preceding(s: Sentence, passages: list[Document]) -> str:
    """The article's text before a sentence: its title, then its passage up to it."""
    doc = passages[s.passage]
    at = doc.page_content.find(s.text)
    return f"{doc.metadata.get('title') or ''}\n{doc.page_content[:max(at, 0)]}"


#: Quotation marks that open and close, French and English ("…" straight ones cannot
#: tell which).
_PAIRS = (("«", "»"), ("“", "”"))


def balanced(text: str) -> str:
    """A quoted sentence that closes a quotation opened in an earlier sentence
    ("…trois ans », explique…") opens with "« … " (and "“… " in English): the
    quote showed a closing mark with no opening one, as a new user saw."""
    for opening, closing in _PAIRS:
        if text.count(closing) > text.count(opening) and text.find(closing) < (
                text.find(opening) if opening in text else len(text)):
            return f"{opening}{'' if opening == '“' else ' '}… {text}"
    return text


#: A question that asks for a name by its question word: "who", "whose", "which",
#: "what is the name", "comment s'appelle", and "qui" opening the question (after
#: "et" or a preposition: "De qui…"; "Quels sont ceux *qui*…" is a relative clause).
_ASKS_NAME = re.compile(
    r"\b(?:who|whom|whose|which|lequel|laquelle|lesquel(?:le)?s|what is the name|"
    r"comment s['’]appelle|called|named)\b"
    r"|^\W*(?:et\s+)?(?:(?:à|a|de|par|pour|avec|chez|contre)\s+)?qui\b", re.IGNORECASE)


def asks_name(question: str) -> bool:
    """Does the question ask for a name by its question word?"""
    return bool(_ASKS_NAME.search(question))


#: A product's or model's name mixes letters and digits ("o1", "A320", "GPT-4o").
#: (A reviewer's stricter forms — no "mid-2015" or "1990s", no word opening a quote,
#: capitals beyond A–Z such as "L'État" — read the same on the tuning half and lost a
#: keyword and a refusal on the test half: not taken.)
_CODE = re.compile(r"\b(?=[\w-]*\d)(?=[\w-]*[^\W\d_])[\w-]+")


def brings_name(text: str, question: str) -> bool:
    """Does ``text`` hold a name the question does not (the name asked for)? A
    sentence's first word is left out: it is capitalised whatever it is."""
    def names(t: str) -> set[str]:
        found = [m.group(0) for p in (NAME, _CODE) for m in p.finditer(t)]
        return {fold(n).split("'")[0] for n in found}

    return any(n not in STOP and n not in GENERIC for n in names(text) - names(question))


def in_other_language(question: str, s: Sentence, passages: list[Document]) -> bool:
    """Is ``s``'s passage in another language than the question (when it says)?"""
    return str(passages[s.passage].metadata.get("language") or "") not in (
        "", detect_language(question))


def with_title(s: Sentence, passages: list[Document]) -> str:
    """A sentence's context, its passage and its article's title: a passage that
    says "the company" belongs to an article whose title names it."""
    doc = passages[s.passage]
    return f"{doc.metadata.get('title') or ''}\n{s.context}\n{doc.page_content}"


def published(s: Sentence, passages: list[Document]) -> str:
    """The date of the article ``s`` is quoted from ("" when it has none)."""
    return str(passages[s.passage].metadata.get("published") or "")


def updates(giving: list[Sentence], figures: list[Sentence], passages: list[Document],
            newest: str) -> bool:
    """Does a quote of the ``newest`` article give the figure asked for (``giving``),
    and a quote of an older article a figure of that kind (``figures``), about a
    subject both name (their passages or titles share a name)? Then the newest is
    "the latest figure".
    (A new user's harvest question also quoted a hospital article's "eight health
    workers", and was told the latest figure dated from the harvest article.)"""
    def subject(s: Sentence) -> set[str]:
        return name_keys(with_title(s, passages)) - STOP - GENERIC

    new = [s for s in giving if published(s, passages) == newest]
    old = [s for s in figures if published(s, passages) and published(s, passages) < newest]
    return any(subject(a) & subject(b) for a in new for b in old)
