"""The web page's words in French and English, the example questions and the CSS."""

from __future__ import annotations

EXAMPLES = [
    "Combien OpenAI a-t-il levé en octobre ?",
    "How much money has OpenAI raised in total?",
    "Qui a investi dans Anthropic ?",
    "What are Meta's AI models called?",
]

MAX_K_UI = 10
#: Ids listed per line of the Add articles report (the rest is counted).
MAX_REPORT_IDS = 10

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Assistant actualités",
        "intro": "Posez une question sur les articles indexés : chaque réponse cite "
                 "ses sources, avec le passage exact.",
        "chat": "Conversation",
        "input": "Votre question",
        "placeholder": "Ex. : Combien OpenAI a-t-il levé en octobre ?",
        "send": "Envoyer",
        "clear": "Effacer la conversation",
        "examples": "Exemples",
        "examples_how": "cliquez pour demander",
        "settings": "Réglages",
        "k": "Passages à afficher (k)",
        "lang": "Langue de l’interface",
        "articles": "Articles indexés",
        "refresh": "↻ Actualiser la liste",
        "mode": "Mode de réponse",
        "modes": "extractif (phrases citées telles quelles, sans LLM)",
        "passages": "Passages trouvés pour la dernière question",
        "passages_none": "Posez une question pour voir les passages trouvés.",
        "sources": "Sources",
        "open": "lien",
        "no_articles": "Aucun article indexé.",
        "no_articles_hint": "Aucun article n’est encore indexé : ajoutez-en avec « Ajouter "
                            "des articles » (fichiers, adresses web ou texte collé), puis "
                            "posez votre question.",
        "no_articles_reply": "Je ne peux pas répondre : aucun article n’est encore indexé. "
                             "Ajoutez-en avec le panneau « Ajouter des articles » (fichiers "
                             ".md, .txt, .html ou .pdf, adresses web ou texte collé), puis "
                             "posez à nouveau votre question.",
        "placeholder_empty": "Ajoutez d’abord un article, puis posez votre question ici",
        "placeholder_any": "Posez votre question sur les articles indexés",
        "loading": "Chargement de l’index…",
        "error": "Désolé, une erreur est survenue. Réessayez dans un instant.",
        "bad_input": "Cette question ne peut pas être traitée : reformulez-la, s’il vous plaît.",
        "thinking": "…",
        "score": "score",
        "date": "date",
        "language": "langue",
        "add": "Ajouter des articles",
        "add_files": "Fichiers (.md, .txt, .html, .pdf)",
        "add_urls": "Adresses web : articles ou flux RSS/Atom, une par ligne",
        "add_title": "Titre du texte collé",
        "add_text": "Texte collé",
        "add_btn": "Ajouter",
        "add_none": "Déposez des fichiers, collez des adresses ou un texte, puis « Ajouter ».",
        "add_nothing": "Rien à ajouter : déposez un fichier, collez une adresse ou un texte.",
        "add_reading": "Lecture des sources…",
        "add_embedding": "Indexation",
        "add_report": "Résultat",
        "nothing_new": "Rien de nouveau : tout cela était déjà indexé.",
        "errors": "Erreurs",
        "pasted": "texte collé",
        "too_big": "{size} octets : au-delà de la limite de {limit} octets des dépôts",
        "not_upload": "refusé : ce n’est pas un fichier déposé dans cette page",
        "not_url": "pas une adresse web (http:// ou https://)",
        "no_text": "un titre sans texte : collez aussi le texte de l’article",
        "no_file": "fichier introuvable",
        "cut": "Votre question a été coupée à ses {limit} premiers caractères : "
               "la suite n’a pas été lue.",
    },
    "en": {
        "title": "News assistant",
        "intro": "Ask a question about the indexed articles: every answer cites its "
                 "sources, with the exact passage.",
        "chat": "Conversation",
        "input": "Your question",
        "placeholder": "E.g. How much money has OpenAI raised in total?",
        "send": "Send",
        "clear": "Clear chat",
        "examples": "Examples",
        "examples_how": "click to ask",
        "settings": "Settings",
        "k": "Passages to show (k)",
        "lang": "Interface language",
        "articles": "Indexed articles",
        "refresh": "↻ Refresh list",
        "mode": "Answer mode",
        "modes": "extractive (sentences quoted verbatim, no LLM)",
        "passages": "Passages found for the last question",
        "passages_none": "Ask a question to see the passages found.",
        "sources": "Sources",
        "open": "link",
        "no_articles": "No article indexed.",
        "no_articles_hint": "No article is indexed yet: add some with “Add articles” (files, "
                            "web addresses or a pasted text), then ask your question.",
        "no_articles_reply": "I cannot answer: no article is indexed yet. Add some with the "
                             "“Add articles” panel (.md, .txt, .html or .pdf files, web "
                             "addresses or a pasted text), then ask your question again.",
        "placeholder_empty": "Add an article first, then ask your question here",
        "placeholder_any": "Ask your question about the indexed articles",
        "loading": "Loading the index…",
        "error": "Sorry, something went wrong. Please try again in a moment.",
        "bad_input": "This question cannot be handled: please rephrase it.",
        "thinking": "…",
        "score": "score",
        "date": "date",
        "language": "language",
        "add": "Add articles",
        "add_files": "Files (.md, .txt, .html, .pdf)",
        "add_urls": "Web addresses: articles or RSS/Atom feeds, one per line",
        "add_title": "Title of the pasted text",
        "add_text": "Pasted text",
        "add_btn": "Add",
        "add_none": "Drop files, paste addresses or a text, then “Add”.",
        "add_nothing": "Nothing to add: drop a file, paste an address or a text.",
        "add_reading": "Reading the sources…",
        "add_embedding": "Indexing",
        "add_report": "Result",
        "nothing_new": "Nothing new: all of it was already indexed.",
        "errors": "Errors",
        "pasted": "pasted text",
        "too_big": "{size} bytes: over the {limit} byte upload limit",
        "not_upload": "refused: not a file uploaded through this page",
        "not_url": "not a web address (http:// or https://)",
        "no_text": "a title without a text: paste the article's text too",
        "no_file": "no such file",
        "cut": "Your question was cut to its first {limit} characters: "
               "the rest was not read.",
    },
}

