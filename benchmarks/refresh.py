"""Refresh benchmark: build, unchanged refresh, one new article.

Generates a corpus of synthetic French news articles (default 200, 3-6 KB each:
sentences of the seed article recombined, with other company and person names
and other figures, so that no two passages are the same), then measures with
the real models and a real Chroma index in a temporary folder:

1. building the index from the corpus folder;
2. refreshing the unchanged corpus (must take < 5 % of the build time and
   embed nothing);
3. adding one article (``refresh([file])``) and refreshing: the passages
   embedded must be exactly that article's passages.

Models are loaded before the clock starts (loading is not indexing).
Writes ``benchmarks/results/refresh.md``; exits 1 if a check fails.

    python benchmarks/refresh.py [--articles 200] [--seed 7] [--out FILE]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from assistant.chunking import chunk_article  # noqa: E402
from assistant.core import Assistant  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.sources import load_article  # noqa: E402
from assistant.text import split_sentences  # noqa: E402

SEED_ARTICLE = ROOT / "tests" / "data" / "course-ia-financement.md"
# Names of the seed article, longest first (so "Inflection AI" goes before "AI").
COMPANIES = sorted([
    "Safe Superintelligence", "Thrive Capital", "Inflection AI", "Character AI", "Aleph Alpha",
    "Adept AI", "Adapt AI", "DeepMind", "Microsoft", "Anthropic", "OpenAI", "Mistral",
    "Google", "Amazon", "Nvidia", "Cohere", "Meta", "xAI",
], key=len, reverse=True)
PRODUCTS = ["ChatGPT", "Claude", "Gemini", "Llama"]
PEOPLE = ["Joshua Kushner", "Donald Trump", "Elon Musk", "Mark Zuckerberg"]
SYLLABLES = ["Aster", "Boréa", "Cyra", "Dela", "Éon", "Fluxa", "Gala", "Hélio", "Iris", "Jade",
             "Kora", "Lumi", "Mira", "Nova", "Orbi", "Pléia", "Quanta", "Rhéa", "Sola", "Téra",
             "Ulma", "Véga", "Wyra", "Xéno", "Yuma", "Zéla"]
ENDINGS = ["tech", " IA", "nova", " Labs", "mind", "soft", " Data", " Systems"]
FIRST = ["Camille", "Hugo", "Léa", "Nathan", "Chloé", "Louis", "Manon", "Jules", "Inès",
         "Gabriel", "Sarah", "Arthur", "Zoé", "Raphaël", "Alice", "Adam", "Lina", "Paul"]
LAST = ["Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent", "Girard", "Roux",
        "Fournier", "Mercier", "Blanc", "Guérin", "Faure", "Chevalier", "Lambert", "Bonnet"]
LEADS = ["Selon {p}, ", "À {city}, ", "En {month} {year}, ", "Pour {p}, analyste, ",
         "D’après une note publiée à {city}, "]
CITIES = ["Paris", "Lyon", "Lille", "Nantes", "Bordeaux", "Toulouse", "Marseille", "Rennes",
          "Strasbourg", "Grenoble", "Montpellier", "Nice"]
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre"]
HEADLINES = ["{c} lève {n} milliards de dollars", "{c} face à la course au financement",
             "La stratégie de {c} dans l’IA générative", "{p} veut accélérer chez {c}",
             "{c} et {c2} : l’alliance qui bouscule le secteur",
             "Pourquoi {c} inquiète ses concurrents"]


def seed_material() -> tuple[list[str], list[str]]:
    """The seed article's sentences and section headings."""
    text = load_article(SEED_ARTICLE).text
    headings = [m.group(1) for m in re.finditer(r"^#{2,3}\s+(.+)$", text, re.M)]
    body = re.sub(r"^#.*$", "", text, flags=re.M)
    return split_sentences(body), headings


