"""The command line, run as a subprocess on a fresh index."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args], env=env, cwd=ROOT,
        capture_output=True, text=True, timeout=timeout,
    )


@pytest.fixture()
def fresh_env(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**env, "ASSISTANT_INDEX_DIR": str(tmp_path / "index")}


def test_refresh_builds_then_skips_unchanged(fresh_env: dict[str, str]) -> None:
    first = run(["refresh"], fresh_env)
    assert first.returncode == 0, first.stderr
    assert "added" in first.stdout and "course-ia-financement" in first.stdout
    assert "Embedding" in first.stderr  # the progress bar
    embedded = int(first.stdout.split("passages embedded:")[1].split()[0])
    assert embedded > 10
    second = run(["refresh"], fresh_env)
    assert second.returncode == 0
    assert "passages embedded: 0" in second.stdout
    assert "unchanged         1" in second.stdout


def test_ask_prints_answer_and_numbered_sources(fresh_env: dict[str, str]) -> None:
    out = run(["ask", "Combien OpenAI a-t-il levé en octobre ?"], fresh_env)
    assert out.returncode == 0, out.stderr
    assert "6,6 milliards" in out.stdout
    assert "[1] Course à l’IA générative" in out.stdout  # title of the cited article


def test_eval_prints_the_table(fresh_env: dict[str, str]) -> None:
    out = run(["eval", "--k", "3"], fresh_env, timeout=900)
    assert out.returncode == 0, out.stderr
    assert "| recall@3 |" in out.stdout and "| refused |" in out.stdout


def test_settings_lists_every_variable(fresh_env: dict[str, str]) -> None:
    out = run(["settings"], fresh_env)
    assert "ASSISTANT_EMBEDDING_MODEL" in out.stdout and "ASSISTANT_INDEX_DIR" in out.stdout
