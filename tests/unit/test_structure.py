"""The house rules, checked: imports run one way, modules stay small, every
ASSISTANT_* variable is a setting, errors share a base, the parts plug in."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import errors
from assistant.answering import Extractive
from assistant.protocols import Answerer, Embedder
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "assistant"
MODULES = sorted(PACKAGE.rglob("*.py"))


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module imported relative to the package, names) for each ``from . import``."""
    out = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            out.append((node.module or "", [a.name for a in node.names]))
    return out


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_are_under_500_lines(path: Path) -> None:
    assert len(path.read_text("utf-8").splitlines()) < 500


def test_the_layout_function_is_at_most_100_lines() -> None:
    tree = ast.parse((PACKAGE / "ui" / "layout.py").read_text("utf-8"))
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "build_app")
    assert fn.end_lineno is not None and fn.end_lineno - fn.lineno + 1 <= 100


def test_no_module_imports_another_modules_private_names() -> None:
    private = [(str(p.relative_to(PACKAGE)), mod, name) for p in MODULES
               for mod, names in _imports(p) for name in names if name.startswith("_")]
    assert private == []


def test_imports_run_from_the_stages_to_core_to_the_interfaces() -> None:
    interfaces = {"cli", "ui", "evaluation", "watch"}  # watch drives an Assistant, like cli
    for path in MODULES:
        rel = path.relative_to(PACKAGE)
        layer = rel.parts[0].removesuffix(".py")
        for mod, _ in _imports(path):
            top = mod.split(".")[0]
            if layer not in interfaces and layer not in ("core", "__init__", "__main__"):
                assert top not in interfaces | {"core"}, f"{rel} imports {mod}"
            if layer == "core":
                assert top not in interfaces, f"core imports {mod}"


def test_search_and_answer_load_neither_the_fetcher_nor_each_other() -> None:
    code = ("import sys, assistant.answer; a = 'assistant.retrieval' in sys.modules; "
            "import assistant.retrieval; "
            "print(a, [m for m in ('httpx', 'trafilatura', 'chromadb') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True, timeout=120)
    assert out.stdout.strip() == "False []"


def test_every_assistant_variable_the_code_reads_is_a_setting() -> None:
    fields = {f"ASSISTANT_{name.upper()}" for name in Settings.model_fields}
    sources = [*MODULES, ROOT / "app.py"]
    found = [m for p in sources for m in re.findall(r"(ASSISTANT_[A-Z_]+)(\*?)",
                                                    p.read_text("utf-8"))]
    named = {name.rstrip("_") for name, star in found if not star}  # not ASSISTANT_LOGIN_*
    assert named and named <= fields, named - fields
    for key in ("ASSISTANT_AUTH", "ASSISTANT_ALLOW_PRIVATE_URLS",
                "ASSISTANT_MAX_UPLOAD_BYTES", "ASSISTANT_MAX_FETCH_BYTES"):
        assert key in fields


def test_settings_read_auth_and_limits_from_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_AUTH", "u:p")
    monkeypatch.setenv("ASSISTANT_MAX_FETCH_BYTES", "123")
    s = Settings()
    assert s.auth.get_secret_value() == "u:p" and s.max_fetch_bytes == 123
    assert "u:p" not in repr(s)


def test_every_setting_has_a_description() -> None:
    assert all(f.description for f in Settings.model_fields.values())


def test_errors_share_a_base_and_keep_their_old_one() -> None:
    from assistant.fetch import FetchError, FetchTimeout
    from assistant.sources import SourceError

    for cls, old in ((FetchError, ValueError), (FetchTimeout, ValueError),
                     (SourceError, ValueError), (errors.InvalidRequest, ValueError),
                     (errors.InvalidType, TypeError)):
        assert issubclass(cls, errors.AssistantError) and issubclass(cls, old)


def test_core_checks_raise_assistant_errors() -> None:
    from assistant.core import check_k, check_question

    with pytest.raises(errors.InvalidRequest):
        check_k(51)
    with pytest.raises(errors.InvalidType):
        check_k(True)
    with pytest.raises(errors.InvalidType):
        check_question(b"x", 10)
    assert check_question(" a\ud800b ", 10) == "ab"


def test_the_parts_fit_their_protocols() -> None:
    from fakes import FakeEmbedder

    from assistant.answer import ExtractiveAnswerer
    from assistant.lexical import Analyzer
    from assistant.scoring import SentenceScorer

    extractive = Extractive(ExtractiveAnswerer(SentenceScorer(Analyzer(), lambda _: 1.0)))
    assert isinstance(extractive, Answerer) and isinstance(FakeEmbedder(), Embedder)
    items = list(extractive.stream("Who?", [], None))
    assert len(items) == 1 and items[0].sources == []  # whole at once; refused: no passage
    assert extractive.condense("And it?", [{"role": "user", "content": "x"}]) == "And it?"
