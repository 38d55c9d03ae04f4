"""Scoring sentences against a question, shared by reranking and answering.

A sentence scores by the question's terms it holds (weighted by rarity; terms
found only in its context — the sentence before it and its section title —
count half), and by whether it holds the kind of thing asked for: an amount
for "how much", a number for "how many", a date for "when", a name for "who".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from langchain_core.documents import Document

from .glossary import compounds, expand, translations
from .lexical import STOP, Analyzer
from .text import fold, split_sentences, words

NAME_WEIGHT = 2.0
FOCUS_WEIGHT = 1.5
CONTEXT_SHARE = 0.5
FOCUS_CONTEXT_SHARE = 0.25
SYNONYM_SHARE = 0.7
TYPE_BONUS = 0.25
#: Extra, when the new name stands beside the thing asked for ("son modèle Claude").
NEAR_BONUS = 0.25
#: Words between a number and the noun it counts ("cinq anciens", "une douzaine de start-up").
COUNT_WINDOW = 3


@dataclass(frozen=True)
class Concept:
    """A content word of the question: its own stems, its translations' and
    synonyms' stems, its weight, and how much a synonym match is worth."""

    own: frozenset[str]
    alts: frozenset[str]
    weight: float
    alt_share: float
    #: Share earned when the word is only in the sentence's context: a name
    #: (the subject, set earlier in the paragraph) keeps most of it; the thing
    #: asked for must be in the sentence itself.
    context_share: float = CONTEXT_SHARE
    name: bool = False

    def match(self, terms: AbstractSet[str]) -> float:
        """Weight earned in a text with these terms."""
        if self.own & terms:
            return self.weight
        return self.weight * self.alt_share if self.alts & terms else 0.0

# "dix fois moins", "three times more": a ratio answers "how much" too.
_RATIO = r"\b(\d+|deux|trois|quatre|cinq|dix|cent|two|three|four|five|ten|hundred)\s+(fois|times)\b"
_AMOUNT = re.compile(
    r"\d[\d\s.,]*\s*(milliards?|millions?|billions?|md|mds|k|%|€|\$|£|dollars|euros|"
    r"livres|pounds|pence|percent|per\s+cent|pour\s+cent)|[£$€]\s?\d|"
    r"\b(un|une|deux|trois|quatre|cinq|dix)\s+(milliards?|millions?)\b|"
    r"\b(dizaines?|centaines?|milliers|millions|milliards|tens|hundreds|thousands)\s+"
    r"(de\s+|of\s+)?(milliers\s+de\s+|millions\s+de\s+|milliards\s+de\s+)?(dollars|euros)|"
    + _RATIO,
    re.IGNORECASE,
)
_NUMBER = re.compile(
    # the cardinal words of both languages (a closed class): "Quarante stations"
    r"\b\d+([.,]\d+)?\b|\b(un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|"
    r"douze|treize|quatorze|quinze|seize|vingts?|trente|quarante|cinquante|soixante|"
    r"septante|huitante|nonante|cents?|mille|douzaines?|dizaines?|centaines?|milliers|moitié|"
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|hundreds?|thousands?|dozens?|half)\b",
    re.IGNORECASE,
)
# (hours and minutes too: "le trajet dure 14 minutes" answers "combien de temps", which
# a new user saw refused; no dev question moved)
_UNIT = (r"(?:semaines?|mois|jours?|ans|an|années?|heures?|minutes?|weeks?|months?|days?|"
         r"years?|hours?)")
