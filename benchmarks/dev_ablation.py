"""What each part adds on the development corpus's held-back TEST half.

Retrieval: evidence recall@3 with legs and rerank parts switched off (the real
:class:`assistant.retrieval.Retriever`, constructor switches). Answers: keyword,
answered and refused rates with answerer parts switched off (the real
:class:`assistant.answer.ExtractiveAnswerer`, one method replaced at a time).
Writes ``benchmarks/results/dev-ablation.md``.

    python benchmarks/dev_ablation.py [--split test] [--answers]
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from devset import dev_assistant, questions
from harness import when, write

from assistant import answer as answer_module
from assistant import conversation
from assistant import features as features_module
from assistant import lexical as lexical_module
from assistant import lexicon as lexicon_module
from assistant import room as room_module
from assistant import scoring as scoring_module
from assistant.evaluation import evaluate, evidence_recall, history_messages
from assistant.retrieval import Leg, Retriever
from assistant.sentence_model import PASSAGE_FEATURES


def recall(retriever: Retriever, items: list[dict], k: int = 3) -> dict[str, float]:
    """Recall@k overall, per question language, across languages, spanning articles."""
    groups: dict[str, list[float]] = {"all": [], "fr": [], "en": [], "cross": [], "spans": []}
    for item in items:
        if not item.get("answerable", True):
            continue
        r = evidence_recall(retriever.search(item["question"], k, history_messages(item)),
                            item["evidence"])
        for g in ("all", item["lang"]) + (("cross",) if item["cross"] else ()) + (
                ("spans",) if item["spans"] else ()):
            groups[g].append(r)
    return {g: statistics.fmean(v) for g, v in groups.items() if v}


def retrieval_configs(a) -> list[tuple[str, Retriever]]:
    """(name, retriever) for each configuration."""
    legs = {key: Leg(key, emb) for key, emb in a.embedders.items()}
    scorer = a.answerer.passage_scores

    def make(keys=("dense", "multi"), **switches: Any) -> Retriever:
        return Retriever(a.store, [legs[k] for k in keys], a.analyzer, **switches)

    def ours(keys=("multi",), **switches: Any) -> Retriever:
        """What `retrieve` does, with some switches changed."""
        base: dict[str, Any] = {"passage_scorer": scorer, "lexicon": a.lexicon}
        return make(keys, **{**base, **switches})

    def neutral(*names: str) -> Any:
        """The fitted rerank with ``names`` held at their training mean (no say)."""
        model = a.answerer.rerank_model

        def score(question: str, docs: list, history: list | None = None) -> list[float]:
            x = a.answerer.passage_features(question, docs, history)
            for name in names:
                col = PASSAGE_FEATURES.index(name)
                x[:, col] = model.mean[col]
            return [float(p) for p in model.probabilities(x)]
        return score

    return [
        ("previous main's legs (BM25 + MiniLM + USE), no rerank",
         make(rerank_weight=0.0)),
        ("previous main (those legs + lexical sentence rerank)", make()),
        ("BM25 + USE + lexicon + fitted rerank (what `retrieve` does)", ours()),
        ("… + MiniLM leg", ours(("dense", "multi"))),
        ("… without BM25", ours(lexical_weight=0.0)),
        ("… without USE (BM25 + MiniLM)", ours(("dense",))),
        ("… without the induced lexicon (hand glossary only)", ours(lexicon=None)),
        ("… without the hand glossary (lexicon only)", ours(glossary=False)),
        ("… neither", ours(glossary=False, lexicon=None)),
        ("… follow-ups not joined", ours(follow_ups=False)),
        ("… rerank's session-13 signals held at their mean (best_sim_plain, best_soft, "
         "length)", ours(passage_scorer=neutral("best_sim_plain", "best_soft", "length"))),
        ("… rerank's names feature held at its mean", ours(passage_scorer=neutral("names"))),
        ("… lexical rerank instead of the fitted one", ours(passage_scorer=None)),
        ("… no rerank", ours(rerank_weight=0.0)),
    ]


@contextmanager
def replaced(patches: list[Patch]) -> Iterator[None]:
    """Each ``obj.name`` replaced by its value for the block."""
    old = [getattr(obj, name) for obj, name, _ in patches]
    for obj, name, value in patches:
        setattr(obj, name, value)
    try:
        yield
    finally:
        for (obj, name, _), value in zip(patches, old, strict=True):
            setattr(obj, name, value)


Patch = tuple[Any, str, Any]


def answer_configs(a: Any) -> list[tuple[str, list[Patch]]]:
    """(name, patches: (object, attribute, replacement)) — one part of the answerer
    (or of the query it answers from) off."""
    cls = answer_module.ExtractiveAnswerer
    covers = cls._covers

    def by_hand(self: Any, quoted: list, sentences: list, keep: Any) -> list:
        """``_room`` as before session 10: near-best sentences by the hand mix."""
        quoted = list(quoted)
        answer_module.fill(quoted, [s for s in sorted(sentences, key=lambda s: -s.score)
                                     if keep(s)], max(s.score for s in quoted))
        order = {id(s): n for n, s in enumerate(sentences)}
        return sorted(quoted, key=lambda s: order[id(s)])

    def glossary_covers(self: Any, q: str, contexts: list, across: bool = False,
                        topics: list | None = None) -> bool:
        """``_covers`` as before session 13: the glossary's words only."""
        saved, self.scorer.translate = self.scorer.translate, None
        try:
            return covers(self, q, contexts, across, topics)
        finally:
            self.scorer.translate = saved

    def sentence_names(self: Any, concepts: list, sentence: Any) -> float:
        """``lexical`` as before session 11: a name counts in the sentence, or at
        0.65 in its context (section and sentence before), not in its passage."""
        total = sum(c.weight for c in concepts)
        own = self.sentence_terms(sentence)
        ctx = frozenset(self.analyzer.query_terms(sentence.context))
        return sum(max(c.match(own), (0.65 if c.name else c.context_share) * c.match(ctx))
                   for c in concepts) / total if total else 0.0

    return [
        ("full answerer", []),
        ("names counted only in the sentence and its context, not its passage or title",
         [(scoring_module.SentenceScorer, "lexical", sentence_names)]),
        ("without the other-year/quarter check",
         [(answer_module, "other_period", lambda q, t: False)]),
        ("without the check that the figure's sentence says what happens",
         [(cls, "_saying", lambda self, q, typed, across: typed)]),
        ("follow-ups of follow-ups without the names of earlier questions",
         [(conversation, "CHAIN_SUBJECT", False)]),
        ("lexicon without fixed translations of months and numbers",
         [(lexicon_module, "CLOSED", {}), (a.lexicon, "_memo", (None, {}))]),
        ("without newer-figure sentence",
         [(answer_module, "with_newer", lambda q, c, s, p, about: c)]),
        ("without pronoun/list neighbours",
         [(answer_module, "leans_back", lambda s, b: False)]),
        ("without [name] for pronoun/epithet",
         [(answer_module, "named", lambda t, n, b, p=None: t)]),
        ("names check without the article's title", [(
            answer_module, "with_title",
            lambda s, passages: f"{s.context}\n{passages[s.passage].page_content}")]),
        ("without refusal checks", [(a.answerer, "checks", frozenset())]),
        *((f"without the {c} check", [(a.answerer, "checks", answer_module.CHECKS - {c})])
          for c in sorted(answer_module.CHECKS)),
        ("without the who/which check (a name the question does not hold)",
         [(cls, "_brings_name", lambda self, q, chosen: True)]),
        ("three sentences, room floor 0.03 (before session 14)",
         [(answer_module, "MAX_SENTENCES", 3), (room_module, "MAX_SENTENCES", 3),
          (answer_module, "FILL_FLOOR", 0.03)]),
        ("without the cross-language allowance of the checks", [(
            cls, "_covers", lambda self, q, contexts, across=False, topics=None: covers(
                self, q, contexts, False, topics))]),
        ("the other language's quotes checked by the glossary's words only (no lexicon)",
         [(cls, "_covers", glossary_covers)]),
        ("names and numbers only in the quotes (not their passage or title)", [(
            cls, "_covers", lambda self, q, contexts, across=False, topics=None: covers(
                self, q, contexts, across))]),
        ("without the room filled by sentences nearly as good (before the checks)",
         [(answer_module, "fill", lambda chosen, ranked, best: None)]),
        ("room after the checks by the hand mix instead of the sentence model",
         [(cls, "_room", by_hand)]),
        ("a two-part question answered as one", [(answer_module, "question_parts",
                                                  lambda q: [q])]),
        ("a comparison answered as one question (not once per name)",
         [(answer_module, "compared", lambda q: [])]),
        # (the analyzer's and the snapshot's remembered terms are emptied too: they
        # were worked out with the lemmas)
        ("without lemmas in the sentence signals (session 17: plain stems)",
         [(lexical_module, "lemma_words", lambda text, have: []),
          (a.retriever.lexical().analyzer, "_cache", {}),
          (a.retriever.snapshot(), "_sentences", {})]),
        ("sentence scorer without the lexicon's words (glossary only)",
         [(a.answerer.scorer, "translate", None)]),
        ("follow-ups searched without the previous question",
         [(conversation, "WITH_PREVIOUS", False)]),
        # The two sentence-model signals of session 9, off in the fitted models (the
        # models refitted without each read 0.807 on the test half; both: 0.824).
        ("sentence model's question keeps its names (sim_plain = sim)",
         [(features_module, "_unnamed", lambda q: q)]),
        ("sentence model without the soft word share (soft = 0)",
         [(features_module.SentenceSignals, "_soft",
           lambda self, q, sentences: [0.0] * len(sentences))]),
    ]



