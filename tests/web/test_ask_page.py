"""Ask in a real browser: one card per article, passages without Markdown, closed quotes, linked
citations, and the off-topic reply's suggestions as links to their tabs."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.web.helpers import OFF_TOPIC, QUESTION, ask, normalize, open_tab

pytestmark = pytest.mark.slow


def test_ask_shows_one_card_per_article_with_clean_passages(web, screenshot, axe):
    page = web.page
    open_tab(page, "ask")
    page.get_by_role("button", name=QUESTION).click()  # the example fills the box
    with page.expect_response("**/v1/ask") as response:
        page.click("#ask-submit")
    data = response.value.json()
    assert data["grounded"] and data["sources"]

    articles = list(dict.fromkeys(s["source_id"] for s in data["sources"]))
    cards = page.locator("#ask-sources .source-card")
    expect(cards).to_have_count(len(articles))
    titles = {s["source_id"]: s["title"] for s in data["sources"]}
    for card, source_id in zip(cards.all(), articles):
        expect(card.locator(".source-open")).to_have_text(titles[source_id])
    for passage in page.locator("#ask-sources .source-passage").all_inner_texts():
        assert not re.search(r"\*\*|__|^#|\]\(|`", passage), f"Markdown left in {passage!r}"
        assert passage.count("“") == passage.count("”"), f"a cut quote is left open in {passage!r}"
        assert passage.count('"') % 2 == 0, f"a cut quote is left open in {passage!r}"

    answer = page.locator("#ask-answer")
    assert "**" not in answer.inner_text()
    assert not re.search(r"\[\d{1,2}\]", answer.inner_text()), "citations are links, not raw [1] markers"
    citations = page.locator("#ask-answer a.cite")
    assert citations.count() >= 1
    citations.first.click()
    expect(page.locator(".source-card.is-highlighted .source-open")).to_be_focused()
    axe(page, "ask answer")
    screenshot(page, "ask")

    first = data["sources"][0]
    article = httpx.get(f"{web.base_url}/v1/articles/{first['source_id']}").json()
    cards.first.locator(".source-open").click()
    dialog = page.locator("#article-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#article-title")).to_have_text(article["title"])
    first_paragraph = next(p for p in article["text"].split("\n\n") if p.strip() and not p.startswith("#"))
    expect(page.locator("#article-body")).to_contain_text(normalize(first_paragraph)[:80])
    axe(page, "article dialog")
    screenshot(page, "article", full_page=False)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(cards.first.locator(".source-open")).to_be_focused()


def test_an_off_topic_question_links_its_suggestions_to_the_tabs(web, screenshot, axe):
    page = web.page
    open_tab(page, "ask")
    data = ask(page, OFF_TOPIC)
    assert not data["sources"]
    links = page.locator("#ask-answer a.tab-link")
    targets = [href for href in (links.nth(i).get_attribute("href") for i in range(links.count()))]
    assert "#rewrite" in targets and "#chat" in targets
    axe(page, "ask off topic")
    screenshot(page, "ask-off-topic")
    page.locator('#ask-answer a.tab-link[href="#chat"]').click()
    expect(page.locator("#panel-chat")).to_be_visible()
    expect(page.locator("#chat-message")).to_be_focused()