_DATE = re.compile(
    r"\b(19|20)\d{2}\b|\b(janvier|février|mars|avril|mai|juin|juillet|août|septembre|"
    r"octobre|novembre|décembre|january|february|march|april|(?-i:May)|june|july|august|"
    r"september|october|november|december)\b|"
    # a duration or a relative date, not a bare unit ("à ce jour" is no date)
    r"\b(\d+|un|une|deux|trois|quatre|cinq|six|dix|quelques|plusieurs|one|two|three|"
    rf"four|five|six|ten|few|several)\s+(et demi\s+)?{_UNIT}\b|"
    rf"\b(cette|this|last|next)\s+{_UNIT}\b|\bce\s+mois\b|"
    rf"\b{_UNIT}\s+(dernier|dernière|derniers|dernières|prochain|prochaine|passé|passée)\b|"
    r"\b(aujourd[’']hui|hier|today|yesterday)\b",
    re.IGNORECASE,
)
# English writes months and weekdays with a capital; they are no names (a closed
# class: "December" weighed as a name led "What valuation does xAI's December
# round give…?" to every sentence saying "décembre").
_CALENDAR = (r"(?:January|February|March|April|May|June|July|August|September|October|"
             r"November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)")
# A hyphen and a word in lower case end a name: "the *Lyon*-based group".
_NAME = re.compile(rf"(?<!^)\b(?!{_CALENDAR}\b)[A-Z][\w’']+(?:-(?![a-z])[\w’']+)*"
                   r"|\b\w*[a-z][A-Z]\w*|\b[A-Z]{2,}\w*")
#: Public names of the answer-type patterns, for the answerer's modules.
NUMBER, NAME = _NUMBER, _NAME

# Words for the form of the answer, not its content: "quel *surnom*…", "what *role*…".
_FORM_NOUNS = (
    "surnom rang qualité qualificatif portée méthode manière façon rôle terme expression "
    "mot image niveau nickname rank role way method term word label phrase level"
).split()
# Such a question asks for a phrase, not a name.
_FORM_ASKED = re.compile(
    rf"\b(?:quel(?:le)?s?|which|what)\s+(?:{'|'.join(_FORM_NOUNS)})s?\b", re.IGNORECASE)

# Question type → what the answering sentence must look like.
_TYPES = [
    ("date", re.compile(
        r"\b(quand|en quelle année|quelle année|depuis quand|when|what year|which year|"
        r"in what year|combien de temps|how long|(?:à |a )?quelle date|quel mois|"
        r"(?:on |at )?(?:what|which) (?:date|day|month))\b", re.IGNORECASE), _DATE),
    ("amount", re.compile(
        r"\b(combien d[’']argent|combien(?!\s*d[e’'])|how much|montant|what amount|how big|"
        r"combien .*(lev|invest|inject|financ|pes|vaut|valoris|co[uû]t)|"
        r"raised|invested|valuation)", re.IGNORECASE), _AMOUNT),
    ("count", re.compile(r"\b(combien de|combien d[’']|how many)\b", re.IGNORECASE), _NUMBER),
    ("name", re.compile(
        r"\b(qui|quel(le)?s?|lequel|laquelle|who|which|what is the name|what are|"
        r"called|named)\b", re.IGNORECASE), _NAME),
    ("reason", re.compile(r"\b(pourquoi|why|for what reason)\b", re.IGNORECASE), None),
]



# Nouns that only say "a thing" and tell nothing about what is asked.
GENERIC = {fold(w) for w in (
    "montant somme chose nom année an date entreprise entreprises société sociétés "
    "start-up startup start-ups startups start up firme groupe autre autres article articles "
    "selon amount thing name year date company companies firm firms business other "
    "one ones kind type part total argent money temps time durée "
    # a date's units: "in which *month*" asks for a date, which the date check covers
    "mois jour jours semaine semaines month months day days week weeks "
    # "quel *géant*", "which *giant*": a company
    "géant géants giant giants"
).split()} | {fold(w + plural) for w in _FORM_NOUNS for plural in ("", "s")}
# Verbs and words that come between "which/quel" and the thing asked for.
_FILLER = {fold(w) for w in (
    "est sont était étaient a ont fait font sera is are was were be been do does did "
    "has have had will would can could le la les l du de des d un une the a an of "
    # possessive determiners, a closed class the stop list lacks: "what is *its*
    # flagship product" asks for the product
    "its his her their our your my leurs "
    "nom name called appelé more less plus moins tech "
    # how the article puts it: "what does the article *call*…" asks for the thing after
    "call calls describe describes described portray portrays portrayed consider "
    "considers considered qualifie qualifient décrit décrivent"
).split()}
_FOCUS = re.compile(
    r"(?:\b(?:quel(?:le)?s?|lequel|laquelle|lesquel(?:le)?s|what|which|who is|who are|"
    r"who was|how many|how much)\s+|\bcombien\s+d[e’']\s*)((?:[\w’'-]+[\s’']+){0,7}[\w’'-]+)",
    re.IGNORECASE,
)
_VERBS = {fold(w) for w in "est sont était a ont is are was were does did do has have".split()}


