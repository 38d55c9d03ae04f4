"""The "Add articles" panel's work, without Gradio running: check what was given (uploads,
web addresses, pasted text), refresh, and report what was already indexed."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from ..indexing import Progress, RefreshReport
from ..ingest import FILE_KEY
from ..metadata import file_key
from ..readers import suffix_refusal
from ..sources import SourceError, parse_front_matter
from .labels import LABELS

if TYPE_CHECKING:
    from ..core import Assistant

log = logging.getLogger(__name__)

_WEB_URL = re.compile(r"^https?://", re.IGNORECASE)


def upload_paths(files: Any) -> list[str]:
    """The paths of a gr.File payload: FileData dicts (raw payload), paths, or None."""
    if not isinstance(files, list | tuple):
        files = [files] if files else []
    paths = [str(f.get("path") or "") if isinstance(f, dict) else str(f or "") for f in files]
    return [p for p in paths if p]


@dataclass
class AddReport(RefreshReport):
    """A refresh report, plus the names of what the panel was given that was already
    indexed (an upload, a web page or a pasted text with the text of an article in the
    index)."""

    already: list[str] = field(default_factory=list)


class ArticleAdder:
    """The work of the "Add articles" panel: check what was given, then refresh.

    Files must be uploads (inside Gradio's upload folder) of at most
    ``settings.max_upload_bytes``; the URL box takes only http(s) addresses (so no
    server path can be slipped in), fetched under the private-address rule of
    ``settings.allow_private_urls``; pasted text is saved with :meth:`Assistant.add_text`.
    Everything else goes through :meth:`Assistant.refresh`, which writes inside
    the corpus folder only and never drops what is already indexed.
    """

    def __init__(self, assistant: Assistant, upload_dir: Path | str | None = None):
        self.assistant = assistant
        self.upload_dir = Path(upload_dir or gr.utils.get_upload_folder()).resolve()

    def _check_upload(self, path: Path, limit: int, t: dict[str, str]) -> str:
        """Why this uploaded file is refused ('' if it is not)."""
        try:
            resolved = path.resolve(strict=True)
            size = resolved.stat().st_size
        except OSError:
            return t["no_file"]
        if not resolved.is_relative_to(self.upload_dir):
            return t["not_upload"]
        if suffix_refusal(resolved.suffix):
            return suffix_refusal(resolved.suffix)
        if size > limit:
            return t["too_big"].format(size=size, limit=limit)
        return ""

    def discard_uploads(self, files: list | None) -> None:
        """Delete the uploaded ``files`` and their emptied folders (Gradio keeps every
        upload forever). Anything outside the upload folder is left alone."""
        for f in files or []:
            try:
                path = Path(str(getattr(f, "path", None) or f)).resolve(strict=True)
            except OSError:
                continue
            if not path.is_file() or not path.is_relative_to(self.upload_dir):
                continue
            try:
                path.unlink()
                if path.parent != self.upload_dir:  # <upload folder>/<hash>/<name>
                    path.parent.rmdir()
            except OSError as exc:  # e.g. the folder holds another upload: it stays
                log.debug("upload %s not fully removed: %s", path, exc)

    def add(self, files: list | None, urls: str | None, title: str | None,
            text: str | None, lang: str = "fr",
            progress: Progress | None = None) -> AddReport:
        """Add the uploaded ``files``, the ``urls`` (one per line) and the pasted text;
        the refresh report, with every refusal among its errors as (name, reason) and
        the uploads and pasted text that were already indexed named."""
        t = LABELS.get(lang, LABELS["fr"])
        limit = int(self.assistant.settings.max_upload_bytes)
        errors: list[tuple[str, str]] = []
        sources: list[str] = []
        names: dict[str, str] = {}
        for f in files or []:
            path = Path(str(getattr(f, "path", None) or f))
            name = Path(str(getattr(f, "orig_name", None) or path.name)).name
            reason = self._check_upload(path, limit, t)
            if reason:
                errors.append((name, reason))
            else:
                sources.append(str(path.resolve()))
                names[sources[-1]] = name
        for line in (urls or "").splitlines():  # one error a line, not one a word
            found = line.split()
            sources += [u for u in found if _WEB_URL.match(u)]
            if bad := " ".join(u for u in found if not _WEB_URL.match(u)):
                errors.append((bad[:200], t["not_url"]))
        title = (title or "").strip()
        saved = self._save_text(title, (text or "").strip(), limit, t, errors)
        if not (files or sources or errors or saved):
            return AddReport(errors=[("", t["add_nothing"])])
        if not (sources or saved):
            return AddReport(errors=errors)
        report = self.assistant.refresh(sources or None, progress=progress)
        out = AddReport(**{f.name: getattr(report, f.name) for f in fields(report)})
        out.errors = errors + [(names.get(src, src), msg) for src, msg in report.errors]
        fresh = {*report.added, *report.updated}
        failed = {src for src, _ in report.errors}
        out.already = self._already_indexed(
            {src: name for src, name in names.items() if src not in failed}, fresh)
        # A web page whose text an article has already (uploads are found above).
        out.already += [src for src, _ in report.skipped if src not in names]
        # An address given again, unchanged, is named too, not only when it comes alone
        # (a new user's four addresses read "1 added · 2 failed").
        out.already += [aid for aid in dict.fromkeys(report.present) if aid not in fresh]
        if saved and saved not in fresh:  # save_text gave the id of the article it matched
            out.already.append(title or t["pasted"])
        return out

    def _save_text(self, title: str, text: str, limit: int, t: dict[str, str],
                   errors: list[tuple[str, str]]) -> str:
        """Save the pasted text in the corpus folder; its article id ("" if there was
        none, or it was refused: the reason then goes to ``errors``)."""
        if not text:
            if title:
                errors.append((title, t["no_text"]))
            return ""
        size = len(text.encode("utf-8"))
        if size > limit:
            errors.append((title or t["pasted"], t["too_big"].format(size=size, limit=limit)))
            return ""
        try:
            return self.assistant.add_text(title, text)
        except (SourceError, OSError) as exc:
            errors.append((title or t["pasted"], str(exc)))
            return ""

    def _already_indexed(self, uploads: dict[str, str], fresh: set[str]) -> list[str]:
        """The names of the ``uploads`` (path: name) read without error whose article
        is none of the ``fresh`` ones (added or updated): ingest found their text
        indexed already and wrote nothing."""
        if not uploads:
            return []
        corpus = Path(self.assistant.settings.corpus_dir)
        keys = set()
        for aid in fresh:
            try:
                meta, _ = parse_front_matter((corpus / f"{aid}.md").read_text("utf-8"))
            except (OSError, UnicodeError, SourceError):
                return []  # gone or changed since: better say nothing than something wrong
            keys.add(str(meta.get(FILE_KEY) or ""))
        return [name for src, name in uploads.items() if file_key(src) not in keys]
