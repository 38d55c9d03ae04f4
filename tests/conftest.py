"""Shared fixtures: real model, real Chroma in temp folders, a copy of the corpus."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from procs import ProcessDied, free_port, start_app, stop, wait_http  # noqa: E402

from assistant.settings import Settings  # noqa: E402

if TYPE_CHECKING:
    from assistant.core import Assistant

#: ASSISTANT_TEST_CHROMA=server runs the tests against a `chroma run` server.
SERVER_MODE = os.environ.get("ASSISTANT_TEST_CHROMA", "") == "server"
#: The seed article, kept for the tests: they never read what a user put in corpus/.
SEED_DIR = ROOT / "tests" / "data"
SEED = SEED_DIR / "course-ia-financement.md"


def wait_http_ok(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> float:
    """Seconds until ``url`` answers (any HTTP status < 500); fails if the app dies."""
    try:
        return wait_http(url, proc, timeout)
    except (ProcessDied, TimeoutError) as exc:
        pytest.fail(f"{exc}:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def running_app(env: dict[str, str], log: Path, timeout: float = 120) -> Iterator[str]:
    """`python app.py` with ``env`` on a free loopback port: yields its URL once the
    page serves, stops it afterwards and checks its log holds no traceback."""
    port = free_port()
    env = {**env, "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1"}
    proc = start_app(env, log)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_http_ok(url, proc, log, timeout)
        yield url
    finally:
        stop(proc, timeout=20)
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


def start_chroma(data: Path, log: Path, timeout: float = 60) -> tuple[subprocess.Popen, str]:
    """A `chroma run` server on a free port, its data in ``data``; returns (process, URL)."""
    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    proc = subprocess.Popen(
        [str(chroma), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(data)],
        stdout=log.open("wb"), stderr=subprocess.STDOUT,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http_ok(f"{url}/api/v2/heartbeat", proc, log, timeout)
    except BaseException:
        stop(proc)
        raise
    return proc, url


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a `chroma run` server for the session (data in a temp folder)."""
    d = tmp_path_factory.mktemp("chroma")
    proc, url = start_chroma(d / "data", d / "chroma.log")
    yield url
    stop(proc)


def own_index(settings: Settings, where: Path, **changes: object) -> Settings:
    """``settings`` with an index of its own: a folder under ``where`` (embedded) or
    a new collection (on a Chroma server)."""
    changes.setdefault("index_dir", where / "index")
    if changes.get("chroma_url", settings.chroma_url):
        changes.setdefault("collection", f"test-{uuid.uuid4().hex[:12]}")
    return settings.model_copy(update=changes)


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A corpus folder holding the seed article only, whatever corpus/ holds."""
    d = tmp_path_factory.mktemp("corpus")
    shutil.copy(SEED, d / SEED.name)
    return d


@pytest.fixture(scope="session", autouse=True)
def _server_mode_env(request: pytest.FixtureRequest) -> Iterator[None]:
    """In server mode, a Settings() a test builds itself points at the server too
    (in a collection of its own)."""
    if not SERVER_MODE:
        yield
        return
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ASSISTANT_CHROMA_URL", request.getfixturevalue("chroma_url"))
        mp.setenv("ASSISTANT_COLLECTION", f"test-env-{uuid.uuid4().hex[:12]}")
        yield


@pytest.fixture(scope="session")
def settings(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory,
             request: pytest.FixtureRequest) -> Settings:
    """Settings pointing at the copied corpus and a fresh temp index (with
    ASSISTANT_TEST_CHROMA=server: a fresh collection on a `chroma run` server)."""
    s = Settings(corpus_dir=corpus_dir, index_dir=tmp_path_factory.mktemp("index"))
    if SERVER_MODE:
        s = own_index(s, Path(s.index_dir), chroma_url=request.getfixturevalue("chroma_url"))
    return s


@pytest.fixture(scope="session")
def assistant(settings: Settings) -> Assistant:
    """One assistant for the session (the models load once); read-only use only."""
    from assistant.core import Assistant  # here: the unit tests never load the pipeline

    return Assistant(settings)


@pytest.fixture()
def env(settings: Settings) -> dict[str, str]:
    """Environment for subprocesses (CLI, app) using the temp corpus and index."""
    e = dict(os.environ)
    e["ASSISTANT_CORPUS_DIR"] = str(settings.corpus_dir)
    e["ASSISTANT_INDEX_DIR"] = str(settings.index_dir)
    e["ASSISTANT_CHROMA_URL"] = settings.chroma_url
    e["ASSISTANT_COLLECTION"] = settings.collection
    e["PYTHONPATH"] = str(ROOT)
    return e
