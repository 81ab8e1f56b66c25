"""The example admin in a real headless Chromium: an article with an embedded byline, a list of
tags and a list of embedded comments is created, edited (a nested value, rows and items added,
removed and reordered), searched for and deleted. After each step the document is read straight
from MongoDB with pymongo. Each page is saved as a screenshot under test-artifacts/browser/.

Chromium is Debian's `chromium` package (`./dev setup` installs it), driven by Playwright.
"""

import datetime
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pymongo
import pytest

from djongo_core.embedded import embedded_server_uri

from tests.test_demo import EXAMPLE, free_port, stop_embedded_server

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "browser"
MONGODB_URI = os.environ.get("MONGODB_URI")


def chromium_path():
    found = os.environ.get("DJONGO_CHROMIUM") or shutil.which("chromium") or shutil.which(
        "chromium-browser")
    if not found:
        pytest.fail("Chromium is not installed: run ./dev setup (it installs Debian's chromium "
                    "package) or set DJONGO_CHROMIUM to a Chromium executable.")
    return found


@pytest.fixture
def example_server(tmp_path):
    """The example project served by runserver on its own database; yields (url, collection)."""
    data_dir = tmp_path / "data"
    database = f"djongo_browser_{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DJONGO_EXAMPLE_DATA_DIR": str(data_dir),
           "DJONGO_EXAMPLE_DATABASE": database}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--no-input"], ["ensure_demo_superuser"]):
        subprocess.run(manage + command, cwd=EXAMPLE, env=env, check=True, capture_output=True,
                       timeout=180)
    port = free_port()
    server = subprocess.Popen(manage + ["runserver", f"127.0.0.1:{port}", "--noreload"],
                              cwd=EXAMPLE, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    if MONGODB_URI:
        client = pymongo.MongoClient(MONGODB_URI)
    else:
        # Joined as the project's processes join it, with the credentials kept in data_dir.
        client = pymongo.MongoClient(embedded_server_uri(f"embedded://{data_dir}"))
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "/admin/login/", timeout=5)
                break
            except OSError:
                time.sleep(0.1)
        yield url, client[database]["library_article"]
    finally:
        server.terminate()
        server.wait(timeout=10)
        if MONGODB_URI:
            client.drop_database(database)
        client.close()
        stop_embedded_server(data_dir)


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        # --no-sandbox: Chromium's sandbox refuses to start as root, as in CI containers.
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True,
                                             args=["--no-sandbox"])
        try:
            tab = browser.new_page(viewport={"width": 1280, "height": 1400})
            tab.set_default_timeout(20_000)
            yield tab
        finally:
            browser.close()


def snapshot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def save(page, name):
    """Press "Save and continue editing" and wait for the change page."""
    page.click("input[name=_continue]")
    page.wait_for_load_state()
    snapshot(page, name)


def titles(page):
    """Return the titles in the change list, in their order."""
    return page.locator("#result_list tbody th.field-title a").all_inner_texts()


def comment_rows(page):
    return page.locator(".djongo-list[data-djongo-name=comments] .djongo-row:visible")


