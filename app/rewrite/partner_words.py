"""Is this message the partner's words (pasted in to answer), and which words are the partner's?

The trained ``speaker`` head decides when the service has it (``partner_words``); the rule below finds a
quotation introduced as the partner's ("he wrote: '...' what do I say back?") and gives its text.
"""

from __future__ import annotations

import re
from typing import Callable

SpeakerFn = Callable[[str], str]  # message -> none | own_draft | partner_words | sent_text

_WHO = r"(?:he|she|they|my (?:partner|husband|wife|boyfriend|girlfriend|bf|gf|fiance|fiancee|fiancé|fiancée|spouse|ex)|[A-Z][a-z]+)"
_VERB = r"(?:wrote|said|says|texted|sent(?: me)?|messaged|replied|told me|just sent|keeps saying|goes)"
_QUOTED = re.compile(_WHO + r"\s+" + _VERB + r"\s*(?:this|me)?\s*[:,-]?\s*[\"“'‘](.+?)[\"”'’](?=\s|$|[.?!,])", re.S)
_UNQUOTED = re.compile(_WHO + r"\s+" + _VERB + r"\s*[:]\s*(.+?)(?:\s+(?:what|how) (?:do|should|can) I (?:say|reply|respond|answer|text)\b.*)?$", re.S | re.I)
_ASKS_FOR_REPLY = re.compile(r"\b(?:what|how) (?:do|should|can|would) I (?:say|reply|respond|answer|text|write)\b|\bhow to (?:reply|respond)\b|\bwhat to say\b", re.I)


def quoted_partner_words(message: str) -> str | None:
    """The partner's words inside a message that introduces them as such, else None."""
    m = _QUOTED.search(message)
    if m and len(m.group(1).split()) >= 2:
        return m.group(1).strip()
    m = _UNQUOTED.search(message)
    if m and len(m.group(1).split()) >= 2:
        return m.group(1).strip().strip("\"'“”")
    return None


def partner_words_in(message: str, speaker: SpeakerFn | None) -> str | None:
    """The partner's words to answer, or None when the message is the sender's own."""
    quoted = quoted_partner_words(message)
    if quoted:
        return quoted
    said = speaker(message) if speaker is not None else "none"
    if said == "partner_words" or (_ASKS_FOR_REPLY.search(message) and said != "own_draft"):
        return _strip_reply_question(message)
    return None


def _strip_reply_question(message: str) -> str:
    text = _ASKS_FOR_REPLY.split(message)[0] if _ASKS_FOR_REPLY.search(message) else message
    text = re.sub(r"(?i)^\s*" + _WHO + r"\s+" + _VERB + r"\s*[:,-]?\s*", "", text)
    return text.strip().strip("\"'“”").strip() or message
