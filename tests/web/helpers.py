"""What the browser tests share: driving each tab, reading the stream, checking the layout."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import expect

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"

HARSH_MESSAGE = "You never text me back. Do you even care about me?"
TWO_SENTENCES = "You never listen to me. You always make plans without asking me first."
GENTLE_MESSAGE = "Thanks for dinner tonight, it was lovely."
FOREIGN_MESSAGE = "Tu ne m'écoutes jamais. Tu fais toujours des projets sans me demander."
FLOODED_MESSAGE = "WHY WON'T YOU ANSWER ME!!! I CAN'T STAND THIS ANYMORE!!! ANSWER ME NOW!!!"
CRISIS_MESSAGE = "I want to kill myself"
CHAT_MESSAGE = "We just had a fight and he walked out of the room."
DRAFT_MESSAGE = "I keep texting him and he won't answer. I'm going to send: you never listen to me"
QUESTION = "Why does my partner shut down when I bring up a problem?"
OFF_TOPIC = "What is the best way to cook rice?"


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


def normalize(text: str) -> str:
    """Text as a reader sees it: Markdown emphasis, list markers, citation markers and spacing aside."""
    text = re.sub(r"(?m)^\s*(?:[-*+•]|\d+[.)])\s+", "", text)
    text = re.sub(r"\s?\[\d{1,2}\]", "", text)
    return " ".join(text.replace("**", "").replace("__", "").split())


def no_horizontal_scroll(page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: content {widths[0]} px wide in a {widths[1]} px window"


def in_viewport(page, selector: str) -> dict:
    """The element's box, asserted to lie wholly inside the window."""
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not shown"
    height = page.viewport_size["height"]
    assert box["y"] >= -1 and box["y"] + box["height"] <= height + 1, f"{selector} at {box} is not inside the {height} px window"
    return box


def page_height(page) -> int:
    """How tall the page's content is (the document is never shorter than the window, its content can be)."""
    return page.evaluate(
        "Math.max(document.documentElement.scrollHeight > innerHeight ? document.documentElement.scrollHeight : 0,"
        " Math.ceil(document.body.getBoundingClientRect().height))"
    )


def record(name: str, value) -> None:
    """Adds a measurement to test-artifacts/measurements.json (not committed)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "measurements.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = value
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
