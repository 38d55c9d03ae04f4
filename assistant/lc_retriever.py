"""The assistant's search as a LangChain retriever, for chains and agents.

    from assistant import get_retriever

    retriever = get_retriever(k=4, where={"language": "fr"})
    docs = retriever.invoke("Combien OpenAI a-t-il levé en octobre ?")
    docs = retriever.invoke("Who led the round?", k=2)      # per-call k (and where)
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForRetrieverRun,
    CallbackManagerForRetrieverRun,
)
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables.config import run_in_executor
from pydantic import ConfigDict, Field

from .settings import MAX_K


class AssistantRetriever(BaseRetriever):
    """A LangChain ``BaseRetriever`` over an :class:`Assistant`'s hybrid search.

    ``k`` and ``where`` (see :func:`assistant.retrieval.where_clause`) are the
    defaults of every call; ``invoke(query, k=..., where=..., history=...)``
    overrides them for one call.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    # Any, not Assistant: core builds this retriever, so this module does not import core.
    assistant: Any = Field(exclude=True, description="The Assistant searched (its retrieve()).")
    k: int = Field(4, ge=1, le=MAX_K, description="Passages returned per query.")
    where: dict[str, Any] | None = Field(None, description="Filter on article metadata.")

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
        k: int | None = None, where: dict[str, Any] | None = None,
        history: list[dict] | None = None,
    ) -> list[Document]:
        return self.assistant.retrieve(
            query, self.k if k is None else k, history, self.where if where is None else where,
        )

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun,
        k: int | None = None, where: dict[str, Any] | None = None,
        history: list[dict] | None = None,
    ) -> list[Document]:
        # The search is CPU-bound and thread-safe: run it off the event loop.
        return await run_in_executor(
            None, self._get_relevant_documents, query, run_manager=run_manager.get_sync(),
            k=k, where=where, history=history,
        )