def name_keys(text: str) -> set[str]:
    """The names of a text, folded, possessive dropped ("OpenAI's" → "openai")."""
    return {fold(m.group(0)).split("'")[0] for m in _NAME.finditer(text)}


def question_focus(question: str) -> str | None:
    """The thing a question asks for, folded: "Quel est le nom du *modèle*…",
    "How many *employees*…", "What *valuation*…"; None when there is none
    ("What is Mistral doing…": the question asks about a name, not a thing)."""
    m = _FOCUS.search(question)
    if not m:
        return None
    # A hyphenated name is one name, and each of its parts: words() cuts at the
    # hyphen, so "Quéré-Lamarque" read as the thing asked for ("quere").
    names = {part: n.group(0) for n in _NAME.finditer(question)
             for key in [fold(n.group(0)).split("'")[0]] for part in {key, *key.split("-")}}
    counting = question_type(question)[0] == "count"
    previous = ""
    for w in words(m.group(1)):
        f = fold(w)
        if f in names:
            if previous in _VERBS and not re.search(r"['’]s$", names[f]):
                return None
            previous = f
            continue
        previous = f
        if f in _FILLER or f in STOP or len(f) < 3 or _NUMBER.fullmatch(f):
            continue  # "les *trois* trajectoires": the number is not the thing
        if f in GENERIC and not counting:  # "quelle entreprise…": says nothing more
            return None
        return f
    return None


def counts(text: str, focus_terms: set[str], analyzer: Analyzer) -> bool:
    """Does ``text`` put a number right before the counted thing ("cinq anciens")?"""
    tokens = words(text)
    return any(_NUMBER.fullmatch(tok) and names_next(
        " ".join(tokens[i + 1 : i + 1 + COUNT_WINDOW]), focus_terms, analyzer)
        for i, tok in enumerate(tokens))


def names_next(text: str, focus_terms: set[str], analyzer: Analyzer) -> bool:
    """Do the first words of ``text`` name the counted thing (its forms: ``focus_terms``)?"""
    window = " ".join(words(text)[:COUNT_WINDOW])
    return bool(focus_terms & ({fold(w) for w in words(window)}
                               | set(analyzer.query_terms(window))))


def names_near(text: str, focus_terms: set[str], asked: set[str],
               analyzer: Analyzer, terms: set[str] | frozenset[str] | None = None) -> bool:
    """Does ``text`` hold a new name right beside the thing asked for ("son modèle
    *Claude*", "the *Llama* models")? ``terms``: the text's query terms, if known."""
    if not focus_terms & (terms if terms is not None else set(analyzer.query_terms(text))):
        return False  # most sentences: no need to look word by word
    tokens = re.findall(r"[\w’'-]+", text)
    at = [i for i, t in enumerate(tokens)
          if fold(t) in focus_terms or focus_terms & set(analyzer.query_terms(t))]
    for i in at:
        for j in range(max(1, i - COUNT_WINDOW), min(len(tokens), i + COUNT_WINDOW + 1)):
            t = tokens[j]
            if j != i and t[:1].isupper() and fold(t).split("'")[0] not in asked:
                return True
    return False


