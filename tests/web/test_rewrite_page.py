"""Rewrite in a real browser: the suggestion first, the short "why", approaches, Use this, Copy,
Ctrl+Enter, the counter, other languages and the breathing pause.

Expected texts come from the API responses the page itself received, never from copies in the test.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.helpers import (
    FLOODED_MESSAGE,
    FOREIGN_MESSAGE,
    GENTLE_MESSAGE,
    HARSH_MESSAGE,
    TWO_SENTENCES,
    in_viewport,
    no_horizontal_scroll,
    open_tab,
    page_height,
    record,
    rewrite,
)

pytestmark = pytest.mark.slow

DESKTOP_SCREEN = 800


def test_the_suggestion_comes_first_and_a_two_sentence_message_fits_one_desktop_screen(web, screenshot, axe):
    page = web.page
    open_tab(page, "rewrite")
    data = rewrite(page, TWO_SENTENCES)
    assert data["rewrite"] and data["flags"]

    card = page.locator("#rewrite-suggestion")
    expect(card).to_be_visible()
    expect(page.locator("#rewrite-softened")).to_have_text(data["rewrite"])
    expect(card.get_by_role("button", name="Copy")).to_be_visible()
    expect(card.get_by_role("button", name="Use this")).to_be_visible()
    in_viewport(page, "#rewrite-suggestion")
    why = page.locator("#rewrite-why").bounding_box()
    assert card.bounding_box()["y"] < why["y"], "the suggestion comes before the explanation"

    height = page_height(page)
    record("rewrite_two_sentences_desktop_height_px", height)
    assert height <= DESKTOP_SCREEN, f"a two-sentence message takes {height} px, more than one {DESKTOP_SCREEN} px screen"
    expect(page.locator("#rewrite-more")).not_to_have_attribute("open", "")
    axe(page, "rewrite result, desktop")
    screenshot(page, "rewrite-desktop")


def test_why_has_one_item_per_kind_coded_by_colour_and_label(web, screenshot):
    page = web.page
    open_tab(page, "rewrite")
    data = rewrite(page, TWO_SENTENCES)
    kinds = list(dict.fromkeys(flag["kind"] for flag in data["flags"]))
    items = page.locator("#rewrite-flag-list > li")
    expect(items).to_have_count(len(kinds))
    colours = set()
    for number, (item, kind) in enumerate(zip(items.all(), kinds), start=1):
        label = item.locator(".flag-label")
        expect(label).to_have_text(f"{number} {kind.replace('_', ' ')}")  # a name and a number, not only a colour
        first = next(flag for flag in data["flags"] if flag["kind"] == kind)
        expect(item.locator(".flag-why")).to_have_text(first["why"])
        colours.add(item.evaluate("(node) => getComputedStyle(node).borderLeftColor"))
    assert len(colours) == len(kinds), "each kind has its own colour"
    whys = page.locator("#rewrite-flag-list .flag-why").all_inner_texts()
    assert len(whys) == len(set(whys)), "no explanation is repeated"

    marks = page.locator("#rewrite-original mark.flag")
    assert marks.count() >= 1
    marks.first.hover()
    tooltip = page.locator("#flag-tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip.locator(".tip-close")).to_have_count(0)  # hover needs no close button
    page.keyboard.press("Escape")
    expect(tooltip).to_be_hidden()
    marks.last.focus()
    expect(tooltip).to_be_visible()
    described = marks.last.get_attribute("aria-describedby").split()
    for target in described:
        expect(page.locator(f"#{target}")).to_be_attached()
    screenshot(page, "rewrite-tooltip", full_page=False)


def test_overlapping_flags_share_one_tooltip_that_closes_on_touch(phone, screenshot, axe):
    page = phone.page
    open_tab(page, "rewrite")
    data = rewrite(page, TWO_SENTENCES + " You're pathetic, you never ever care.")
    spans = sorted(tuple(flag["span"]) for flag in data["flags"])
    overlapping = any(a[1] > b[0] for a, b in zip(spans, spans[1:]))
    mark = page.locator("#rewrite-original mark.flag-multi").first if overlapping else page.locator("#rewrite-original mark.flag").first
    if overlapping:
        expect(mark).to_be_visible()
    mark.tap()
    tooltip = page.locator("#flag-tooltip")
    expect(tooltip).to_be_visible()
    shown = [int(i) for i in mark.get_attribute("data-flags").split(",")]
    expect(tooltip.locator(".tip-flag")).to_have_count(len(shown))
    for index in shown:
        expect(tooltip).to_contain_text(data["flags"][index]["why"])
    box = tooltip.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    no_horizontal_scroll(page)
    axe(page, "rewrite tooltip open, phone")
    screenshot(page, "mobile-rewrite-tooltip", full_page=False)
    tooltip.get_by_role("button", name="Close").tap()
    expect(tooltip).to_be_hidden()
    screenshot(page, "mobile-rewrite")


def test_approaches_switch_the_suggestion_and_use_this_puts_it_in_the_box(web, axe):
    page = web.page
    open_tab(page, "rewrite")
    data = rewrite(page, HARSH_MESSAGE)
    options = page.locator("#rewrite-approach-options input[type=radio]")
    texts = [data["rewrite"]] + [a["text"] for a in data["alternatives"] if a["text"] != data["rewrite"]]
    unique = list(dict.fromkeys(texts))
    expect(options).to_have_count(len(unique))
    assert len(unique) >= 2, "the harsh example comes with other approaches"
    page.locator("#rewrite-approach-options label").nth(1).click()
    expect(page.locator("#rewrite-softened")).to_have_text(unique[1])
    expect(page.locator("#rewrite-alternatives")).to_have_count(0)  # no stacked cards any more
    axe(page, "rewrite, second approach")

    page.click("#rewrite-use")
    expect(page.locator("#rewrite-message")).to_have_value(unique[1])
    expect(page.locator("#rewrite-message")).to_be_focused()


def test_copy_says_copied_and_a_new_result_resets_it(web):
    page = web.page
    open_tab(page, "rewrite")
    data = rewrite(page, HARSH_MESSAGE)
    page.click("#rewrite-copy")
    expect(page.locator("#rewrite-copy")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == data["rewrite"]
    page.locator("#rewrite-more summary").click()
    expect(page.locator("#rewrite-more")).to_have_attribute("open", "")

    second = rewrite(page, TWO_SENTENCES)
    expect(page.locator("#rewrite-softened")).to_have_text(second["rewrite"])
    expect(page.locator("#rewrite-copy")).to_have_text("Copy")
    expect(page.locator("#rewrite-more")).not_to_have_attribute("open", "")  # closed for every result
    for after in page.locator("#rewrite-changes .change-after").all_inner_texts():
        assert " ".join(after.lower().split()) in " ".join(second["rewrite"].lower().split()), (
            f"'What changed' describes {after!r}, which the suggestion does not contain"
        )


def test_ctrl_enter_submits_and_the_counter_and_a_too_long_paste_speak_up(web, screenshot):
    page = web.page
    open_tab(page, "rewrite")
    page.fill("#rewrite-message", HARSH_MESSAGE)
    with page.expect_response("**/v1/rewrite"):
        page.press("#rewrite-message", "Control+Enter")
    expect(page.locator("#rewrite-suggestion")).to_be_visible()

    counter = page.locator("#rewrite-message-counter")
    expect(counter).to_be_hidden()  # far from the limit: no counter
    page.fill("#rewrite-message", "a" * 3500)
    expect(counter).to_be_visible()
    expect(counter).to_contain_text("3,500 of 4,000")

    page.fill("#rewrite-message", "")
    page.evaluate("(text) => navigator.clipboard.writeText(text)", "b" * 5400)
    page.focus("#rewrite-message")
    page.keyboard.press("Control+V")
    expect(counter).to_contain_text("5,400")
    expect(counter).to_contain_text("cut off")
    assert len(page.locator("#rewrite-message").input_value()) == 4000
    screenshot(page, "rewrite-too-long", full_page=False)


def test_a_message_that_is_already_fine_says_so(web, screenshot, axe):
    page = web.page
    open_tab(page, "rewrite")
    page.click("#panel-rewrite .chip >> nth=0")  # an example fills the box
    expect(page.locator("#rewrite-message")).not_to_have_value("")
    data = rewrite(page, GENTLE_MESSAGE)
    assert data["unchanged"] and not data["flags"]
    expect(page.locator("#rewrite-fine")).to_be_visible()
    expect(page.locator("#rewrite-suggestion")).to_be_hidden()
    expect(page.locator("#rewrite-language")).to_be_hidden()
    axe(page, "rewrite already fine")
    screenshot(page, "rewrite-fine")


def test_another_language_gets_a_neutral_card_and_the_note_once(web, screenshot, axe):
    page = web.page
    open_tab(page, "rewrite")
    data = rewrite(page, FOREIGN_MESSAGE)
    assert data["language_supported"] is False
    expect(page.locator("#rewrite-language")).to_be_visible()
    expect(page.locator("#rewrite-fine")).to_be_hidden()
    expect(page.locator("#rewrite-suggestion")).to_be_hidden()
    body = page.locator("body").inner_text()
    assert "Already fine" not in body
    if data["note"]:
        assert body.count(data["note"]) == 1, "the language note is printed once"
    axe(page, "rewrite other language")
    screenshot(page, "rewrite-language")


def test_a_flooded_message_breathes_for_a_minute_before_the_suggestion(web, screenshot, axe):
    page = web.page
    page.clock.install()
    open_tab(page, "rewrite")
    data = rewrite(page, FLOODED_MESSAGE)
    assert data["flooded"] and data["rewrite"]
    pause = page.locator("#rewrite-breathe .breathe")
    expect(pause).to_be_visible()
    expect(page.locator("#rewrite-suggestion")).to_be_hidden()
    animation = page.locator(".breath-circle").evaluate("(node) => getComputedStyle(node).animationName")
    assert animation == "breathe"
    axe(page, "rewrite breathing pause")
    screenshot(page, "rewrite-breathe", full_page=False)
    page.clock.run_for(61_000)  # one minute later the suggestion is there
    expect(pause).to_have_count(0)
    expect(page.locator("#rewrite-suggestion")).to_be_visible()
    expect(page.locator("#rewrite-softened")).to_have_text(data["rewrite"])


def test_the_breathing_pause_keeps_still_for_reduced_motion_and_can_be_skipped(browser, live_server):
    from tests.web.conftest import DESKTOP, open_context

    context, recorded = open_context(browser, live_server, DESKTOP, reduced_motion="reduce")
    try:
        page = recorded.page
        open_tab(page, "rewrite")
        rewrite(page, FLOODED_MESSAGE)
        circle = page.locator(".breath-circle")
        expect(circle).to_be_visible()
        assert circle.evaluate("(node) => getComputedStyle(node).animationName") == "none"
        page.get_by_role("button", name="Skip to the suggestion").click()
        expect(page.locator("#rewrite-suggestion")).to_be_visible()
        expect(page.locator("#rewrite-copy")).to_be_focused()
    finally:
        context.close()


def test_an_empty_message_asks_for_text_without_calling_the_server(web):
    page = web.page
    open_tab(page, "rewrite")
    page.click("#rewrite-submit")
    expect(page.locator("#rewrite-error")).to_be_visible()
    expect(page.locator("#rewrite-error")).to_contain_text("message")
    assert not any("/v1/rewrite" in url for url in web.requests)
