"""Shared fixtures: real model, real Chroma in temp folders, a copy of the corpus."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from assistant.core import Assistant  # noqa: E402
from assistant.settings import Settings  # noqa: E402


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http_ok(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> float:
    """Seconds until ``url`` answers (any HTTP status < 500); fails if the app dies."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc.poll() is not None:
            pytest.fail(f"app.py exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return time.monotonic() - start
        except urllib.error.HTTPError as e:
            if e.code < 500:
                return time.monotonic() - start
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    pytest.fail(f"app.py did not serve {url} in {timeout} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project's corpus folder (tests may not touch the real one)."""
    d = tmp_path_factory.mktemp("corpus")
    for f in (ROOT / "corpus").iterdir():
        shutil.copy(f, d / f.name)
    return d


@pytest.fixture(scope="session")
def settings(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings pointing at the copied corpus and a fresh temp index."""
    return Settings(corpus_dir=corpus_dir, index_dir=tmp_path_factory.mktemp("index"))


@pytest.fixture(scope="session")
def assistant(settings: Settings) -> Assistant:
    """One assistant for the session (the models load once); read-only use only."""
    return Assistant(settings)


@pytest.fixture()
def env(settings: Settings) -> dict[str, str]:
    """Environment for subprocesses (CLI, app) using the temp corpus and index."""
    e = dict(os.environ)
    e["ASSISTANT_CORPUS_DIR"] = str(settings.corpus_dir)
    e["ASSISTANT_INDEX_DIR"] = str(settings.index_dir)
    e["PYTHONPATH"] = str(ROOT)
    return e
