"""The web page's "Feeds" part, without Gradio: subscribe, unsubscribe, and each feed's
status (last poll, last new entry, last error) as an HTML table, in French or English.
Polling itself is done by ``python -m assistant watch`` or the app's background poller."""

from __future__ import annotations

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
        "how": "Lus toutes les {every:g} s par `python -m assistant watch` "
               "(ou par l'application si ASSISTANT_WATCH_IN_APP=1).",
    },
    "en": {
        "title": "Watched feeds", "url": "RSS/Atom feed address", "add": "Watch",
        "remove": "Stop watching", "none": "No feed watched.", "feed": "Feed",
        "last_poll": "Last poll", "last_new": "Last new entry", "last_error": "Last error",
        "never": "never", "added": "Watching {url}", "already": "Already watched: {url}",
        "removed": "No longer watching {url}", "unknown": "This feed was not watched: {url}",
        "empty": "Give a feed address.", "retry": "next try at {time}",
        "how": "Polled every {every:g} s by `python -m assistant watch` "
               "(or by the app when ASSISTANT_WATCH_IN_APP=1).",
    },
}


class FeedsPanel:
    """Subscriptions of a corpus folder, for the web page."""

    def __init__(self, corpus_dir: Path | str, every: float):
        self.book = FeedBook(corpus_dir)
        self.every = every

    def add(self, url: str | None, lang: str) -> str:
        """Subscribe to ``url``; the message (a refusal says why) above the status table."""
        t = TEXTS[lang]
        url = (url or "").strip()
        if not url:
            return self.html(lang, t["empty"])
        try:
            new = self.book.subscribe(url)
        except ValueError as exc:
            return self.html(lang, str(exc))
        return self.html(lang, t["added" if new else "already"].format(url=url))

    def remove(self, url: str | None, lang: str) -> str:
        """Unsubscribe from ``url``; the message above the status table."""
        t = TEXTS[lang]
        url = (url or "").strip()
        if not url:
            return self.html(lang, t["empty"])
        gone = self.book.unsubscribe(url)
        return self.html(lang, t["removed" if gone else "unknown"].format(url=url))

    def html(self, lang: str, message: str = "") -> str:
        """The subscribed feeds' status table (text escaped), after ``message``."""
        t = TEXTS[lang]
        head = f'<p class="feeds-msg">{escape(message)}</p>' if message else ""
        rows = [r for r in status_rows(self.book) if r["subscribed"] == "yes"]
        how = f'<p class="art-meta">{escape(t["how"].format(every=self.every))}</p>'
        if not rows:
            return f'<div class="feeds">{head}<p>{escape(t["none"])}</p>{how}</div>'
        cells = "".join(
            f"<tr><td>{escape(r['url'])}</td><td>{escape(r['last_poll'] or t['never'])}</td>"
            f"<td>{escape(r['last_new'] or t['never'])}</td>"
            f"<td>{escape(_error(r, t))}</td></tr>" for r in rows)
        header = "".join(f"<th>{escape(t[k])}</th>"
                         for k in ("feed", "last_poll", "last_new", "last_error"))
        return (f'<div class="feeds">{head}<table><tr>{header}</tr>{cells}</table>'
                f"{how}</div>")


def _error(row: dict[str, str], t: dict[str, str]) -> str:
    retry = f" ({t['retry'].format(time=row['retry'])})" if row["retry"] else ""
    return (row["last_error"] or "—") + retry
