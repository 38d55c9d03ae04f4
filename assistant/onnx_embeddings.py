"""The sentence-transformers model run by ONNX Runtime: the same vectors, faster on a CPU.

The model is exported once, locally, from its own weights (no download): the
whole sentence-transformers stack — transformer, pooling, normalisation — is
traced by ``torch.onnx.export`` into one graph that maps token ids to the
sentence vector, and saved with the model's tokenizer in a cache folder. The
``int8`` variant is that graph with most weight matrices dynamically quantised
(per channel), which keeps the vectors within cosine 0.99 of torch's.

At run time only ``onnxruntime`` and ``tokenizers`` are used (torch is not
imported), so the vectors live in the same space as the torch backend's: an
index built with one backend is searched with the other (the index records the
model's name, not the backend).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from .embeddings import LazyModel, SentenceTransformerEmbeddings, cores
from .errors import InvalidRequest

log = logging.getLogger(__name__)

#: Bump when the exported graph changes, so that older exports are not reused.
EXPORT_VERSION = 2
MODEL_FILE = "model.onnx"
META_FILE = "meta.json"


def default_cache_dir() -> Path:
    """Where exports are kept unless told: ``$XDG_CACHE_HOME/assistant/onnx``, shared
    by every index (an export takes ~10 s and is the same for all)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "assistant" / "onnx"


def _fingerprint(model_ref: str) -> str:
    """The model's identity: its name, or for a folder its path and files' sizes and
    dates (new weights in the same folder make a new export)."""
    folder = Path(model_ref)
    if not folder.is_dir():
        return model_ref
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return model_ref + "".join(f"|{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
                               for p in files)


def export_folder(cache_dir: Path, model_ref: str, quantize: bool) -> Path:
    """The cache folder of one model's export (one folder per model and variant)."""
    key = f"{EXPORT_VERSION}|{_fingerprint(model_ref)}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    slug = re.sub(r"[^A-Za-z0-9]+", "-", Path(model_ref).name).strip("-")[:40] or "model"
    return Path(cache_dir) / f"{slug}-{digest}-{'int8' if quantize else 'fp32'}"


def _export_fp32(model_ref: str, folder: Path) -> None:
    """Trace the sentence-transformers model (with pooling) into ``folder``."""
    import torch

    torch_model = SentenceTransformerEmbeddings(model_ref)
    st = torch_model.model.eval()

    class Sentence(torch.nn.Module):
        """token ids → sentence vector, exactly as SentenceTransformer.encode."""

        def __init__(self) -> None:
            super().__init__()
            self.st = st

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            features = {"input_ids": input_ids, "attention_mask": attention_mask}
            return self.st(features)["sentence_embedding"]

    sample = st.tokenizer(["une phrase d'exemple", "deux"], return_tensors="pt", padding=True)
    axes = {0: "batch", 1: "tokens"}
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about Python branches: shapes vary
        torch.onnx.export(
            Sentence(), (sample["input_ids"], sample["attention_mask"]), str(folder / MODEL_FILE),
            input_names=["input_ids", "attention_mask"], output_names=["sentence_embedding"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes,
                          "sentence_embedding": {0: "batch"}},
            opset_version=17, dynamo=False,  # the TorchScript exporter needs no onnxscript
        )
    st.tokenizer.save_pretrained(str(folder))
    meta = {
        "model": model_ref,
        "dimension": torch_model.dimension,
        "max_seq_length": int(st.max_seq_length or st.tokenizer.model_max_length),
        "pad_id": int(st.tokenizer.pad_token_id or 0),
        "pad_token": str(st.tokenizer.pad_token or "[PAD]"),
        "torch": torch.__version__,
    }
    (folder / META_FILE).write_text(json.dumps(meta, indent=1))


