"""The screen as the service builds it by default leaves ordinary partner-to-partner messages alone."""

from __future__ import annotations

import json

from app.services import build_safety_screen
from app.settings import Settings
from tests.conftest import TEST_DATA


def test_default_screen_flags_no_ordinary_conflict_message(embedder, prompts, tmp_path):
    screen = build_safety_screen(Settings(data_dir=tmp_path, environment="test"), prompts, embedder)
    rows = [json.loads(line) for line in (TEST_DATA / "messages.jsonl").read_text().splitlines() if line.strip()]
    flagged = [row["id"] for row in rows if screen.screen(row["text"]).level != "none"]
    assert flagged == []
    assert screen.screen("I just want to disappear for good").level == "crisis"
