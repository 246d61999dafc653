"""Answers written by our own code from retrieved passages: no LLM needed.

The answer is a short synthesis: for the best passages (one per article where possible), the
sentences that speak most to the question, each point naming the article it comes from.
"""

from __future__ import annotations

import zlib
from typing import Sequence

from app.knowledge.index import Passage
from app.prompts import PromptLibrary
from app.text_utils import content_words, split_sentences, strip_markdown

MAX_POINTS = 3
SENTENCES_PER_POINT = 2


def pick_passages(passages: Sequence[Passage], limit: int = MAX_POINTS) -> list[Passage]:
    """Best first, preferring different articles; a second passage of one article only if room is left."""
    chosen: list[Passage] = []
    for passage in passages:
        if all(p.source_id != passage.source_id for p in chosen):
            chosen.append(passage)
    for passage in passages:
        if len(chosen) >= limit:
            break
        if passage not in chosen:
            chosen.append(passage)
    return chosen[:limit]


def best_sentences(question: str, passage: Passage, count: int = SENTENCES_PER_POINT) -> list[str]:
    """The passage's sentences that share most meaning words with the question, in their original order."""
    wanted = content_words(question)
    sentences = [
        s
        for s in split_sentences(strip_markdown(passage.text))
        if len(s.split()) >= 5 and s.lower().strip(" ?.:") != passage.section.lower().strip(" ?.:")
    ]
    if not sentences:
        return [" ".join(strip_markdown(passage.text).split())[:400]]
    scored = []
    for position, sentence in enumerate(sentences):
        overlap = len(content_words(sentence) & wanted)
        scored.append((overlap, -position, position, sentence))
    top = sorted(scored, reverse=True)[:count]
    if top and top[0][0] == 0:  # nothing in common: the passage's opening sentences carry its point
        return sentences[:count]
    return [sentence for *_, position, sentence in sorted(top, key=lambda item: item[2])]


def short_source(source: str, names: int = 2) -> str:
    """"A; B; C; D" -> "A; B and others": the full list stays in the response's sources."""
    parts = [part.strip() for part in source.split(";") if part.strip()]
    return source if len(parts) <= names else "; ".join(parts[:names]) + " and others"


def _variant(options: list[str], key: str) -> str:
    return options[zlib.crc32(key.encode()) % len(options)]


class AnswerComposer:
    def __init__(self, prompts: PromptLibrary):
        self.prompts = prompts

    def grounded(self, question: str, passages: Sequence[Passage]) -> tuple[str, list[Passage]]:
        """(answer text, the passages it cites in citation order)."""
        chosen = pick_passages(passages)
        points = []
        for number, passage in enumerate(chosen, start=1):
            quote = " ".join(best_sentences(question, passage))
            points.append(
                self.prompts.fill(
                    self.prompts.get("answer_point"), title=passage.title, source=short_source(passage.source), text=quote, n=number
                )
            )
        answer = self.prompts.fill(
            self.prompts.get("answer_composed"),
            intro=_variant(self.prompts.variants("answer_intro"), question),
            points="\n\n".join(points),
            closing=_variant(self.prompts.variants("answer_closing"), question),
        )
        return answer.strip(), chosen

    def not_covered(self, question: str) -> str:
        return self.prompts.get("answer_not_covered").strip()
