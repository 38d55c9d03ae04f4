"""Load: 20 concurrent gradio_client users asking 10 questions each of ``python app.py``.

The app runs on a free port on 127.0.0.1 with an index built beforehand and is
warmed up (one question answered) before the clock starts. Each user is a
thread with its own ``gradio_client.Client`` asking the public eval questions
(each user starting at another one) through the ``/chat`` API, one after the
other. Counted as errors: exceptions, empty answers and the app's "something
went wrong" reply. Memory: RSS of the app's process tree, sampled every 0.1 s
with psutil. Writes ``results/load.md``; exits 1 on any error.

    python benchmarks/load.py [--users 20] [--questions 10]
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import threading
import time
from pathlib import Path

import psutil
from harness import (
    app_env,
    build_index,
    free_port,
    p50,
    percentile,
    start_app,
    stop,
    wait_page,
    when,
    write,
)


class MemorySampler(threading.Thread):
    """Peak RSS (bytes) of a process and its children, sampled until stopped."""

    def __init__(self, pid: int, every: float = 0.1):
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.every = every
        self.peak = 0
        self.done = threading.Event()

    def rss(self) -> int:
        """RSS of the process tree now."""
        total = 0
        for p in [self.proc, *self.proc.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):  # a child that just ended
                total += p.memory_info().rss
        return total

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(self.every)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=20, help="concurrent users")
    parser.add_argument("--questions", type=int, default=10, help="questions per user")
    args = parser.parse_args(argv)

    from gradio_client import Client

    from assistant.evaluation import DEFAULT_EVAL_FILE, load_questions
    from assistant.ui import LABELS

    questions = [item["question"] for item in load_questions(DEFAULT_EVAL_FILE)]
    failures = {LABELS[lang][key] for lang in LABELS for key in ("error", "bad_input")}
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    with tempfile.TemporaryDirectory(prefix="load-bench-") as tmp:
        env = app_env(Path(tmp) / "index", free_port())
        build_index(env)
        url = f"http://127.0.0.1:{env['GRADIO_SERVER_PORT']}/"
        proc = start_app(env, Path(tmp) / "app.log")
        try:
            wait_page(url, proc)
            warm = Client(url, verbose=False)
            assert warm.predict(questions[0], api_name="/chat")  # models loaded, index ready
            sampler = MemorySampler(proc.pid)
            idle_rss = sampler.rss()
            sampler.start()
            go = threading.Barrier(args.users)

            def user(n: int) -> None:
                try:
                    client = Client(url, verbose=False)
                except Exception as exc:
                    with lock:
                        errors.extend([f"client: {exc!r}"] * args.questions)
                    go.wait()
                    return
                go.wait()
                for i in range(args.questions):
                    q = questions[(n + i) % len(questions)]
                    start = time.perf_counter()
                    try:
                        answer = client.predict(q, api_name="/chat")
                        bad = None if answer and answer not in failures else f"reply {answer!r}"
                    except Exception as exc:
                        bad = repr(exc)
                    with lock:
                        latencies.append(time.perf_counter() - start)
                        if bad:
                            errors.append(bad)

            threads = [threading.Thread(target=user, args=(n,)) for n in range(args.users)]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - start
            sampler.done.set()
            sampler.join()
        finally:
            stop(proc)

    mb = 1024 * 1024
    total = args.users * args.questions
    ok = not errors and len(latencies) == total
    lines = [
        "# Load: concurrent web-chat users",
        "",
        f"`python benchmarks/load.py --users {args.users} --questions {args.questions}` — "
        f"{when()}. `python app.py` on 127.0.0.1 (default settings: extractive answers, "
        "Gradio queue with 4 workers), warmed up; each user a gradio_client asking the public "
        "eval questions through `/chat`, one after the other.",
        "",
        "| users | requests | errors | p50 s | p95 s | max s | wall s | requests/s "
        "| RSS idle MB | RSS peak MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
        f"| {args.users} | {len(latencies)} / {total} | {len(errors)} | {p50(latencies):.2f} | "
        f"{percentile(latencies, 0.95):.2f} | {max(latencies):.2f} | {wall:.1f} | "
        f"{len(latencies) / wall:.2f} | {idle_rss / mb:.0f} | {sampler.peak / mb:.0f} |",
        "",
        f"- {'PASS' if ok else 'FAIL'}: 0 errors"
        + ("" if ok else f" — {len(errors)} errors, first: {errors[0] if errors else '-'}"),
    ]
    write("load", lines, {"latencies": latencies, "errors": errors, "wall": wall,
                          "rss_idle_mb": idle_rss / mb, "rss_peak_mb": sampler.peak / mb})
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