def _quantize(src: Path, folder: Path) -> None:
    """Copy an fp32 export into ``folder`` with int8 weights (dynamic quantisation)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    for f in src.iterdir():
        if f.name != MODEL_FILE:
            shutil.copy(f, folder / f.name)
    # Per-channel scales: min cosine to torch 0.98 (per-tensor: 0.85). Kept in
    # float: products of two activations (attention scores), and the feed-forward
    # output matrices, whose inputs (after GELU) have the widest range: min cosine
    # 0.99 instead of 0.98, for ~10 % of the int8 speed-up.
    graph = onnx.load(str(src / MODEL_FILE), load_external_data=False).graph
    keep = [n.name for n in graph.node
            if n.op_type == "MatMul" and "/output/dense" in n.name and "attention" not in n.name]
    quantize_dynamic(src / MODEL_FILE, folder / MODEL_FILE, weight_type=QuantType.QInt8,
                     per_channel=True, nodes_to_exclude=keep,
                     extra_options={"MatMulConstBOnly": True})


def ensure_exported(model_ref: str, cache_dir: Path, *, quantize: bool = False) -> Path:
    """The folder holding the model's ONNX export, made on first use.

    Each export is written into a temporary folder and renamed into place, so a
    crash leaves nothing half-written and concurrent processes don't clash.
    """
    folder = export_folder(cache_dir, model_ref, quantize)
    if (folder / META_FILE).exists():
        return folder
    source = ensure_exported(model_ref, cache_dir) if quantize else None
    folder.parent.mkdir(parents=True, exist_ok=True)
    log.info("exporting %s to ONNX%s in %s (once)", model_ref, " int8" if quantize else "",
             folder)
    tmp = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    try:
        if source is not None:
            _quantize(source, tmp)
        else:
            _export_fp32(model_ref, tmp)
        try:
            tmp.rename(folder)
        except OSError:  # another process finished first: use its export
            if not (folder / META_FILE).exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


class OnnxEmbeddings(LazyModel, Embeddings):
    """A sentence-transformers model run by ONNX Runtime; normalised vectors.

    ``model`` is a model name or path as for :class:`SentenceTransformerEmbeddings`
    (empty = the packaged all-MiniLM-L6-v2); ``cache_dir`` holds the export
    (default: :func:`default_cache_dir`);
    ``quantize`` picks the int8 variant. ``name`` is the model's, like the torch
    backend's: the vectors are the same (cosine ≥ 0.99 fp32, ≥ 0.98 int8, measured
    0.99 on French passages).
    """

    def __init__(self, model: str = "", *, cache_dir: Path | None = None,
                 quantize: bool = False, batch_size: int = 32):
        torch_twin = SentenceTransformerEmbeddings(model)
        self.model_ref = torch_twin.model_ref
        self.name = torch_twin.name
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self.quantize = quantize
        self.batch_size = batch_size
        super().__init__()

    def _load(self) -> Any:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = ensure_exported(self.model_ref, self.cache_dir, quantize=self.quantize)
        meta = json.loads((folder / META_FILE).read_text())
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.enable_truncation(meta["max_seq_length"])
        tokenizer.enable_padding(pad_id=meta["pad_id"], pad_token=meta["pad_token"])
        options = ort.SessionOptions()
        options.intra_op_num_threads = cores()
        options.inter_op_num_threads = 1
        # Idle worker threads that spin steal the CPU from the other model and
        # from concurrent requests on small machines.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = ort.InferenceSession(str(folder / MODEL_FILE), options,
                                       providers=["CPUExecutionProvider"])
        log.info("loaded ONNX model %s", folder)
        return tokenizer, session, int(meta["dimension"])

    @property
    def dimension(self) -> int:
        """Length of the vectors this model makes."""
        return int(self.model[2])

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Vectors of passages (unit length)."""
        if not texts:
            return []
        tokenizer, session, dim = self.model
        # Batches of similar lengths waste little on padding.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), dim), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            encoded = tokenizer.encode_batch([texts[i] for i in batch])
            feeds = {
                "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
            }
            out[batch] = session.run(None, feeds)[0]
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out.tolist()

    def embed_query(self, text: str) -> list[float]:
        """Vector of a question (unit length)."""
        return self.embed_documents([text])[0]


#: Embedding backends (``ASSISTANT_EMBEDDING_BACKEND``): name → (model, ONNX cache
#: folder) → embedder. Another backend is one more entry (and a Literal in settings).
BACKENDS: dict[str, Callable[[str, Path | None], Embeddings]] = {
    "torch": lambda model, _: SentenceTransformerEmbeddings(model),
    "onnx": lambda model, cache: OnnxEmbeddings(model, cache_dir=cache),
    "onnx-int8": lambda model, cache: OnnxEmbeddings(model, cache_dir=cache, quantize=True),
}


def dense_embedder(model: str, backend: str, cache_dir: Path | None = None) -> Embeddings:
    """The sentence-transformers model run by ``backend`` (a key of :data:`BACKENDS`)."""
    if backend not in BACKENDS:
        raise InvalidRequest(f"unknown embedding backend {backend!r} ({', '.join(BACKENDS)})")
    return BACKENDS[backend](model, cache_dir)
