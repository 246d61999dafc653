"""The form of a question decides the shape of its answer: what is, why, how long, what can I do..."""

from __future__ import annotations

import re
from enum import Enum


class QuestionForm(str, Enum):
    WHAT_IS = "what_is"
    WHY = "why"
    HOW_LONG = "how_long"
    HOW_OFTEN = "how_often"
    WHAT_HAPPENS = "what_happens"
    WHAT_CAN_I_DO = "what_can_i_do"
    IS_NORMAL = "is_normal"
    SHOULD_I = "should_i"
    OTHER = "other"


# First match wins, so the narrow forms come before the broad ones ("how long" before "how do I").
_RULES: list[tuple[QuestionForm, re.Pattern[str]]] = [
    (QuestionForm.HOW_LONG, re.compile(r"\bhow (long|many (minutes|hours|days))\b|\bhow much time\b|\bwhen (should|can|do) (i|we) (go back|come back|return|try again)\b")),
    (QuestionForm.HOW_OFTEN, re.compile(r"\bhow (often|many times|frequently)\b")),
    (QuestionForm.WHY, re.compile(r"^\W*(so |but |and )?(why|how come)\b|\bwhat (makes|causes|drives)\b|\bwhere does .* come from\b|,? why\b")),
    (QuestionForm.IS_NORMAL, re.compile(r"\b(is|isn'?t|are|am) (it|this|that|they|we|i|he|she) ?(really |so |totally |even )?(normal|common|usual|typical|natural)\b|\bnormal (for|to|that|if)\b|\bdo (other|most|many) couples\b")),
    (QuestionForm.WHAT_HAPPENS, re.compile(r"\bwhat happens\b|\bwhat (will|would) happen\b|\bif i (stop|start|keep)\b")),
    (QuestionForm.SHOULD_I, re.compile(r"^(\W*)(so |but |and )?(should|shall|must|do) (i|we)\b|^\W*(is it|would it be) (a good idea|wise|bad|wrong|okay|ok|better) to\b|^\W*ought (i|we)\b")),
    (QuestionForm.WHAT_CAN_I_DO, re.compile(r"\bwhat (can|should|could|do) (i|we|a|the|my)\b|\bhow (do|can|could|should) (i|we|a|the|my|you)\b|\bhow to\b|\b(tips|advice|ways) (for|to|on)\b|\bhelp me\b|\bwhat to (do|say)\b|\b(give|show) me\b|\bshould (i|we)\b")),
    (QuestionForm.WHAT_IS, re.compile(r"\bwhat('s| is| are| does| do)\b|\bdefine\b|\bmeaning of\b|\bwhat'?s meant by\b|\bexplain\b")),
]


def classify(question: str) -> QuestionForm:
    text = " ".join(question.lower().replace("\u2019", "'").split())
    for form, pattern in _RULES:
        if pattern.search(text):
            return form
    return QuestionForm.OTHER
