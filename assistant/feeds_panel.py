"""The web page's "Feeds" part, without Gradio: subscribe, unsubscribe, and each feed's
status (last poll, last new entry, last error) as an HTML table, in French or English.
Polling itself is done by ``python -m assistant watch`` or the app's background poller."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path

from .feeds import FeedBook, status_rows

TEXTS = {
    "fr": {
        "title": "Flux suivis", "url": "Adresse du flux RSS/Atom", "add": "Suivre",
        "remove": "Ne plus suivre", "none": "Aucun flux suivi.", "feed": "Flux",
        "last_poll": "Dernière lecture", "last_new": "Dernier article",
        "last_error": "Dernière erreur", "never": "jamais", "added": "Flux suivi : {url}",
        "already": "Déjà suivi : {url}", "removed": "Flux retiré : {url}",
        "unknown": "Ce flux n'était pas suivi : {url}", "empty": "Donnez l'adresse d'un flux.",
        "retry": "nouvel essai à {time}",
        "how_app": "Relus toutes les {every:g} s par l’application.",
        "how_server": "Relus toutes les {every:g} s par la veille des flux, quand elle "
                      "tourne sur le serveur.",
    },
    "en": {
        "title": "Watched feeds", "url": "RSS/Atom feed address", "add": "Watch",
        "remove": "Stop watching", "none": "No feed watched.", "feed": "Feed",
        "last_poll": "Last poll", "last_new": "Last new entry", "last_error": "Last error",
        "never": "never", "added": "Watching {url}", "already": "Already watched: {url}",
        "removed": "No longer watching {url}", "unknown": "This feed was not watched: {url}",
        "empty": "Give a feed address.", "retry": "next try at {time}",
        "how_app": "Polled every {every:g} s by the app.",
        "how_server": "Polled every {every:g} s by the feed watcher, when it runs on "
                      "the server.",
    },
}


class FeedsPanel:
    """Subscriptions of a corpus folder, for the web page. ``in_app``: the app polls
    the feeds itself; ``localize(message, lang)`` puts the feeds' errors (English
    lines) in the page's language."""

    def __init__(self, corpus_dir: Path | str, every: float, *, in_app: bool = False,
                 localize: Callable[[str, str], str] | None = None):
        self.book = FeedBook(corpus_dir)
        self.every = every
        self.in_app = in_app
        self.localize = localize or (lambda message, lang: message)

    def add(self, url: str | None, lang: str) -> str:
        """Subscribe to ``url``; the message (a refusal says why) above the status table."""
        t = TEXTS[lang]
        url = (url or "").strip()
        if not url:
            return self.html(lang, t["empty"])
        try:
            new = self.book.subscribe(url)
        except ValueError as exc:
            return self.html(lang, self.localize(str(exc), lang), error=True)
        return self.html(lang, t["added" if new else "already"].format(url=url))

    def remove(self, url: str | None, lang: str) -> str:
        """Unsubscribe from ``url``; the message above the status table."""
        t = TEXTS[lang]
        url = (url or "").strip()
        if not url:
            return self.html(lang, t["empty"])
        gone = self.book.unsubscribe(url)
        return self.html(lang, t["removed" if gone else "unknown"].format(url=url))

    def html(self, lang: str, message: str = "", error: bool = False) -> str:
        """The subscribed feeds' status table (text escaped), after ``message`` (shown
        as an error if ``error``)."""
        t = TEXTS[lang]
        kind = "feeds-msg feeds-error" if error else "feeds-msg"
        head = f'<p class="{kind}">{escape(message)}</p>' if message else ""
        rows = [r for r in status_rows(self.book) if r["subscribed"] == "yes"]
        how = t["how_app" if self.in_app else "how_server"].format(every=self.every)
        how = f'<p class="art-meta">{escape(how)}</p>'
        if not rows:
            return f'<div class="feeds">{head}<p>{escape(t["none"])}</p>{how}</div>'
        cells = "".join(
            f"<tr><td>{escape(r['url'])}</td><td>{escape(r['last_poll'] or t['never'])}</td>"
            f"<td>{escape(r['last_new'] or t['never'])}</td>"
            f"<td>{escape(self._error(r, lang))}</td></tr>" for r in rows)
        header = "".join(f"<th>{escape(t[k])}</th>"
                         for k in ("feed", "last_poll", "last_new", "last_error"))
        return (f'<div class="feeds">{head}<table><tr>{header}</tr>{cells}</table>'
                f"{how}</div>")

    def _error(self, row: dict[str, str], lang: str) -> str:
        retry = f" ({TEXTS[lang]['retry'].format(time=row['retry'])})" if row["retry"] else ""
        return self.localize(row["last_error"] or "—", lang) + retry
