"""Which refusal checks the extractive answerer keeps, chosen on the TUNING half.

Each candidate set of checks is scored on the dev corpus's tuning half by
keywords + refused (both targets weigh alike); the best set is printed. Never
looks at the test half.

    python benchmarks/choose_checks.py
"""

from __future__ import annotations

from pathlib import Path

from devset import dev_assistant, questions

from assistant.answer import CHECKS
from assistant.evaluation import evaluate

CANDIDATES = [CHECKS, frozenset(), frozenset({"names"}),
              *(CHECKS - {c} for c in sorted(CHECKS)),
              frozenset({"names", "counts", "asserts"})]


def main() -> None:
    items = [i for i in questions() if i["split"] == "tune"]
    a = dev_assistant(Path("/tmp/devset"))
    results = {}
    for checks in dict.fromkeys(CANDIDATES):
        a.answerer.checks = checks
        t = evaluate(a, items, k=3).table()["all"]
        results[checks] = t["keywords"] + t["refused"]
        print(f"{sorted(checks)}: keywords {t['keywords']:.3f} answered {t['answered']:.3f} "
              f"refused {t['refused']:.3f}", flush=True)
    best = max(results, key=lambda c: results[c])
    print(f"best on the tuning half: {sorted(best)}")


if __name__ == "__main__":
    main()
