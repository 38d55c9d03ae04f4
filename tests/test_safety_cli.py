"""`python -m assistant refresh` reports each error once, naming its source once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_refresh_prints_each_error_once(env: dict[str, str], tmp_path: Path) -> None:
    work = tmp_path / "work"  # "article.html" is looked for here, and is not there
    work.mkdir()
    missing = tmp_path / "gone" / "other.md"
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "refresh", "article.html", str(missing)],
        cwd=work, env={**env, "ASSISTANT_INDEX_DIR": str(tmp_path / "index")},
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 1, result.stderr
    both = result.stdout + result.stderr
    assert "error: article.html: no such file" in result.stdout.splitlines()
    assert f"error: {missing}: no such file" in result.stdout.splitlines()
    assert both.count("no such file") == 2, both  # once per error, stdout or stderr
    assert "article.html: article.html" not in both
    assert "other.md: other.md" not in both
