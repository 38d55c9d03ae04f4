"""Load: ``/chat`` throughput of ``python app.py`` with 1, 8 and 32 concurrent
gradio_client users, against the in-process limit.

The app runs on a free port on 127.0.0.1 with an index built beforehand and is
warmed up (one question answered) before the clock starts. Each user is a
thread with its own ``gradio_client.Client`` asking the public eval questions
(each user starting at another one) through the ``/chat`` API, one after the
other. Counted as errors: exceptions, empty answers and the app's "something
went wrong" reply. Memory: RSS of the app's process tree, sampled every 0.1 s
with psutil.

Baseline in the same run: the in-process limit, cores ÷ CPU seconds per
``Assistant.ask`` (this process, same index, same questions, one thread;
measured before and after the load runs, mean). Target: 8 users reach
≥ 0.5× that limit. The clients run on the same 2 cores as the app: their CPU
time (measured) is part of what the app competes with. Writes
``results/load.md``; exits 1 on any error or a missed target.

    python benchmarks/load.py [--users 1,8,32] [--questions 10]
"""

from __future__ import annotations

import argparse
import contextlib
import os
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

TARGET = 0.5


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

    def cpu(self) -> float:
        """CPU seconds (user + system) used so far by the process tree."""
        total = 0.0
        for p in [self.proc, *self.proc.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                t = p.cpu_times()
                total += t.user + t.system
        return total

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(self.every)


def cheap_clients() -> None:
    """Make gradio_client cheaper on the machine it shares with the app: it opens a
    new httpx client per request, and each builds an SSL context (the CA bundle
    read and parsed) even for http:// URLs — most of its 190-340 ms of CPU per
    request here (sampled stacks). One context, made once, serves them all."""
    import functools

    import httpx._transports.default as transport

    transport.create_ssl_context = functools.lru_cache(maxsize=8)(  # type: ignore[assignment]
        transport.create_ssl_context)


def in_process_cpu(assistant: object, questions: list[str]) -> float:
    """CPU seconds (this process, all threads) per ``ask`` over ``questions``."""
    ask = assistant.ask  # type: ignore[attr-defined]
    start = time.process_time()
    for q in questions:
        ask(q)
    return (time.process_time() - start) / len(questions)


class Users:
    """``users`` gradio_client users each asking ``per_user`` questions in turn."""

    def __init__(self, url: str, users: int, per_user: int, questions: list[str],
                 failures: set[str]):
        self.url, self.users, self.per_user = url, users, per_user
        self.questions, self.failures = questions, failures
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.go = threading.Barrier(users + 1)
        self.wall = 0.0
        self.client_cpu = 0.0
        self.server_cpu = 0.0

    def user(self, n: int) -> None:
        """One user: a client of its own, then its questions one after the other."""
        from gradio_client import Client

        try:
            client = Client(self.url, verbose=False)
        except Exception as exc:
            with self.lock:
                self.errors.extend([f"client: {exc!r}"] * self.per_user)
            self.go.wait()
            return
        self.go.wait()
        for i in range(self.per_user):
            q = self.questions[(n + i) % len(self.questions)]
            start = time.perf_counter()
            try:
                answer = client.predict(q, api_name="/chat")
                bad = None if answer and answer not in self.failures else f"reply {answer!r}"
            except Exception as exc:
                bad = repr(exc)
            with self.lock:
                self.latencies.append(time.perf_counter() - start)
                if bad:
                    self.errors.append(bad)

    def run(self, app: MemorySampler) -> Users:
        """All users at once (clients made before the clock starts); ``app``'s
        CPU seconds are counted too."""
        threads = [threading.Thread(target=self.user, args=(n,)) for n in range(self.users)]
        for t in threads:
            t.start()
        self.go.wait()
        start, cpu, server = time.perf_counter(), time.process_time(), app.cpu()
        for t in threads:
            t.join()
        self.wall = time.perf_counter() - start
        self.client_cpu = time.process_time() - cpu
        self.server_cpu = app.cpu() - server
        return self


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", default="1,8,32", help="concurrent users, comma-separated")
    parser.add_argument("--questions", type=int, default=10, help="questions per user")
    parser.add_argument("--cheap-client", action="store_true",
                        help="clients reuse one SSL context (see cheap_clients)")
    parser.add_argument("--env", action="append", default=[],
                        help="extra setting for the app, e.g. --env WEB_WORKERS=8 (repeatable)")
    args = parser.parse_args(argv)
    counts = [int(u) for u in args.users.split(",")]
    if args.cheap_client:
        cheap_clients()

    from gradio_client import Client

    from assistant.core import Assistant
    from assistant.evaluation import DEFAULT_EVAL_FILE, load_questions
    from assistant.settings import Settings
    from assistant.ui import LABELS

    questions = [item["question"] for item in load_questions(DEFAULT_EVAL_FILE)]
    failures = {LABELS[lang][key] for lang in LABELS for key in ("error", "bad_input")}
    extra = dict(e.split("=", 1) for e in args.env)
    runs: list[Users] = []
    cores = os.cpu_count() or 1

    with tempfile.TemporaryDirectory(prefix="load-bench-") as tmp:
        env = app_env(Path(tmp) / "index", free_port(), **extra)
        build_index(env)
        local = Assistant(Settings(index_dir=Path(tmp) / "index", auto_refresh=False))
        in_process_cpu(local, questions)  # warm-up: models, index, caches
        cpu = [in_process_cpu(local, questions)]
        url = f"http://127.0.0.1:{env['GRADIO_SERVER_PORT']}/"
        proc = start_app(env, Path(tmp) / "app.log")
        try:
            wait_page(url, proc)
            warm = Client(url, verbose=False)
            for q in questions:  # models loaded, index ready, caches warm like local's
                assert warm.predict(q, api_name="/chat")
            sampler = MemorySampler(proc.pid)
            idle_rss = sampler.rss()
            sampler.start()
            for users in counts:
                runs.append(Users(url, users, args.questions, questions, failures).run(sampler))
                print(f"{users} users: {len(runs[-1].latencies) / runs[-1].wall:.1f} "
                      "requests/s", flush=True)
            sampler.done.set()
            sampler.join()
        finally:
            stop(proc)
        cpu.append(in_process_cpu(local, questions))

    limit = cores / (sum(cpu) / len(cpu))
    return report(args, runs, limit, cpu, idle_rss, sampler.peak, extra)


def report(args: argparse.Namespace, runs: list[Users], limit: float, cpu: list[float],
           idle_rss: int, peak_rss: int, extra: dict[str, str]) -> int:
    """Write the table; 0 when there was no error and 8 users reach the target."""
    mb = 1024 * 1024
    errors = [e for r in runs for e in r.errors]
    rows = [
        f"| {r.users} | {len(r.latencies)} / {r.users * r.per_user} | {len(r.errors)} | "
        f"{p50(r.latencies) * 1000:.0f} | {percentile(r.latencies, 0.95) * 1000:.0f} | "
        f"{r.wall:.1f} | {len(r.latencies) / r.wall:.1f} | "
        f"{len(r.latencies) / r.wall / limit:.2f} | "
        f"{r.server_cpu / max(1, len(r.latencies)) * 1000:.0f} | "
        f"{r.client_cpu / max(1, len(r.latencies)) * 1000:.0f} |"
        for r in runs
    ]
    eight = next((r for r in runs if r.users == 8), None)
    ratio = len(eight.latencies) / eight.wall / limit if eight else float("nan")
    ok = not errors and all(len(r.latencies) == r.users * r.per_user for r in runs) and (
        eight is None or ratio >= TARGET)
    lines = [
        "# Load: concurrent web-chat users",
        "",
        f"`python benchmarks/load.py --users {args.users} --questions {args.questions}"
        + "".join(f" --env {k}={v}" for k, v in extra.items())
        + (" --cheap-client" if args.cheap_client else "") + f"` — {when()}. "
        "`python app.py` on 127.0.0.1 (default settings: extractive answers), warmed up; "
        "each user a gradio_client asking the public eval questions through `/chat`, one "
        "after the other.",
        "",
        f"In-process limit: {os.cpu_count()} cores ÷ {sum(cpu) / len(cpu) * 1000:.1f} ms CPU "
        f"per `ask` (before / after the load: {cpu[0] * 1000:.1f} / {cpu[1] * 1000:.1f} ms) "
        f"= **{limit:.1f} requests/s**.",
        "",
        "| users | requests | errors | p50 ms | p95 ms | wall s | requests/s | × limit "
        "| app CPU ms/request | client CPU ms/request |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"App RSS: {idle_rss / mb:.0f} MB idle, {peak_rss / mb:.0f} MB peak.",
        "",
        f"- {'PASS' if ok else 'FAIL'}: 0 errors; 8 users at {ratio:.2f}× the in-process "
        f"limit (target ≥ {TARGET}×)"
        + ("" if not errors else f" — {len(errors)} errors, first: {errors[0]}"),
    ]
    write("load", lines, {"runs": [{"users": r.users, "latencies": r.latencies,
                                    "wall": r.wall, "errors": r.errors} for r in runs],
                          "limit": limit, "cpu_per_ask": cpu, "rss_idle_mb": idle_rss / mb,
                          "rss_peak_mb": peak_rss / mb})
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
