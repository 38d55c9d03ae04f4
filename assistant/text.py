"""Small text helpers shared by chunking, retrieval and answering.

Sentence splitting and language guessing are hand-written: the corpus is news
prose in French or English, a regex splits it correctly (checked on the seed
article), and NLTK/spaCy would need data downloads these machines cannot make.
"""

from __future__ import annotations

import re
import unicodedata

# A sentence ends at . ! ? or …, or right after a closing quote or bracket that follows
# one ('…reached the kitchen." Fire crews…' was one sentence to a new user's eyes).
_SENTENCE_END = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][”\"»)\]])|(?<=[.!?…]\s»))\s+"
                           r"(?=[«“\"(\[A-ZÀ-ÖØ-Þ0-9–-])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")

FRENCH_HINTS = frozenset(
    "le la les un une des du de et est sont qui que quoi quel quelle quels quelles "
    "combien pourquoi comment quand où dans pour avec sur par au aux ce cette ces "
    "il elle ils elles a-t-il a-t-elle t-il t-elle selon son sa ses leur depuis "
    "été ont avait été lui nous vous".split()
)
ENGLISH_HINTS = frozenset(
    "the a an of and is are was were who what which when where why how much many "
    "did does do has have had in on for with by to its their it this that from "
    "according article so far first".split()
)


def clean(text: str) -> str:
    """Drop control and invisible characters, normalise Unicode and spaces."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text)
    return re.sub(r"[ \t\u00a0\u202f]+", " ", text).strip()


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences (French or English news prose)."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if line:
            out.extend(s.strip() for s in _SENTENCE_END.split(line) if s.strip())
    return out


def fold(text: str) -> str:
    """Lowercase, strip accents and unify apostrophes (for matching, not display)."""
    text = text.lower().replace("’", "'").replace("ʼ", "'")
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Folded word tokens; French elisions (l', d', qu'…) are cut off."""
    toks = re.findall(r"[a-z0-9]+(?:[.,][0-9]+)?", fold(text).replace("'", " "))
    return [t for t in toks if t]


def detect_language(text: str) -> str:
    """Guess 'fr' or 'en' for a question or passage (default 'fr' on a tie with accents)."""
    toks = re.findall(r"[\w'-]+", text.lower().replace("’", "'"))
    fr = sum(t in FRENCH_HINTS or t.startswith(("l'", "d'", "qu'", "s'", "n'")) for t in toks)
    en = sum(t in ENGLISH_HINTS for t in toks)
    if fr == en:
        return "fr" if re.search(r"[éèêàçùâîôû]", text.lower()) else "en"
    return "fr" if fr > en else "en"
