"""Two partners in two browsers (two Chromium contexts): A invites B, both chat privately, each
shares one thing, the Together view shows both and a step each, and neither sees the other's
private text. The Together tab is axe-clean in each state."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.web.conftest import DESKTOP, open_context
from tests.web.helpers import chat_turn, open_tab

A_PRIVATE = "He hasn't answered my texts all evening."
A_SHARED = "I feel lonely in the evenings and I miss talking with you."
B_PRIVATE = "When she keeps texting I feel crowded and I go quiet to calm down."
B_SHARED = "I get overwhelmed and need quiet, but I do want to come back to you."


def together(page) -> dict:
    """Opens the Together tab (or refreshes it when open) and returns the view the page loaded."""
    selected = page.locator("#tab-together").get_attribute("aria-selected") == "true"
    with page.expect_response(re.compile(r"/v1/sessions/[^/]+/together$")) as response:
        page.click("#together-refresh" if selected and page.locator("#together-refresh").is_visible() else "#tab-together")
    expect(page.locator("#panel-together")).to_be_visible()
    return response.value.json()


def share_my_message(page, text: str) -> None:
    item = page.locator(".together-mine-item", has_text=text)
    with page.expect_response(re.compile(r"/together/share$")) as response:
        item.get_by_role("button", name="Share this").click()
    assert response.value.status == 201


def test_two_partners_meet_in_the_together_view(browser, live_server, axe, screenshot):
    a_context, a = open_context(browser, live_server, DESKTOP)
    b_context, b = open_context(browser, live_server, DESKTOP)
    try:
        # A chats privately, then invites B.
        open_tab(a.page, "chat")
        turns = [chat_turn(a.page, A_PRIVATE), chat_turn(a.page, A_SHARED)]
        assert [t["safety"]["level"] for t in turns] == ["none", "none"], [t["safety"] for t in turns]
        assert together(a.page)["status"] == "alone"
        with a.page.expect_response(re.compile(r"/invite$")) as invited:
            a.page.get_by_role("button", name="Invite my partner").click()
        assert invited.value.status == 201, invited.value.text()
        expect(a.page.locator("#together-invite-link")).to_have_value(re.compile("#join="))
        axe(a.page, "together, invited")
        link = a.page.locator("#together-invite-link").input_value()
        expect(a.page.locator("#together-message")).to_contain_text("not joined yet")

        # B opens the link in another browser and joins as the one who goes quiet.
        b.page.goto(link)
        expect(b.page.locator("#panel-together")).to_be_visible()
        expect(b.page.locator("#together-code")).not_to_have_value("")
        b.page.select_option("#together-role", "distancer")
        with b.page.expect_response(re.compile(r"/v1/together/join$")) as joined:
            b.page.get_by_role("button", name="Join").click()
        assert joined.value.status == 201
        expect(b.page.locator("#together-view")).to_be_visible()
        b.page.click("#tab-chat")
        chat_turn(b.page, B_PRIVATE)
        chat_turn(b.page, B_SHARED)

        # Each shares one thing.
        together(b.page)
        share_my_message(b.page, B_SHARED)
        together(a.page)
        share_my_message(a.page, A_SHARED)

        for page, own_private, other_private in ((a.page, A_PRIVATE, B_PRIVATE), (b.page, B_PRIVATE, A_PRIVATE)):
            view = together(page)
            assert view["status"] == "open"
            shared = page.locator("#together-shared")
            expect(shared).to_contain_text(A_SHARED)
            expect(shared).to_contain_text(B_SHARED)
            expect(page.locator("#together-steps li")).to_have_count(2)
            expect(page.locator("#together-cycle")).not_to_be_empty()
            assert other_private not in page.content()  # never the partner's private words
            page.click("#tab-chat")
            expect(page.locator("#chat-log")).to_contain_text(own_private)
            assert other_private not in page.content()
        b_view = together(b.page)
        assert next(s for s in b_view["steps"] if s["who"] == "you")["role"] == "distancer"

        # B agrees to their step; A sees it.
        with b.page.expect_response(re.compile(r"/together/agree$")):
            b.page.get_by_role("button", name="I agree to my step").click()
        expect(b.page.locator(".together-step.together-you")).to_contain_text("(agreed)")
        together(a.page)
        expect(a.page.locator(".together-step.together-partner")).to_contain_text("(agreed)")
        axe(a.page, "together, open")
        screenshot(a.page, "together-open-desktop")
        assert not a.foreign_requests() and not b.foreign_requests()
    finally:
        a_context.close()
        b_context.close()


def test_a_used_code_is_refused_in_the_page(browser, live_server, axe):
    context, web = open_context(browser, live_server, DESKTOP)
    try:
        web.page.goto("/#join=not-a-real-code")
        expect(web.page.locator("#together-code")).to_have_value("not-a-real-code")
        web.page.get_by_role("button", name="Join").click()
        expect(web.page.locator("#together-join-error")).to_contain_text("doesn't work")
        axe(web.page, "together, bad code")
    finally:
        context.close()
