"""Fit the extractive answerer's sentence model on the tuning half (never the test half).

    python benchmarks/fit_answerer.py [--where /tmp/devset]

Rows: every candidate sentence of every tuning question (the dev corpus's tuning
half, plus our earlier seed sets ``qa-dev`` and ``qa-probe``; never the public set,
kept as a regression check, nor the test half). Label: the sentence holds one of
the question's evidence strings (or lies inside one). With ``--rerank``, first the
passage rerank (``assistant/rerank_model.json``) on the fused pools, label: the
passage holds the evidence. Then the sentence model (``assistant/answer_model.json``),
whose best-sentence probability is one of the rerank's features.
"""

from __future__ import annotations

import argparse
import functools
from pathlib import Path

import numpy as np
from devset import dev_assistant, questions
from harness import ROOT

from assistant.evaluation import _norm, evidence_recall, history_messages, load_questions
from assistant.sentence_model import (
    FEATURES,
    PASSAGE_FEATURES,
    RERANK_FILE,
    SentenceModel,
    fit_logistic,
    fit_pairwise,
    log_loss,
)


def training_items() -> list[dict]:
    """The tuning half of the dev questions and our earlier seed sets."""
    items = [i for i in questions() if i["split"] == "tune"]
    for name in ("qa-dev.jsonl", "qa-probe.jsonl"):
        items += load_questions(ROOT / "eval" / name)
    return items


def label(text: str, evidence: list[str]) -> float:
    """1 when the sentence holds an evidence string or lies inside one."""
    t = _norm(text)
    return float(any(_norm(e) in t or (len(t) > 30 and t in _norm(e)) for e in evidence))


def collect(a, items: list[dict]) -> list[tuple[dict, list, np.ndarray, np.ndarray, list]]:
    """Per question: (item, sentences, features, labels, passages)."""
    out = []
    for item in items:
        history = history_messages(item)
        passages = a.retrieve(item["question"], a.settings.default_k, history)
        sentences, x = a.answerer.candidates(item["question"], passages, history)
        evidence = item.get("evidence") or [] if item.get("answerable", True) else []
        y = np.array([label(s.text, evidence) for s in sentences])
        out.append((item, sentences, x, y, passages))
    return out


def fit_rerank(a, items: list[dict], l2: float) -> SentenceModel:
    """Fit the passage rerank on the fused pools of the tuning questions."""
    pools: list[tuple[dict, list]] = []
    retriever = a.retriever

    def capture(question, docs, history):
        pools.append((question, history, [d.model_copy(deep=True) for d in docs]))
        return [float(d.metadata["score"]) for d in docs]

    retriever.passage_scorer = capture
    xs, ys = [], []
    for item in items:
        pools.clear()
        retriever.search(item["question"], 3, history_messages(item))
        question, history, docs = pools[0]
        xs.append(a.answerer.passage_features(question, docs, history))
        evidence = item.get("evidence") or [] if item.get("answerable", True) else []
        ys.append(np.array([float(bool(evidence) and evidence_recall([d], evidence) > 0)
                            for d in docs]))
    retriever.passage_scorer = a.answerer.passage_scores
    x, y = np.vstack(xs), np.concatenate(ys)
    # A ranking objective (pairs within a question's pool) rather than one row at a
    # time: 5-fold cross-validation on the tuning half, recall@3 0.826 → 0.850 at
    # l2=1 (the same features; a pairwise fit on them and their ranks read 0.839).
    # l2=300, the weakest shrinkage that keeps the public set at 1.00 (at l2=1 a
    # comparison's second passage fell to 4th behind the seed's related headlines):
    # cross-validated 0.830, dev test half 0.819 → 0.854 (docs/quality.md).
    w, b, mean, scale = fit_pairwise(list(zip(xs, ys, strict=True)), l2=l2)
    model = SentenceModel(list(map(float, w)), b, list(map(float, mean)),
                          list(map(float, scale)),
                          fitted_on=f"{len(items)} tuning questions, {len(y)} passages")
    print(f"rerank: {len(y)} passages, {int(y.sum())} positive, "
          f"log loss {log_loss(model.probabilities(x), y):.3f}")
    for name, weight in zip(PASSAGE_FEATURES, w, strict=True):
        print(f"  {name:12s} {weight:+.3f}")
    return model


def recall_at(a, items: list[dict], k: int = 3) -> float:
    """Mean evidence recall@k of the answerable items."""
    return float(np.mean([evidence_recall(a.retrieve(i["question"], k, history_messages(i)),
                                          i["evidence"])
                          for i in items if i.get("answerable", True)]))


print = functools.partial(print, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--where", default="/tmp/devset")
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--rerank-l2", type=float, default=300.0)
    parser.add_argument("--rerank", action="store_true", help="fit the passage rerank first")
    args = parser.parse_args()
    a = dev_assistant(Path(args.where))
    items = training_items()
    if args.rerank:
        print(f"recall@3 before: {recall_at(a, items):.3f}")
        a.answerer.rerank_model = fit_rerank(a, items, args.rerank_l2)
        a.answerer.rerank_model.save(RERANK_FILE)
        print(f"recall@3 after: {recall_at(a, items):.3f}")
    data = collect(a, items)
    x = np.vstack([d[2] for d in data if len(d[2])])
    y = np.concatenate([d[3] for d in data if len(d[2])])
    w, b, mean, scale = fit_logistic(x, y, l2=args.l2)
    model = SentenceModel(list(map(float, w)), b, list(map(float, mean)),
                          list(map(float, scale)), fitted_on=(
                              f"{len(items)} tuning questions, {len(y)} sentences"))
    print(f"{len(items)} questions, {len(y)} sentences, {int(y.sum())} positive, "
          f"log loss {log_loss(model.probabilities(x), y):.3f}")
    for name, weight in zip(FEATURES, w, strict=True):
        print(f"  {name:10s} {weight:+.3f}")
    model.save()


if __name__ == "__main__":
    main()
