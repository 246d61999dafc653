"""Keyboard, labels, contrast and axe-core on every tab, in light and dark, on a desktop and a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.helpers import HARSH_MESSAGE, QUESTION, open_tab, rewrite

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("viewport", ["web", "phone"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_empty_tab_has_no_axe_violations(request, viewport, scheme, axe, screenshot):
    page = request.getfixturevalue(viewport).page
    page.emulate_media(color_scheme=scheme)
    for tab in ("rewrite", "chat", "ask"):
        open_tab(page, tab)
        axe(page, f"{tab} empty, {viewport}, {scheme}")
        screenshot(page, f"{tab}-empty-{viewport}-{scheme}", full_page=False)


def test_keyboard_alone_reaches_every_part(web):
    page = web.page
    open_tab(page, "rewrite")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#help-link")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#quick-exit")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#tab-rewrite")).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#tab-chat")).to_be_focused()
    expect(page.locator("#panel-chat")).to_be_visible()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#tab-ask")).to_have_attribute("aria-selected", "true")
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

    open_tab(page, "rewrite")
    rewrite(page, HARSH_MESSAGE)
    page.focus("#rewrite-original mark.flag >> nth=0")
    page.keyboard.press("Enter")  # pins the tooltip, with its Close button
    close = page.locator("#flag-tooltip .tip-close")
    expect(close).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#flag-tooltip")).to_be_hidden()


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


def test_the_page_loads_only_from_its_own_server(web):
    page = web.page
    response = page.goto("/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    open_tab(page, "rewrite")
    rewrite(page, HARSH_MESSAGE)
    open_tab(page, "ask")
    page.fill("#ask-question", QUESTION)
    with page.expect_response("**/v1/ask"):
        page.click("#ask-submit")
    page.locator("#ask-sources .source-open").first.click()
    expect(page.locator("#article-body p").first).to_be_visible()
    assert any(url.endswith("/static/app.js") for url in web.requests)
    assert any(url.endswith("/static/js/rewrite.js") for url in web.requests)
    assert web.foreign_requests() == []


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
