"""The key item of a quote, written for a reader of the other language.

No translation model can be had offline, so whole sentences are never translated:
only the item a question asks for — an amount, a date, a count — is rewritten in
the reader's conventions ("6,6 milliards de dollars" → "$6.6 billion", "début
octobre 2024" → "early October 2024"), and the quote follows in its own language.
Number words, units, currencies and month names are closed classes of each
language, not vocabulary fitted to an article.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_MONTHS_FR = ("janvier février mars avril mai juin juillet août septembre octobre "
              "novembre décembre").split()
_MONTHS_EN = ("January February March April May June July August September October "
              "November December").split()
_PART_FR = {"début": "early", "mi": "mid", "fin": "late"}
_PART_EN = {"early": "début", "mid": "mi-", "late": "fin"}
_SCALE_FR = {"milliard": "billion", "milliards": "billion", "million": "million",
             "millions": "million", "md": "billion", "mds": "billion", "mrd": "billion"}
_SCALE_EN = {"billion": "milliards", "billions": "milliards", "millions": "millions",
             "bn": "milliards", "b": "milliards",
             "million": "millions", "m": "millions", "mn": "millions"}
_CUR_FR = {"dollars": "$", "d’euros": "€", "d'euros": "€", "euros": "€", "$": "$", "€": "€",
           "de livres": "£", "livres": "£", "£": "£", "euro": "€", "dollar": "$", "livre": "£"}
_CUR_EN = {"$": "de dollars", "€": "d’euros", "£": "de livres", "dollars": "de dollars",
           "euros": "d’euros", "pounds": "de livres"}

_NUM = r"\d+(?:[.,]\d+)?"
AMOUNT_FR = re.compile(
    rf"(?P<n>{_NUM})\s*(?P<scale>milliards?|millions?|mds?|mrd)\s+(?:de\s+)?"
    r"(?P<cur>dollars|d[’']euros|euros|livres)|"
    rf"(?P<n2>{_NUM})\s*(?P<scale2>milliards?|millions?|Mds?|M)\s*(?P<cur2>[$€£])|"
    # a plain price ("un ticket à 1,80 euro", "1 450 euros"): a new user's "how much does
    # a ticket cost?" got the line's "€64.5 million." from the next sentence
    rf"(?P<n3>\d{{1,3}}(?:[ \u00a0\u202f]\d{{3}})+|{_NUM})\s*"
    r"(?P<cur3>euros?\b|dollars?\b|livres?\b|[$€£])",
    re.IGNORECASE)
AMOUNT_EN = re.compile(
    rf"(?P<cur>[$€£])\s?(?P<n>{_NUM})\s*(?P<scale>billion|bn|million|mn|m|b)?\b|"
    rf"(?P<n2>{_NUM})\s*(?P<scale2>billion|million)\s+(?P<cur2>dollars|euros|pounds)",
    re.IGNORECASE)
# Whole words only: "se*mai*ne" holds no month. English "May" counts only with its
# capital (the verb "may" is no date).
DATE_FR = re.compile(
    r"\b(?:(?P<part>début|mi-?|fin)\s*)?(?:(?P<day>\d{1,2})(?:er)?\s+)?"
    rf"(?P<month>{'|'.join(_MONTHS_FR)})\b(?:\s+(?P<year>(?:19|20)\d{{2}}))?",
    re.IGNORECASE)
DATE_EN = re.compile(
    r"\b(?:(?P<part>early|mid|late)[\s-]*)?"
    rf"\b(?P<month>{'|'.join(m for m in _MONTHS_EN if m != 'May')}|(?-i:May))\b"
    r"(?:\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\b,?)?"
    r"(?:\s+(?P<year>(?:19|20)\d{2}))?",
    re.IGNORECASE)


def _fr_number(n: str) -> str:
    """An English number written the French way: "2.5" → "2,5", "1,000" → "1 000"."""
    grouped = _grouped(n, "fr")  # (a comma between groups of three groups thousands)
    return grouped if grouped != n else n.replace(".", ",")


def _en_number(n: str) -> str:
    return n.replace(",", ".")


def amount_for(text: str, article_lang: str, reader_lang: str,
               asked: Callable[[str], bool] | None = None) -> str:
    """The amount of ``text`` written for a ``reader_lang`` reader ("" if none): the
    one nearest a word of the question (``asked`` tells which words are), else the
    first ("funded by the transport authority, which will pay €19 million" answers
    "how much will the authority pay", not the project's €24.6 million before it)."""
    found = list((AMOUNT_FR if article_lang == "fr" else AMOUNT_EN).finditer(text))
    if not found:
        return ""
    m = min(found, key=_nearness(text, asked)) if asked else found[0]
    if article_lang == "fr":
        n, scale, cur = next((m.group(f"n{i}"), m.group(f"scale{i}") if i != "3" else "",
                              m.group(f"cur{i}")) for i in ("", "2", "3") if m.group(f"n{i}"))
        if reader_lang == "fr":
            return m.group(0)
        if not scale:  # "1 450 euros" → "€1,450"
            return f"{_CUR_FR.get(cur.lower(), cur)}{_grouped(_en_number(n), 'en')}"
        unit = _SCALE_FR.get(scale.lower(), "million" if scale.lower().startswith("m") else "")
        return f"{_CUR_FR.get(cur.lower(), cur)}{_en_number(n)} {unit}".strip()
    if reader_lang == "en":
        return m.group(0)
    if m.group("n"):
        n, scale, cur = m.group("n"), m.group("scale") or "", m.group("cur")
    else:
        n, scale, cur = m.group("n2"), m.group("scale2"), m.group("cur2")
    unit = _SCALE_EN.get(scale.lower(), "")
    currency = _CUR_EN.get(cur.lower(), cur)
    if not unit:
        return f"{_fr_number(n)} {currency.split()[-1].removeprefix('d’')}"  # 450 000 euros
    if float(n.replace(",", "")) < 2:  # "1 million", "1,5 milliard": singular below two
        unit = unit.rstrip("s")
    return f"{_fr_number(n)} {unit} {currency}"


def _nearness(text: str, asked: Callable[[str], bool]) -> Callable[[re.Match], int]:
    """A match's distance (characters) to the nearest word of the question in ``text``;
    an amount before the word counts twice its distance: a thing's figure follows it
    ("sa valorisation à 157 milliards", "revenue of $2.8bn"), and the figure before
    is another's ("a levé 6,6 milliards, portant sa valorisation à…")."""
    spots = [w.start() for w in re.finditer(r"[^\W\d_][\w’'-]*", text) if asked(w.group(0))]

    def distance(m: re.Match) -> int:
        return min((m.start() - p if p < m.start() else 2 * (p - m.end()) for p in spots),
                   default=0)
    return distance


#: A season with its year ("autumn 2025"; without a year "fall" is mostly a verb).
_SEASONS = {"spring": "printemps", "summer": "été", "autumn": "automne", "fall": "automne",
            "winter": "hiver"}
_SEASONS_EN = {fr: en for en, fr in _SEASONS.items() if en != "fall"}
_SEASON = re.compile(rf"\b({'|'.join([*_SEASONS, *_SEASONS.values()])})\s+((?:19|20)\d{{2}})\b",
                     re.IGNORECASE)


def _season_for(text: str, reader_lang: str) -> str:
    """The first season-and-year of ``text``, for the reader ("autumn 2025" → "automne
    2025"); "" if none."""
    m = _SEASON.search(text)
    if not m:
        return ""
    season = m.group(1).lower()
    if reader_lang == "fr":
        return f"{_SEASONS.get(season, season)} {m.group(2)}"
    return f"{_SEASONS_EN.get(season, season)} {m.group(2)}"


def date_for(text: str, article_lang: str, reader_lang: str) -> str:
    """The first month-date of ``text`` ("début octobre 2024"), else its first season
    and year ("autumn 2025"), for the reader; "" if none."""
    m = (DATE_FR if article_lang == "fr" else DATE_EN).search(text)
    if not m:
        return _season_for(text, reader_lang)
    if article_lang == reader_lang:
        return m.group(0)
    part, day, year = m.group("part"), m.group("day"), m.group("year")
    if article_lang == "fr":
        month = _MONTHS_EN[_MONTHS_FR.index(m.group("month").lower())]
        lead = _PART_FR.get((part or "").lower().rstrip("-"), "")
        body = (f"{month} {day}," if year else f"{month} {day}") if day else month
        return " ".join(x for x in (lead, body, year) if x)
    names = [x.lower() for x in _MONTHS_EN]
    month = _MONTHS_FR[names.index(m.group("month").lower())]
    lead = _PART_EN.get((part or "").lower(), "")
    body = f"{day} {month}" if day else month
    return " ".join(x for x in (lead, body, year) if x).replace("mi- ", "mi-")


#: A number, its thousands grouped by spaces ("1 100"), commas ("1,100") or neither.
_COUNT = re.compile(r"\b\d{1,3}(?:(?:[ \u00a0\u202f]|,(?=\d{3}\b))\d{3})+\b|\b\d+(?:[.,]\d+)?\b")


def key_item(text: str, kind: str, article_lang: str, reader_lang: str,
             counted: Callable[[str], bool] | None = None,
             asked: Callable[[str], bool] | None = None) -> str:
    """The item a question of ``kind`` (amount, date, count) asks for, found in the
    quoted ``text`` and written for the reader; "" when none is found. ``counted``
    tells whether the text right after a number names the counted thing (then only
    such a number is a count: "each 118 metres long, will carry up to 600
    passengers" gives 600 for "how many passengers"). ``asked``: is a word one of the
    question's (then the amount nearest one is taken)."""
    if kind == "amount":
        return amount_for(text, article_lang, reader_lang, asked)
    if kind == "date":
        found = date_for(text, article_lang, reader_lang)
        if found:
            return found
        year = _YEAR.search(text)
        return year.group(0) if year else ""
    if kind == "count":
        # a count, not the year beside it ("took over in April 2023 … 214 customers"),
        # nor the number of an amount ("values it at $4.2 billion" for "combien de fois")
        money = [m.span() for p in (AMOUNT_FR, AMOUNT_EN) for m in p.finditer(text)]
        numbers = [m for m in _COUNT.finditer(text)
                   if (counted is None or counted(text[m.end():]))
                   and not any(a <= m.start() < b for a, b in money)]
        counts = [m for m in numbers if not _YEAR.fullmatch(m.group(0))] or numbers
        return _with_scale(counts[0], text, article_lang, reader_lang) if counts else ""
    return ""


def _with_scale(count: re.Match, text: str, article_lang: str, reader_lang: str) -> str:
    """A count written for the reader, with the scale word right after it in ``text``
    ("92 million meals" gives "92 millions" to a French reader, not "92": a new user's
    trial)."""
    number = count.group(0)
    after = re.match(r"\s+(\w+)", text[count.end():])
    word = after.group(1).lower() if after else ""
    scale = (_SCALE_FR if article_lang == "fr" else _SCALE_EN).get(word, "")
    if word not in _SCALE_WORDS or not scale or article_lang == reader_lang:
        return _grouped(number, reader_lang)
    if reader_lang == "fr":
        shown = _fr_number(number)
        one = shown in ("0", "1") or shown.startswith("1,")  # "1,5 million": singular
        return f"{shown} {scale.rstrip('s') if one else scale}"
    return f"{_en_number(number)} {scale}"


#: Whole scale words only ("5 m" may be metres).
_SCALE_WORDS = {"million", "millions", "milliard", "milliards", "billion", "billions"}


def _grouped(number: str, lang: str) -> str:
    """``number``'s thousands grouped the reader's way ("1 100" ↔ "1,100")."""
    if not re.fullmatch(r"\d{1,3}(?:[ \u00a0\u202f,]\d{3})+", number):
        return number
    digits = re.sub(r"\D", "", number)
    return f"{int(digits):,}".replace(",", "\u202f" if lang == "fr" else ",")


#: A year (public for the answerer: a question naming one asks for that year's figure).
YEAR = _YEAR = re.compile(r"\b((?:19|20)\d{2})\b")


def other_year(question: str, text: str) -> bool:
    """Does ``text`` name a year, and none of those ``question`` names? ("revenue of
    €3.4 billion in 2023" is no answer to "How much revenue … in 2024?")"""
    asked = set(_YEAR.findall(question))
    years = set(_YEAR.findall(text))
    return bool(asked and years and not asked & years)


#: A quarter of a (fiscal) year, in either language: "Q3", "third quarter",
#: "troisième trimestre", "3e" or "3ème trimestre" (not "T3": a tram line as often).
_QUARTER = re.compile(
    r"\bQ([1-4])\b|\b(first|second|third|fourth|1st|2nd|3rd|4th)[\s-]+quarter\b|"
    r"\b(premier|1er|1re|deuxi[eè]me|second|2e|2[eè]me|troisi[eè]me|3e|3[eè]me|"
    r"quatri[eè]me|4e|4[eè]me)\s+trimestre\b", re.IGNORECASE)


def _quarters(text: str) -> set[int]:
    """The quarters a text names (1–4)."""
    found = set()
    for m in _QUARTER.finditer(text):
        word = (m.group(2) or m.group(3) or "").lower()
        found.add(int(m.group(1)) if m.group(1) else next(
            n for n, stems in enumerate(("fir 1 prem", "sec 2 deu", "thi 3 tro", "fou 4 qua"),
                                        start=1) if word.startswith(tuple(stems.split()))))
    return found


def other_period(question: str, text: str) -> bool:
    """:func:`other_year`, or does ``text`` name a quarter and none of those the
    question names? ("expects $330 million for the fourth quarter" is no answer to
    "Combien… au troisième trimestre ?", a new user's trial)"""
    if other_year(question, text):
        return True
    asked = _quarters(question)  # (a text's quarters only matter when one is asked)
    return bool(asked and (named := _quarters(text)) and not asked & named)
