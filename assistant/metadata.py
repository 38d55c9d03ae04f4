"""Passage metadata shared by indexing and retrieval: dates as numeric spans (Chroma
compares only numbers), web addresses, the rerank's per-leg ranks.

No I/O and no third-party imports: both the indexer and the search use it.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit, urlunsplit

from .text import words

#: Metadata key, during the rerank only: {leg name: rank in its list} (legs that did
#: not find the passage are absent).
LEG_RANKS = "leg_ranks"

_DATE = re.compile(r"\s*(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?!\d)")


def date_span(value: object) -> tuple[int, int] | None:
    """The days a date may stand for, as ``YYYYMMDD`` numbers (Chroma compares only
    numbers): "2024-11-02" → (20241102, 20241102); "2024-11" → (20241100, 20241199);
    "2024" → (20240000, 20249999). ``None`` if ``value`` (a str, date or datetime)
    does not start with such a date."""
    m = _DATE.match(str(value or ""))
    if not m:
        return None
    year, month, day = (int(g) if g else 0 for g in m.groups())
    if not (1 <= month <= 12 or not m.group(2)) or not (1 <= day <= 31 or not m.group(3)):
        return None
    low = year * 10000 + month * 100 + day
    high = year * 10000 + (month * 100 if m.group(2) else 9900) + (day if m.group(3) else 99)
    return low, high


def web_url(value: object) -> str:
    """``value`` if it is an http(s) address, else "" (never stored or shown as a link)."""
    url = str(value or "").strip()
    return url if re.match(r"(?i)^https?://[^\s/]+", url) else ""


def normalise_url(url: str) -> str:
    """A URL in a form where trivial variants compare equal (case of host, fragment…)."""
    try:
        p = urlsplit(url.strip())
        port = p.port
    except ValueError:
        return url.strip()
    scheme = p.scheme.lower()
    host = (p.hostname or "").lower()
    if port and (scheme, port) not in (("http", 80), ("https", 443)):
        host += f":{port}"
    path = p.path.rstrip("/") or "/"
    return urlunsplit((scheme, host, path, p.query, ""))


def text_hash(text: str) -> str:
    """Hash of the text's words, folded: the same article in .md, .html or .txt hashes alike."""
    return hashlib.sha256(" ".join(words(text)).encode("utf-8")).hexdigest()
