"""Passages as clean, quotable sentences: no Markdown, no cross-references, no open quotes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.knowledge.index import Passage
from app.text_utils import normalise_quotes, split_sentences, strip_markdown

_SEE = re.compile(r"\s*[;(]\s*see (the article on )?[\"“][^\"”]+[\"”]\s*\)?|\s*\((see|as in) [^)]*\)", re.IGNORECASE)
_ATTRIBUTION = re.compile(
    r"^(?:[A-Z][\w.'-]*(?:,? [A-Z][\w.'-]*){0,5},? (?:LMFT, )?"
    r"(?:explains|notes|adds|writes|observes|points out|stresses|reports|describes how|has found|reminds couples)"
    r"(?: an important point:)? that )"
)
_ACCORDING = re.compile(r"^(?:According to|In) [A-Z][\w.' -]{1,40}?(?:'s view)?, ")
_MARKDOWN = re.compile(r"\*\*|__|`|^#+\s|^\s*[-*•]\s|\[[^\]]*\]\([^)]*\)", re.MULTILINE)


@dataclass(frozen=True)
class Sentence:
    text: str  # clean, condensed, ends with . ! or ?
    passage: Passage
    position: int  # order within the passage


def clean_text(text: str) -> str:
    """Markdown-free text on one line (for source cards)."""
    return " ".join(strip_markdown(normalise_quotes(text)).split())


def condense(sentence: str) -> str:
    """The sentence without its attribution ("X explains that ...") or cross-reference; the card names the source."""
    sentence = _SEE.sub("", sentence).strip()
    for pattern in (_ATTRIBUTION, _ACCORDING):
        match = pattern.match(sentence)
        if match and len(sentence) - match.end() > 30:
            rest = sentence[match.end():]
            sentence = rest[0].upper() + rest[1:]
    if sentence and sentence[-1] not in ".!?":
        sentence = sentence.rstrip(",;:") + "."
    return sentence


def quotes_closed(sentence: str) -> bool:
    return sentence.count('"') % 2 == 0 and sentence.count("(") == sentence.count(")")


def sentences_of(passage: Passage) -> list[Sentence]:
    """The passage's sentences worth quoting: whole, not headings, questions or list intros."""
    found = []
    section = passage.section.lower().strip(" ?.:")
    for position, raw in enumerate(split_sentences(strip_markdown(normalise_quotes(passage.text)))):
        if raw.lower().strip(" ?.:") in {section, passage.title.lower().strip(" ?.:")}:
            continue
        if raw.endswith(":") or raw.endswith("?") or raw.lower().startswith(("see ", "before:", "after:")):
            continue
        text = condense(raw)
        if len(text.split()) < 6 or not quotes_closed(text) or _MARKDOWN.search(text):
            continue
        found.append(Sentence(text, passage, position))
    return found
