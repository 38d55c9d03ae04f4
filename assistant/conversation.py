"""The conversation: earlier questions and replies, follow-ups, and the text to search
for a follow-up ("How much has *it* raised?" means the name the last reply gave).

Used by retrieval (the search text) and by the answerers (what a reply may name).
"""

from __future__ import annotations

import re

from .crosslang import YEAR
from .text import clean, split_sentences

_ANAPHORA = re.compile(
    r"\b(it|its|they|them|their|this|that|these|those|he|she|his|her|there|"
    r"il|elle|ils|elles|cela|ça|celui|celle|ceux|sa|son|ses|leur|leurs|lui|y)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][\w’'-]*|\b\w*[A-Z]\w*[A-Z0-9]\w*\b|\b\d{4}\b")


_LEAD_IN = re.compile(r"^([^:?]{1,80}?)\s?:\s+(?=\S)")


def asked(question: str) -> str:
    """What a question asks, without what names nothing around it: sentences that
    ask nothing ("Merci de répondre avec des sources.", "Hi!") and a lead-in before
    a colon ("Quick question for my homework: how much…?"). A sentence with a name
    or a number stays ("In November, xAI expected $5 billion. How much did it
    raise?"), and all of them when the question names nothing ("Mistral lève des
    fonds. Combien ?"). "" for a question with no word at all ("?!?")."""
    if not re.search(r"\w", question):
        return ""
    parts = split_sentences(question)
    asking = [p for p in parts if p.endswith("?")]
    if len(parts) > 1 and asking and _says_something(" ".join(asking)):
        parts = [p for p in parts if p.endswith("?") or _says_something(p)]
    text = " ".join(parts)
    lead = _LEAD_IN.match(text)
    if lead and text.endswith("?") and not _says_something(lead.group(1)):
        text = text[lead.end():]
        text = text[:1].upper() + text[1:]
    return text


def _says_something(text: str) -> bool:
    """Does ``text`` hold a name or a number?"""
    return bool(_names(f" {text}") or re.search(r"\d", text))


# Acronyms that name no one: "its AI model" still leans on the conversation.
_GENERIC_NAMES = {"ai", "ia", "ceo", "pdg", "us", "usa", "uk", "eu", "ue", "tech"}


#: A follow-up searched with its names is searched with the previous question too
#: (a switch for the ablation: benchmarks/dev_ablation.py).
WITH_PREVIOUS = True
#: A follow-up to a follow-up keeps the names of the last question that had any.
CHAIN_SUBJECT = True

def user_turns(history: list[dict] | None) -> list[str]:
    """The user's earlier questions, oldest first, from an OpenAI-style message list."""
    out: list[str] = []
    for msg in history or []:
        if isinstance(msg, dict) and msg.get("role") == "user":
            content = msg.get("content")
            if isinstance(content, str) and content.strip():
                out.append(clean(content))
    return out


def is_follow_up(question: str) -> bool:
    """A question that leans on the conversation: no name of its own, and a pronoun
    or hardly any words ("Combien au total ?")."""
    if _names(question):
        return False
    return bool(_ANAPHORA.search(question)) or len(re.findall(r"\w{3,}", question)) <= 3


def last_reply(history: list[dict] | None) -> str | None:
    """The assistant's reply to the user's last question, if the history has it."""
    for msg in reversed(history or []):
        if isinstance(msg, dict) and msg.get("role") == "user":
            return None
        if isinstance(msg, dict) and msg.get("role") == "assistant":
            content = msg.get("content")
            return clean(content) if isinstance(content, str) else None
    return None


def _names(text: str) -> list[str]:
    """Names in ``text`` (possessive 's dropped), first seen first, no years."""
    out: list[str] = []
    for m in _NAME.finditer(text.strip()):
        name = re.sub(r"['’]s?$", "", m.group(0))
        if name and not name.isdigit() and name.lower() not in _GENERIC_NAMES and name not in out:
            out.append(name)
    return out


