"""The checks a language model's chat reply must pass before the user sees it.

A reply passes when it is non-empty and not too long, the safety screen finds nothing in it,
it gives no harmful advice ("hurt yourself", "check his phone"), it does not take sides against
the partner ("he's selfish", "you deserve better", "leave him"), the analyzer finds no
criticism or contempt in it, and it does not echo our prompts.
Otherwise the coach uses its own composed reply (and ``engine.fallback`` says why).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from app.detect.types import Analysis

MAX_REPLY_CHARS = 1600
LEAK_RUN_WORDS = 8
BLOCKING_FLAGS = frozenset({"criticism", "contempt"})

_PARTNER = r"(?:he|she|they|him|her|them|your\s+(?:partner|husband|wife|boyfriend|girlfriend|fianc[eé]e?|spouse))"
SIDE_TAKING = [
    re.compile(
        rf"\b{_PARTNER}(?:'s|\s+is|\s+are|'re)\s+(?:so\s+|being\s+|just\s+|really\s+|clearly\s+|obviously\s+)?"
        r"(?:selfish|toxic|a\s+narcissist|narcissistic|manipulative|immature|pathetic|lazy|heartless|cruel|"
        r"a\s+jerk|an\s+idiot|the\s+problem|to\s+blame|in\s+the\s+wrong|wrong\s+here|useless|controlling|"
        r"gaslighting\s+you|not\s+worth\s+it)\b",
        re.I,
    ),
    re.compile(r"\byou\s+deserve\s+(?:better|more|someone|so\s+much\s+better)\b", re.I),
    re.compile(rf"\b(?:leave|dump|divorce|ditch|break\s+up\s+with|walk\s+away\s+from)\s+{_PARTNER}\b", re.I),
    re.compile(r"\b(?:red\s+flags?|narcissis\w*|gaslight\w*)\b", re.I),
    re.compile(rf"\b{_PARTNER}\s+(?:doesn'?t|does\s+not|don'?t|do\s+not)\s+(?:really\s+)?(?:love|care\s+about|respect|deserve)\s+you\b", re.I),
    re.compile(r"\b(?:it'?s|this\s+is|that'?s)\s+(?:all\s+|entirely\s+|totally\s+)?(?:his|her|their|your\s+partner'?s)\s+fault\b", re.I),
    re.compile(r"\bwhat\s+an?\s+(?:jerk|idiot|loser|creep)\b", re.I),
    re.compile(r"\byou(?:'re|\s+are)\s+(?:completely\s+|totally\s+|absolutely\s+)?right\s+(?:and|while)\s+" + _PARTNER + r"\b", re.I),
]
# Advice no coach should give (the safety screen reads first-person disclosures, not advice).
HARMFUL_ADVICE = [
    re.compile(r"\b(?:hurt|harm|kill|cut|starve|punish)\s+yourself\b", re.I),
    re.compile(r"\bend\s+(?:it\s+all|your\s+life)\b", re.I),
    re.compile(rf"\b(?:hit|slap|shove|hurt|threaten|punish|scare|spy\s+on|track|stalk|follow)\s+{_PARTNER}\b", re.I),
    re.compile(r"\b(?:check|go\s+through|read|look\s+through)\s+(?:his|her|their|your\s+partner'?s)\s+(?:phone|messages|texts|email)", re.I),
    re.compile(rf"\b(?:give\s+{_PARTNER}\s+the\s+silent\s+treatment|make\s+{_PARTNER}\s+jealous)\b", re.I),
]
_WORDS = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True)
class ReplyCheck:
    passed: bool
    reasons: list[str] = field(default_factory=list)


def takes_sides(text: str) -> str | None:
    """The words that blame the partner or push the user to leave, if any."""
    for pattern in SIDE_TAKING:
        match = pattern.search(text)
        if match:
            return match.group(0)
    return None


def word_runs(text: str, length: int = LEAK_RUN_WORDS) -> set[tuple[str, ...]]:
    words = _WORDS.findall(text.lower().replace("\u2019", "'"))
    return {tuple(words[i : i + length]) for i in range(len(words) - length + 1)}


class ReplyChecker:
    """``analyze`` is the analyzer; ``screen`` the safety screen's ``screen``; ``secrets`` the prompt
    texts a reply must never echo."""

    def __init__(
        self,
        *,
        analyze: Callable[..., Analysis],
        screen: Callable[[str], object],
        secrets: Iterable[str] = (),
        max_chars: int = MAX_REPLY_CHARS,
    ):
        self.analyze = analyze
        self.screen = screen
        self.max_chars = max_chars
        self._secret_runs: set[tuple[str, ...]] = set()
        for secret in secrets:
            self._secret_runs |= word_runs(secret)

    def check(self, reply: str) -> ReplyCheck:
        reasons: list[str] = []
        text = reply.strip()
        if not text:
            return ReplyCheck(False, ["the reply is empty"])
        if len(text) > self.max_chars:
            reasons.append(f"the reply is longer than {self.max_chars} characters")
        screened = self.screen(text)
        if getattr(screened, "blocks_coaching", False):
            reasons.append(f"the safety screen flagged the reply ({getattr(screened, 'kind', None) or 'concern'})")
        if takes_sides(text):
            reasons.append("the reply takes sides against the partner")
        if any(pattern.search(text) for pattern in HARMFUL_ADVICE):
            reasons.append("the reply gives harmful advice (safety)")
        kinds = {flag.kind for flag in self.analyze(text, None).flags} & BLOCKING_FLAGS
        if kinds:
            reasons.append("the reply contains " + " and ".join(sorted(kinds)))
        if self._secret_runs and word_runs(text) & self._secret_runs:
            reasons.append("the reply repeats our instructions")
        return ReplyCheck(not reasons, reasons)
