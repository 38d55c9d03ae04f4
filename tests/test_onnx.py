"""The ONNX backend of the embedding model: exported locally, same vectors as torch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from assistant.chunking import chunk_article
from assistant.core import Assistant
from assistant.embeddings import SentenceTransformerEmbeddings
from assistant.onnx_embeddings import META_FILE, OnnxEmbeddings, ensure_exported, export_folder
from assistant.settings import Settings
from assistant.sources import corpus_files, load_article

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One export folder for the module (exporting takes ~10 s)."""
    return tmp_path_factory.mktemp("onnx")


@pytest.fixture(scope="module")
def models(cache: Path) -> dict[bool, OnnxEmbeddings]:
    """The fp32 and the int8 model (by ``quantize``), loaded once for the module."""
    return {q: OnnxEmbeddings(cache_dir=cache, quantize=q) for q in (False, True)}


@pytest.fixture(scope="module")
def passages(corpus_dir: Path) -> list[str]:
    """The corpus's passages, as the indexer embeds them."""
    out = [c.indexed_text for f in corpus_files(corpus_dir) for c in chunk_article(load_article(f))]
    assert len(out) > 10
    return out


@pytest.fixture(scope="module")
def torch_vectors(assistant: Assistant, passages: list[str]) -> np.ndarray:
    return np.array(assistant.embedders["dense"].embed_documents(passages))


@pytest.mark.parametrize(("quantize", "least"), [(False, 0.99), (True, 0.98)])
def test_onnx_vectors_match_torch(models: dict[bool, OnnxEmbeddings], passages: list[str],
                                  torch_vectors: np.ndarray, quantize: bool, least: float) -> None:
    onnx = models[quantize]
    vectors = np.array(onnx.embed_documents(passages))
    assert vectors.shape == torch_vectors.shape == (len(passages), onnx.dimension)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosines = (vectors * torch_vectors).sum(axis=1)
    assert cosines.min() >= least, cosines.min()
    query = np.array(onnx.embed_query(passages[3]))
    assert int(np.argmax(torch_vectors @ query)) == 3
    assert onnx.embed_documents([]) == []


def test_export_is_made_once_and_reused(cache: Path) -> None:
    folder = ensure_exported(OnnxEmbeddings(cache_dir=cache).model_ref, cache)
    assert folder == export_folder(cache, OnnxEmbeddings(cache_dir=cache).model_ref, False)
    stamp = (folder / "model.onnx").stat().st_mtime_ns
    assert ensure_exported(OnnxEmbeddings(cache_dir=cache).model_ref, cache) == folder
    assert (folder / "model.onnx").stat().st_mtime_ns == stamp
    assert [p.name for p in cache.iterdir() if not (p / META_FILE).exists()] == []  # no leftovers
    int8 = ensure_exported(OnnxEmbeddings(cache_dir=cache).model_ref, cache, quantize=True)
    assert int8 == export_folder(cache, OnnxEmbeddings(cache_dir=cache).model_ref, True)
    assert (int8 / "model.onnx").stat().st_size < (folder / "model.onnx").stat().st_size / 2


def test_run_time_needs_no_torch(cache: Path) -> None:
    """Once exported, the model runs on onnxruntime alone (torch is slow to import)."""
    code = (
        "import sys; from pathlib import Path\n"
        "from assistant.onnx_embeddings import OnnxEmbeddings\n"
        f"e = OnnxEmbeddings(cache_dir=Path({str(cache)!r}))\n"
        "assert len(e.embed_query('Combien OpenAI a-t-il levé ?')) == 384\n"
        "print('torch' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120, check=True)
    assert out.stdout.strip() == "False"


def test_backend_switches_without_rebuild(assistant: Assistant, settings: Settings,
                                          models: dict[bool, OnnxEmbeddings]) -> None:
    """An index built by torch is searched with ONNX vectors: same space, same answers."""
    question = "Combien Anthropic a-t-il levé ?"
    by_torch = assistant.retrieve(question, k=3)
    onnx = Assistant(settings, embedders={**assistant.embedders, "dense": models[True]})
    by_onnx = onnx.retrieve(question, k=3)  # no IndexMismatch: same model identity
    assert by_onnx[0].id == by_torch[0].id


def test_backend_setting_picks_the_model(settings: Settings, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    s = settings.model_copy(update={"embedding_backend": "onnx"})
    dense = Assistant(s).embedders["dense"]
    assert isinstance(dense, OnnxEmbeddings) and not dense.quantize
    assert dense.cache_dir == tmp_path / "assistant" / "onnx"  # shared by every index
    s = s.model_copy(update={"embedding_backend": "onnx-int8", "onnx_dir": tmp_path / "x"})
    dense = Assistant(s).embedders["dense"]
    assert isinstance(dense, OnnxEmbeddings) and dense.quantize
    assert dense.cache_dir == tmp_path / "x"
    s = s.model_copy(update={"embedding_backend": "torch"})
    assert isinstance(Assistant(s).embedders["dense"], SentenceTransformerEmbeddings)


def test_new_weights_make_a_new_export(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "model.safetensors").write_bytes(b"v1")
    first = export_folder(tmp_path, str(model), False)
    assert first == export_folder(tmp_path, str(model), False)
    assert first != export_folder(tmp_path, str(model), True)
    (model / "model.safetensors").write_bytes(b"v2, larger")
    assert export_folder(tmp_path, str(model), False) != first


def test_unknown_backend_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_EMBEDDING_BACKEND", "tensorflow")
    with pytest.raises(ValidationError, match="embedding_backend"):
        Settings()
