"""Processes and ports, shared by the tests (conftest.py, test_app.py) and the
benchmarks (benchmarks/harness.py): a free port, ``python app.py`` started in the
background, waiting for a URL to answer, and stopping what was started."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ProcessDied(RuntimeError):
    """The process waited for exited first."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_app(env: dict[str, str], log: Path) -> subprocess.Popen:
    """``python app.py`` with ``env``, in the background, its output to ``log``."""
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)


def wait_http(url: str, proc: subprocess.Popen, timeout: float,
              interval: float = 0.25) -> float:
    """Seconds until ``url`` answers (any HTTP status < 500: the server is up);
    :class:`ProcessDied` if ``proc`` exits first, ``TimeoutError`` past ``timeout``."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if proc.poll() is not None:
            raise ProcessDied(f"{proc.args!r} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return time.perf_counter() - start
        except urllib.error.HTTPError as e:
            if e.code < 500:
                return time.perf_counter() - start
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(interval)
    raise TimeoutError(f"{url} did not answer in {timeout} s")


def stop(proc: subprocess.Popen, timeout: float = 10) -> None:
    """End a process started here, killing it if it lingers ``timeout`` s."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
