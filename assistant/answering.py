"""The extractive answerer behind the :class:`~assistant.protocols.Answerer` protocol,
and the registry of answer backends (``ASSISTANT_LLM``)."""

from __future__ import annotations

from collections.abc import Iterator

from langchain_core.documents import Document

from .answer import Answer, ExtractiveAnswerer


class Extractive:
    """Sentences quoted verbatim from the passages (no LLM): complete at once."""

    name = "extractive"

    def __init__(self, answerer: ExtractiveAnswerer):
        self.answerer = answerer

    def answer(self, question: str, passages: list[Document],
               history: list[dict] | None = None) -> Answer:
        """The extractive answer (see :meth:`ExtractiveAnswerer.answer`)."""
        return self.answerer.answer(question, passages, history)

    def stream(self, question: str, passages: list[Document],
               history: list[dict] | None = None) -> Iterator[str | Answer]:
        """The whole answer as one item: an extractive answer is ready at once, and
        replaying it word by word only delayed it (issue #17)."""
        yield self.answer(question, passages, history)

    def condense(self, question: str, history: list[dict] | None = None) -> str:
        """The question itself: a follow-up is searched with the last reply's names
        (see :func:`assistant.conversation.contextual_query`)."""
        return question