@dataclass
class Sentence:
    """A sentence of a retrieved passage; ``context`` adds its section and predecessor."""

    text: str
    passage: int
    context: str
    score: float = 0.0
    #: The sentence model's probability that it answers (set by the answerer).
    likely: float = 0.0
    #: Its article's title, section and whole passage: what the sentence is about.
    topic: str = ""
    #: What is worked out once about the text (its terms, its pattern matches),
    #: shared with the copies ``dataclasses.replace`` makes: the retriever keeps a
    #: passage's sentences and scores copies of them at every question.
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def remember(self, key: Any, make: Callable[[], Any]) -> Any:
        """``make()``, computed on the first call for ``key`` only."""
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = make()
        return found


def question_type(question: str) -> tuple[str, re.Pattern | None]:
    """('amount' | 'count' | 'date' | 'name' | 'reason' | 'other', pattern it needs)."""
    for name, asks, needs in _TYPES:
        if asks.search(question):
            if name == "name" and _FORM_ASKED.search(question):
                return "other", None  # "quel *surnom*…": a phrase, not a name
            return name, needs
    return "other", None


def main_kind(question: str) -> str:
    """The kind of thing the question's first question word asks for: "*How many*
    passengers did the line carry *when* it closed?" asks for a count. (For the item
    written first for the reader; the checks keep :func:`question_type`, whose order
    was chosen on the tuning half.)"""
    found = [(m.start(), n, name) for n, (name, asks, _) in enumerate(_TYPES)
             if name != "name" and (m := asks.search(question))]
    return min(found)[2] if found else question_type(question)[0]


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
        topic = f"{doc.metadata.get('title') or ''}\n{section}\n{doc.page_content}"
        previous = ""
        for sent in split_sentences(doc.page_content):
            if len(words(sent)) >= 3:
                out.append(Sentence(sent, n, f"{section}\n{previous}\n{sent}", topic=topic))
            previous = sent
    return out


def _sentence_names(s: Sentence) -> list[str]:
    """The folded names of a sentence (worked out once)."""
    names: list[str] = s.remember(
        "names", lambda: [fold(m.group(0)) for m in _NAME.finditer(s.text)])
    return names


def _holds(s: Sentence, pattern: re.Pattern) -> bool:
    """Does the sentence match the pattern (worked out once)?"""
    found: bool = s.remember(pattern, lambda: bool(pattern.search(s.text)))
    return found