#: Words shown after a count, (one, several) by language; see :func:`counted`.
COUNTED: dict[str, dict[str, tuple[str, str]]] = {
    "fr": {"added": ("ajouté", "ajoutés"), "updated": ("mis à jour", "mis à jour"),
           "removed": ("retiré", "retirés"), "unchanged": ("inchangé", "inchangés"),
           "already": ("déjà indexé", "déjà indexés"), "failed": ("en échec", "en échec"),
           "article": ("article", "articles"), "passage": ("passage", "passages")},
    "en": {"added": ("added", "added"), "updated": ("updated", "updated"),
           "removed": ("removed", "removed"), "unchanged": ("unchanged", "unchanged"),
           "already": ("already indexed", "already indexed"), "failed": ("failed", "failed"),
           "article": ("article", "articles"), "passage": ("passage", "passages")},
}


def counted_word(n: int, key: str, lang: str) -> str:
    """The word ``key`` for ``n`` things: singular below 2 in French ("0 ajouté",
    "1 ajouté", "2 ajoutés"), for 1 only in English ("0 articles", "1 article")."""
    lang = lang if lang in COUNTED else "fr"
    one, several = COUNTED[lang][key]
    return one if (n < 2 if lang == "fr" else n == 1) else several


def counted(n: int, key: str, lang: str) -> str:
    """``n`` and its word: "1 ajouté", "3 articles"."""
    return f"{n} {counted_word(n, key, lang)}"


