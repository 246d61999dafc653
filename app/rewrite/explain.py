""""What changed, and why", read from the final text: a change points only at a sentence that is there.

A break is claimed only when the text asks for one, a request only when it makes one, ownership only
when it owns something; a flag whose job no sentence does maps to "" (dropped), never to a made-up line.
"""

from __future__ import annotations

import re
from typing import Callable

from app.rewrite.checks import has_first_person_feeling, has_request
from app.rewrite.composer import sentences
from app.detect.types import Analysis, Change

_OWNERSHIP = re.compile(r"\b(?:sorry|you're right|my part|I apologi[sz]e|I should have|I don't want to brush)\b", re.I)
_PAUSE = re.compile(r"\b(?:break|pause|breather)\b", re.I)

ReasonFn = Callable[[str, str], str]  # (flag kind, fallback) -> why


def explain(analysis: Analysis, text: str, reason: ReasonFn) -> list[Change]:
    parts = sentences(text)
    request = next((s for s in reversed(parts) if has_request(s)), "")
    feeling = next((s for s in parts if has_first_person_feeling(s)), "")
    ownership = next((s for s in parts if _OWNERSHIP.search(s)), "")
    pause = next((s for s in parts if _PAUSE.search(s)), "")
    changes = []
    for flag in analysis.flags:
        after = {
            "contempt": "",
            "defensiveness": ownership,
            "demand": request or pause,
            "stonewalling": pause,
            "flooding": pause or feeling,
        }.get(flag.kind, feeling or (parts[0] if parts else ""))
        changes.append(Change(flag.kind, flag.text, after, reason(flag.kind, flag.antidote or flag.why)))
    return changes