class SentenceScorer:
    """Lexical and answer-type score of sentences for a question.

    Each content word of the question is one *concept*, matched by its stems
    (French or English) or by those of its French translations. ``idf`` gives a
    term's rarity among the passages, 0 for a term no passage has (default:
    every term 1); a concept weighs as its rarest known alternative. ``rarity`` is
    that idf as a share of the rarest term's (default: every term 1).
    """

    def __init__(self, analyzer: Analyzer, idf: Callable[[str], float] | None = None,
                 translate: Callable[[str], tuple[str, ...]] | None = None,
                 rarity: Callable[[str], float] | None = None):
        self.analyzer = analyzer
        self.idf = idf or (lambda _: 1.0)
        self.rarity = rarity or (lambda _: 1.0)
        #: More words of the other language for a word (the induced lexicon's).
        self.translate = translate

    def translations(self, word: str) -> tuple[str, ...]:
        """The glossary's words for ``word``, then ``translate``'s: French questions
        about English articles have no glossary (it goes English → French). Dev
        corpus, tuning half: recall@3 0.791 → 0.807, keywords 0.525 → 0.541; test
        half: 0.761 → 0.769, keywords 0.513 → 0.521, answered 0.782 → 0.832."""
        found = translations(word)
        if self.translate is None:
            return found
        return found + tuple(t for t in self.translate(word) if t not in found)

    def terms(self, text: str) -> set[str]:
        """Query terms of a text, English words also translated to French."""
        return set(self.analyzer.query_terms(expand(text)))

    def concepts(self, query: str, focus: str | None = None,
                 question: str | None = None) -> list[Concept]:
        """One :class:`Concept` per content word of ``query``; the thing asked for
        (``focus``) and the names of ``question`` weigh more (names a follow-up's
        query carries from the conversation only set the context)."""
        out: dict[frozenset[str], Concept] = {}
        names = name_keys(question or query)
        ws = self.analyzer.content_words(query)
        for word in [*ws, *compounds(ws)]:
            own = frozenset(self.analyzer.query_terms(word))
            alts = frozenset(self.analyzer.query_terms(" ".join(self.translations(word)))) - own
            weight = max((self.idf(t) for t in own | alts), default=0.0)
            if weight > 0:
                # Names say what the question is about: a sentence about another
                # company must not win on the other words.
                share = CONTEXT_SHARE
                if word in names:
                    weight *= NAME_WEIGHT
                if focus and fold(word) == focus:
                    weight, share = weight * FOCUS_WEIGHT, FOCUS_CONTEXT_SHARE
                # A synonym is weaker evidence than the word itself, unless the word
                # cannot occur (an English word in French articles).
                alt_share = SYNONYM_SHARE if any(self.idf(t) for t in own) else 1.0
                out[own | alts] = Concept(own, alts, weight, alt_share, share, word in names)
        return list(out.values())

    def lexical(self, concepts: list[Concept], sentence: Sentence) -> float:
        """Share (rarity-weighted) of the question's concepts in the sentence, 0..1;
        a concept found only in the sentence's context counts its ``context_share``,
        a name counts wherever the sentence's passage or title holds it."""
        total = sum(c.weight for c in concepts)
        if not total:
            return 0.0
        own = self.sentence_terms(sentence)
        ctx: frozenset[str] = sentence.remember(
            "context terms", lambda: frozenset(self.analyzer.query_terms(sentence.context)))
        # Among the passages about a company its name tells no sentence from another:
        # the answer often says "the start-up" or "it" (a name held only by the
        # sentence's context earned 0.65 of it before). Dev tuning half: recall@3
        # 0.852 → 0.865, keywords 0.598 → 0.623, answered 0.803 → 0.844, refused 0.50
        # either way; test half 0.824 → 0.819, keywords 0.605 → 0.613, answered
        # 0.840 → 0.857, refused 0.579 → 0.526 (one question).
        topic: frozenset[str] = sentence.remember("topic terms", lambda: frozenset(
            self.analyzer.query_terms(sentence.topic or sentence.context)))
        got = sum(max(c.match(own), c.match(topic)) if c.name
                  else max(c.match(own), c.context_share * c.match(ctx)) for c in concepts)
        return got / total

    def sentence_terms(self, sentence: Sentence) -> frozenset[str]:
        """Query terms of the sentence's own text."""
        terms: frozenset[str] = sentence.remember(
            "terms", lambda: frozenset(self.analyzer.query_terms(sentence.text)))
        return terms

    def asked(self, question: str) -> Callable[[str], bool]:
        """Is a word one of ``question``'s words (by its stems or translations)?"""
        terms = {t for c in self.concepts(question) for t in c.own | c.alts}
        return lambda word: bool(terms & set(self.analyzer.query_terms(word)))

    def focus_terms(self, focus: str) -> set[str]:
        """The forms of the thing asked for: the word, its translations and stems."""
        options = {focus, *self.translations(focus)}
        return options | set(self.analyzer.query_terms(" ".join(options)))

    def score(self, query: str, needs: re.Pattern | None, sentences: list[Sentence],
              focus: str | None = None, question: str | None = None) -> None:
        """Set each sentence's ``score``: lexical share + answer-type bonus. For
        "how many X" the bonus needs a number counting X."""
        concepts = self.concepts(query, focus, question)
        asked = name_keys(query)
        counted = self.focus_terms(focus) if focus and needs is _NUMBER else None
        named = self.focus_terms(focus) if focus and needs is _NAME else None
        for s in sentences:
            if needs is _NAME:  # "who/which": a name the question does not already give
                hit = any(n not in asked for n in _sentence_names(s))
                if named is not None and names_near(s.text, named, asked, self.analyzer,
                                                    self.sentence_terms(s)):
                    s.score = self.lexical(concepts, s) + TYPE_BONUS + NEAR_BONUS
                    continue
            elif counted is not None:
                hit = counts(s.text, counted, self.analyzer)
            else:
                hit = needs is not None and _holds(s, needs)
            s.score = self.lexical(concepts, s) + (TYPE_BONUS if hit else 0.0)



