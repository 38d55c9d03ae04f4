"""The web page's handlers (no models): uploads are deleted once added, and the text a
user types is shown as typed, never rendered as Markdown."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import free_port
from markdown_it import MarkdownIt

from assistant.answer import Answer
from assistant.core import Reply
from assistant.indexing import RefreshReport
from assistant.ingest import save_text
from assistant.settings import Settings
from assistant.ui import build_app, launch_options, user_text


class FakeAssistant:
    """Records what refresh() was given (and what the files held then); no models."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.seen: list[tuple[str, str]] = []
        self.fail = False

    def ensure_index(self) -> None:
        pass

    def refresh(self, sources: list[str] | None = None, **_: Any) -> RefreshReport:
        self.seen += [(s, Path(s).read_text("utf-8")) for s in sources or []]
        if self.fail:
            raise RuntimeError("the index is broken")
        return RefreshReport(added=[Path(s).stem for s in sources or []])

    def articles(self) -> list[dict]:
        return []

    def add_text(self, title: str, text: str) -> str:
        return save_text(title, text, Path(self.settings.corpus_dir))

    def chat(self, question: str, history: list | None = None, k: int = 4) -> Iterator:
        yield Reply(Answer("Les articles ne répondent pas à cette question."))

    def retrieve(self, question: str, k: int = 4, history: list | None = None) -> list:
        return []


@dataclass
class Page:
    """The page built over a fake assistant, with Gradio's upload folder in a temp dir."""

    demo: Any
    assistant: FakeAssistant
    uploads: Path

    def handler(self, name: str) -> Any:
        return next(f.fn for f in self.demo.fns.values() if f.name == name)

    def upload(self, name: str, data: str) -> Path:
        """A file stored the way Gradio stores an upload: <upload folder>/<hash>/<name>."""
        folder = self.uploads / f"{len(list(self.uploads.glob('*'))):064x}"
        folder.mkdir(parents=True)
        (folder / name).write_text(data, "utf-8")
        return folder / name

    def files(self) -> list[Path]:
        """Every file in the upload folder (Gradio's own bookkeeping folders aside)."""
        return sorted(p for p in self.uploads.rglob("*")
                      if p.is_file() and "vibe_edit_history" not in p.parts)


@pytest.fixture()
def page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Page:
    uploads = tmp_path / "gradio"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(uploads))  # read when the page is built
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index",
                        max_upload_bytes=1000)
    assistant = FakeAssistant(settings)
    return Page(build_app(assistant), assistant, uploads)  # type: ignore[arg-type]


def _add(page: Page, files: list, lang: str = "en") -> tuple:
    return page.handler("add_articles")(files, "", "", "", lang,
                                        progress=lambda *a, **k: None)


# -- 10. uploads do not stay in Gradio's folder ------------------------------------------

def test_added_upload_is_deleted_after_ingest(page: Page) -> None:
    note = page.upload("note.md", "Une note sur la pluie.")
    out = _add(page, [{"path": str(note), "orig_name": "note.md"}])
    assert page.assistant.seen == [(str(note.resolve()), "Une note sur la pluie.")]
    assert "1 added" in out[0]
    assert not note.exists() and not note.parent.exists()  # its <hash> folder too
    assert page.uploads.is_dir()  # Gradio's folder itself stays
    assert out[2] is None  # the file box is emptied: its files are gone


def test_uploads_are_deleted_when_adding_fails_or_refuses(page: Page) -> None:
    page.assistant.fail = True
    kept = page.upload("kept.md", "Une autre note.")
    big = page.upload("big.md", "x" * 2000)  # over max_upload_bytes: refused unread
    out = _add(page, [str(kept), str(big)])
    assert [s for s, _ in page.assistant.seen] == [str(kept.resolve())]
    assert "Errors" in out[0]
    assert page.files() == []


def test_files_outside_the_upload_folder_are_never_deleted(page: Page, tmp_path: Path) -> None:
    outside = tmp_path / "server-file.md"
    outside.write_text("Un fichier du serveur.", "utf-8")
    sneaky = page.upload("a.md", "x").parent / ".." / ".." / "server-file.md"
    out = _add(page, [str(outside), str(sneaky)])
    assert "not a file uploaded" in out[0]
    assert outside.read_text("utf-8") == "Un fichier du serveur."


