"""The web page in a real browser against a real server: rewrite, chat, ask, safety, delete, phone width.

Expected texts come from the API responses the page itself received, never from copies in the test.
Each test saves a screenshot to test-artifacts/screenshots/.
"""

from __future__ import annotations

import json
import re

import httpx
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.slow

HARSH_MESSAGE = "You never text me back. Do you even care about me?"
GENTLE_MESSAGE = "Thanks for dinner tonight, it was lovely."
CRISIS_MESSAGE = "I want to kill myself"
CHAT_MESSAGE = "We just had a fight and he walked out of the room."
QUESTION = "Why does my partner shut down when I bring up a problem?"


def open_tab(page, name: str) -> None:
    page.goto(f"/#{name}")
    expect(page.locator(f"#panel-{name}")).to_be_visible()


def rewrite(page, message: str) -> dict:
    page.fill("#rewrite-message", message)
    with page.expect_response("**/v1/rewrite") as response:
        page.click("#rewrite-submit")
    return response.value.json()


def ask(page, question: str) -> dict:
    page.fill("#ask-question", question)
    with page.expect_response("**/v1/ask") as response:
        page.click("#ask-submit")
    return response.value.json()


def chat_turn(page, text: str) -> dict:
    """Types a message, sends it, and returns the turn from the stream's `done` event."""
    page.fill("#chat-message", text)
    with page.expect_response(re.compile(r"/v1/sessions/[^/]+/messages$")) as response:
        page.click("#chat-send")
    done = parse_sse(response.value.text())["done"]
    expect(page.locator(".bubble-coach").last).not_to_have_attribute("aria-busy", "true")
    return done


def parse_sse(body: str) -> dict:
    events: dict = {"delta": []}
    for block in body.replace("\r\n", "\n").split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in lines:
            data = json.loads(lines["data"])
            if lines["event"] == "delta":
                events["delta"].append(data["text"])
            else:
                events[lines["event"]] = data
    return events


def stored_session(page) -> dict | None:
    raw = page.evaluate("window.localStorage.getItem('softstart.chat.session')")
    return json.loads(raw) if raw else None


def highlighted(flags: list[dict]) -> list[dict]:
    """The flags the page can highlight: the earliest of any overlapping spans wins."""
    placed: list[dict] = []
    for flag in flags:
        start, end = flag["span"]
        if not any(start < p["span"][1] and end > p["span"][0] for p in placed):
            placed.append(flag)
    return sorted(placed, key=lambda f: f["span"][0])


