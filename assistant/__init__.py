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

from langchain_core.documents import Document

from .answer import Answer
from .core import Assistant, configure, default
from .indexing import RefreshReport
from .settings import Settings

__all__ = [
    "Answer", "Assistant", "RefreshReport", "Settings", "ask", "configure", "default",
    "refresh", "retrieve",
]


def retrieve(question: str, k: int = 4, history: list[dict] | None = None,
             where: dict | None = None) -> list[Document]:
    """The ``k`` passages that best answer ``question``, best first.

    ``history`` is the conversation so far, as ``[{"role": "user"|"assistant",
    "content": str}, …]``; a follow-up question is searched in its light.
    Each Document's metadata has ``article_id``, ``title``, ``source``,
    ``chunk_id``, ``section``, ``published`` and ``score`` (higher is better).
    """
    return default().retrieve(question, k, history, where)


def ask(question: str, history: list[dict] | None = None) -> Answer:
    """A short answer to ``question`` with ``[n]`` citations.

    ``Answer.sources[n-1]`` is the passage cited as ``[n]``; ``sources`` is
    empty exactly when the articles do not answer (the text says so).
    """
    return default().ask(question, history)


def refresh(sources: list[str] | None = None, *, rebuild: bool = False) -> RefreshReport:
    """Sync the index with the corpus folder; only changed articles are re-embedded.

    ``rebuild=True`` drops the index and embeds everything again (needed after
    changing the embedding model).
    """
    return default().refresh(sources, rebuild=rebuild)