class Recombiner:
    """Turns seed sentences into a new article's: other names, other figures."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.pattern = re.compile(
            "|".join(re.escape(n) for n in COMPANIES + PRODUCTS + PEOPLE) + r"|\d+(?:,\d+)?")

    def cast(self) -> dict[str, str]:
        """A fresh name for each seed name, for one article."""
        rng = self.rng
        names = [f"{a}{b}" for a in SYLLABLES for b in ENDINGS]
        picked = rng.sample(names, len(COMPANIES) + len(PRODUCTS))
        cast = dict(zip(COMPANIES + PRODUCTS, picked, strict=True))
        for person in PEOPLE:
            cast[person] = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        return cast

    def rewrite(self, sentence: str, cast: dict[str, str]) -> str:
        """``sentence`` with this article's names and new figures; a sentence with
        neither gets a lead-in naming someone, somewhere or some time, so that it
        differs from article to article too."""
        if not self.pattern.search(sentence) and sentence[:1].isupper():
            lead = self.rng.choice(LEADS).format(
                p=f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}",
                city=self.rng.choice(CITIES), month=self.rng.choice(MONTHS),
                year=self.rng.randint(2015, 2026))
            sentence = lead + sentence[0].lower() + sentence[1:]

        def repl(m: re.Match[str]) -> str:
            token = m.group(0)
            if token in cast:
                return cast[token]
            value = float(token.replace(",", "."))
            if 1990 <= value <= 2030 and "," not in token:
                return str(self.rng.randint(2012, 2026))
            new = value * self.rng.uniform(0.2, 4.0)
            return f"{new:.1f}".replace(".", ",") if "," in token else str(max(1, round(new)))
        return self.pattern.sub(repl, sentence)


def make_article(n: int, rng: random.Random, sentences: list[str], headings: list[str],
                 rec: Recombiner) -> str:
    """One synthetic article (Markdown with front matter), 3-6 KB of text."""
    cast = rec.cast()
    target = rng.randint(3000, 6000)
    paragraphs: list[str] = []
    size = 0
    start = rng.randrange(len(sentences))
    while size < target:
        if paragraphs and rng.random() < 0.3 and size < target - 300:
            paragraphs.append("## " + rec.rewrite(rng.choice(headings), cast))
            size += len(paragraphs[-1].encode("utf-8")) + 2
        length = rng.randint(2, 5)
        if rng.random() < 0.5:  # a run of consecutive sentences, or a shuffled pick
            picked = [sentences[(start + i) % len(sentences)] for i in range(length)]
            start += length
        else:
            picked = rng.sample(sentences, length)
        para = " ".join(rec.rewrite(s, cast) for s in picked)
        grown = size + len(para.encode("utf-8")) + 2
        if grown > 6000 and size >= 3000:
            break
        paragraphs.append(para)
        size = grown
    companies = [cast[c] for c in COMPANIES]
    title = rng.choice(HEADLINES).format(c=companies[0], c2=companies[1], n=rng.randint(1, 20),
                                         p=cast[PEOPLE[0]])
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    return (f'---\ntitle: "{title}"\nlanguage: fr\npublished: "2024-{month:02d}-{day:02d}"\n'
            f"url: https://example.org/bench/{n:04d}\noutlet: Le Banc d’Essai\n---\n\n"
            + "\n\n".join(paragraphs) + "\n")


def load_average() -> float:
    """The 1-minute load average (NaN where the OS has none)."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=200, help="articles in the corpus")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the generator")
    parser.add_argument("--repeat", type=int, default=3, help="unchanged refreshes timed")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/refresh.md")
    args = parser.parse_args(argv)

    load_start = load_average()
    rng = random.Random(args.seed)
    sentences, headings = seed_material()
    rec = Recombiner(rng)
    with tempfile.TemporaryDirectory(prefix="refresh-bench-") as tmp:
        corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
        corpus.mkdir()
        sizes = []
        for n in range(args.articles):
            text = make_article(n, rng, sentences, headings, rec)
            (corpus / f"article-{n:04d}.md").write_text(text, encoding="utf-8")
            sizes.append(len(load_article(corpus / f"article-{n:04d}.md").text.encode()))
        new_file = Path(tmp) / "nouvel-article.md"
        new_file.write_text(make_article(args.articles, rng, sentences, headings, rec),
                            encoding="utf-8")

        assistant = Assistant(Settings(corpus_dir=corpus, index_dir=index))
        for emb in assistant.embedders.values():  # load the models before timing
            emb.embed_query("échauffement")
        print(f"corpus: {args.articles} articles, {sum(sizes) / 1000:.0f} KB of text; "
              "building…", flush=True)

        build, build_s = timed(assistant.refresh)
        print(f"build: {build.passages_embedded} passages in {build_s:.1f} s", flush=True)

        unchanged_runs = []
        for _ in range(args.repeat):
            report, seconds = timed(assistant.refresh)
            unchanged_runs.append((report, seconds))
        unchanged_s = statistics.median(s for _, s in unchanged_runs)
        unchanged_embedded = max(r.passages_embedded for r, _ in unchanged_runs)
        unchanged_ok = all(len(r.unchanged) == args.articles and not r.changed
                           for r, _ in unchanged_runs)
        print(f"unchanged refresh: {unchanged_s:.3f} s (median of {args.repeat})", flush=True)

        added, added_s = timed(lambda: assistant.refresh([str(new_file)]))
        (new_id,) = added.added
        expected = len(chunk_article(load_article(corpus / f"{new_id}.md"),
                                     assistant.settings.chunk_chars))
        in_index = len(assistant.store.passages({"article_id": new_id}))
        print(f"one new article: {added.passages_embedded} passages embedded "
              f"(it has {expected}) in {added_s:.2f} s", flush=True)

    ratio = unchanged_s / build_s
    checks = {
        f"unchanged refresh < 5 % of the build time ({ratio:.2%})": ratio < 0.05,
        "unchanged refresh embeds nothing, every article unchanged": (
            unchanged_ok and unchanged_embedded == 0),
        f"one new article: passages embedded = its passages ({added.passages_embedded} "
        f"= {expected}, {in_index} in the index)": (
            added.passages_embedded == expected == in_index and added.unchanged != []),
    }
    table = [
        "| step | articles | passages embedded | seconds | vs build |",
        "|---|---|---|---|---|",
        f"| build the index | {len(build.added)} added | {build.passages_embedded} "
        f"| {build_s:.2f} | 100 % |",
        f"| refresh, nothing changed (median of {args.repeat}) | "
        f"{len(unchanged_runs[0][0].unchanged)} unchanged | {unchanged_embedded} "
        f"| {unchanged_s:.3f} | {ratio:.2%} |",
        f"| add 1 article, refresh | {len(added.added)} added, {len(added.unchanged)} "
        f"unchanged | {added.passages_embedded} (the article has {expected}) "
        f"| {added_s:.2f} | {added_s / build_s:.2%} |",
    ]
    lines = [
        "# Refresh benchmark",
        "",
        f"`python benchmarks/refresh.py` — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{os.cpu_count()} CPU cores shared with other jobs (load average {load_start:.1f} "
        f"at the start, {load_average():.1f} at the end), Python {platform.python_version()}, "
        f"models {', '.join(getattr(e, 'name', k) for k, e in assistant.embedders.items())}, "
        "Chroma in a temporary folder. Models loaded before timing.",
        "",
        f"Corpus: {args.articles} synthetic French news articles (seed {args.seed}), "
        f"{min(sizes) / 1000:.1f}-{max(sizes) / 1000:.1f} KB of text each "
        f"(mean {statistics.mean(sizes) / 1000:.1f} KB), "
        f"{build.passages_embedded / args.articles:.1f} passages per article.",
        "",
        *table,
        "",
        *[f"- {'PASS' if ok else 'FAIL'}: {name}" for name, ok in checks.items()],
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    print(f"written to {args.out}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
