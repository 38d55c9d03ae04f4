"""Stand-ins for the unit tests: a deterministic embedder and an in-memory store, so
the pure parts of the pipeline run without models or Chroma."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

from assistant.text import fold, words


class FakeEmbedder:
    """Bag-of-words vectors: each folded word adds 1 to a dimension chosen by its hash.
    Same text, same vector; texts sharing words are close (cosine)."""

    name = "fake-bow"
    dimension = 64

    def _vector(self, text: str) -> list[float]:
        v = [0.0] * self.dimension
        for w in words(fold(text)):
            v[int(hashlib.md5(w.encode()).hexdigest(), 16) % self.dimension] += 1.0
        norm = math.sqrt(sum(x * x for x in v)) or 1.0
        return [x / norm for x in v]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """One vector per text."""
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        """The vector of a question."""
        return self._vector(text)


@dataclass
class FakeHit:
    """Like assistant.store.Hit (that module imports chromadb)."""

    id: str
    text: str
    metadata: dict[str, Any]
    score: float


def _matches(md: dict[str, Any], hid: str, where: dict | None) -> bool:
    for key, cond in (where or {}).items():
        value = hid if key == "chunk_id" and key not in md else md.get(key)
        if isinstance(cond, dict) and "$in" in cond:
            if value not in cond["$in"]:
                return False
        elif value != cond:
            return False
    return True


class FakeStore:
    """Passages in a list, one space "dense" embedded with :class:`FakeEmbedder`;
    ``where`` understands equality and ``$in`` (what the retriever sends unfiltered)."""

    def __init__(self, passages: list[tuple[str, str, dict[str, Any]]]):
        self.embedder = FakeEmbedder()
        self.rows = [(pid, text, {"chunk_id": pid, **md}, self.embedder.embed_query(text))
                     for pid, text, md in passages]

    def version(self) -> tuple:
        """Changes when the passages do."""
        return (len(self.rows),)

    def passages(self, where: dict | None = None) -> list[FakeHit]:
        """Every passage matching ``where``."""
        return [FakeHit(pid, text, md, 0.0) for pid, text, md, _ in self.rows
                if _matches(md, pid, where)]

    def by_ids(self, ids: list[str]) -> list[FakeHit]:
        """The passages of these ids."""
        wanted = set(ids)
        return [FakeHit(pid, text, md, 0.0) for pid, text, md, _ in self.rows if pid in wanted]

    def query(self, key: str, vector: list[float], n: int, where: dict | None = None,
              with_text: bool = True) -> list[FakeHit]:
        """The ``n`` nearest passages by cosine similarity."""
        scored = [FakeHit(pid, text if with_text else "", md,
                          sum(a * b for a, b in zip(vector, v, strict=True)))
                  for pid, text, md, v in self.rows if _matches(md, pid, where)]
        return sorted(scored, key=lambda h: -h.score)[:n]
