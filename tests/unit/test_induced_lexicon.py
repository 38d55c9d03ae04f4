"""The induced lexicon (assistant/lexicon.py) with a fake encoder: a question's words
in the other language, from the corpus's own vocabulary."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.lexical import STOP
from assistant.lexicon import Lexicon

# Words with hand-made vectors: each pair of translations shares a direction.
_AXES = {"profit": 0, "bénéfice": 0, "workers": 1, "salariés": 1, "river": 2, "fleuve": 2,
         "moon": 3, "passengers": 4, "passagers": 4,
         # months share one direction, as an encoder puts them near one another
         "december": 6, "january": 6, "décembre": 6, "novembre": 6}


class AxisEmbedder:
    """A fake encoder: known words on their axis, anything else on a spare one;
    counts the words it was asked to embed."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.seen += texts
        out = []
        for t in texts:
            v = np.zeros(7)
            v[_AXES.get(t, 5)] = 1.0
            if t == "moon":  # near "fleuve" but under the threshold
                v = np.array([0, 0, 0.6, 0.8, 0, 0, 0])
            out.append(v.tolist())
        return out

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


FRENCH = ["Le bénéfice du fleuve.", "Les salariés du fleuve et le bénéfice.",
          "Les passagers du fleuve.", "En décembre ou en novembre."]
ENGLISH = ["The profit of the river.", "Workers, workers.", "In December or January."]


def built(embedder: AxisEmbedder, cache: Path | None = None) -> Lexicon:
    lex = Lexicon(embedder, cache, threshold=0.7, stop=STOP)  # type: ignore[arg-type]
    lex.build(FRENCH + ENGLISH, ["fr"] * len(FRENCH) + ["en"] * len(ENGLISH))
    return lex


def test_translates_both_ways_into_the_other_language_only() -> None:
    lex = built(AxisEmbedder())
    assert lex.translate("How big was the profit?", "en")["profit"] == ("benefice",)
    assert lex.translate("Combien de salariés ?", "fr")["salaries"] == ("workers",)
    # Not into its own language, and not below the threshold (moon · fleuve = 0.6).
    assert "moon" not in lex.translate("What about the moon and the river?", "en")
    assert lex.translate("What about the river?", "en")["river"] == ("fleuve",)
    assert "benefice" in lex.expansion("profit", "en").split()
    # a cognate spelt alike is a translation too: the stemmers cut them apart
    assert lex.translate("How many passengers?", "en")["passengers"] == ("passagers",)


def test_months_and_number_words_get_their_own_translation_only() -> None:
    lex = built(AxisEmbedder())
    assert lex.translate("Combien en décembre ?", "fr")["decembre"] == ("december",)
    assert lex.translate("What happened in december?", "en")["december"] == ("decembre",)


def test_without_the_other_language_nothing_is_translated() -> None:
    lex = Lexicon(AxisEmbedder(), None, stop=STOP)  # type: ignore[arg-type]
    lex.build(FRENCH, ["fr"] * len(FRENCH))
    assert lex.translate("Le bénéfice ?", "fr") == {}


def test_the_vocabulary_vectors_are_kept_and_reused(tmp_path: Path) -> None:
    cache = tmp_path / "lexicon.npz"
    built(AxisEmbedder(), cache)
    assert cache.exists()
    again = AxisEmbedder()
    lex = built(again, cache)
    assert again.seen == []  # every vocabulary word came from the file
    assert lex.translate("profit", "en")["profit"] == ("benefice",)


def test_a_damaged_cache_is_rebuilt(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    cache = tmp_path / "lexicon.npz"
    cache.write_bytes(b"not a numpy file")
    embedder = AxisEmbedder()
    lex = built(embedder, cache)
    assert "unreadable" in caplog.text and embedder.seen
    assert lex.translate("profit", "en")["profit"] == ("benefice",)


def test_the_vocabulary_is_restored_without_the_passages(tmp_path: Path) -> None:
    """A process that loads the saved BM25 index has no passages: it takes the
    vocabulary the last build saved."""
    cache = tmp_path / "lexicon.npz"
    built(AxisEmbedder(), cache)
    again = AxisEmbedder()
    lex = Lexicon(again, cache, threshold=0.7, stop=STOP)  # type: ignore[arg-type]
    assert lex.restore()
    assert again.seen == []
    assert lex.translate("Combien de salariés ?", "fr")["salaries"] == ("workers",)
    assert not Lexicon(again, tmp_path / "none.npz").restore()  # type: ignore[arg-type]


def test_words_for_reads_both_languages_and_is_remembered_per_vocabulary() -> None:
    lex = built(AxisEmbedder())
    assert lex.words_for("profit") == ("benefice",)
    assert lex.words_for("salariés") == ("workers",)
    calls: list[str] = []
    translate = lex.translate
    lex.translate = lambda text, lang: calls.append(text) or translate(text, lang)  # type: ignore[method-assign]
    assert lex.words_for("profit") == ("benefice",) and calls == []  # remembered
    lex.build(FRENCH + ENGLISH, ["fr"] * len(FRENCH) + ["en"] * len(ENGLISH))  # new vocabulary
    assert lex.words_for("profit") == ("benefice",) and calls  # worked out again


def test_closeness_is_a_soft_share_of_the_questions_words_in_any_language() -> None:
    """The ``soft`` feature of the sentence model: each lower-case question word's
    closest word in the sentence, averaged; the sentence's words come from the
    vocabulary only (nothing embedded for them), names and stop words left out."""
    embedder = AxisEmbedder()
    lex = built(embedder)
    asked = lex.question_words("What profit went to the workers at Acme?")
    assert len(asked) == 3  # profit, went, workers: not "Acme", not the stop words
    full, half, none = lex.closeness(asked, [
        lex.known_words(t) for t in ("Les salariés et le bénéfice.", "Le bénéfice du fleuve.",
                                     "Zyxwv qqqq.")])
    assert full == pytest.approx(2 / 3) and half == pytest.approx(1 / 3) and none == 0.0
    before = len(embedder.seen)
    lex.known_words("Zyxwv qqqq, wholly unknown words.")
    assert len(embedder.seen) == before  # a sentence's unknown words are not embedded
    assert lex.closeness(lex.question_words("Acme?"), [lex.known_words("le bénéfice")]) == [0.0]
    # Row numbers hold for one vocabulary: a new one has a new version.
    version = lex.version
    lex.build(FRENCH, ["fr"] * len(FRENCH))
    assert lex.version == version + 1
