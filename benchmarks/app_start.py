"""Start-up: seconds until ``python app.py`` serves its page vs ``python -c "import gradio"``.

Interleaved rounds in one run (the baseline is measured under the same load).
The app runs on a free port with an index built beforehand (so no round pays
for embedding the corpus); its models load in the background after the page
is up — the time until it is ready to answer ("assistant ready" in its log) is
reported too. Target: page ≤ 1.5× the gradio import. Writes
``results/app_start.md``.

    python benchmarks/app_start.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import (
    app_env,
    build_index,
    free_port,
    p50,
    seconds,
    start_app,
    stop,
    wait_page,
    when,
    write,
)

TARGET = 1.5


def time_app(env: dict[str, str], log: Path) -> tuple[float, float]:
    """(seconds until the page is served, seconds until the assistant is ready)."""
    start = time.perf_counter()
    proc = start_app(env, log)
    try:
        page = wait_page(f"http://127.0.0.1:{env['GRADIO_SERVER_PORT']}/", proc)
        while "assistant ready" not in log.read_text(errors="replace"):
            if proc.poll() is not None or time.perf_counter() - start > 300:
                raise RuntimeError(f"app not ready:\n{log.read_text()[-2000:]}")
            time.sleep(0.05)
        return page, time.perf_counter() - start
    finally:
        stop(proc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    args = parser.parse_args(argv)

    gradio_s: list[float] = []
    page_s: list[float] = []
    ready_s: list[float] = []
    with tempfile.TemporaryDirectory(prefix="start-bench-") as tmp:
        env = app_env(Path(tmp) / "index", free_port())
        build_index(env)
        for r in range(args.rounds):
            env["GRADIO_SERVER_PORT"] = str(free_port())
            _, s = seconds(lambda: subprocess.run([sys.executable, "-c", "import gradio"],
                                                  check=True))
            gradio_s.append(s)
            page, ready = time_app(env, Path(tmp) / f"app-{r}.log")
            page_s.append(page)
            ready_s.append(ready)
            print(f"round {r + 1}: import gradio {s:.2f} s, page {page:.2f} s, "
                  f"ready {ready:.2f} s", flush=True)
    ratio = p50(page_s) / p50(gradio_s)
    ok = ratio <= TARGET
    lines = [
        "# App start-up",
        "",
        f"`python benchmarks/app_start.py --rounds {args.rounds}` — {when()}. "
        "Median of interleaved rounds; the app on a free port with an index built "
        "beforehand.",
        "",
        "| what | p50 s | min s | max s |",
        "|---|---|---|---|",
        f"| `python -c \"import gradio\"` (baseline) | {p50(gradio_s):.2f} | "
        f"{min(gradio_s):.2f} | {max(gradio_s):.2f} |",
        f"| `python app.py` until its page is served | {p50(page_s):.2f} | {min(page_s):.2f} "
        f"| {max(page_s):.2f} |",
        f"| `python app.py` until ready to answer (models loaded) | {p50(ready_s):.2f} | "
        f"{min(ready_s):.2f} | {max(ready_s):.2f} |",
        "",
        f"- {'PASS' if ok else 'FAIL'}: page served in {ratio:.2f}× the gradio import "
        f"(target ≤ {TARGET}×)",
    ]
    write("app_start", lines, {"import_gradio": gradio_s, "page": page_s, "ready": ready_s,
                               "ratio": ratio})
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
