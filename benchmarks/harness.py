"""What the scale/start/load benchmarks share: environment, timing, percentiles,
synthetic corpora, starting ``app.py``, and writing results.

Every benchmark compares against a baseline measured in the same run (the
machine is small and shared, so absolute figures move; ratios move less), and
writes a Markdown table plus a JSON file (read by ``plot.py``) to ``results/``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from tests.procs import free_port, start_app, stop, wait_http  # noqa: E402,F401  (re-exported)


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def p50(values: list[float]) -> float:
    """The median."""
    return statistics.median(values)


def seconds(fn: Callable[[], Any]) -> tuple[Any, float]:
    """``fn()``'s result and the seconds it took."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def when() -> str:
    """One line saying when and where a benchmark ran (load included: cores are shared)."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.machine()}, "
            f"{os.cpu_count()} cores, load average {load:.1f}, "
            f"Python {platform.python_version()}")


def write(name: str, lines: list[str], data: dict[str, Any]) -> Path:
    """Write ``results/<name>.md`` (and ``<name>.json`` for the plot); print the table."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    md = RESULTS / f"{name}.md"
    md.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    print("\n".join(lines))
    print(f"written to {md}", flush=True)
    return md


def synthetic_corpus(folder: Path, n_articles: int, seed: int = 7) -> list[Path]:
    """Write ``n_articles`` synthetic French news articles (3-6 KB) into ``folder``:
    the seed article's sentences recombined with other names and figures (the
    generator of ``refresh.py``)."""
    import random

    from refresh import Recombiner, make_article, seed_material

    rng = random.Random(seed)
    sentences, headings = seed_material()
    rec = Recombiner(rng)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(n_articles):
        path = folder / f"synth-{n:05d}.md"
        path.write_text(make_article(n, rng, sentences, headings, rec), encoding="utf-8")
        paths.append(path)
    return paths


def app_env(index_dir: Path, port: int, **settings: str) -> dict[str, str]:
    """Environment for ``python app.py``: its own index folder and port."""
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir),
           "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1",
           "PYTHONPATH": str(ROOT)}
    env.update({f"ASSISTANT_{k.upper()}": v for k, v in settings.items()})
    return env


def build_index(env: dict[str, str]) -> None:
    """Build the index of ``env`` beforehand (``python -m assistant refresh``), so that an
    app started on it only loads models."""
    subprocess.run([sys.executable, "-m", "assistant", "refresh"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=600)


def wait_page(url: str, proc: subprocess.Popen, timeout: float = 180) -> float:
    """Seconds from now until ``url`` answers (the app's page is served)."""
    return wait_http(url, proc, timeout, interval=0.05)
