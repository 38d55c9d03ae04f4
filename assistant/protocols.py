"""The swappable parts, as structural types: anything with these methods plugs in.

* :class:`Embedder` — LangChain's ``Embeddings`` plus the name and dimension the
  store records (see :mod:`assistant.embeddings`, :mod:`assistant.onnx_embeddings`);
* :class:`Answerer` — turns a question and its passages into an :class:`Answer`, at
  once or as a stream (:class:`assistant.answering.Extractive`,
  :class:`assistant.llm.LLMAnswerer`).

``Assistant(settings, embedders={...}, answerer=...)`` takes instances of either.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from langchain_core.documents import Document

    from .answer import Answer


@runtime_checkable
class Embedder(Protocol):
    """Text → vectors; ``name`` and ``dimension`` tell the store which space it made."""

    name: str
    dimension: int

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """One vector per passage."""
        ...

    def embed_query(self, text: str) -> list[float]:
        """The vector of a question."""
        ...


@runtime_checkable
class Answerer(Protocol):
    """Question + passages (+ conversation) → a cited :class:`Answer`."""

    name: str

    def answer(self, question: str, passages: list[Document],
               history: list[dict] | None = None) -> Answer:
        """The final answer (never raises for a model failure: it falls back)."""
        ...

    def stream(self, question: str, passages: list[Document],
               history: list[dict] | None = None) -> Iterator[str | Answer]:
        """The answer's text as it grows, then the final :class:`Answer`."""
        ...

    def condense(self, question: str, history: list[dict] | None = None) -> str:
        """The follow-up ``question`` as a standalone one to search for (or itself)."""
        ...
