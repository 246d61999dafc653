"""Chunks as clean, quotable sentences: no Markdown, no cross-references, no open quotes.

The index embeds these sentences when it embeds a chunk (so an answer can pick the sentence nearest
the question without embedding anything at question time); the composer quotes them.
"""

from __future__ import annotations

import base64
import re

import numpy as np

from app.text_utils import normalise_quotes, split_sentences, strip_markdown

_SEE = re.compile(r"\s*[;(]\s*see (the article on )?[\"“][^\"”]+[\"”]\s*\)?|\s*\((see|as in) [^)]*\)", re.IGNORECASE)
_ATTRIBUTION = re.compile(
    r"^(?:[A-Z][\w.'-]*(?:,? [A-Z][\w.'-]*){0,5},? (?:LMFT, )?"
    r"(?:explains|notes|adds|writes|observes|points out|stresses|reports|describes how|has found|reminds couples)"
    r"(?: an important point:)? that )"
)
_ACCORDING = re.compile(r"^(?:According to|In) [A-Z][\w.' -]{1,40}?(?:'s view)?, ")
_MARKDOWN = re.compile(r"\*\*|__|`|^#+\s|^\s*[-*•]\s|\[[^\]]*\]\([^)]*\)", re.MULTILINE)
# sentences about the article rather than the subject ("This article is for...", "written for Softstart")
_META = re.compile(r"^(this|the source|the|our) (article|post|guide|section)\b|\bwritten for softstart\b|^(example|questions)\b[^.]*\bfor softstart\b", re.IGNORECASE)
_HEADING = re.compile(r"^\s*#+\s*(.+?)\s*$", re.MULTILINE)
_BOLD_LEAD = re.compile(r"\*\*([^*]+?)\*\*")


def _key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", normalise_quotes(text).lower()))


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
    """Every quote opens before it closes and is closed by the end (so is every bracket)."""
    depth = 0
    for index, char in enumerate(sentence):
        if char != '"':
            continue
        opening = index == 0 or sentence[index - 1] in " ([\u2014-"
        depth += 1 if opening else -1
        if depth < 0 or depth > 1:
            return False
    return depth == 0 and sentence.count("(") == sentence.count(")")


def quotable_sentences(text: str, title: str = "", section: str = "") -> list[tuple[int, str]]:
    """(position, sentence) for the chunk's sentences worth quoting: whole, not headings, questions or list intros."""
    found = []
    # headings and bold lead-ins ("**Overwhelm and flooding.**") label what follows; they are not answers
    skip = {_key(section), _key(title)} | {_key(h) for h in _HEADING.findall(text)} | {_key(b) for b in _BOLD_LEAD.findall(text)}
    for position, raw in enumerate(split_sentences(strip_markdown(normalise_quotes(text)))):
        if _key(raw) in skip or _META.search(raw):
            continue
        if raw.endswith(":") or raw.endswith("?") or raw.lower().startswith(("see ", "before:", "after:")):
            continue
        sentence = condense(raw)
        if len(sentence.split()) < 6 or not quotes_closed(sentence) or _MARKDOWN.search(sentence):
            continue
        found.append((position, sentence))
    return found


def pack_vectors(vectors: list[list[float]]) -> str:
    """Sentence vectors as one short string (float16, base64) that fits in chunk metadata."""
    if not vectors:
        return ""
    return base64.b64encode(np.asarray(vectors, dtype=np.float16).tobytes()).decode("ascii")


def unpack_vectors(packed: str, count: int) -> np.ndarray | None:
    """The vectors again, or None when the string does not hold ``count`` of them."""
    if not packed or count <= 0:
        return None
    try:
        flat = np.frombuffer(base64.b64decode(packed), dtype=np.float16).astype(np.float32)
    except ValueError:
        return None
    if flat.size == 0 or flat.size % count:
        return None
    return flat.reshape(count, -1)
