"""Web chat: `python app.py`, then open http://127.0.0.1:7860.

Environment: GRADIO_SERVER_NAME / GRADIO_SERVER_PORT (where to listen),
ASSISTANT_AUTH=user:password (ask for a login; failed logins are throttled, see
ASSISTANT_LOGIN_*), and the ASSISTANT_* settings
(see `python -m assistant settings`). The page serves at once; the models and
the index are loaded in the background; with ASSISTANT_WATCH_IN_APP=1 the
subscribed feeds are polled in the background too.
"""

from __future__ import annotations

import logging
import os
import threading

from assistant.core import Assistant
from assistant.settings import Settings
from assistant.ui import build_app, launch_options
from assistant.watch import start_background

log = logging.getLogger("app")


def warm_up(assistant: Assistant) -> None:
    """Load the models and build/sync the index, so the first question is quick."""
    try:
        assistant.retrieve("warm up")
        log.info("assistant ready")
    except Exception:
        log.exception("warm-up failed (the first question will retry)")


def auth_from_settings(settings: Settings) -> tuple[str, str] | None:
    """(user, password) from ASSISTANT_AUTH=user:password, or None."""
    value = settings.auth.get_secret_value()
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not (user and sep and password):
        raise SystemExit("ASSISTANT_AUTH must look like user:password")
    return user, password


def main() -> None:
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings()
    assistant = Assistant(settings)
    auth = auth_from_settings(settings)
    demo = build_app(assistant)
    threading.Thread(target=warm_up, args=(assistant,), daemon=True, name="warm-up").start()
    if settings.watch_in_app:  # polls the subscribed feeds under the writer lock
        start_background(assistant)
    # Read by the queue made below; see Settings.web_stats_every.
    os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", str(settings.web_stats_every))
    demo.queue(default_concurrency_limit=settings.web_concurrency).launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        auth=auth,
        **launch_options(settings),
    )


if __name__ == "__main__":
    main()
