"""Measuring quality on a question set (``eval/qa-public.jsonl`` and its kind).

Each line: ``question``, ``lang``, ``history`` (earlier user questions),
``answerable``, ``evidence`` (verbatim article substrings) and
``answer_keywords``. Reported per language and overall:

* evidence recall@k — share of each question's evidence strings found inside
  one of its top-k passages (answerable questions);
* keyword rate — answerable questions whose answer text holds every keyword
  (case-insensitive);
* answered rate — answerable questions answered with sources;
* refusal rate — unanswerable questions refused (no sources).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.documents import Document

from .core import Assistant
from .errors import InvalidRequest
from .settings import PROJECT_ROOT

DEFAULT_EVAL_FILE = PROJECT_ROOT / "eval" / "qa-public.jsonl"


def _norm(text: str) -> str:
    return " ".join(text.replace("’", "'").split()).lower()


def load_questions(path: Path) -> list[dict]:
    """The questions of a JSONL file (one JSON object a line); a file that cannot be
    read, or a line that is no object, is an :class:`InvalidRequest` naming it."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InvalidRequest(f"{path}: {reason}") from exc
    items = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidRequest(f"{path}: line {n} is not JSON ({exc.msg})") from exc
        if not isinstance(item, dict) or not isinstance(item.get("question"), str):
            raise InvalidRequest(f"{path}: line {n} is not a question object")
        items.append(item)
    return items


def evidence_recall(docs: list[Document], evidence: list[str]) -> float:
    """Share of the evidence strings found inside one of ``docs`` (1.0 if none expected)."""
    if not evidence:
        return 1.0
    texts = [_norm(d.page_content) for d in docs]
    return sum(any(_norm(e) in t for t in texts) for e in evidence) / len(evidence)


def history_messages(item: dict) -> list[dict]:
    """An item's earlier questions as an OpenAI-style message list."""
    return [{"role": "user", "content": q} for q in item.get("history") or []]


@dataclass
class Row:
    """One question's result."""

    id: str
    lang: str
    answerable: bool
    recall: float
    keywords_ok: bool
    answered: bool
    answer: str
    answer_chars: int


@dataclass
class Report:
    """Results of an evaluation run."""

    k: int
    rows: list[Row] = field(default_factory=list)
    seconds: float = 0.0

    def table(self) -> dict[str, dict[str, float | int]]:
        """Metric → value, for 'fr', 'en' and 'all'."""
        out: dict[str, dict[str, float | int]] = {}
        for lang in ("fr", "en", "all"):
            rows = [r for r in self.rows if lang == "all" or r.lang == lang]
            ans = [r for r in rows if r.answerable]
            unans = [r for r in rows if not r.answerable]
            out[lang] = {
                "questions": len(rows),
                f"recall@{self.k}": _mean([r.recall for r in ans]),
                "keywords": _mean([float(r.keywords_ok) for r in ans]),
                "answered": _mean([float(r.answered) for r in ans]),
                "refused": _mean([float(not r.answered) for r in unans]),
                "max_answer_chars": max([r.answer_chars for r in ans] or [0]),
            }
        return out

    def markdown(self) -> str:
        """The table as Markdown."""
        table = self.table()
        metrics = list(table["all"])
        lines = ["| metric | fr | en | all |", "|---|---|---|---|"]
        for m in metrics:
            cells = [_fmt(table[lang][m]) for lang in ("fr", "en", "all")]
            lines.append(f"| {m} | " + " | ".join(cells) + " |")
        return "\n".join(lines)


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def _fmt(value: float | int) -> str:
    return str(value) if isinstance(value, int) else f"{value:.3f}"


def evaluate(assistant: Assistant, items: list[dict], k: int = 3) -> Report:
    """Run every question through ``retrieve`` and ``ask``."""
    report = Report(k)
    start = time.perf_counter()
    for item in items:
        history = history_messages(item)
        docs = assistant.retrieve(item["question"], k=k, history=history)
        answer = assistant.ask(item["question"], history=history)
        text = answer.text.lower()
        report.rows.append(Row(
            id=item.get("id", ""),
            lang=item.get("lang", ""),
            answerable=bool(item.get("answerable", True)),
            recall=evidence_recall(docs, item.get("evidence") or []),
            keywords_ok=all(kw.lower() in text for kw in item.get("answer_keywords") or []),
            answered=not answer.refused,
            answer=answer.text,
            answer_chars=len(answer.text),
        ))
    report.seconds = time.perf_counter() - start
    return report