def test_an_article_with_nested_data_is_edited_in_the_admin(example_server, page):
    url, articles = example_server

    # Log in.
    page.goto(url + "/admin/login/?next=/admin/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "admin")
    snapshot(page, "01-login")
    page.click("input[type=submit]")
    page.wait_for_url(url + "/admin/")
    snapshot(page, "02-index")

    # Create an article: the byline's fields, two tags, two comments, without any JSON.
    page.goto(url + "/admin/library/article/add/")
    page.fill("#id_title", "Documents inside documents")
    page.select_option("#id_status", "published")
    page.fill("#id_published", "2026-01-15")
    page.fill("input[name=byline-name]", "Ada Lovelace")
    page.fill("input[name=byline-email]", "ada@example.com")
    page.locator(".djongo-blank input[name=tags]").fill("mongodb")
    page.click(".djongo-items[data-djongo-name=tags] [data-djongo-action=add-item]")
    page.locator("input[name=tags]").nth(1).fill("django")
    for author, text in [("Grace", "Nested data!"), ("Alan", "Lists too.")]:
        page.click(".djongo-list[data-djongo-name=comments] [data-djongo-action=add-row]")
        row = comment_rows(page).last
        row.locator("input[name$=-author]").fill(author)
        row.locator("textarea[name$=-text]").fill(text)
    snapshot(page, "03-add-form")
    save(page, "04-created")
    assert page.locator(".messagelist .success").count() == 1
    document = articles.find_one()
    assert document["title"] == "Documents inside documents"
    assert document["status"] == "published"
    assert document["published"] == datetime.datetime(2026, 1, 15)
    assert document["byline"] == {"name": "Ada Lovelace", "email": "ada@example.com",
                                  "bio": ""}
    assert document["tags"] == ["mongodb", "django"]
    assert document["comments"] == [
        {"author": "Grace", "text": "Nested data!", "rating": None},
        {"author": "Alan", "text": "Lists too.", "rating": None}]
    article_id = document["_id"]

    # A mistake inside the byline is reported at its own input and nothing is stored.
    page.fill("input[name=byline-email]", "not an email")
    page.click("input[name=_continue]")
    page.wait_for_load_state()
    snapshot(page, "05-nested-error")
    assert "Enter a valid email address." in page.locator(
        ".djongo-embedded[data-djongo-name=byline]").inner_text()
    assert articles.find_one({"_id": article_id})["byline"]["email"] == "ada@example.com"

    # Edit nested values: the byline's name and the second comment's text.
    page.fill("input[name=byline-email]", "ada@example.com")
    page.fill("input[name=byline-name]", "Ada King")
    comment_rows(page).nth(1).locator("textarea[name$=-text]").fill("Lists, edited.")
    save(page, "06-nested-edited")
    document = articles.find_one({"_id": article_id})
    assert document["byline"]["name"] == "Ada King"
    assert [c["text"] for c in document["comments"]] == ["Nested data!", "Lists, edited."]

    # Add a comment row and remove the first one; add a tag and remove another.
    page.click(".djongo-list[data-djongo-name=comments] [data-djongo-action=add-row]")
    row = comment_rows(page).last
    row.locator("input[name$=-author]").fill("Edsger")
    row.locator("textarea[name$=-text]").fill("Considered helpful.")
    row.locator("input[name$=-rating]").fill("4")
    comment_rows(page).first.locator("[data-djongo-action=remove-row]").click()
    page.click(".djongo-items[data-djongo-name=tags] [data-djongo-action=add-item]")
    page.locator("input[name=tags]").last.fill("admin")
    page.locator(".djongo-items[data-djongo-name=tags] .djongo-item").first.locator(
        "[data-djongo-action=remove-item]").click()
    snapshot(page, "07-rows-changed")
    save(page, "08-rows-saved")
    document = articles.find_one({"_id": article_id})
    assert document["comments"] == [
        {"author": "Alan", "text": "Lists, edited.", "rating": None},
        {"author": "Edsger", "text": "Considered helpful.", "rating": 4}]
    assert document["tags"] == ["django", "admin"]

    # Reorder: move the last comment up.
    comment_rows(page).last.locator("[data-djongo-action=move-up]").click()
    save(page, "09-reordered")
    document = articles.find_one({"_id": article_id})
    assert [c["author"] for c in document["comments"]] == ["Edsger", "Alan"]

    # A second article, with only what is required: the byline's name.
    page.goto(url + "/admin/library/article/add/")
    page.fill("#id_title", "Arrays")
    page.fill("input[name=byline-name]", "Barbara Liskov")
    page.click("input[name=_save]")
    page.wait_for_url(url + "/admin/library/article/")
    other = articles.find_one({"title": "Arrays"})
    assert other["byline"] == {"name": "Barbara Liskov", "email": "", "bio": ""}
    assert other["tags"] == [] and other["comments"] == [] and other["books"] == []

    # Sort the change list by the byline's name (inside the documents), both ways.
    page.click("th.column-byline_name a")
    page.wait_for_load_state()
    snapshot(page, "10-sorted-by-byline")
    assert titles(page) == ["Documents inside documents", "Arrays"]
    page.click("th.column-byline_name a.toggle")
    page.wait_for_load_state()
    assert titles(page) == ["Arrays", "Documents inside documents"]

    # Filter by a tag from the lists.
    page.goto(url + "/admin/library/article/")
    page.click("#changelist-filter a:text-is('admin')")
    page.wait_for_load_state()
    snapshot(page, "11-filtered-by-tag")
    assert titles(page) == ["Documents inside documents"]

    # Search the change list by a field inside the byline, a tag and a comment's text.
    for query in ("King", "admin", "helpful"):
        page.goto(url + "/admin/library/article/")
        page.fill("#searchbar", query)
        page.press("#searchbar", "Enter")
        page.wait_for_load_state()
        snapshot(page, f"12-search-{query}")
        assert titles(page) == ["Documents inside documents"]
    page.fill("#searchbar", "nowhere")
    page.press("#searchbar", "Enter")
    page.wait_for_load_state()
    assert page.locator("#result_list").count() == 0
    assert articles.count_documents({}) == 2

    # Delete the first article.
    page.goto(f"{url}/admin/library/article/{article_id}/delete/")
    snapshot(page, "13-delete-confirmation")
    page.click("input[type=submit]")
    page.wait_for_url(url + "/admin/library/article/")
    snapshot(page, "14-deleted")
    assert articles.find_one({"_id": article_id}) is None
    assert [document["title"] for document in articles.find()] == ["Arrays"]


ERROR_RED = "rgb(186, 33, 33)"  # the admin's --error-fg (#ba2121) in the light theme


def border_colors(page, selector):
    """Return {name: [top border colour of each input]} for the inputs under selector."""
    return page.eval_on_selector_all(
        f"{selector} input:not([type=hidden]), {selector} textarea, {selector} select",
        """inputs => inputs.reduce((colors, input) => {
            (colors[input.name] = colors[input.name] || []).push(
                getComputedStyle(input).borderTopColor);
            return colors;
        }, {})""")


def invalid_inputs(page, selector):
    return page.eval_on_selector_all(f"{selector} [aria-invalid=true]",
                                     "inputs => inputs.map(input => input.name)")


def test_only_the_wrong_inputs_of_a_document_or_a_list_are_marked(example_server, page):
    url, articles = example_server
    page.goto(url + "/admin/login/?next=/admin/library/article/add/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "admin")
    page.click("input[type=submit]")
    page.wait_for_url(url + "/admin/library/article/add/")

    # One mistake in the byline, one in a comment row, one in a tag; the rest is right.
    page.fill("#id_title", "Marked")
    page.fill("input[name=byline-name]", "Ada Lovelace")
    page.fill("input[name=byline-email]", "not an email")
    page.fill("textarea[name=byline-bio]", "Wrote the first program.")
    for author, text, rating in [("Grace", "Fine.", "5"), ("Alan", "Off the scale.", "-3")]:
        page.click(".djongo-list[data-djongo-name=comments] [data-djongo-action=add-row]")
        row = comment_rows(page).last
        row.locator("input[name$=-author]").fill(author)
        row.locator("textarea[name$=-text]").fill(text)
        row.locator("input[name$=-rating]").fill(rating)
    page.locator(".djongo-blank input[name=tags]").fill("fine")
    page.click(".djongo-items[data-djongo-name=tags] [data-djongo-action=add-item]")
    too_long = page.locator("input[name=tags]").nth(1)
    too_long.evaluate("input => input.removeAttribute('maxlength')")
    too_long.fill("x" * 40)
    page.click("input[name=_continue]")
    page.wait_for_load_state()
    snapshot(page, "20-only-wrong-inputs-marked")
    assert articles.count_documents({}) == 0

    byline = ".djongo-embedded[data-djongo-name=byline]"
    assert "Enter a valid email address." in page.locator(byline).inner_text()
    assert invalid_inputs(page, byline) == ["byline-email"]
    colors = border_colors(page, byline)
    assert colors["byline-email"] == [ERROR_RED]
    assert ERROR_RED not in colors["byline-name"] + colors["byline-bio"]

    comments = ".djongo-list[data-djongo-name=comments]"
    assert "greater than or equal to 0" in page.locator(comments).inner_text()
    assert invalid_inputs(page, comments) == ["comments-1-rating"]
    colors = border_colors(page, comments)
    assert colors.pop("comments-1-rating") == [ERROR_RED]
    assert not [name for name, found in colors.items() if ERROR_RED in found]

    tags = ".djongo-items[data-djongo-name=tags]"
    assert "Item 2:" in page.locator(".field-tags").inner_text()
    colors = border_colors(page, tags)["tags"]  # the two items, then the blank input
    assert [color == ERROR_RED for color in colors] == [False, True, False]
    assert page.eval_on_selector_all(f"{tags} input[name=tags]",
                                     "inputs => inputs.map(input => input.ariaInvalid)") == [
        None, "true", None]
