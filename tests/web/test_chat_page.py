"""Chat in a real browser: streaming with Stop, extras kept after a reload, the box at the bottom of a
phone's screen, replies shown from their top, citations as links, delete."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.web.helpers import (
    CHAT_MESSAGE,
    DRAFT_MESSAGE,
    FLOODED_MESSAGE,
    chat_turn,
    in_viewport,
    no_horizontal_scroll,
    normalize,
    open_tab,
    parse_sse,
    stored_session,
)

pytestmark = pytest.mark.slow

MESSAGES = re.compile(r"/v1/sessions/[^/]+/messages$")

COUNT_REPLY_UPDATES = """
window.__replyUpdates = 0;
new MutationObserver((records) => {
  for (const record of records) {
    // while it streams, the reply is drawn into a p.bubble-text, piece by piece
    if (record.target.nodeType === 1 && record.target.matches('p.bubble-text')) window.__replyUpdates += 1;
  }
}).observe(document, { subtree: true, childList: true, characterData: true });
"""


def test_the_reply_streams_in_and_the_conversation_survives_a_reload(web, screenshot, axe):
    page = web.page
    page.add_init_script(COUNT_REPLY_UPDATES)
    open_tab(page, "chat")
    expect(page.locator("#chat-empty")).to_be_visible()
    axe(page, "chat empty")

    page.fill("#chat-message", CHAT_MESSAGE)
    with page.expect_request(MESSAGES) as sent, page.expect_response(MESSAGES) as answered:
        page.press("#chat-message", "Enter")
    assert sent.value.headers["accept"] == "text/event-stream"
    events = parse_sse(answered.value.text())
    reply = events["done"]["reply"]["text"]
    assert len(events["delta"]) > 1 and "".join(events["delta"]) == reply

    coach = page.locator(".bubble-coach")
    expect(coach).to_have_count(1)
    expect(coach.first).not_to_have_attribute("aria-busy", "true")
    assert normalize(coach.first.locator(".bubble-text").inner_text()) == normalize(reply)
    updates = page.evaluate("window.__replyUpdates")
    assert updates >= len(events["delta"]), f"the reply was drawn {updates} times for {len(events['delta'])} chunks: not streamed"
    expect(page.locator("#chat-stop")).to_be_hidden()
    expect(page.locator("#chat-log-region")).to_have_attribute("role", "log")
    assert page.locator("#chat-log").evaluate("(node) => node.getAttribute('role')") is None  # a plain list

    second = chat_turn(page, DRAFT_MESSAGE)
    session = stored_session(page)
    assert session and session["id"] == second["session_id"]
    page.reload()
    expect(page.locator(".bubble")).to_have_count(4)
    history = httpx.get(
        f"{web.base_url}/v1/sessions/{session['id']}/messages", headers={"Authorization": f"Bearer {session['token']}"}
    ).json()["messages"]
    shown = [normalize(text) for text in page.locator(".bubble .bubble-text").all_inner_texts()]
    assert shown == [normalize(m["text"]) for m in history]
    axe(page, "chat with replies")
    screenshot(page, "chat")


def test_a_replys_suggestion_and_sources_come_back_after_a_reload(web, screenshot):
    page = web.page
    open_tab(page, "chat")
    turn = chat_turn(page, DRAFT_MESSAGE)
    assert turn["rewrite"] and turn["rewrite"]["rewrite"], "a drafted message gets a suggestion"
    bubble = page.locator(".bubble-coach").last
    suggestion = bubble.locator(".bubble-suggestion")
    expect(suggestion).to_be_visible()
    copy = suggestion.get_by_role("button", name=re.compile("^Copy"))
    copy.click()
    assert page.evaluate("navigator.clipboard.readText()") == turn["rewrite"]["rewrite"]
    assert bubble.inner_text().count(turn["rewrite"]["rewrite"]) <= 1, "the suggestion is shown once"

    question = chat_turn(page, "How do we take a break without it feeling like abandonment?")
    sources = list(dict.fromkeys(s["title"] for s in question["sources"] if s["source_id"]))
    before = page.locator(".bubble-coach").last.locator(".source-links li").all_inner_texts()
    assert before == sources
    assert not re.search(r"\[\d{1,2}\]", page.locator("#chat-log").inner_text()), "no raw [1] markers"

    page.reload()
    expect(page.locator(".bubble")).to_have_count(4)
    restored = page.locator(".bubble-coach")
    expect(restored.nth(0).locator(".bubble-suggestion")).to_be_visible()
    restored.nth(0).locator(".bubble-suggestion button").click()
    assert page.evaluate("navigator.clipboard.readText()") == turn["rewrite"]["rewrite"]
    assert restored.nth(1).locator(".source-links li").all_inner_texts() == sources
    screenshot(page, "chat-extras-after-reload")


def test_on_a_phone_the_box_stays_on_screen_and_each_reply_shows_from_its_top(phone, screenshot, axe):
    page = phone.page
    open_tab(page, "chat")
    for text in (CHAT_MESSAGE, DRAFT_MESSAGE, "He says I nag him and I say he ignores me. It happens every week."):
        chat_turn(page, text)
        page.wait_for_timeout(600)  # smooth scrolling settles
        in_viewport(page, "#chat-form")
        reply_top = page.locator(".bubble-coach").last.bounding_box()["y"]
        assert 0 <= reply_top < page.viewport_size["height"] / 2, f"the new reply starts at {reply_top} px"
    no_horizontal_scroll(page)
    box = page.locator("#chat-message")
    before = box.bounding_box()["height"]
    box.fill("one\ntwo\nthree\nfour\nfive")
    box.dispatch_event("input")
    assert box.bounding_box()["height"] > before, "the box grows as you type"
    in_viewport(page, "#chat-form")
    axe(page, "chat on a phone")
    screenshot(page, "mobile-chat", full_page=False)


def test_stop_ends_a_reply_that_is_still_coming(web, screenshot):
    page = web.page
    open_tab(page, "chat")
    chat_turn(page, CHAT_MESSAGE)
    held = []
    page.route(MESSAGES, lambda route: held.append(route))  # the next reply never arrives
    page.fill("#chat-message", "Are you still there?")
    page.click("#chat-send")
    stop = page.locator("#chat-stop")
    expect(stop).to_be_visible()
    expect(page.locator(".bubble-coach").last).to_have_attribute("aria-busy", "true")
    screenshot(page, "chat-streaming", full_page=False)
    stop.click()
    expect(stop).to_be_hidden()
    expect(page.locator(".bubble-coach")).to_have_count(1)
    expect(page.locator("#chat-send")).to_be_enabled()
    expect(page.locator("#chat-error")).to_be_hidden()
    page.unroute(MESSAGES)


def test_a_flooded_chat_turn_offers_a_breathing_pause(web, axe):
    page = web.page
    open_tab(page, "chat")
    turn = chat_turn(page, FLOODED_MESSAGE)
    assert turn["state"]["flooded"] or (turn["analysis"] and turn["analysis"]["flooded"])
    bubble = page.locator(".bubble-coach").last
    pause = bubble.locator(".breathe")
    if pause.count() == 0:  # no suggestion this turn: the pause is offered
        bubble.get_by_role("button", name="Breathe for a minute").click()
    expect(bubble.locator(".breathe")).to_be_visible()
    axe(page, "chat breathing pause")
    bubble.get_by_role("button", name="Skip to the suggestion").click()
    expect(bubble.locator(".breathe")).to_have_count(0)
    if turn["rewrite"]:
        expect(bubble.locator(".bubble-suggestion")).to_be_visible()


def test_delete_erases_the_conversation_on_the_server_and_in_the_browser(web, screenshot, axe):
    page = web.page
    open_tab(page, "chat")
    chat_turn(page, CHAT_MESSAGE)
    session = stored_session(page)
    auth = {"Authorization": f"Bearer {session['token']}"}
    history_url = f"{web.base_url}/v1/sessions/{session['id']}/messages"
    assert httpx.get(history_url, headers=auth).status_code == 200

    page.click("#chat-delete")
    dialog = page.locator("#delete-dialog")
    expect(dialog).to_be_visible()
    axe(page, "delete dialog")
    screenshot(page, "chat-delete-confirm", full_page=False)
    page.click("#delete-cancel")  # asking again is not deleting
    expect(dialog).to_be_hidden()
    expect(page.locator(".bubble")).to_have_count(2)

    page.click("#chat-delete")
    with page.expect_response(lambda r: r.request.method == "DELETE") as deleted:
        page.click("#delete-confirm")
    assert deleted.value.status == 204
    expect(page.locator(".bubble")).to_have_count(0)
    assert stored_session(page) is None
    assert httpx.get(history_url, headers=auth).status_code == 404
    page.reload()
    expect(page.locator("#chat-empty")).to_be_visible()
