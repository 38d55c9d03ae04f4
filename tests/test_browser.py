"""The chat page in a real browser (Debian Chromium driven by Playwright)."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, running_app
from local_page import PAGE_TITLE, serve_page

from assistant.settings import Settings
from assistant.ui.session import GRACE

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "browser_artifacts"
ANSWER_TIMEOUT = 120_000  # ms: the first question may wait for the index
PHONE_WIDTH = 390

HOSTILE = """---
title: '<img src=x onerror="window.__pwned=1">Hostile'
language: fr
published: "2024-05"
url: "javascript:window.__pwned=1"
---

<script>window.__pwned=1</script>

Zorglub a levé 3 milliards de dollars en 2024.
La société <b onmouseover="window.__pwned=1">Zorglub</b> fabrique des rayons.
"""

sync_api = pytest.importorskip("playwright.sync_api")

#: The local web page added through the panel is held until this is set.
RELEASE = threading.Event()


@pytest.fixture(scope="module")
def pages() -> Iterator[str]:
    """URL of a local web page that answers once RELEASE is set."""
    with serve_page(RELEASE) as httpd:
        yield httpd.url


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The browser app's own corpus folder (articles are added to it)."""
    return tmp_path_factory.mktemp("browser-root") / "corpus"


@pytest.fixture(scope="module")
def server(settings: Settings, corpus: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python app.py` over its own corpus copy, with a hostile article added; local
    pages may be fetched (ASSISTANT_ALLOW_PRIVATE_URLS=1) for the Add articles panel."""
    corpus.mkdir()
    for f in Path(settings.corpus_dir).iterdir():
        if f.is_file():
            shutil.copy(f, corpus / f.name)
    (corpus / "hostile.md").write_text(HOSTILE, encoding="utf-8")
    index = tmp_path_factory.mktemp("browser-index")
    log = tmp_path_factory.mktemp("browser-app") / "app.log"
    env = dict(os.environ)
    env.pop("ASSISTANT_AUTH", None)
    env.update({
        "ASSISTANT_CORPUS_DIR": str(corpus), "ASSISTANT_INDEX_DIR": str(index),
        "PYTHONPATH": str(ROOT), "ASSISTANT_ALLOW_PRIVATE_URLS": "1",
        "ASSISTANT_FETCH_TIMEOUT": "120",
    })
    with running_app(env, log) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
        ])
        yield b
        b.close()


@pytest.fixture()
def page(browser, server: str) -> Iterator:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.goto(server, wait_until="domcontentloaded")
    pg.locator("#question textarea, #question input").first.wait_for(timeout=30_000)
    pg.errors = errors  # type: ignore[attr-defined]
    pg.dialogs = dialogs  # type: ignore[attr-defined]
    yield pg
    context.close()


def ask(page, question: str) -> None:
    box = page.locator("#question textarea, #question input").first
    box.click()
    box.fill(question)
    box.press("Enter")


def last_bot(page):
    return page.locator("#chat [data-testid='bot']").last


def wait_answer(page, expected: str) -> None:
    sync_api.expect(last_bot(page)).to_contain_text(expected, timeout=ANSWER_TIMEOUT)
    # the sources block comes with the final message, once streaming is over
    last_bot(page).locator("details.source").first.wait_for(timeout=ANSWER_TIMEOUT)


def test_french_then_english_question_with_sources(page) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    ask(page, "Combien OpenAI a-t-il levé en octobre ?")
    wait_answer(page, "6,6 milliards")
    bot = last_bot(page)
    sync_api.expect(bot.locator(".src-title").first).to_contain_text("Course à l’IA")
    sync_api.expect(bot.locator("summary").first).to_contain_text("6,6 milliards")
    sync_api.expect(bot.locator("summary mark").first).to_be_visible()

    passage = bot.locator("details.source .src-passage").first
    assert not passage.is_visible()
    bot.locator("details.source summary").first.click()
    sync_api.expect(passage).to_be_visible()
    sync_api.expect(passage).to_contain_text("Thrive Capital")  # beyond the quoted sentence
    sync_api.expect(passage.locator("mark").first).to_be_visible()

    ask(page, "How much money has OpenAI raised in total?")
    sync_api.expect(page.locator("#chat [data-testid='bot']")).to_have_count(2, timeout=30_000)
    wait_answer(page, "20 milliards")
    page.locator("#passages-acc").get_by_text("Passages trouvés").click()
    sync_api.expect(page.locator("#passages")).to_contain_text("OpenAI")
    sync_api.expect(page.locator("#articles")).to_contain_text("Course à l’IA générative")
    page.screenshot(path=str(ARTIFACTS / "desktop.png"), full_page=True)
    assert page.errors == []  # type: ignore[attr-defined]


def test_extractive_answer_appears_at_once_with_its_sources(page) -> None:
    # Issue #17: an extractive answer is ready whole; it is no longer replayed a few
    # words at a time, so the first text of the answer comes with its sources.
    page.evaluate("""() => {
        window.__texts = [];
        const chat = document.querySelector('#chat');
        new MutationObserver(() => {
            const bots = chat.querySelectorAll("[data-testid='bot']");
            if (bots.length) window.__texts.push(bots[bots.length - 1].textContent);
        }).observe(chat, {subtree: true, childList: true, characterData: true});
    }""")
    ask(page, "What are Meta's AI models called?")
    wait_answer(page, "Meta")
    texts = [t for t in page.evaluate("window.__texts") if "Meta" in t]
    assert texts and "Sources" in texts[0], texts[:3]


def test_k_slider_sets_the_number_of_passages_shown(page) -> None:
    number = page.locator("#k input[type='number']")
    number.fill("2")
    number.press("Enter")
    ask(page, "Qui a investi dans Anthropic ?")
    wait_answer(page, "Anthropic")
    page.locator("#passages-acc").get_by_text("Passages trouvés").click()
    sync_api.expect(page.locator("#passages li")).to_have_count(2)


def test_empty_question_leaves_the_chat_and_says_what_to_do(page) -> None:
    # The hint once went into the chat, where Gradio joined it to the last answer's
    # bubble, and the passages panel was emptied.
    ask(page, "Qui a investi dans Anthropic ?")
    wait_answer(page, "Anthropic")
    page.locator("#passages-acc").get_by_text("Passages trouvés").click()
    sync_api.expect(page.locator("#passages li").first).to_be_visible()
    found = page.locator("#passages").inner_html()
    page.wait_for_timeout(GRACE * 1000 + 500)  # sooner, it is taken for a double submit
    page.locator("#send").click()
    status = page.locator("#chat-status .chat-note")
    sync_api.expect(status).to_have_text("Posez une question sur les articles indexés.",
                                         timeout=60_000)
    sync_api.expect(page.locator("#chat [data-testid='bot']")).to_have_count(1)
    sync_api.expect(page.locator("#chat [data-testid='user']")).to_have_count(1)
    sync_api.expect(last_bot(page)).not_to_contain_text("Posez une question")
    assert page.locator("#passages").inner_html() == found
    ask(page, "Combien OpenAI a-t-il levé en octobre ?")  # the next question: note gone
    wait_answer(page, "6,6 milliards")
    sync_api.expect(status).to_have_count(0)


def test_a_double_submit_answers_once_and_says_nothing_of_an_empty_question(page) -> None:
    # Click, click, Enter: one answer came, then the status line said "Posez une
    # question sur les articles indexés." as if nothing had been asked.
    box = page.locator("#question textarea, #question input").first
    box.fill("Combien OpenAI a-t-il levé en octobre ?")
    page.locator("#send").click()
    page.locator("#send").click()
    box.press("Enter")
    wait_answer(page, "6,6 milliards")
    page.wait_for_timeout(1500)  # the stray submits have come back
    sync_api.expect(page.locator("#chat [data-testid='user']")).to_have_count(1)
    sync_api.expect(page.locator("#chat [data-testid='bot']")).to_have_count(1)
    sync_api.expect(page.locator("#chat-status")).not_to_contain_text("Posez une question")


def test_a_question_over_the_limit_is_said_to_be_cut(page) -> None:
    limit = Settings().max_question_chars
    ask(page, "Combien OpenAI a-t-il levé en octobre ? " + "bla " * (limit // 4 + 10))
    sync_api.expect(page.locator("#chat-status .chat-note")).to_contain_text(
        f"coupée à ses {limit} premiers caractères", timeout=ANSWER_TIMEOUT)


def test_clear_button_empties_the_chat(page) -> None:
    ask(page, "Qui a investi dans Anthropic ?")
    wait_answer(page, "Anthropic")
    page.locator("#clear").click()
    sync_api.expect(page.locator("#chat [data-testid='bot']")).to_have_count(0)


def test_language_toggle_changes_labels(page) -> None:
    page.locator("#lang").get_by_text("English").click()
    sync_api.expect(page.locator("#send")).to_have_text("Send")
    sync_api.expect(page.locator("#header")).to_contain_text("News assistant")
    sync_api.expect(page.locator("#add-acc")).to_contain_text("Add articles")  # the panel too
    feeds = page.locator("#feeds-acc")  # and the Feeds part, which stayed French
    feeds.get_by_text("Watched feeds").click()
    sync_api.expect(feeds).to_contain_text("RSS/Atom feed address")
    sync_api.expect(feeds.get_by_role("button", name="Watch", exact=True)).to_be_visible()
    sync_api.expect(feeds.get_by_role("button", name="Stop watching")).to_be_visible()
    sync_api.expect(page.locator("#feeds")).to_contain_text("Polled every")
    sync_api.expect(page.locator("#feeds")).not_to_contain_text("python -m")
    page.locator("#lang").get_by_text("Français").click()
    sync_api.expect(page.locator("#send")).to_have_text("Envoyer")
    sync_api.expect(feeds.get_by_role("button", name="Suivre", exact=True)).to_be_visible()


def test_the_language_and_the_conversation_survive_a_reload(page) -> None:
    # A reload went back to French and lost the conversation. Gradio's own words (the
    # file box's) follow the page's language, not the browser's (English here), once
    # the page has set it (the file box keeps the words it was first shown with).
    page.wait_for_function("document.documentElement.lang === 'fr'", timeout=30_000)
    open_panel(page)
    files = page.locator("#add-files")
    sync_api.expect(files).to_contain_text("Déposez le fichier ici")
    sync_api.expect(files).not_to_contain_text("Drop File Here")
    chat_saved = stored(page, "assistant-conversation")
    page.locator("#lang").get_by_text("English").click()
    sync_api.expect(page.locator("#send")).to_have_text("Send")
    ask(page, "Qui a investi dans Anthropic ?")
    wait_answer(page, "Anthropic")
    wait_stored(page, "assistant-ui-language", None)
    chat_saved = wait_stored(page, "assistant-conversation", chat_saved)
    page.reload(wait_until="domcontentloaded")
    sync_api.expect(page.locator("#send")).to_have_text("Send", timeout=30_000)
    sync_api.expect(page.locator("#lang input[value='en']")).to_be_checked()
    sync_api.expect(page.locator("#header")).to_contain_text("News assistant")
    sync_api.expect(page.locator("#articles")).to_contain_text("passages")
    sync_api.expect(page.locator("#chat [data-testid='bot']")).to_have_count(1)
    sync_api.expect(last_bot(page)).to_contain_text("Anthropic")
    page.locator("#add-acc").get_by_text("Add articles").click()
    sync_api.expect(page.locator("#add-files")).to_contain_text("Drop File Here")
    ask(page, "Combien OpenAI a-t-il levé en octobre ?")  # the conversation goes on
    sync_api.expect(page.locator("#chat [data-testid='bot']")).to_have_count(2, timeout=30_000)
    wait_answer(page, "6,6 milliards")
    chat_saved = wait_stored(page, "assistant-conversation", chat_saved)
    page.locator("#clear").click()
    sync_api.expect(page.locator("#chat [data-testid='bot']")).to_have_count(0)
    wait_stored(page, "assistant-conversation", chat_saved)
    page.reload(wait_until="domcontentloaded")
    sync_api.expect(page.locator("#send")).to_have_text("Send", timeout=30_000)
    page.wait_for_timeout(1000)  # time for a conversation to come back, were one kept
    sync_api.expect(page.locator("#chat [data-testid='bot']")).to_have_count(0)
    assert page.errors == []  # type: ignore[attr-defined]


def stored(page, key: str) -> str | None:
    """What the page keeps in the browser's storage under ``key`` (encrypted)."""
    return page.evaluate("(key) => localStorage.getItem(key)", key)


def wait_stored(page, key: str, old: str | None) -> str | None:
    """Wait until the page has stored something new under ``key``; that value."""
    page.wait_for_function("([key, old]) => localStorage.getItem(key) !== old",
                           arg=[key, old], timeout=30_000)
    return stored(page, key)


def test_no_icon_or_label_covers_another(page) -> None:
    # Once the chat scrolled, a user message's copy icon went under the chat's trash
    # icon; the file box's label covered its upload icon.
    for n, (question, expected) in enumerate([
            ("Combien OpenAI a-t-il levé en octobre ?", "6,6 milliards"),
            ("Qui a investi dans Anthropic ?", "Anthropic"),
            ("How much money has OpenAI raised in total?", "20 milliards")], 1):
        ask(page, question)
        sync_api.expect(page.locator("#chat [data-testid='bot']")).to_have_count(
            n, timeout=ANSWER_TIMEOUT)
        wait_answer(page, expected)
    chat = page.locator("#chat")
    assert chat.locator(".top-panel button:visible").count() == 0  # "Clear chat" does it
    icons = [b for b in (i.bounding_box() for i in chat.locator("button:visible").all()) if b]
    for n, a in enumerate(icons):
        for b in icons[n + 1:]:
            assert not overlap(a, b), (a, b)
    open_panel(page)
    for width in (1280, 1000):  # at 1000 px, the label takes two lines
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(300)
        label = page.locator("#add-files [data-testid='block-label']").bounding_box()
        icon = page.locator("#add-files [data-testid='upload-icon']").bounding_box()
        assert label and icon and not overlap(label, icon), (width, label, icon)


def overlap(a: dict, b: dict) -> bool:
    """Whether two bounding boxes share some area."""
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


def test_hostile_article_runs_nothing(page) -> None:
    ask(page, "Combien Zorglub a-t-il levé ?")
    wait_answer(page, "3 milliards")
    bot = last_bot(page)
    sync_api.expect(bot.locator(".src-title").first).to_contain_text("<img")  # shown as text
    bot.locator("details.source summary").first.click()
    bot.locator("details.source .src-passage").first.hover()
    page.wait_for_timeout(500)
    sync_api.expect(page.locator("#articles")).to_contain_text("Hostile")
    assert page.evaluate("window.__pwned") is None
    assert bot.locator("script, img, a[href^='javascript']").count() == 0
    assert page.dialogs == []  # type: ignore[attr-defined]


@contextlib.contextmanager
def phone(browser, server: str) -> Iterator:
    """The page on a 390 px wide phone screen."""
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(server, wait_until="domcontentloaded")
        yield page
    finally:
        context.close()


def assert_fits_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH + 1, f"horizontal scroll: page is {width}px wide"


def test_phone_width_stacks_panels(browser, server: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with phone(browser, server) as page:
        box = page.locator("#question textarea, #question input").first
        box.wait_for(timeout=30_000)
        ask(page, "Combien OpenAI a-t-il levé en octobre ?")
        wait_answer(page, "6,6 milliards")
        chat, side = page.locator("#chat").bounding_box(), page.locator("#side").bounding_box()
        assert chat and side
        assert side["y"] >= chat["y"] + chat["height"] - 1  # the side panel is below
        assert chat["width"] <= PHONE_WIDTH and side["width"] <= PHONE_WIDTH
        assert_fits_phone(page)
        page.screenshot(path=str(ARTIFACTS / "phone.png"), full_page=True)


# -- the "Add articles" panel -------------------------------------------------------

FILE_FACT = "La coopérative Kerbrat Énergie a levé 9 millions d’euros en janvier 2025 " \
    "pour installer des éoliennes flottantes au large de Lorient."
TEXT_TITLE = "Vernalis Robotique lève 47 millions"
TEXT_FACT = ("La start-up Vernalis Robotique a levé 47 millions d’euros auprès du fonds "
             "Quillon Partners en mars 2025 pour construire des robots de vendange.\n\n"
             "Ses robots cueillent le raisin la nuit, guidés par des caméras thermiques.")


def open_panel(page) -> None:
    page.locator("#add-acc").get_by_text("Ajouter des articles").click()
    page.locator("#add-btn").wait_for(timeout=10_000)


def test_add_articles_then_ask_about_them(page, corpus: Path, pages: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    ask(page, "Qui a investi dans Anthropic ?")  # the models are loaded from here on
    wait_answer(page, "Anthropic")
    open_panel(page)
    # What the page's live regions say, kept as it changes: Gradio's status tracker
    # announced its raw key "common.complete" to screen readers (a new user's trial).
    page.evaluate("""() => { window.statusSaid = []; new MutationObserver(() =>
        document.querySelectorAll('[role=status]').forEach(
            e => window.statusSaid.push(e.textContent.trim()))).observe(
        document.body, {subtree: true, childList: true, characterData: true}); }""")
    name = f"kerbrat-{uuid.uuid4().hex[:8]}"
    page.locator("#add-files input[type='file']").set_input_files(files=[{
        "name": f"../{name}.md", "mimeType": "text/markdown",
        "buffer": f"---\ntitle: Kerbrat Énergie\n---\n\n{FILE_FACT}\n".encode(),
    }])
    # By the cell's name: its text may read "kerbrat-… .md" (Gradio shows the stem and
    # the extension apart), which failed now and then.
    sync_api.expect(page.locator("#add-files").get_by_role("cell", name=f"{name}.md")
                    ).to_be_visible()
    page.wait_for_function("() => window.statusSaid.some(s => s)", timeout=10_000)
    said = page.evaluate("() => window.statusSaid")
    assert not any("common." in s for s in said), said
    page.locator("#add-urls textarea").fill(pages)
    page.locator("#add-title textarea, #add-title input").first.fill(TEXT_TITLE)
    page.locator("#add-text textarea").fill(TEXT_FACT)
    page.locator("#add-btn").click()

    # While the page is held the refresh runs, its progress shows, and the chat answers.
    report = page.locator("#add-report")
    sync_api.expect(report).to_contain_text("Lecture des sources", timeout=30_000)
    ask(page, "Combien OpenAI a-t-il levé en octobre ?")
    sync_api.expect(page.locator("#chat [data-testid='bot']")).to_have_count(2)
    wait_answer(page, "6,6 milliards")
    assert not RELEASE.is_set()
    sync_api.expect(report).not_to_contain_text("ajoutés")  # still running
    RELEASE.set()

    sync_api.expect(report).to_contain_text("3 ajoutés", timeout=ANSWER_TIMEOUT)
    sync_api.expect(report.locator(".add-added")).to_contain_text(TEXT_TITLE)
    sync_api.expect(report).not_to_contain_text("Erreurs")
    articles = page.locator("#articles")
    for title in ("Kerbrat Énergie", TEXT_TITLE, PAGE_TITLE):
        sync_api.expect(articles).to_contain_text(title)
    sync_api.expect(page.locator("#add-text textarea")).to_have_value("")  # cleared
    page.screenshot(path=str(ARTIFACTS / "add-desktop.png"), full_page=True)

    ask(page, "Combien Vernalis Robotique a-t-il levé ?")
    sync_api.expect(page.locator("#chat [data-testid='bot']")).to_have_count(3)
    wait_answer(page, "47 millions")
    sync_api.expect(last_bot(page).locator(".src-title").first).to_have_text(TEXT_TITLE)
    ask(page, "Combien Kerbrat Énergie a-t-il levé ?")
    sync_api.expect(page.locator("#chat [data-testid='bot']")).to_have_count(4)
    wait_answer(page, "9 millions")
    sync_api.expect(last_bot(page).locator(".src-title").first).to_have_text("Kerbrat Énergie")

    # The file named '../…' was stored inside the corpus folder, nowhere else.
    stored = [p for p in corpus.iterdir() if FILE_FACT[:40] in p.read_text("utf-8")]
    assert [p.parent for p in stored] == [corpus]
    assert not list(corpus.parent.glob(f"{name}*")) and not list(Path("/tmp").glob(f"{name}*"))
    assert page.errors == []  # type: ignore[attr-defined]


def test_add_panel_nothing_given_and_phone_width(browser, server: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with phone(browser, server) as page:
        open_panel(page)
        page.locator("#add-btn").click()
        report = page.locator("#add-report")
        sync_api.expect(report).to_contain_text("Rien à ajouter", timeout=60_000)
        sync_api.expect(report).not_to_contain_text("Traceback")
        page.locator("#add-urls textarea").fill("/etc/passwd")
        page.locator("#add-btn").click()
        sync_api.expect(report).to_contain_text("pas une adresse web", timeout=60_000)
        side = page.locator("#side").bounding_box()
        assert side and side["width"] <= PHONE_WIDTH
        assert_fits_phone(page)
        page.screenshot(path=str(ARTIFACTS / "add-phone.png"), full_page=True)


def test_feeds_part_watches_a_feed_and_shows_its_status(page, corpus: Path) -> None:
    from assistant.feeds import FeedBook

    page.locator("#feeds-acc").get_by_text("Flux suivis").click()
    box = page.locator("#feed-url textarea, #feed-url input").first
    box.fill("https://news.example/feed.xml")
    page.locator("#feeds-acc").get_by_role("button", name="Suivre", exact=True).click()
    feeds = page.locator("#feeds")
    sync_api.expect(feeds).to_contain_text("Flux suivi : https://news.example/feed.xml",
                                           timeout=ANSWER_TIMEOUT)
    sync_api.expect(feeds.locator("td").first).to_have_text("https://news.example/feed.xml")
    assert FeedBook(corpus).subscribed() == ["https://news.example/feed.xml"]
    page.locator("#feeds-acc").get_by_role("button", name="Ne plus suivre").click()
    sync_api.expect(feeds).to_contain_text("Aucun flux suivi.", timeout=ANSWER_TIMEOUT)
    assert FeedBook(corpus).subscribed() == []
    box.fill("javascript:alert(1)")  # refused: in French, shown as an error
    page.locator("#feeds-acc").get_by_role("button", name="Suivre", exact=True).click()
    refused = feeds.locator(".feeds-error")
    sync_api.expect(refused).to_contain_text("pas une adresse de flux http(s)",
                                             timeout=ANSWER_TIMEOUT)
    sync_api.expect(feeds.locator("p").nth(1)).to_have_text("Aucun flux suivi.")
    color = "e => getComputedStyle(e).color"
    assert refused.evaluate(color) != feeds.locator("p").nth(1).evaluate(color)


def test_an_unsupported_upload_is_named_and_the_file_box_stays_usable(page) -> None:
    open_panel(page)
    files = page.locator("#add-files input[type='file']")
    files.set_input_files(files=[{"name": "rapport.docx", "buffer": b"PK\x03\x04",
                                  "mimeType": "application/octet-stream"}])
    report = page.locator("#add-report")
    sync_api.expect(report).to_contain_text(  # at once, in the page's language
        "rapport.docx : type de fichier « .docx » non pris en charge (acceptés : .md",
        timeout=30_000)
    box = page.locator("#add-files")
    sync_api.expect(box.get_by_role("cell", name="rapport.docx")).to_be_visible()
    sync_api.expect(box).not_to_contain_text("Error")
    page.locator("#add-btn").click()
    sync_api.expect(report).to_contain_text("1 en échec", timeout=ANSWER_TIMEOUT)
    sync_api.expect(report).to_contain_text("rapport.docx : type de fichier")
    sync_api.expect(report).not_to_contain_text("Rien à ajouter")
    files.set_input_files(files=[{"name": "essai.txt", "buffer": b"Un essai.",
                                  "mimeType": "text/plain"}])
    sync_api.expect(box.get_by_role("cell", name="essai.txt")).to_be_visible()
    assert page.errors == []  # type: ignore[attr-defined]
