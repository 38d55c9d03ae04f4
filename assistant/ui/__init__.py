"""The web chat (Gradio 6): streamed answers with their numbered, quoted sources.

:func:`build_app` returns the :class:`gradio.Blocks` page; ``app.py`` launches it.
Besides the page, two API endpoints are exposed to ``gradio_client``:

* ``/chat`` — (message, history) → the answer's markdown, sources block included;
* ``/retrieve`` — (question, k) → the k best passages as a list of dicts.

A side panel adds articles (uploaded files, web pages or feeds, pasted text)
through :meth:`Assistant.refresh`; see :class:`ArticleAdder` for what it refuses.

The package: ``labels`` (words, CSS), ``messages`` (the pipeline's English messages
in the page's language), ``render`` (pure HTML/Markdown renderers), ``session`` (what
is kept per browser: running turns, the saved language and conversation), ``adding``
(the Add articles panel's work), ``handlers`` (the page's behaviour, plain Python),
``layout`` (the Blocks).
"""

from __future__ import annotations

from ..web_guard import LoginThrottle
from .adding import ArticleAdder, upload_paths
from .handlers import ArticleList, Handlers
from .labels import CSS, EXAMPLES, LABELS, MAX_K_UI
from .layout import build_app, launch_options
from .render import (
    SOURCES_MARK,
    answer_markdown,
    doc_to_dict,
    esc,
    highlight,
    passages_html,
    plain_history,
    render_sources,
    report_html,
    user_text,
)

__all__ = [
    "CSS", "EXAMPLES", "LABELS", "MAX_K_UI", "SOURCES_MARK", "ArticleAdder", "ArticleList",
    "Handlers", "LoginThrottle", "answer_markdown", "build_app", "doc_to_dict", "esc",
    "highlight", "launch_options", "passages_html", "plain_history", "render_sources",
    "report_html", "upload_paths", "user_text",
]
