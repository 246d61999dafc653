"""Text helpers for the analyzer: a normalised copy for matching with a map back to the original,
and a cheap "is this mostly English?" check.

Nothing here keeps or logs message text; every function returns what it computes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping

APOSTROPHES = frozenset({"\u2019", "\u2018", "\u02bc", "\u2032", "`", "\u00b4"})
QUOTES = {"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"'}
DASHES = {"\u2013": "-", "\u2014": "-", "\u2026": "..."}

TOKEN_RE = re.compile(r"[a-z]+")
LETTER_RUN_RE = re.compile(r"([a-z])\1{2,}")


@dataclass(frozen=True)
class NormalizedText:
    """A lower-cased, respelled copy of a message plus, for every character of the copy,
    the span of original characters it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map ``text[start:end]`` back to a span of the original message."""
        if end <= start:
            raise ValueError("empty span")
        return self.starts[start], self.ends[end - 1]


class _Builder:
    def __init__(self) -> None:
        self.chars: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []

    def add(self, piece: str, start: int, end: int) -> None:
        for ch in piece:
            self.chars.append(ch)
            self.starts.append(start)
            self.ends.append(end)

    def build(self) -> NormalizedText:
        return NormalizedText("".join(self.chars), tuple(self.starts), tuple(self.ends))


def _char_level(message: str) -> NormalizedText:
    """Lower-case; drop in-word apostrophes (straight or curly); fold whitespace runs and elongations."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    emit_char, emit_start, emit_end = chars.append, starts.append, ends.append
    i = 0
    n = len(message)
    while i < n:
        ch = message[i]
        if ch.isspace():
            j = i
            while j < n and message[j].isspace():
                j += 1
            emit_char("\n" if "\n" in message[i:j] else " ")
            emit_start(i)
            emit_end(j)
            i = j
            continue
        if ch in APOSTROPHES or ch == "'":
            # inside a word ("don't", "you’re") the apostrophe is dropped: patterns say "dont", "youre";
            # elsewhere it is a quote mark ('busy') and becomes '"'
            before = message[i - 1] if i > 0 else " "
            after = message[i + 1] if i + 1 < n else " "
            if not (before.isalpha() and after.isalpha()):
                emit_char('"')
                emit_start(i)
                emit_end(i + 1)
            i += 1
            continue
        low = QUOTES.get(ch) or DASHES.get(ch) or ch.lower()
        if len(low) != 1 and ch not in DASHES:  # e.g. 'İ' lowers to two code points; keep one
            low = low[0]
        j = i + 1
        # "sooo" -> "so", "whyyyy" -> "why": three or more of one letter fold to one
        if low.isalpha():
            while j < n and message[j].lower() == low:
                j += 1
            if j - i < 3:
                j = i + 1
        for piece in low:
            emit_char(piece)
            emit_start(i)
            emit_end(j)
        i = j
    return NormalizedText("".join(chars), tuple(starts), tuple(ends))


def _respell(base: NormalizedText, respellings: Mapping[str, str]) -> NormalizedText:
    """Replace whole tokens ("u" -> "you", "dont" -> "don't"); replaced characters map to the token."""
    out = _Builder()
    text = base.text
    pos = 0
    for m in TOKEN_RE.finditer(text):
        for k in range(pos, m.start()):
            out.add(text[k], base.starts[k], base.ends[k])
        token = m.group(0)
        replacement = respellings.get(token)
        if replacement is None:
            for k in range(m.start(), m.end()):
                out.add(text[k], base.starts[k], base.ends[k])
        else:
            out.add(replacement, base.starts[m.start()], base.ends[m.end() - 1])
        pos = m.end()
    for k in range(pos, len(text)):
        out.add(text[k], base.starts[k], base.ends[k])
    return out.build()


def normalize_for_matching(message: str, respellings: Mapping[str, str] | None = None) -> NormalizedText:
    """A copy of ``message`` for pattern matching; spans map back with ``original_span``."""
    base = _char_level(message)
    if respellings:
        return _respell(base, respellings)
    return base


def is_mostly_english(
    message: str,
    english_words: Iterable[str] | frozenset[str],
    foreign_words: Iterable[str] | frozenset[str],
    max_non_ascii_letter_share: float = 0.3,
) -> bool:
    """A simple heuristic: mostly non-Latin letters, or more foreign than English function words -> False.

    Messages with no letters (emoji, "???") count as English: there is nothing to say otherwise.
    """
    letters = [ch for ch in message if ch.isalpha()]
    if not letters:
        return True
    non_ascii = sum(1 for ch in letters if not ch.isascii())
    if non_ascii / len(letters) > max_non_ascii_letter_share:
        return False
    english = english_words if isinstance(english_words, frozenset) else frozenset(english_words)
    foreign = foreign_words if isinstance(foreign_words, frozenset) else frozenset(foreign_words)
    tokens = [w for w in re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", message.lower())]
    if not tokens:
        return True
    english_hits = sum(1 for t in tokens if t in english)
    foreign_hits = sum(1 for t in tokens if t in foreign and t not in english)
    if foreign_hits >= 2 and foreign_hits > english_hits:
        return False
    if len(tokens) >= 4 and english_hits == 0 and foreign_hits >= 1:
        return False
    return True