def test_upload_then_add_over_http_leaves_nothing_behind(page: Page) -> None:
    """The real flow: POST /upload, then the Add event through the queue, as the page
    does; afterwards Gradio's upload folder holds no file (no empty temp file either)."""
    port = free_port()
    page.demo.queue().launch(server_name="127.0.0.1", server_port=port,
                             prevent_thread_lock=True, quiet=True,
                             **launch_options(page.assistant.settings))
    try:
        url = f"http://127.0.0.1:{port}"
        (stored,) = httpx.post(f"{url}/gradio_api/upload", files={
            "files": ("note.md", b"Une note sur la pluie de mars.", "text/markdown")}).json()
        assert Path(stored).is_file() and page.files() == [Path(stored)]
        output = _run_event(page, url, "add_articles", [
            [{"path": stored, "orig_name": "note.md", "meta": {"_type": "gradio.FileData"}}],
            "", "", "", "en"])
        assert "1 added" in output["data"][0]
        assert page.assistant.seen == [(str(Path(stored).resolve()),
                                         "Une note sur la pluie de mars.")]
        assert page.files() == []
    finally:
        page.demo.close()


def _run_event(page: Page, url: str, name: str, data: list) -> dict:
    """Run the page's event ``name`` as the browser does (queue/join, then its stream)."""
    fn_index = next(i for i, f in page.demo.fns.items() if f.name == name)
    joined = httpx.post(f"{url}/gradio_api/queue/join", json={
        "data": data, "fn_index": fn_index, "session_hash": "safety-test",
        "trigger_id": page.demo.fns[fn_index].targets[0][0]})
    assert joined.status_code == 200, joined.text
    with httpx.stream("GET", f"{url}/gradio_api/queue/data",
                      params={"session_hash": "safety-test"}, timeout=60) as stream:
        for line in stream.iter_lines():
            message = json.loads(line[5:]) if line.startswith("data:") else {}
            if message.get("msg") == "process_completed":
                assert message.get("success"), message
                return dict(message["output"])
    raise AssertionError("the event never completed")


# -- 11. the user's text is shown as text -----------------------------------------------

#: Markdown as Gradio's Chatbot renders it (CommonMark + GFM tables and strikethrough).
MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])

TYPED = [
    "**bold** and _italic_ ~~struck~~",
    "[a link](https://example.org/x?a=1&b=2) ![img](http://x/y.png) <https://z.org>",
    "# Title\n- item\n1. first\n> quote\n\n    indented code",
    "`code` | a | b |\n|---|---|\n| c | d |",
    "<b>tag</b> &amp; 5 < 6 > 4 \\*not\\* \"quoted\" 'single'",
]


def _visible(markup: str) -> str:
    """The text a reader sees once ``markup`` (Markdown with HTML) is rendered."""
    rendered = MARKDOWN.render(markup)
    return re.sub(r"\n+", "\n", html.unescape(re.sub(r"<[^>]+>", "", rendered))).strip()


@pytest.mark.parametrize("typed", TYPED)
def test_user_text_renders_as_typed(typed: str) -> None:
    shown = user_text(typed)
    rendered = MARKDOWN.render(shown)
    assert set(re.findall(r"<(\w+)", rendered)) <= {"p"}, rendered  # no strong, a, h1, li…
    lines = [line.lstrip() for line in typed.splitlines() if line.strip()]
    assert _visible(shown) == "\n".join(lines)  # blank lines part paragraphs


def test_question_goes_into_the_chat_escaped(page: Page) -> None:
    question = "Qui a levé **combien** ? Voir [ici](https://example.org)"
    # The turn the page wires: a queued generator (LLM) or one update (extractive).
    turn = next(f.fn for f in page.demo.fns.values()
                if f.name in ("respond", "respond_whole"))
    out = turn(question, [], [], 4, "fr")
    first = out if isinstance(out, tuple) else next(out)
    _, chat, *_ = first
    assert chat[0]["role"] == "user"
    assert chat[0]["content"] == user_text(question)
    assert "<strong>" not in MARKDOWN.render(chat[0]["content"])
    assert "<a " not in MARKDOWN.render(chat[0]["content"])
    assert _visible(chat[0]["content"]) == question
