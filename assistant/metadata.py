"""Passage metadata shared by indexing and retrieval: dates as numeric spans (Chroma
compares only numbers), web addresses, the rerank's per-leg ranks.

No I/O and no third-party imports: both the indexer and the search use it.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from pathlib import Path
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


def file_key(path: str | Path) -> str:
    """The mark an article added from the file at ``path`` carries: a hash of the
    file's full path (not the path itself)."""
    return hashlib.sha256(str(Path(path).resolve()).encode()).hexdigest()[:16]


#: Runs of this many words make an article's fingerprint; two articles sharing
#: ``SAME_SHARE`` of the shorter one's runs are one article saved twice (the seed's
#: scraped .txt and our cleaned .md share 0.96; two articles on one story at most 0.02).
RUN_WORDS = 6
SAME_SHARE = 0.8


def fingerprint(text: str) -> frozenset[int]:
    """A sample of the text's runs of :data:`RUN_WORDS` words (one in four, chosen by
    their hash, so that two copies keep the same ones), as hashes."""
    ws = words(text)
    runs = {" ".join(ws[i:i + RUN_WORDS]) for i in range(max(1, len(ws) - RUN_WORDS + 1))}
    # crc32: deterministic and cheap (every refresh fingerprints every article: 2.3
    # ms for the seed against 3.8 ms with blake2b; collisions are of no consequence)
    hashes = {zlib.crc32(r.encode()) for r in runs}
    sample = {h for h in hashes if h % 4 == 0}
    return frozenset(sample if len(sample) >= 10 else hashes)


class NearCopies:
    """Articles seen so far, to find one that is nearly the same text as a new one
    (a copy in another format, with a few lines more or less)."""

    def __init__(self) -> None:
        self._runs: dict[int, list[str]] = {}
        self._sizes: dict[str, int] = {}

    def find(self, prints: frozenset[int]) -> str | None:
        """The key of an article sharing :data:`SAME_SHARE` of the shorter's runs."""
        shared: dict[str, int] = {}
        for h in prints:
            for key in self._runs.get(h, ()):
                shared[key] = shared.get(key, 0) + 1
        for key, n in shared.items():
            if n >= SAME_SHARE * min(len(prints), self._sizes[key]):
                return key
        return None

    def add(self, key: str, prints: frozenset[int]) -> None:
        """Remember an article's fingerprint under ``key``."""
        self._sizes[key] = len(prints)
        for h in prints:
            self._runs.setdefault(h, []).append(key)
