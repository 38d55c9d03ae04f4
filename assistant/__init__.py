"""Ask questions about news articles and get short answers with cited passages.

    from assistant import retrieve, ask, refresh

    docs = retrieve("Combien OpenAI a-t-il levé en octobre ?", k=4)
    answer = ask("How much money has OpenAI raised in total?")
    print(answer.text)            # "… 20 milliards de dollars levés … [1]"
    for n, doc in enumerate(answer.sources, 1):
        print(n, doc.metadata["title"], doc.page_content)
    report = refresh()            # sync the index with the corpus folder

The functions use one shared :class:`Assistant` built from the ``ASSISTANT_*``
settings; build your own ``Assistant(Settings(...))`` for another corpus.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever

    from .answer import Answer
    from .core import Assistant, configure, default
    from .indexing import RefreshReport
    from .settings import Settings

__all__ = [
    "Answer", "Assistant", "RefreshReport", "Settings", "ask", "configure", "default",
    "get_retriever", "refresh", "retrieve",
]

#: Exported names and their modules, imported on first use: importing one stage
#: (``assistant.answer``) must not load the whole pipeline (the store, the fetcher).
_LAZY = {"Answer": "answer", "Assistant": "core", "configure": "core", "default": "core",
         "RefreshReport": "indexing", "Settings": "settings"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _default() -> Assistant:
    from .core import default as shared

    return shared()


def retrieve(question: str, k: int = 4, history: list[dict] | None = None,
             where: dict | None = None) -> list[Document]:
    """The ``k`` passages that best answer ``question``, best first.

    ``history`` is the conversation so far, as ``[{"role": "user"|"assistant",
    "content": str}, …]``; a follow-up question is searched in its light.
    Each Document's metadata has ``article_id``, ``title``, ``source``,
    ``chunk_id``, ``section``, ``published`` and ``score`` (higher is better).

    ``where`` keeps only passages of matching articles (all keys given must match)::

        where={"article_id": "course-ia-financement"}     # or a list of ids
        where={"language": "fr"}                          # or ["fr", "en"]
        where={"published_from": "2024-10", "published_to": "2024-11-30"}

    Dates are ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (or ``date``), both ends
    included; an article matches when its date may fall in the range, one of
    unknown date never does. Another key, an empty list or a bad date raises
    ``ValueError``.
    """
    return _default().retrieve(question, k, history, where)


def get_retriever(k: int = 4, where: dict | None = None) -> BaseRetriever:
    """The shared assistant's search as a LangChain ``BaseRetriever``.

    ``retriever.invoke(question)`` returns ``k`` Documents, like :func:`retrieve`;
    ``invoke(question, k=2, where={...}, history=[...])`` overrides per call.
    """
    return _default().as_retriever(k=k, where=where)


def ask(question: str, history: list[dict] | None = None) -> Answer:
    """A short answer to ``question`` with ``[n]`` citations.

    ``Answer.sources[n-1]`` is the passage cited as ``[n]``; ``sources`` is
    empty exactly when the articles do not answer (the text says so).
    """
    return _default().ask(question, history)


def refresh(sources: list[str] | None = None, *, rebuild: bool = False) -> RefreshReport:
    """Sync the index with the corpus folder; only changed articles are re-embedded.

    ``rebuild=True`` drops the index and embeds everything again (needed after
    changing the embedding model).
    """
    return _default().refresh(sources, rebuild=rebuild)