def no_horizontal_scroll(page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: content {widths[0]} px wide in a {widths[1]} px window"


# ---------------------------------------------------------------------------------------------- rewrite
def test_rewrite_highlights_each_flagged_span_and_explains_it(web, screenshot):
    page = web.page
    open_tab(page, "rewrite")
    data = rewrite(page, HARSH_MESSAGE)
    assert data["flags"] and data["rewrite"], "the harsh example should be flagged and rewritten"

    marks = page.locator("#rewrite-original mark.flag")
    expected = highlighted(data["flags"])
    expect(marks).to_have_count(len(expected))
    assert marks.all_inner_texts() == [flag["text"] for flag in expected]
    expect(page.locator("#rewrite-original")).to_have_text(data["original"])

    tooltip = page.locator("#flag-tooltip")
    expect(tooltip).to_be_hidden()
    marks.first.hover()
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text(expected[0]["why"])
    expect(tooltip).to_contain_text(expected[0]["antidote"])

    page.mouse.move(0, 0)
    expect(tooltip).to_be_hidden()
    marks.last.focus()  # keyboard users get the same explanation
    expect(tooltip).to_contain_text(expected[-1]["why"])
    described_by = marks.last.get_attribute("aria-describedby")
    expect(page.locator(f"#{described_by}")).to_contain_text(expected[-1]["why"])
    page.keyboard.press("Escape")
    expect(tooltip).to_be_hidden()

    for flag in data["flags"]:  # every flag, highlighted or overlapping, is explained in the list
        expect(page.locator("#rewrite-flag-list")).to_contain_text(flag["why"])

    expect(page.locator("#rewrite-softened")).to_have_text(data["rewrite"])
    expect(page.locator("#rewrite-fine")).to_be_hidden()
    expect(page.locator("#rewrite-pattern")).to_have_text(data["pattern"])
    alternatives = page.locator("#rewrite-alternatives .alternative-text")
    assert alternatives.all_inner_texts() == [a["text"] for a in data["alternatives"]]

    page.click("#rewrite-copy")
    expect(page.locator("#rewrite-copy")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == data["rewrite"]

    marks.first.hover()
    expect(tooltip).to_be_visible()
    screenshot(page, "rewrite")


def test_rewrite_says_already_fine_when_nothing_needs_to_change(web, screenshot):
    page = web.page
    open_tab(page, "rewrite")
    page.click("#panel-rewrite .chip >> nth=0")  # an example fills the box
    expect(page.locator("#rewrite-message")).not_to_have_value("")

    data = rewrite(page, GENTLE_MESSAGE)
    assert data["unchanged"] and not data["flags"]
    expect(page.locator("#rewrite-fine")).to_be_visible()
    expect(page.locator("#rewrite-fine")).to_contain_text("Already fine")
    expect(page.locator("#rewrite-original mark.flag")).to_have_count(0)
    expect(page.locator("#rewrite-softened-block")).to_be_hidden()
    expect(page.locator("#rewrite-original")).to_have_text(GENTLE_MESSAGE)
    screenshot(page, "rewrite-fine")


def test_rewrite_of_an_empty_message_asks_for_text_without_calling_the_server(web):
    page = web.page
    open_tab(page, "rewrite")
    page.click("#rewrite-submit")
    expect(page.locator("#rewrite-error")).to_be_visible()
    expect(page.locator("#rewrite-error")).to_contain_text("message")
    assert not any("/v1/rewrite" in url for url in web.requests)


# ---------------------------------------------------------------------------------------------- chat
COUNT_REPLY_UPDATES = """
window.__replyUpdates = 0;
new MutationObserver((records) => {
  for (const record of records) {
    // the coach's reply is drawn into a p.bubble-text while it streams, then re-rendered as a whole
    if (record.target.nodeType === 1 && record.target.matches('p.bubble-text')) window.__replyUpdates += 1;
  }
}).observe(document, { subtree: true, childList: true, characterData: true });
"""


def test_chat_streams_the_reply_and_keeps_the_conversation_after_a_reload(web, screenshot):
    page = web.page
    page.add_init_script(COUNT_REPLY_UPDATES)
    open_tab(page, "chat")
    expect(page.locator("#chat-empty")).to_be_visible()
    expect(page.locator("#chat-delete")).to_be_hidden()

    page.fill("#chat-message", CHAT_MESSAGE)
    with page.expect_request(re.compile(r"/v1/sessions/[^/]+/messages$")) as sent, \
            page.expect_response(re.compile(r"/v1/sessions/[^/]+/messages$")) as answered:
        page.press("#chat-message", "Enter")
    assert sent.value.headers["accept"] == "text/event-stream"
    assert answered.value.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(answered.value.text())
    reply = events["done"]["reply"]["text"]
    assert len(events["delta"]) > 1 and "".join(events["delta"]) == reply

    coach = page.locator(".bubble-coach")
    expect(coach).to_have_count(1)
    expect(coach.first).not_to_have_attribute("aria-busy", "true")
    expect(page.locator(".bubble-user")).to_have_text(re.compile(re.escape(CHAT_MESSAGE)))
    assert normalize(coach.first.locator(".bubble-text").inner_text()) == normalize(reply)
    updates = page.evaluate("window.__replyUpdates")
    assert updates >= len(events["delta"]), f"the reply was drawn {updates} times for {len(events['delta'])} chunks: not streamed"
    expect(page.locator("#chat-log")).to_have_attribute("aria-live", "polite")
    expect(page.locator("#chat-delete")).to_be_visible()

    second = chat_turn(page, "I keep texting him and he won't answer. I'm going to send: you never listen to me")
    session = stored_session(page)
    assert session and session["id"] == second["session_id"]

    page.reload()
    expect(page.locator("#panel-chat")).to_be_visible()
    expect(page.locator(".bubble")).to_have_count(4)
    history = httpx.get(
        f"{web.base_url}/v1/sessions/{session['id']}/messages", headers={"Authorization": f"Bearer {session['token']}"}
    ).json()["messages"]
    shown = [normalize(text) for text in page.locator(".bubble .bubble-text").all_inner_texts()]
    assert shown == [normalize(m["text"]) for m in history]
    assert shown[1] == normalize(reply)
    expect(page.locator("#chat-empty")).to_be_hidden()
    screenshot(page, "chat")


def normalize(text: str) -> str:
    """Text as a reader sees it: Markdown emphasis, list markers and spacing aside."""
    text = re.sub(r"(?m)^\s*(?:[-*+•]|\d+[.)])\s+", "", text)
    return " ".join(text.replace("**", "").replace("__", "").split())


def test_delete_erases_the_conversation_on_the_server_and_in_the_browser(web, screenshot):
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
    screenshot(page, "chat-delete-confirm", full_page=False)
    page.click("#delete-cancel")  # asking again is not deleting
    expect(dialog).to_be_hidden()
    expect(page.locator(".bubble")).to_have_count(2)
    assert httpx.get(history_url, headers=auth).status_code == 200

    page.click("#chat-delete")
    with page.expect_response(lambda r: r.request.method == "DELETE") as deleted:
        page.click("#delete-confirm")
    assert deleted.value.status == 204
    expect(page.locator(".bubble")).to_have_count(0)
    expect(page.locator("#chat-delete")).to_be_hidden()
    assert stored_session(page) is None
    assert httpx.get(history_url, headers=auth).status_code == 404

    page.reload()
    expect(page.locator("#chat-empty")).to_be_visible()
    expect(page.locator(".bubble")).to_have_count(0)


# ---------------------------------------------------------------------------------------------- ask
def test_ask_shows_the_answer_with_source_cards_that_open_the_cited_article(web, screenshot):
    page = web.page
    open_tab(page, "ask")
    page.get_by_role("button", name=QUESTION).click()  # the example fills the box
    expect(page.locator("#ask-question")).to_have_value(QUESTION)
    with page.expect_response("**/v1/ask") as response:
        page.click("#ask-submit")
    data = response.value.json()
    assert data["grounded"] and data["sources"]

    cards = page.locator("#ask-sources .source-card")
    expect(cards).to_have_count(len(data["sources"]))
    for card, source in zip(cards.all(), data["sources"]):
        expect(card.locator(".source-open")).to_have_text(source["title"])
    citations = page.locator("#ask-answer a.cite")
    assert citations.count() >= 1
    expect(page.locator("#ask-answer strong").first).to_be_visible()  # **titles** are bold, not asterisks
    assert "**" not in page.locator("#ask-answer").inner_text()

    citations.first.click()  # [1] leads to its card
    expect(cards.first.locator(".source-open")).to_be_focused()
    screenshot(page, "ask")

    first = data["sources"][0]
    article = httpx.get(f"{web.base_url}/v1/articles/{first['source_id']}").json()
    cards.first.locator(".source-open").click()
    dialog = page.locator("#article-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#article-title")).to_have_text(article["title"])
    first_paragraph = next(p for p in article["text"].split("\n\n") if p.strip() and not p.startswith("#"))
    expect(page.locator("#article-body")).to_contain_text(normalize(first_paragraph)[:80])
    screenshot(page, "article", full_page=False)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(cards.first.locator(".source-open")).to_be_focused()


# ---------------------------------------------------------------------------------------------- safety
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
    assert banner_box["y"] + banner_box["height"] <= tabs_box["y"], "the safety banner must sit above the tabs and the content"
    assert banner_box["y"] < page.viewport_size["height"], "the banner starts in view"


def test_safety_banner_in_chat_shows_help_lines_above_everything(web, screenshot):
    page = web.page
    open_tab(page, "chat")
    expect(page.locator("#safety-banner")).to_be_hidden()
    turn = chat_turn(page, CRISIS_MESSAGE)
    assert turn["safety"]["level"] == "crisis"
    assert_banner_above_everything(page)
    for resource in turn["safety"]["resources"]:
        expect(page.locator("#safety-resources")).to_contain_text(resource["name"])
    screenshot(page, "safety", full_page=False)

    page.click("#safety-hide")
    expect(page.locator("#safety-banner")).to_be_hidden()


def test_safety_banner_offers_to_delete_the_conversation_at_once(web):
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
def test_safety_banner_in_ask_and_rewrite(web, tab):
    page = web.page
    open_tab(page, tab)
    data = ask(page, CRISIS_MESSAGE) if tab == "ask" else rewrite(page, CRISIS_MESSAGE)
    assert data["safety"]["level"] == "crisis"
    assert_banner_above_everything(page)
    expect(page.locator(f"#{tab}-result")).to_be_hidden()  # no coaching under a crisis


# ---------------------------------------------------------------------------------------------- phone, keyboard, privacy
def test_phone_width_has_no_sideways_scroll_on_any_screen(phone, screenshot):
    page = phone.page
    open_tab(page, "rewrite")
    no_horizontal_scroll(page)
    rewrite(page, HARSH_MESSAGE)
    expect(page.locator("#rewrite-softened")).to_be_visible()
    page.locator("#rewrite-original mark.flag").last.tap()
    expect(page.locator("#flag-tooltip")).to_be_visible()  # a tap shows why, too
    no_horizontal_scroll(page)
    tooltip = page.locator("#flag-tooltip").bounding_box()
    assert tooltip["x"] >= 0 and tooltip["x"] + tooltip["width"] <= 360
    page.locator("#rewrite-original-block").scroll_into_view_if_needed()
    screenshot(page, "mobile", full_page=False)
    screenshot(page, "mobile-rewrite")

    page.click("#tab-chat")
    chat_turn(page, CHAT_MESSAGE)
    no_horizontal_scroll(page)
    screenshot(page, "mobile-chat")

    page.click("#tab-ask")
    ask(page, QUESTION)
    expect(page.locator("#ask-sources .source-card").first).to_be_visible()
    no_horizontal_scroll(page)
    page.locator("#ask-sources .source-open").first.tap()
    expect(page.locator("#article-dialog")).to_be_visible()
    no_horizontal_scroll(page)
    dialog = page.locator("#article-dialog").bounding_box()
    assert dialog["x"] >= 0 and dialog["x"] + dialog["width"] <= 360
    screenshot(page, "mobile-article", full_page=False)
    page.click("#article-close")

    page.click("#tab-chat")
    page.press("#chat-message", "Enter")  # on a touch screen Enter starts a new line; Send sends
    assert page.locator("#chat-message").input_value() == "\n"
    expect(page.locator("#chat-message-hint")).to_contain_text("Tap Send")
    chat_turn(page, CRISIS_MESSAGE)
    assert_banner_above_everything(page)
    no_horizontal_scroll(page)
    screenshot(page, "mobile-safety", full_page=False)


def test_keyboard_alone_reaches_every_part(web):
    page = web.page
    open_tab(page, "rewrite")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#tab-rewrite")).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#tab-chat")).to_be_focused()
    expect(page.locator("#panel-chat")).to_be_visible()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#tab-ask")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#panel-ask")).to_be_visible()
    expect(page.locator("#panel-rewrite")).to_be_hidden()

    page.keyboard.press("Tab")
    expect(page.locator("#ask-question")).to_be_focused()
    page.keyboard.type("What is a soft start-up?")
    with page.expect_response("**/v1/ask"):
        page.keyboard.press("Enter")
    source = page.locator("#ask-sources .source-open").first
    expect(source).to_be_visible()
    for _ in range(40):  # Tab through the answer to the first source card
        if page.evaluate("document.activeElement.classList.contains('source-open')"):
            break
        page.keyboard.press("Tab")
    expect(source).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#article-dialog")).to_be_visible()
    expect(page.locator("#article-close")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#article-dialog")).to_be_hidden()

    outline = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
    )
    assert outline[0] != "none" and outline[1] >= 2, f"focus must be visible, got outline {outline}"


def test_controls_are_labelled_and_text_has_enough_contrast(web, screenshot):
    page = web.page
    open_tab(page, "rewrite")
    rewrite(page, HARSH_MESSAGE)
    unlabelled = page.evaluate(
        """[...document.querySelectorAll('textarea, select, input, button')]
             .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
             .map((e) => e.outerHTML.slice(0, 80))"""
    )
    assert unlabelled == []
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        low = page.evaluate(CONTRAST_CHECK)
        assert low == [], f"text below WCAG AA contrast in the {scheme} scheme: {low}"
    page.locator("#rewrite-original mark.flag").first.hover()
    screenshot(page, "dark")


CONTRAST_CHECK = """
(() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (node) => {
    for (let n = node; n; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.99)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const low = [];
  for (const node of document.querySelectorAll('body *')) {
    if (!node.offsetParent && getComputedStyle(node).position !== 'fixed') continue;
    const own = [...node.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim());
    if (!own) continue;
    const style = getComputedStyle(node);
    const fg = rgb(style.color).slice(0, 3);
    const [a, b] = [lum(fg), lum(background(node))].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) low.push(`${node.tagName}.${node.className}: ${ratio.toFixed(2)}`);
  }
  return low;
})()
"""


def test_page_loads_only_from_its_own_server(web):
    page = web.page
    response = page.goto("/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    open_tab(page, "rewrite")
    rewrite(page, HARSH_MESSAGE)
    open_tab(page, "ask")
    ask(page, QUESTION)
    page.locator("#ask-sources .source-open").first.click()
    expect(page.locator("#article-body p").first).to_be_visible()
    assert any(url.endswith("/static/app.js") for url in web.requests)
    assert any(url.endswith("/static/app.css") for url in web.requests)
    assert web.foreign_requests() == []
