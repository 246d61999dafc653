"""Checks an LLM-written answer must pass before a user sees it: grounded in the passages, no invented source."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from app.backends.vector_index import Passage
from app.text_utils import content_words, normalise_quotes, split_sentences

MIN_SUPPORT = 0.6  # share of a sentence's meaning words that must appear in the passages or the question
_CITATION = re.compile(r"\[(\d+)\]")
_MARKDOWN = re.compile(r"\*\*|__|`|^\s*#+\s|^\s*[-*•]\s+\S", re.MULTILINE)
_URL = re.compile(r"https?://|www\.", re.IGNORECASE)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z]{2,}(?:\s+[A-Z][a-z]+)*)")


@dataclass(frozen=True)
class GroundingCheck:
    passed: bool
    reasons: list[str] = field(default_factory=list)


def check_grounded(answer: str, question: str, passages: Sequence[Passage], max_chars: int = 2000) -> GroundingCheck:
    reasons: list[str] = []
    text = normalise_quotes(answer).strip()
    if not text:
        return GroundingCheck(False, ["empty answer"])
    if len(text) > max_chars:
        reasons.append("answer too long")
    if _URL.search(text):
        reasons.append("mentions a web address")
    if _MARKDOWN.search(text):
        reasons.append("uses Markdown")
    cited = {int(n) for n in _CITATION.findall(text)}
    if not cited:
        reasons.append("cites no passage")
    if any(n < 1 or n > len(passages) for n in cited):
        reasons.append("cites a passage that does not exist")
    support = set(content_words(question))
    corpus = " ".join(p.text + " " + p.title + " " + p.source for p in passages)
    for passage in passages:
        support |= content_words(passage.text + " " + passage.title + " " + passage.source)
    for sentence in split_sentences(_CITATION.sub("", text)):
        words = content_words(sentence)
        if len(words) < 4:
            continue
        share = len(words & support) / len(words)
        if share < MIN_SUPPORT:
            reasons.append(f"a sentence is not supported by the passages ({share:.0%} of its words)")
            break
    for name in _NAME.findall(_CITATION.sub("", text)):
        if name not in corpus and name not in question and name.split()[0] not in {"The", "This", "That", "When", "If", "It", "You", "Your", "They", "Softstart", "My", "I"}:
            reasons.append(f"names something the passages do not: {name!r}")
            break
    return GroundingCheck(not reasons, reasons)
