"""The login of the web app (ASSISTANT_AUTH): failed logins are throttled, and the login
page tells a stranger nothing about the API."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import httpx
import pytest
from conftest import ROOT, running_app
from gradio_client import Client

from assistant.settings import Settings
from assistant.ui import LoginThrottle

USER, PASSWORD = "user", "s3cret-pw"
MAX_FAILURES, BACKOFF_MAX = 3, 2


@pytest.fixture(scope="module")
def app(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python app.py` behind a login, throttling after 3 failures, backoff capped at 2 s."""
    log = tmp_path_factory.mktemp("app-login") / "app.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
           "ASSISTANT_INDEX_DIR": str(settings.index_dir),
           "ASSISTANT_AUTH": f"{USER}:{PASSWORD}",
           "ASSISTANT_LOGIN_MAX_FAILURES": str(MAX_FAILURES),
           "ASSISTANT_LOGIN_WINDOW": "60", "ASSISTANT_LOGIN_BACKOFF_MAX": str(BACKOFF_MAX)}
    with running_app(env, log) as url:
        yield url


def login(url: str, password: str, user: str = USER, source: str = "127.0.0.1",
          multipart: bool = False, decoy: bool = False) -> httpx.Response:
    """POST /login from the loopback address ``source`` (the page sends multipart;
    ``decoy`` adds a file part, which must not hide the user name from the throttle)."""
    fields = {"username": user, "password": password}
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, timeout=30) as client:
        if multipart or decoy:
            parts: dict = {k: (None, v) for k, v in fields.items()}
            if decoy:
                parts["decoy"] = ("decoy.txt", b"x" * 100, "text/plain")
            return client.post(f"{url}login", files=parts)
        return client.post(f"{url}login", data=fields)


def assert_throttled(response: httpx.Response, seconds: int) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["retry-after"] == str(seconds)
    assert response.json()["detail"] == f"Too many failed logins: try again in {seconds} s."
    assert "set-cookie" not in response.headers


# -- 6. failed logins are throttled ------------------------------------------------------

def test_failed_logins_are_refused_for_a_growing_then_capped_time(app: str) -> None:
    for _ in range(MAX_FAILURES):
        assert login(app, "wrong").status_code == 400
    assert_throttled(login(app, PASSWORD), 1)  # even the right password, for now
    time.sleep(1.2)
    assert login(app, "wrong").status_code == 400
    assert_throttled(login(app, "wrong"), 2)  # it grows…
    time.sleep(2.2)
    assert login(app, "wrong").status_code == 400
    assert_throttled(login(app, PASSWORD), BACKOFF_MAX)  # …up to the cap (4 s → 2 s)
    time.sleep(BACKOFF_MAX + 0.2)
    ok = login(app, PASSWORD)
    assert ok.status_code == 200 and ok.json() == {"success": True}
    assert login(app, "wrong").status_code == 400  # the success started afresh
    assert login(app, PASSWORD).status_code == 200  # (and the next test does too)


def test_a_user_name_is_throttled_from_any_address(app: str) -> None:
    for n in range(MAX_FAILURES):
        failed = login(app, "wrong", source="127.0.0.2", multipart=True, decoy=n == 0)
        assert failed.status_code == 400
    assert_throttled(login(app, PASSWORD, source="127.0.0.3"), 1)
    assert login(app, "wrong", user="other", source="127.0.0.3").status_code == 400
    time.sleep(1.2)
    assert login(app, PASSWORD, source="127.0.0.3").status_code == 200


def test_throttle_counts_per_client_and_per_user_and_caps() -> None:
    now = [0.0]
    throttle = LoginThrottle(3, window=60, backoff_max=8, clock=lambda: now[0])
    keys = ["client:a", "user:u"]
    for _ in range(2):
        throttle.failed(keys)
    assert throttle.wait(keys) == 0
    throttle.failed(keys)
    assert throttle.wait(["client:b", "user:u"]) == 1  # the user, from elsewhere
    assert throttle.wait(["client:a", "user:v"]) == 1  # the client, for another user
    assert throttle.wait(["client:b", "user:v"]) == 0
    waits = []
    for _ in range(4):
        now[0] += 10
        throttle.failed(keys)
        waits.append(throttle.wait(keys))
    assert waits == [2, 4, 8, 8]
    now[0] += 8
    assert throttle.wait(keys) == 0  # never locked out for longer than the cap
    throttle.succeeded(keys)
    throttle.failed(keys)
    assert throttle.wait(keys) == 0


def test_throttle_forgets_failures_older_than_the_window() -> None:
    now = [0.0]
    throttle = LoginThrottle(3, window=60, backoff_max=60, clock=lambda: now[0])
    for _ in range(2):
        throttle.failed(["client:a"])
    now[0] = 61
    for _ in range(2):
        throttle.failed(["client:a"])
    assert throttle.wait(["client:a"]) == 0


# -- 9. the login page does not describe the API -----------------------------------------

def test_login_page_does_not_describe_the_api(app: str) -> None:
    page = httpx.get(app, timeout=30)
    assert page.status_code == 200 and '"auth_required":true' in page.text
    assert "gradio_api_info" in page.text  # what the page's script expects is still there
    for secret in ('"/chat"', '"/retrieve"', "Answer a question about the indexed articles",
                   "best answer the question"):
        assert secret not in page.text
    assert httpx.get(f"{app}gradio_api/info", timeout=30).status_code == 401


def test_logged_in_user_still_gets_the_api(app: str) -> None:
    with httpx.Client(timeout=30) as browser:
        assert browser.post(f"{app}login", data={"username": USER, "password": PASSWORD}
                            ).status_code == 200
        page = browser.get(app).text
    assert '"/chat"' in page and "Answer a question about the indexed articles" in page
    client = Client(app, auth=(USER, PASSWORD), verbose=False)
    assert "question" in client.predict("", api_name="/chat").lower()  # defaults known