# A second question joined to the first: ", and how long…", " et dans quels bureaux ?".
_WH = (r"how|what|who|whom|whose|when|where|which|why|quel(?:le)?s?|lequel|laquelle|"
       r"combien|qui|quand|où|pourquoi|comment")
_SECOND_PART = re.compile(
    rf",?\s+(?:and|et)\s+(?=(?:(?:in|for|by|at|from|to|of|de|d['’]|dans|à|pour|en|par|"
    rf"sur|depuis)\s+)?(?:{_WH})\b)", re.IGNORECASE)


def question_parts(question: str) -> list[str]:
    """The questions a question joins ("When did X…, and how long…?" → two), each
    kept as written; one part when there is no second question word after "and" /
    "et" (or the first part is too short to stand alone: "Où et quand…")."""
    parts: list[str] = []
    rest = question.strip()
    while True:
        m = _SECOND_PART.search(rest)
        if m is None or len(words(rest[: m.start()])) < 3:
            break
        parts.append(rest[: m.start()].strip())
        rest = rest[m.end():].strip()
    parts.append(rest)
    mark = " ?" if question.rstrip().endswith(" ?") else "?"
    return [p if p.endswith("?") else p + mark for p in parts[:-1]] + parts[-1:]


_ALTERNATIVE = re.compile(r"\s*(?:,|,?\s+(?:or|ou|and|et|vs\.?|versus))\s+", re.IGNORECASE)


_COMPARING = re.compile(
    r"\b(?:compar\w*|more|less|fewer|higher|lower|bigger|larger|smaller|than|each|"
    r"respectively|plus|moins|davantage|respectivement|chacun\w*)\b", re.IGNORECASE)


def compared(question: str) -> list[tuple[str, str]]:
    """A question about several names joined by "or / and / ou / et" ("Which raised
    more, OpenAI or Anthropic?"), once per name, the others left out, with that
    name; [] if none. Each name's figure is answered, as a comparison needs both."""
    spans = [m for m in _NAME.finditer(question)
             if fold(m.group(0)).split("'")[0] not in STOP | GENERIC]
    run = [spans[0]] if spans else []
    for m in spans[1:]:
        if _ALTERNATIVE.fullmatch(question[run[-1].end():m.start()]):
            run.append(m)
        elif len(run) < 2:
            run = [m]
        else:
            break
    if len(run) < 2 or re.search(r"\b(?:between|entre)\s+$", question[:run[0].start()],
                                 re.IGNORECASE):
        return []  # "between Autun and Avallon" is one thing
    if not (_COMPARING.search(question) or re.search(
            r"\b(?:or|ou|vs\.?|versus)\s", question[run[0].end():run[-1].start()])):
        return []  # "When did Amazon and Microsoft decide…?": one thing they did
    start, end = run[0].start(), run[-1].end()
    return [(question[:start] + m.group(0) + question[end:], m.group(0)) for m in run]


def question_musts(question: str) -> list[tuple[str, bool]]:
    """Words the answer's passages must hold: numbers and names (strictly), and the
    thing asked for ("à quelle *valorisation*", "who is the *CEO*")."""
    out = [(w, True) for w in words(question) if w.isdigit() and len(w) >= 2]
    for m in _NAME.finditer(question):
        w = fold(m.group(0)).split("'")[0]
        if w and w not in STOP and w not in GENERIC:
            out.append((w, True))
    focus = question_focus(question)
    if focus and focus not in {m for m, _ in out}:
        out.append((focus, False))
    return out