def reply_names(reply: str, question: str) -> list[str]:
    """The names a reply brings that its question did not have: what "it" or
    "they" in the next question most likely stands for."""
    # The lead ("According to the article (in French, original text):", perhaps after
    # the item written for the reader and the latest figure's date) names nobody.
    body = re.sub(r"\[\d+\]", " ", re.sub(r"^.{0,160}?:\s", "", reply, count=1))
    asked = {n.lower() for n in _names(question)}
    return [n for n in _names(body) if n.lower() not in asked][:2]


#: "The year after / before", relative to the year of the previous question.
_RELATIVE_YEAR = re.compile(
    r"\b(?:l['’]année|l['’]an)\s+(?:suivante|d['’]après|précédente|d['’]avant)\b|"
    r"\bthe\s+(?:following|previous|prior)\s+year\b|\bthe\s+year\s+(?:after|before)\b|"
    r"\bun\s+an\s+(?:plus\s+tard|plus\s+tôt|après|avant)\b", re.IGNORECASE)


def dated(question: str, history: list[dict] | None) -> str:
    """A follow-up asking for "the year after" or "l'année précédente" with the year
    written in, from the previous question's: "Combien… en 2024 ?" → "Et l'année
    suivante ?" reads "Et l'année suivante (2025) ?" (a new user's follow-up found
    2024's figures again)."""
    previous = user_turns(history)
    m = _RELATIVE_YEAR.search(question)
    if not m or not previous or YEAR.search(question) or _names(question):
        return question
    years = YEAR.findall(previous[-1])
    # only a follow-up, and not a comparison within the question ("… than the year
    # before?", "… que l'année précédente ?": the year before the one it asks about)
    rest = question[:m.start()] + question[m.end():]
    if (not years or not (is_follow_up(rest) or len(re.findall(r"\w{3,}", rest)) <= 3)
            or re.search(r"\b(?:than|que|qu['’])\s", question[:m.start()], re.IGNORECASE)):
        return question
    back = re.search(r"précédente|avant|previous|prior|before|tôt", m.group(0), re.IGNORECASE)
    year = int(years[-1]) + (-1 if back else 1)
    return f"{question[:m.end()]} ({year}){question[m.end():]}"


def contextual_query(question: str, history: list[dict] | None,
                     with_previous: bool = True) -> str:
    """The text to search for: the question, plus, for follow-ups, the previous
    question and the names its answer brought ("Who is OpenAI's challenger?" →
    "…Anthropic…" → "How much has *it* raised?"). ``with_previous``: the previous
    question too, when there are names (what a search wants, not a sentence's score)."""
    previous = user_turns(history)
    if previous and is_follow_up(question):
        # A follow-up keeps the conversation's subjects but asks something new:
        # search for the names, not for what the previous question asked.
        reply = last_reply(history)
        names = _names(previous[-1]) + (reply_names(reply, previous[-1]) if reply else [])
        if asked_year := YEAR.search(question):  # "… (2025)": not the earlier year
            names = [n for n in names if not YEAR.fullmatch(n)]
            previous = [YEAR.sub(asked_year.group(0), p) for p in previous]
        # A chain of follow-ups ("Who backs it?" → "And who founded it?") still means
        # the names of the last question that had any, beside those the last reply
        # brought (which may be the answer, not the subject: "Which giant backs it?").
        # Dev follow-ups, recall@3: tuning half 0.857 → 0.952; test half 0.636 either
        # way (answered 0.832 → 0.840).
        if CHAIN_SUBJECT and not _names(previous[-1]):
            for earlier in reversed(previous[:-1]):
                if _names(earlier):
                    names += [n for n in _names(earlier) if n not in names]
                    break
        if names:
            # The previous question too, after the names: a follow-up usually goes
            # on in the passage that answered it ("Who leads the opposition…?" →
            # "What does *he* propose instead?"). Dev corpus follow-ups, recall@3:
            # tuning half 0.810 → 0.905, test half 0.455 → 0.545.
            again = [previous[-1]] if WITH_PREVIOUS and with_previous else []
            return " ".join([question, *names, *again])
        return f"{previous[-1]} {question}"
    return question