CSS = """
#header h1 { margin-bottom: 0.2em; }
#chat { min-height: 420px; }
.sources { margin-top: 0.6em; border-top: 1px solid var(--border-color-primary);
           padding-top: 0.4em; font-size: 0.92em; }
.sources-head { font-weight: 600; margin-bottom: 0.3em; }
.sources details { border: 1px solid var(--border-color-primary); border-radius: 8px;
                   padding: 0.35em 0.6em; margin: 0.35em 0;
                   background: var(--background-fill-secondary); }
.sources summary { cursor: pointer; list-style-position: outside; margin-left: 1em; }
.src-num { font-weight: 700; }
.src-title { font-weight: 600; }
.src-meta { color: var(--body-text-color-subdued); font-size: 0.9em; }
.src-quote { display: block; margin-top: 0.25em; font-style: italic; }
.src-passage { margin-top: 0.5em; white-space: normal; line-height: 1.5; }
.src-section { color: var(--body-text-color-subdued); font-size: 0.88em; }
.sources mark, .passages mark { background: #fde68a; color: #1f2937; padding: 0 2px;
                                border-radius: 3px; }
.articles, .passages, .sources { overflow-wrap: anywhere; }
.articles ul, .passages ol { padding-left: 1.1em; margin: 0; }
.articles li, .passages li { margin-bottom: 0.5em; }
.art-meta, .pass-meta { color: var(--body-text-color-subdued); font-size: 0.88em; }
.notice { color: var(--body-text-color-subdued); font-style: italic; }
#examples-row button { white-space: normal; text-align: left; }
.add-report { overflow-wrap: anywhere; font-size: 0.92em; }
.add-report ul { padding-left: 1.1em; margin: 0.2em 0; }
.add-errors li, .feeds-error { color: var(--error-text-color, #b91c1c); }
#chat-status .chat-note { margin: 0.3em 0; padding: 0.3em 0.6em; border-radius: 6px;
                          border-left: 3px solid #f59e0b;
                          background: var(--background-fill-secondary); }
#examples-head .chat-note { margin: 0.3em 0; padding: 0.4em 0.7em; border-radius: 6px;
                            border-left: 3px solid #3b82f6;
                            background: var(--background-fill-secondary); }
/* The chat's own clear button (a trash icon over its top right corner, which the
   messages' copy icons scrolled under) is hidden: "Clear chat" below does the same. */
#chat .icon-button-wrapper.top-panel { display: none; }
/* The file box's label floated over its top left corner, over the upload icon (on two
   lines when the side panel is narrow): it goes above the box instead. */
#add-files label[data-testid="block-label"] { position: static; margin: 0 0 0.3em 0; }
@media (max-width: 700px) {
  #main-row { flex-direction: column; }
  #main-row > div { width: 100% !important; min-width: 0 !important; }
  #chat { min-height: 340px; }
}
"""



#: Puts Gradio's own words (the file box's "Drop File Here", "In queue", the footer) in
#: the page's language (``lang``: "fr" or "en") rather than the browser's. Gradio 6 has
#: no Python setting for that (``gr.I18n`` translates an app's own strings, by the
#: browser's language); its frontend's core module exports ``changeLocale``, which its
#: Settings panel calls. Should a later Gradio name that module otherwise, its words
#: stay in the browser's language and the console says so once.
GRADIO_LOCALE_JS = """async (lang) => {
  try {
    const core = performance.getEntriesByType("resource").map((e) => e.name)
      .find((name) => /\\/assets\\/core-[\\w-]+\\.js$/.test(name));
    if (!core) throw new Error("Gradio's core module was not found");
    await (await import(core)).changeLocale(lang === "en" ? "en" : "fr");
  } catch (e) {
    console.warn("Gradio's own words are left in the browser's language:", e);
  }
}"""


def lang_of(value: object) -> str:
    """``value`` if it is a language of the page, else French."""
    return value if isinstance(value, str) and value in LABELS else "fr"


def k_of(value: object, default: int) -> int:
    """The slider's ``k`` as an int in 1..MAX_K_UI (``default`` if unreadable)."""
    try:
        k = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default
    return min(max(k, 1), MAX_K_UI)
