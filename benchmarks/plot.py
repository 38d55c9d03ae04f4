"""One PNG of the benchmarks' results: ``results/benchmarks.png``.

Reads the JSON files the benchmarks wrote beside their Markdown tables; a
benchmark that has not run leaves its panel empty.

    python benchmarks/plot.py
"""

from __future__ import annotations

import json
import statistics
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from harness import RESULTS


def load(name: str) -> dict[str, Any] | None:
    """``results/<name>.json``, or None if that benchmark has not run."""
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def bars(ax: Any, labels: list[str], values: list[float], title: str, unit: str) -> None:
    """A labelled bar chart."""
    drawn = ax.bar(labels, values, color=["#4C72B0", "#DD8452", "#55A868", "#C44E52"][
        : len(values)])
    ax.bar_label(drawn, fmt="%.3g", fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(unit)
    ax.tick_params(axis="x", labelsize=8)


def main() -> int:
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5))
    (a_emb, a_query, a_idx), (a_scale, a_start, a_load) = axes
    if data := load("embedding_backends"):
        names = list(data["throughput"])
        bars(a_emb, names, [data["throughput"][b] for b in names],
             "Embedding throughput (MiniLM)", "passages / s")
        bars(a_query, names, [data["query_p50_ms"][b] for b in names],
             "Query embedding p50 (MiniLM)", "ms")
    if data := load("indexing"):
        bars(a_idx, ["ours\n(refresh)", "bare\nMiniLM", "bare\nMiniLM + USE"],
             [data["passages"] / s for s in (data["ours_s"], data["minilm_s"],
                                             data["minilm_s"] + data["use_s"])],
             f"Indexing {data['passages']} passages", "passages / s")
    if data := load("query_scale"):
        p50 = data["p50_ms"]
        labels = [k.replace(" large", f"\n{data['passages']:,}").replace(" 1 article",
                                                                           "\n1 article")
                  .replace("similarity_search", "plain Chroma") for k in p50]
        bars(a_scale, labels, list(p50.values()), "Query latency p50 by index size", "ms")
    if data := load("app_start"):
        bars(a_start, ["import gradio", "app page", "app ready"],
             [statistics.median(data[k]) for k in ("import_gradio", "page", "ready")],
             "Start-up (p50)", "s")
    if data := load("load"):
        for run in data["runs"]:
            lat = sorted(run["latencies"])
            a_load.plot(lat, [(i + 1) / len(lat) for i in range(len(lat))],
                        label=f"{run['users']} users")
        a_load.legend(fontsize=8)
        errors = sum(len(run["errors"]) for run in data["runs"])
        a_load.set_title(f"Load: {errors} errors, peak RSS {data['rss_peak_mb']:.0f} MB",
                         fontsize=10)
        a_load.set_xlabel("seconds per answer")
        a_load.set_ylabel("share of requests")
        a_load.grid(alpha=0.3)
    fig.tight_layout()
    out = RESULTS / "benchmarks.png"
    fig.savefig(out, dpi=90)
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
