"""Rules every coached reply keeps, whichever wording the session's seed picked (issue 14).

The templates come in variants chosen by a hash of the session id, and the finishing pass drops
sentences already said; so a rule that holds for one variant can fail for another, or vanish with
a dropped sentence. These checks run on the finished text and mend it, so the rules hold for
every seed:

- a reply about the partner names them when the name is known, else uses the right pronoun;
- once the user has told what happened, no question asks them to tell it again.
"""

from __future__ import annotations

import re
import zlib

from app.reply.state import ConversationState
from app.reply.voice import sentence_key, who, who_subject

_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*[”\"]?")
_PRONOUNS = {
    "he": re.compile(r"\b(?:he|him|his|himself)\b", re.I),
    "she": re.compile(r"\b(?:she|her|hers|herself)\b", re.I),
}
_ANY_PARTNER = re.compile(r"\b(?:your partner|he|him|his|she|her|they|them|their)\b", re.I)
REASK = re.compile(
    r"\bwhat (?:just |actually |exactly )?happened\b|\btell me (?:a bit |a little )?more about what\b|\bwalk me through\b|"
    r"\bwhat did (?:he|she|they|your partner) (?:do|say)\b",
    re.I,
)

# Lines that keep the partner in view; $who is the name, "him"/"her" or "your partner".
PARTNER_LINES = (
    "I'm keeping $who in mind here as well as you.",
    "There are two people in this, and I'm thinking about $who too.",
    "However $who_subj is feeling right now, what you feel counts just as much.",
    "None of this makes $who the enemy, and it doesn't make you one either.",
    "It's clear how much $who matters to you, even while it hurts.",
    "How you and $who find your way back matters more than who was right.",
    "I'd like us to keep thinking about what this is like for you and for $who.",
    "You care about $who, and that care is worth protecting while things are tense.",
    "Whatever happens next with $who, you deserve some steadiness in it.",
    "It helps to remember that $who_subj is probably struggling in a different way.",
)
# Questions that move forward without asking for the story again.
FORWARD_QUESTIONS = (
    "What would help you most right now?",
    "What's the part of this that's hardest for you right now?",
    "What would you most like $who to understand about this?",
    "Which part of this do you want to work on first?",
    "What's one small thing that would make the next hour easier?",
    "What do you need most from the rest of today?",
    "What would feeling a little closer to $who look like this week?",
    "What have you already tried, and how did it go?",
)


def outside_quotes(text: str) -> str:
    return _QUOTED.sub(" ", text)


def mentions_partner(text: str, state: ConversationState) -> bool:
    """Whether ``text`` (outside quoted drafts) refers to the partner as the rules ask."""
    bare = outside_quotes(text)
    if state.partner_name:
        return re.search(rf"\b{re.escape(state.partner_name)}\b", bare) is not None
    pattern = _PRONOUNS.get(state.partner or "")
    if pattern is not None:
        return pattern.search(bare) is not None
    return _ANY_PARTNER.search(bare) is not None


def _fill(line: str, state: ConversationState) -> str:
    return line.replace("$who_subj", who_subject(state)).replace("$who", who(state))


def _fresh_line(lines: tuple[str, ...], state: ConversationState, seed: str, salt: str, taken: set[int]) -> str:
    start = zlib.crc32(f"{seed}:{state.turn}:{salt}".encode()) % len(lines)
    filled = [_fill(lines[(start + i) % len(lines)], state) for i in range(len(lines))]
    return next((line for line in filled if sentence_key(line) not in taken), filled[0])


def with_partner(text: str, state: ConversationState, said: list[int], seed: str) -> str:
    """``text`` naming the partner (or with the right pronoun): a pronoun becomes the name once, else a
    line about the partner joins the first paragraph."""
    if mentions_partner(text, state):
        return text
    if state.partner_name:
        named = _name_once(text, state)
        if mentions_partner(named, state):
            return named
    taken = set(said) | {sentence_key(s) for s in _SENTENCE.findall(text)}
    line = _fresh_line(PARTNER_LINES, state, seed, "partner_line", taken)
    paragraphs = text.split("\n\n")
    first = next((i for i, p in enumerate(paragraphs) if p.strip() and not p.startswith(("“", "- "))), None)
    if first is None:
        return f"{text}\n\n{line}".strip()
    paragraphs[first] = f"{paragraphs[first].rstrip()} {line}"
    return "\n\n".join(paragraphs)


def _name_once(text: str, state: ConversationState) -> str:
    pieces = re.split(r"(“[^”]*”)", text)
    for i in range(0, len(pieces), 2):
        named, count = re.subn(r"\byour partner\b", state.partner_name, pieces[i], count=1)
        if not count:
            pronoun = {"he": r"\b(He|he)\b(?=\s+[a-z'’]+)", "she": r"\b(She|she)\b(?=\s+[a-z'’]+)"}.get(state.partner or "")
            if pronoun:
                named, count = re.subn(pronoun, state.partner_name, pieces[i], count=1)
        if count:
            pieces[i] = named
            return "".join(pieces)
    return text


def story_told(state: ConversationState) -> bool:
    return bool(state.events) or state.turn > 1


def without_reasks(text: str, state: ConversationState, said: list[int], seed: str) -> str:
    """``text`` with any question that asks for the story again replaced by one that moves forward."""
    if not story_told(state) or not REASK.search(outside_quotes(text)):
        return text
    taken = set(said) | {sentence_key(s) for s in _SENTENCE.findall(text)}
    out = []
    for paragraph in text.split("\n\n"):
        if paragraph.startswith("“") or not REASK.search(outside_quotes(paragraph)):
            out.append(paragraph)
            continue
        kept = []
        for sentence in _SENTENCE.findall(paragraph):
            sentence = sentence.strip()
            if not sentence:
                continue
            if "?" in sentence and REASK.search(outside_quotes(sentence)):
                sentence = _fresh_line(FORWARD_QUESTIONS, state, seed, "forward_question", taken)
                taken.add(sentence_key(sentence))
            kept.append(sentence)
        if kept:
            out.append(" ".join(kept))
    return "\n\n".join(out)
