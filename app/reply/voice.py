"""Language that varies and fits: openers built from the user's own words, the partner called by
name, and no sentence said twice in a conversation (a quoted draft excepted)."""

from __future__ import annotations

import re
import zlib

from app.reply.state import ConversationState

MAX_SAID = 400
_QUOTED = re.compile(r"“[^”]*”")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*[”\"]?")


def who(state: ConversationState) -> str:
    return state.partner_name or {"he": "him", "she": "her"}.get(state.partner or "", "your partner")


def who_subject(state: ConversationState) -> str:
    return state.partner_name or {"he": "he", "she": "she"}.get(state.partner or "", "your partner")


def voice_values(state: ConversationState, base: dict[str, str]) -> dict[str, str]:
    """Template values: the partner's name where we know it (pronouns kept for objects)."""
    values = dict(base)
    if state.partner_name:
        values["partner"] = state.partner_name
        values["Partner"] = state.partner_name
        values["partner_pos"] = f"{state.partner_name}'s"
        values["Partner_pos"] = f"{state.partner_name}'s"
        if not state.partner:  # no pronoun known: "tell Omar", not "tell your partner"
            values["partner_obj"] = state.partner_name
    values["who"] = who(state)
    values["who_subj"] = who_subject(state)  # "while he is gone", not "while him is gone"
    return values


def _pick(variants: list[str], seed: str, turn: int, used: list[int]) -> tuple[str, int]:
    start = zlib.crc32(f"{seed}:{turn}:opener".encode()) % len(variants)
    for offset in range(len(variants)):
        number = (start + offset) % len(variants)
        if number not in used:
            return variants[number], number
    return variants[start], start


def opener(state: ConversationState, message: str, prompts, seed: str, values: dict[str, str]) -> tuple[str, str]:
    """(template name, the opener) from the user's own feeling word or event; else a plain one."""
    feeling = state.feelings[0] if state.feelings and re.search(rf"\b{re.escape(state.feelings[0])}\b", message, re.I) else None
    event = next((e for e in reversed(state.events) if e in message), None)
    if feeling:
        name, extra = "chat_opener_feeling", {"feeling": feeling, "Feeling": feeling[0].upper() + feeling[1:]}
    elif event and len(event.split()) <= 14:
        short = _to_you(event.rstrip(".!"))
        name, extra = "chat_opener_event", {"event": event.rstrip(".!"), "event_short": short}
    else:
        name, extra = "chat_opener_plain", {}
    variants = prompts.variants(name)
    used = state.used_variants.get(name, [])[-(len(variants) - 1):] if len(variants) > 1 else []
    text, number = _pick(variants, seed, state.turn, used)
    return name + f"#{number}", prompts.fill(text, **{**values, **extra}).strip()


def _to_you(sentence: str) -> str:
    out = re.sub(r"\bI\b", "you", sentence)
    out = re.sub(r"\bmy\b", "your", out, flags=re.I)
    out = re.sub(r"\bme\b", "you", out, flags=re.I)
    out = re.sub(r"\bI'm\b", "you're", out)
    out = re.sub(r"\byou am\b", "you are", out)
    first = out.split(" ", 1)[0] if out else ""
    if not first or (first[:1].isupper() and first.lower() not in _LOWER_STARTS):
        return out  # a name ("Lily and you had a fight") keeps its capital
    return out[0].lower() + out[1:]


_LOWER_STARTS = frozenset(
    "the we he she they it this that last yesterday today tonight then so and but after before when since my your our "
    "his her their you i'm you're a an there".split()
)


def sentence_key(sentence: str) -> int:
    return zlib.crc32(" ".join(re.findall(r"[a-z0-9']+", sentence.lower())).encode())


def without_repeats(text: str, said: list[int], *, keep_min: int = 1) -> tuple[str, list[int]]:
    """``text`` without sentences already said in this conversation (quoted drafts kept), and the new keys."""
    paragraphs = text.split("\n\n")
    out_paragraphs, new_keys, kept = [], [], 0
    seen = set(said)
    for paragraph in paragraphs:
        if paragraph.startswith(("“", "- ", "Read more:")) or "\n- " in paragraph or _is_resources(paragraph):
            out_paragraphs.append(paragraph)
            kept += 1
            continue
        pieces = []
        for sentence in _SENTENCE.findall(paragraph):
            sentence = sentence.strip()
            if not sentence:
                continue
            key = sentence_key(_QUOTED.sub("", sentence))
            if len(sentence.split()) >= 3 and key in seen:
                continue
            seen.add(key)
            new_keys.append(key)
            pieces.append(sentence)
        if pieces:
            out_paragraphs.append(" ".join(pieces))
            kept += len(pieces)
    if kept < keep_min:
        return text, []
    return "\n\n".join(out_paragraphs), new_keys


def remember_said(state_said: list[int], keys: list[int]) -> list[int]:
    return (state_said + keys)[-MAX_SAID:]


def _is_resources(paragraph: str) -> bool:
    from app.reply.responses import RESOURCE_INTROS  # the resource line is never dropped

    return paragraph.startswith(RESOURCE_INTROS)
