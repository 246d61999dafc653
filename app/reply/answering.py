"""Answer first: a question gets one or two sentences in the coach's voice, then a link.

The knowledge base (``Answerer``) supplies the grounded sentence and the source; "should I ..."
questions get a view with its reason (``views`` below, chosen with the conversation's facts:
an affair, fear of the partner, safety mode, the role). Off-topic questions get the same honest
redirect as ``/v1/ask``; a request to label the partner gets a plain "I don't diagnose".
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from app.reply.state import ConversationState

log = logging.getLogger(__name__)

MAX_ANSWER_WORDS = 45
_MARKER = re.compile(r"\s*\[\d+(?:,\s*\d+)*\]")
_DIAGNOSE = re.compile(r"\b(?:narcissis\w*|sociopath\w*|psychopath\w*|bipolar|borderline|bpd|npd|autis\w*|adhd|a narc|gaslight\w*|toxic)\b", re.I)
_COUPLES = re.compile(r"\bcouples?(?:'|’)?\s+(?:therap|counsel)\w*|\bmarriage counsel\w*|\btherapy together\b|\bsee (?:a|someone) together\b", re.I)
_ON_MY_OWN = re.compile(r"\b(?:on my own|by myself|for myself|individual therap\w*|my own therapist|see (?:a|someone|a therapist)(?! together))\b", re.I)
_CHASE = re.compile(r"\b(?:call|go over|drive over|text (?:him|her|them) again|keep texting|go after|follow (?:him|her|them)|show up|message again)\b", re.I)
_WAIT = re.compile(r"\bhow long\b|\bwait\b", re.I)
_LEAVE = re.compile(r"\b(?:break up|leave (?:him|her|them)|divorce|end it|split up)\b", re.I)
_TOO_MUCH = re.compile(r"\b(?:too much|too needy|needy|clingy|crazy|overreacting|too sensitive|the problem)\b", re.I)
_NORMAL = re.compile(r"\b(?:is (?:this|it|that) (?:normal|common|usual)|(?:normal|common) (?:for|in|after)|do other couples)\b", re.I)
_APOLOGISE = re.compile(r"\b(?:apologi[sz]e|say sorry|say I'm sorry)\b", re.I)


@dataclass(frozen=True)
class ShortAnswer:
    text: str  # one or two sentences, our voice, no markers
    link: str | None  # "Title (source)"
    view: bool  # a "should I" view was given
    grounded: bool
    passages: tuple = ()  # the knowledge base's passages behind the link


def first_sentences(text: str, limit: int = 2) -> str:
    clean = _MARKER.sub("", text)
    clean = re.sub(r"\s+", " ", clean).strip()
    parts = re.split(r"(?<=[.!?])\s+", clean)
    out: list[str] = []
    for part in parts:
        if len(" ".join(out + [part]).split()) > MAX_ANSWER_WORDS and out:
            break
        out.append(part)
        if len(out) == limit:
            break
    return " ".join(out)


def _obj(state: ConversationState) -> str:
    return {"he": "him", "she": "her"}.get(state.partner or "", "them")


def _who(state: ConversationState) -> str:
    return state.partner_name or {"he": "he", "she": "she"}.get(state.partner or "", "your partner")


def view_for(question: str, state: ConversationState) -> str | None:
    """A direct view for the common "should I / am I" questions, with its reason; None when we have none."""
    who, obj = _who(state), _obj(state)
    danger = state.safety_mode or state.fears_partner
    if _DIAGNOSE.search(question):
        return (f"I can't diagnose {who}, and I won't put a label on {obj}; I only hear your side, and labels tend "
                "to harden the fight. What I can do is help with what's happening between you two right now.")
    if _COUPLES.search(question):
        if danger:
            return ("Not right now: when you're afraid of your partner, couples therapy can make things more dangerous, "
                    "because what you say in the room can be used against you later. A domestic violence advocate or a therapist of your own is the safer place to start.")
        if state.affair:
            return ("Yes, I think it's worth it: look for a couples therapist who has real experience with affair recovery, "
                    "because rebuilding trust after an affair goes better with a guide who knows that road.")
        return ("Yes, I think it's worth trying: a couples therapist (an EFT-trained one works with exactly this cycle) helps "
                "you both see the pattern as the problem instead of each other.")
    if _ON_MY_OWN.search(question):
        return ("Yes. Seeing an individual therapist is a good idea, especially if anxiety, checking your phone or racing "
                "thoughts are running your days; it gives you support that doesn't depend on how the relationship is going.")
    if _LEAVE.search(question):
        return ("That's your decision to make, not mine, and it deserves a calmer moment than this one. If you're asking "
                "because you feel unsafe, that changes things, and your safety comes first.")
    if _TOO_MUCH.search(question) and re.search(r"\bam I\b|\bI'm\b", question, re.I):
        return ("No, wanting closeness isn't too much; it's a normal need. What can feel like too much to a partner is "
                "the chasing when you're anxious, and that part you can learn to slow down.")
    if _CHASE.search(question) and re.search(r"\bshould I\b|\bor\b", question, re.I):
        if state.role == "distancer":
            return (f"I'd reach out to {obj} with one short message that says when you'll be ready to talk, "
                    "because a clear time is what turns your space into a break instead of a door closing.")
        return (f"I'd hold off on chasing right now: one calm message is enough, then give {who} room, because "
                "following someone who has pulled back usually makes them pull back further.")
    if _WAIT.search(question):
        return ("Give it at least 20 minutes, and often an hour or more after a big fight: that's about how long a flooded "
                "body needs to settle before either of you can really listen.")
    if _NORMAL.search(question):
        return ("Yes, it's very common: most couples slide into a reach-and-retreat pattern under stress, and big changes "
                "like a baby, a move or a new job make it more likely. Common doesn't mean you have to live with it, though.")
    if _APOLOGISE.search(question):
        return ("Yes, if you can apologise for your part without a \"but\" at the end; a clean apology for one specific "
                "thing lowers the temperature more than a long explanation.")
    return None


def _fresh(text: str | None, said: list[int] | None) -> bool:
    if not text or not said:
        return bool(text)
    from app.reply.voice import sentence_key

    keys = [sentence_key(s) for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]
    return not all(k in set(said) for k in keys)


def answer(question: str, form: str, state: ConversationState, answerer, *, said: list[int] | None = None) -> ShortAnswer | None:
    """The short answer: a view (for "should I" and the common yes/no), else the knowledge base's
    first sentences; None when neither has anything."""
    view = view_for(question, state)
    if not _fresh(view, said):
        view = None  # already said this conversation: the knowledge base's words this time
    found = None
    if answerer is not None:
        try:
            found = answerer.answer(question)
        except Exception as exc:  # index trouble: the view alone, or no answer
            log.warning("chat: the knowledge base could not answer (%s)", type(exc).__name__)
    grounded = bool(found and found.grounded and found.sources)
    link = None
    if grounded:
        first = found.sources[0]
        title = re.sub(r"\s*\([^)]*\)\s*$", "", first.title).strip()
        where = getattr(first, "source_id", "") or ""
        link = f"{title}, {where}" if where else title
    passages = tuple(found.sources) if grounded else ()
    if view:
        return ShortAnswer(view, link, True, grounded, passages)
    if not grounded and on_topic(question):
        return ShortAnswer(fallback_answer(question, state), None, False, False)
    if grounded:
        first = first_sentences(found.answer)
        rest = first_sentences(" ".join(re.split(r"(?<=[.!?])\s+", _MARKER.sub("", found.answer))[2:]))
        text = first if _fresh(first, said) else rest or first
        if not _fresh(text, said):
            # issue 14: no sentence repeated within a conversation; the same question asked again gets
            # the answer acknowledged as already given, not the same words a second time
            text = _acknowledged([t for t in (first, rest) if t], said)
        if form == "q_should" and not text.lower().startswith(("yes", "no", "i'd", "i would")):
            text = "My view: " + text[0].lower() + text[1:]
        return ShortAnswer(text, link, False, True, passages)
    return None


_AGAIN = (
    "I touched on this earlier: {answer}",
    "You asked this before, and my answer is the same: {answer}",
    "To come back to what I said before: {answer}",
    "It's worth saying again, since it keeps coming up: {answer}",
    "This question keeps returning, which tells me it matters to you. The short answer still holds: {answer}",
    "Same answer as before, in brief: {answer}",
)


def _lower_first(text: str) -> str:
    head = text.split(" ", 1)[0]
    if head in ("I", "I'm", "I've", "I'd", "I'll") or (len(head) > 1 and head[1:2].isupper()):
        return text
    return text[0].lower() + text[1:]


def _acknowledged(answers: list[str], said: list[int] | None) -> str:
    """An answer already given, said as such in words not yet used in this conversation."""
    candidates = [frame.format(answer=_lower_first(first_sentences(a, limit=1))) for a in answers for frame in _AGAIN]
    for candidate in candidates:
        if _fresh(candidate, said):
            return candidate
    return candidates[0] if candidates else ""


def not_covered(prompts) -> str:
    """The same honest redirect ``/v1/ask`` gives."""
    return prompts.get("answer_not_covered").strip()


def on_topic(question: str) -> bool:
    from app.reply.reading import on_topic as about_us

    return about_us(question)


def fallback_answer(question: str, state: ConversationState) -> str:
    """An honest answer when neither a view nor the knowledge base has one."""
    return ("I don't have a source that answers that directly, so I won't guess at a fact. What I can tell you is what "
            f"usually helps in this pattern: slowing down, saying the feeling under the frustration, and giving {_who(state)} "
            "a clear, kind way back to you.")
