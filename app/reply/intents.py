"""What the user is doing with a chat message: sharing, drafting a message to the partner,
asking a question about the dynamic, or asking about the coach itself.

A draft is the text the user means to send ("I'm going to text him: ...", "what if I send
'...'", a quoted line); a question is a plain question about the cycle ("why does he shut
down?", "what is flooding?"). Whether a question is really covered is decided later by the
knowledge base (no relevant passages -> the turn is coached like any other).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from app.reply.signals import normalise

IntentKind = Literal["share", "draft", "question", "meta"]

MIN_DRAFT_WORDS = 3

_SEND_VERB = r"(?:text|send|say|tell|write|message|reply|answer|email|ask|put)"
_TO_WHOM = r"(?:\s+(?:him|her|them|back|my\s+\w+|this|that|something like))*"
_INTRO_PATTERNS = [
    # "I'm going to text him: ...", "I'm about to send this - ...", "I'm gonna tell her ..."
    re.compile(rf"\bI(?:'m| am)\s+(?:going\s+to|gonna|about\s+to|thinking\s+of|planning\s+to)\s+{_SEND_VERB}(?:ing)?{_TO_WHOM}\s*(?::|-|,)\s*(?P<draft>.+)$", re.I | re.S),
    # "what if I send: ...", "should I text him ...", "can I say ..."
    re.compile(rf"\b(?:what\s+if|should|could|can|do)\s+I\s+{_SEND_VERB}{_TO_WHOM}\s*(?::|-|,)\s*(?P<draft>.+)$", re.I | re.S),
    # "I want to text him: ...", "I'd like to say: ..."
    re.compile(rf"\bI\s+(?:want|need|would\s+like|'d\s+like|wanna)\s+to\s+{_SEND_VERB}{_TO_WHOM}\s*(?::|-)\s*(?P<draft>.+)$", re.I | re.S),
    # "here's my draft: ...", "my text: ...", "draft: ..."
    re.compile(r"\b(?:here(?:'s| is)\s+(?:my|the|what\s+I)\s+(?:draft|text|message|reply|wrote)|(?:my\s+)?draft|my\s+(?:text|message|reply))\s*:\s*(?P<draft>.+)$", re.I | re.S),
]
_QUOTED = re.compile(r"\"(?P<draft>[^\"]{8,})\"|(?<![A-Za-z])'(?P<single>[^']{8,}?)'(?![A-Za-z])", re.S)
_SENDING_CONTEXT = re.compile(rf"\b{_SEND_VERB}(?:s|ing|ed|t)?\b|\b(?:draft|texted|sent|wrote)\b", re.I)

_QUESTION_START = re.compile(
    r"^(?:(?:so|and|but|ok(?:ay)?|hmm|honestly|well|then|also|like|seriously),?\s+)*"
    r"(?:why|what|how|is\s+(?:it|this|that|there)|are\s+(?:we|they|there)|does|do|did|can|could|should|would|when|where|"
    r"which|who|isn't|aren't|am\s+I|will)\b",
    re.I,
)
_DYNAMIC_WORDS = re.compile(
    r"\b(?:pursu\w*|distanc\w*|withdraw\w*|chas\w*|shut(?:s|ting)?\s+down|pull\w*\s+away|go(?:es)?\s+quiet|silent|"
    r"space|flood\w*|overwhelm\w*|stonewall\w*|cycle|pattern|dance|polka|protest|time-?out|break|soft\s+start|"
    r"start-?up|criticism|contempt|defensive\w*|attach\w*|EFT|therap\w*|counsel\w*|bids?|closeness|clingy|needy|"
    r"avoidant|anxious|reassurance|push\w*|react\w*|calm\s+down|fight|argu\w*|wait(?:ing)?|affair|cheat\w*|infidelity|"
    r"new\s+parents?|baby|normal)\b",
    re.I,
)
_SENTENCE = re.compile(r"[^.!?\n]+[?!]*\?[?!]*", re.S)  # a question with its closing marks ("?!" too)


@dataclass(frozen=True)
class Intent:
    kind: IntentKind
    draft: str | None = None  # the text meant for the partner
    question: str | None = None  # the question to look up


def _clean_draft(text: str) -> str:
    text = text.strip()
    text = re.sub(r"^[\s\"'“”‘’]+|[\s\"'“”‘’]+$", "", text)
    text = re.sub(r"[\s\"'“”‘’]*\?+\s*$", "", text) if text.endswith("'?") or text.endswith('"?') else text
    return text.strip()


def find_draft(message: str) -> str | None:
    """The message-to-partner inside the user's text, if they are drafting one."""
    text = normalise(message)
    quoted = [m.group("draft") or m.group("single") for m in _QUOTED.finditer(text)]
    quoted = [q.strip() for q in quoted if q and len(q.split()) >= MIN_DRAFT_WORDS]
    if quoted and _SENDING_CONTEXT.search(_QUOTED.sub(" ", text)):
        return max(quoted, key=len)
    for pattern in _INTRO_PATTERNS:
        match = pattern.search(text)
        if match:
            draft = _clean_draft(match.group("draft"))
            if len(draft.split()) >= MIN_DRAFT_WORDS:
                return draft
    return None


def find_question(message: str) -> str | None:
    """A plain question about the dynamic ("why does he shut down?"), else None.

    Rhetorical outbursts ("WHY does he ALWAYS do this?!") are not questions to look up: the
    caller passes those on as sharing (it knows the message's harshness).
    """
    text = normalise(message).strip()
    questions = [q.strip() for q in _SENTENCE.findall(text)]
    for question in questions:
        if _QUESTION_START.search(question) and _DYNAMIC_WORDS.search(question):
            return question
    return None


QUESTION_INTENTS = frozenset({"q_what", "q_why", "q_should", "q_yesno", "q_howlong", "q_how"})
DRAFT_INTENTS = frozenset({"draft_request", "revise_firmer", "revise_softer", "revise_shorter", "revise_another"})


def from_model(message: str, intent: str, speaker: str) -> Intent:
    """The turn's intent from the model's fine label (``app.models``) and the speaker of any quoted text.

    A quoted text is coached as the user's draft only when the model reads it as theirs: the partner's
    quoted words are never taken for the user's own draft.
    """
    if intent == "about_coach":
        return Intent("meta")
    draft = find_draft(message) if speaker in ("own_draft", "sent_text") or intent in DRAFT_INTENTS else None
    if draft is not None and speaker != "partner_words":
        return Intent("draft", draft=draft)
    if intent in QUESTION_INTENTS:
        questions = [q.strip() for q in _SENTENCE.findall(normalise(message).strip())]
        return Intent("question", question=questions[0] if questions else message.strip())
    return Intent("share")


def classify(message: str, *, marks: frozenset[str] = frozenset(), harsh: bool = False) -> Intent:
    """The turn's intent. ``marks`` come from the cue book; ``harsh`` when the analyzer found
    criticism or contempt (an angry "why does he always ...?" is venting, not a question)."""
    if "meta_request" in marks:
        return Intent("meta")
    draft = find_draft(message)
    if draft is not None:
        return Intent("draft", draft=draft)
    question = find_question(message)
    if question is not None and not harsh and "!" not in question:
        return Intent("question", question=question)
    return Intent("share")
