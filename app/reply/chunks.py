"""Splits a reply into the pieces a stream sends: sentences, long sentences in word groups.

``"".join(reply_chunks(text)) == text`` always holds: every space and line break is kept.
"""

from __future__ import annotations

import re

MAX_CHUNK_WORDS = 12
_SENTENCE = re.compile(r".+?(?:[.!?…]+[\"”’)]*(?:\s+|$)|\n\s*|$)", re.S)
_WORD = re.compile(r"\S+\s*")


def reply_chunks(text: str, *, max_words: int = MAX_CHUNK_WORDS) -> list[str]:
    chunks: list[str] = []
    for match in _SENTENCE.finditer(text):
        sentence = match.group(0)
        if not sentence:
            continue
        lead = re.match(r"\s*", sentence).group(0)
        words = _WORD.findall(sentence[len(lead):])
        if len(words) <= max_words:
            chunks.append(sentence)
            continue
        groups = [lead + "".join(words[:max_words])]
        groups += ["".join(words[i : i + max_words]) for i in range(max_words, len(words), max_words)]
        chunks.extend(groups)
    if "".join(chunks) != text:  # never lose a character, whatever the regex did
        return [text] if text else []
    return chunks
