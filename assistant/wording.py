"""What the extractive answerer says around its quotes, in each reader's language, and
the :class:`Answer` every answerer returns."""

from __future__ import annotations

from dataclasses import dataclass, field

from langchain_core.documents import Document

MESSAGES = {
    "fr": {
        "empty": "Posez une question sur les articles indexés.",
        "refuse": "Les articles indexés ne répondent pas à cette question.",
        "one": "D’après l’article :",
        "many": "D’après les articles :",
        "in": "{lead} (en {language}, texte original) :",
        "latest": "Le chiffre le plus récent date du {date}.",
        "part": "(Les articles ne répondent pas à : « {part} »)",
        "and": "et en",
    },
    "en": {
        "empty": "Please type a question about the indexed articles.",
        "refuse": "The indexed articles don't answer this question.",
        "one": "According to the article:",
        "many": "According to the articles:",
        "in": "{lead} (in {language}, original text):",
        "latest": "The latest figure is from {date}.",
        "part": "(The articles don't answer: \"{part}\")",
        "and": "and",
    },
}
LANGUAGE_NAMES = {"fr": {"en": "anglais", "fr": "français"},
                  "en": {"fr": "French", "en": "English"}}
#: Between a name and its item, for a comparison ("OpenAI: $20 billion").
COLON = {"fr": " : ", "en": ": "}


def lead(lang: str, quoted: list[str], several: bool) -> str:
    """"According to the article(s)", saying in which languages the quotes are
    when one is not the reader's ("in French and English"): the quotes are the
    articles' own words, not a translation."""
    lead = MESSAGES[lang]["many" if several else "one"]
    names = [LANGUAGE_NAMES[lang].get(q, "") for q in quoted]  # "": a language unnamed
    if quoted in ([lang], []) or not all(names):
        return lead
    name = f" {MESSAGES[lang]['and']} ".join(names)
    return MESSAGES[lang]["in"].format(lead=lead.rstrip(" :"), language=name)


@dataclass
class Answer:
    """An answer: ``text`` with ``[n]`` markers; ``sources[n-1]`` is passage n.

    ``sources`` is empty exactly when the assistant says the articles do not
    answer. ``mode`` names the answerer; ``notice`` tells of a fallback.
    """

    text: str
    sources: list[Document] = field(default_factory=list)
    mode: str = "extractive"
    language: str = "en"
    notice: str = ""
    quotes: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        """True when the articles did not answer."""
        return not self.sources
