"""Safety and privacy in a real browser: the crisis banner, "Need help now?" at any time, Quick exit,
and the line on where chats are kept, next to every input."""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.sync_api import expect

from tests.web.helpers import (
    CHAT_MESSAGE,
    CRISIS_MESSAGE,
    HARSH_MESSAGE,
    QUESTION,
    ask,
    chat_turn,
    in_viewport,
    open_tab,
    rewrite,
    stored_session,
)

pytestmark = pytest.mark.slow


def assert_banner_above_everything(page) -> None:
    banner = page.locator("#safety-banner")
    expect(banner).to_be_visible()
    expect(banner).to_have_attribute("role", "alert")
    expect(banner).to_contain_text("988")
    expect(banner.locator('a[href="tel:988"]')).to_be_visible()
    expect(banner.locator('a[href^="sms:988"]')).to_be_visible()
    call = banner.locator('a[href="tel:988"]').bounding_box()
    assert call["y"] + call["height"] <= page.viewport_size["height"], "the call button is in view without scrolling"
    assert page.evaluate("window.scrollY") == 0, "the page jumps to the top, where the banner is"
    banner_box = banner.bounding_box()
    tabs_box = page.locator(".tabs").bounding_box()
    assert banner_box["y"] + banner_box["height"] <= tabs_box["y"], "the safety banner sits above the tabs and the content"


def test_the_safety_banner_in_chat_shows_help_lines_above_everything(web, screenshot, axe):
    page = web.page
    open_tab(page, "chat")
    expect(page.locator("#safety-banner")).to_be_hidden()
    turn = chat_turn(page, CRISIS_MESSAGE)
    assert turn["safety"]["level"] == "crisis"
    assert_banner_above_everything(page)
    for resource in turn["safety"]["resources"]:
        expect(page.locator("#safety-resources")).to_contain_text(resource["name"])
    axe(page, "safety banner")
    screenshot(page, "safety", full_page=False)
    page.click("#safety-hide")
    expect(page.locator("#safety-banner")).to_be_hidden()


def test_the_safety_banner_offers_to_delete_the_conversation_at_once(web):
    page = web.page
    open_tab(page, "chat")
    chat_turn(page, CHAT_MESSAGE)
    chat_turn(page, "He hit me last night and I'm scared to go home")
    expect(page.locator("#safety-banner")).to_be_visible()
    session = stored_session(page)
    page.click("#safety-delete")
    page.click("#delete-confirm")
    expect(page.locator(".bubble")).to_have_count(0)
    expect(page.locator("#safety-delete")).to_be_hidden()
    gone = httpx.get(
        f"{web.base_url}/v1/sessions/{session['id']}/messages", headers={"Authorization": f"Bearer {session['token']}"}
    )
    assert gone.status_code == 404


@pytest.mark.parametrize("tab", ["ask", "rewrite"])
def test_the_safety_banner_in_ask_and_rewrite(web, tab):
    page = web.page
    open_tab(page, tab)
    data = ask(page, CRISIS_MESSAGE) if tab == "ask" else rewrite(page, CRISIS_MESSAGE)
    assert data["safety"]["level"] == "crisis"
    assert_banner_above_everything(page)
    expect(page.locator(f"#{tab}-result")).to_be_hidden()  # no coaching under a crisis


@pytest.mark.parametrize("viewport", ["web", "phone"])
def test_need_help_now_opens_the_regions_crisis_lines_from_the_keyboard(request, viewport, screenshot, axe):
    recorded = request.getfixturevalue(viewport)
    page = recorded.page
    for tab in ("rewrite", "chat", "ask"):
        open_tab(page, tab)
        page.reload()  # a fresh document: the keyboard starts from the top
        link = page.get_by_role("link", name="Need help now?")
        in_viewport(page, "#help-link")
        page.keyboard.press("Tab")  # the skip link
        page.keyboard.press("Tab")
        expect(link).to_be_focused()
        with page.expect_response("**/v1/help") if tab == "rewrite" else _nothing():
            page.keyboard.press("Enter")
        dialog = page.locator("#help-dialog")
        expect(dialog).to_be_visible()
        expect(dialog.locator('a[href="tel:988"]').first).to_be_visible()
        if tab == "rewrite":
            help_lines = httpx.get(f"{recorded.base_url}/v1/help").json()
            assert help_lines["region"] == "US"
            for resource in help_lines["resources"]:
                expect(dialog).to_contain_text(resource["name"])
            axe(page, f"help dialog ({viewport})")
            screenshot(page, f"help-{viewport}", full_page=False)
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(link).to_be_focused()


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("tab", ["rewrite", "chat", "ask"])
def test_quick_exit_leaves_no_text_in_the_page_storage_or_history(web, tab, screenshot):
    page = web.page
    page.goto(f"/#{tab}")
    secret = "my-secret-words"
    if tab == "rewrite":
        rewrite(page, f"{HARSH_MESSAGE} {secret}")
    elif tab == "chat":
        chat_turn(page, f"{CHAT_MESSAGE} {secret}")
    else:
        ask(page, f"{QUESTION} {secret}")
    page.fill(f"#panel-{tab} textarea", secret)
    session = stored_session(page)
    entries = page.evaluate("history.length")
    exit_button = page.get_by_role("button", name="Quick exit")
    in_viewport(page, "#quick-exit")
    exit_button.click()
    page.wait_for_url("about:blank")
    assert secret not in page.content()
    assert page.evaluate("history.length") == entries, "the page is replaced in history, not added after"
    assert page.go_back() is None or "127.0.0.1" not in page.url, "Back does not lead to Softstart"
    assert secret not in page.content()
    page.goto(web.base_url + "/static/favicon.svg")  # same origin: what is left in its storage?
    assert page.evaluate("window.localStorage.length") == 0
    assert page.evaluate("window.sessionStorage.length") == 0
    if session:  # the conversation is erased on the server too
        url = f"{web.base_url}/v1/sessions/{session['id']}/messages"
        auth = {"Authorization": f"Bearer {session['token']}"}
        for _ in range(50):
            if httpx.get(url, headers=auth).status_code == 404:
                break
            time.sleep(0.1)
        assert httpx.get(url, headers=auth).status_code == 404


def test_quick_exit_goes_to_the_neutral_site_the_user_chose(web):
    page = web.page
    page.route("https://www.bbc.com/**", lambda route: route.fulfill(status=200, content_type="text/html", body="<p>weather</p>"))
    open_tab(page, "rewrite")
    page.locator(".exit-settings summary").click()
    page.select_option("#exit-target", "https://www.bbc.com/weather")
    page.fill("#rewrite-message", "my-secret-words")
    entries = page.evaluate("history.length")
    page.click("#quick-exit")
    page.wait_for_url("https://www.bbc.com/weather")
    web.requests[:] = [url for url in web.requests if not url.startswith("https://www.bbc.com/")]  # the test's stand-in
    assert page.evaluate("history.length") == entries


def test_where_chats_are_kept_is_said_next_to_every_input(phone):
    page = phone.page
    for tab in ("rewrite", "chat", "ask"):
        open_tab(page, tab)
        line = page.locator(f"#panel-{tab} .privacy-line")
        expect(line).to_be_visible()
        expect(line).to_contain_text("not therapy or crisis care")
        in_viewport(page, f"#panel-{tab} .privacy-line")  # above the fold on a phone
    expect(page.locator("#panel-ask .privacy-line")).to_be_visible()
    open_tab(page, "chat")
    expect(page.locator("#panel-chat .privacy-line")).to_contain_text("kept on this Softstart server until you delete them")