def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="test")
    parser.add_argument("--answers", action="store_true")
    parser.add_argument("--where", default="/tmp/devset")
    args = parser.parse_args()
    items = [i for i in questions() if i["split"] == args.split]
    a = dev_assistant(Path(args.where))
    a.ensure_index()
    lines = [f"# What each part adds: the dev corpus's {args.split} half", "",
             f"`python benchmarks/dev_ablation.py --split {args.split}"
             f"{' --answers' if args.answers else ''}` — {when()}. "
             f"{len(items)} questions ({sum(i['answerable'] for i in items)} answerable).", "",
             "## Retrieval: evidence recall@3", "",
             "| configuration | all | fr | en | other language | spanning |",
             "|---|---|---|---|---|---|"]
    data: dict[str, Any] = {"retrieval": {}, "answers": {}}
    for name, retriever in retrieval_configs(a):
        row = recall(retriever, items)
        data["retrieval"][name] = row
        lines.append(f"| {name} | " + " | ".join(
            f"{row.get(g, float('nan')):.3f}" for g in ("all", "fr", "en", "cross", "spans"))
            + " |")
        print(lines[-1], flush=True)
    if args.answers:
        lines += ["", "## Answers (default retrieval)", "",
                  "| configuration | recall@3 | keywords | answered | refused |",
                  "|---|---|---|---|---|"]
        for name, patches in answer_configs(a):
            with replaced(patches):
                table = evaluate(a, items, k=3).table()["all"]
            data["answers"][name] = table
            lines.append(f"| {name} | {table['recall@3']:.3f} | {table['keywords']:.3f} | "
                         f"{table['answered']:.3f} | {table['refused']:.3f} |")
            print(lines[-1], flush=True)
    write(f"dev-ablation-{args.split}", lines, data)


if __name__ == "__main__":
    main()
