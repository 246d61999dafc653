"""Texts the coach writes on request: a draft built from the conversation's facts, its revisions
(firmer, softer, shorter, another), and a suggested reply to the partner's quoted words.

Every text goes through the rewrite service's public interface (``Rewriter.rewrite``): when the
rewriter softens our text and keeps its facts, its version is offered; otherwise ours is.
"""

from __future__ import annotations

import logging
import re
import zlib
from dataclasses import dataclass

from app.reply.state import ConversationState

log = logging.getLogger(__name__)

_SUBJECT = re.compile(
    r"\b(?:(?:telling|tell|asking|ask|letting)\s+(?:him|her|them|(?-i:[A-Z][a-z]+))\s+(?:know\s+)?(?:that\s+)?|"
    r"(?:saying|say|that|about|explaining|explain|regarding)\s+(?:that\s+)?)(?P<what>.+)$",
    re.I | re.S,
)
_REQUEST_NOISE = re.compile(
    r"^(?:please|pls|ok(?:ay)?|so|can you|could you|just|help me|will you|would you|i need you to|write|draft|word|fix|"
    r"a text|a message|the text|the message|something|for me|me)\b[\s,.:]*",
    re.I,
)
_SWAP = [
    (r"\bhe's\b", "you're"), (r"\bshe's\b", "you're"), (r"\bthey're\b", "you're"),
    (r"\bhe\b", "you"), (r"\bshe\b", "you"), (r"\bthey\b", "you"),
    (r"\bhim\b", "you"), (r"\bthem\b", "you"), (r"\bhis\b", "your"), (r"\bhimself\b", "yourself"),
    (r"\bherself\b", "yourself"),
]
_HARSH = re.compile(r"\b(?:always|never|selfish|lazy|pathetic|ridiculous|stupid|whatever|seriously\?)\b", re.I)


@dataclass(frozen=True)
class Facts:
    name: str | None
    feeling: str | None
    subject: str | None  # what the message is about, in the user's words, turned to "you"
    role: str


def facts_for(message: str, state: ConversationState) -> Facts:
    subject = subject_of(message, state) or state.draft_subject or event_subject(state)
    return Facts(state.partner_name, state.feelings[0] if state.feelings else None, subject, state.role)


def event_subject(state: ConversationState) -> str | None:
    """The latest event the user told, as the thing the text is about ("what happened last night")."""
    for event in reversed(state.events):
        text = re.sub(r"^(?:so|and|but|well|ok(?:ay)?),?\s+", "", event.strip().rstrip(".!"), flags=re.I)
        text = re.split(r",?\s+and I(?:'m| am| feel)\b|,?\s+but I\b", text)[0]
        text = re.sub(r"^(?i:my)\s+\w+\s+(?=[A-Z])", "", text)
        if 3 <= len(text.split()) <= 18:
            return to_second_person(text, state.partner_name)
    return None


def subject_of(message: str, state: ConversationState) -> str | None:
    """The point of the requested text ("telling him I'm hurt he forgot" -> "I'm hurt you forgot")."""
    match = _SUBJECT.search(message)
    what = match.group("what") if match else None
    if what is None:
        return None
    what = re.split(r"[.?!\n]", what)[0].strip(" ,")
    what = re.sub(r"^(?:to (?:him|her|them|(?-i:[A-Z][a-z]+))\s+)?(?:so (?:that )?(?:he|she|they|(?-i:[A-Z][a-z]+)) "
                  r"(?:knows?|understands?|sees?|gets?|hears?) (?:that )?)", "", what, flags=re.I)
    if len(what.split()) < 2 or re.match(r"^(?:a|the|some|for|it|this|that)\b", what, re.I):
        return None
    return to_second_person(what, state.partner_name)


def to_second_person(text: str, name: str | None) -> str:
    out = text
    her_object = re.compile(r"\bher\b(?=\s*(?:$|[.,!?]|\s+(?:to|that|about|for|and|when|if|again|back|know|so|now|right|"
                            r"because|tonight|today|too|first|yet|anymore|how|what|why|I|I'm|we)\b))", re.I)
    out = her_object.sub("you", out)
    out = re.sub(r"\bher\b", "your", out, flags=re.I)
    for pattern, repl in _SWAP:
        out = re.sub(pattern, repl, out, flags=re.I)
    if name:
        out = re.sub(rf"\b{re.escape(name)}\b", "you", out)
    out = re.sub(r"\byou (?:doesn't|isn't|wasn't|hasn't|has|was|is|does|wants|needs|keeps|says|gets|goes)\b",
                 lambda m: "you " + {"doesn't": "don't", "isn't": "aren't", "wasn't": "weren't", "hasn't": "haven't",
                                     "has": "have", "was": "were", "is": "are", "does": "do", "wants": "want",
                                     "needs": "need", "keeps": "keep", "says": "say", "gets": "get", "goes": "go"}[m.group(0).split()[1]],
                 out)
    out = re.sub(r"\bmy\b", "my", out)
    return _HARSH.sub("", out).strip(" ,")


def _pick(options: list[str], key: str) -> str:
    return options[zlib.crc32(key.encode()) % len(options)]


def _hello(name: str | None, style: int) -> str:
    if not name:
        return ""
    return [f"{name}, ", f"Hey {name}, ", f"{name} — "][style % 3]


def _feeling_clause(facts: Facts) -> str:
    if facts.subject:
        core = facts.subject[0].upper() + facts.subject[1:] if not facts.subject.startswith("I ") else facts.subject
        if not re.match(r"^(?:I|I'm|I've|I'd|I feel)\b", facts.subject):
            feeling = facts.feeling or "upset"
            if re.match(r"^(?:we|you)\b", facts.subject, re.I):
                core = f"I feel {feeling} that {facts.subject}"
            else:
                core = f"I feel {feeling} about {facts.subject}"
        return core.rstrip(".") + "."
    return _plain_feeling(facts, 0)


def _plain_feeling(facts: Facts, style: int) -> str:
    """The feeling said plainly when the text has no subject of its own; ``style`` words it differently."""
    if facts.role == "distancer":
        return [f"I'm {facts.feeling or 'overwhelmed'} right now and I don't want to say something I'll regret.",
                f"I got {facts.feeling or 'overwhelmed'} earlier and went quiet, and that wasn't about you.",
                f"When things get heated I shut down, and I'm feeling {facts.feeling or 'overwhelmed'} about it."][style % 3]
    return [f"I've been feeling {facts.feeling or 'unsettled'} since we stopped talking.",
            f"Lately I've been feeling {facts.feeling or 'far from you'}, and I don't want to keep it to myself.",
            f"I miss us, and I've been feeling {facts.feeling or 'a bit lost'} these last few days."][style % 3]


def _ask(facts: Facts, style: int) -> str:
    if facts.role == "distancer":
        return ["I care about this, so I'm taking a short break and I'll come back at 8 so we can talk it through.",
                "I need about half an hour to settle, then I want to hear you properly. Can we talk at 8?",
                "I'm not walking away from you; give me a little time and I'll come find you tonight."][style % 3]
    return ["I'm not trying to start a fight. Could we talk tonight for a few minutes?",
            "I miss feeling close to you. When you're ready, could we sit down and talk?",
            "No pressure to answer right away; I'd just love to hear from you when you're ready."][style % 3]


def compose_draft(facts: Facts, style: int) -> str:
    clause = _feeling_clause(facts) if facts.subject else _plain_feeling(facts, style // 3)
    return f"{_hello(facts.name, style)}{_lower_first(clause, facts.name)} {_ask(facts, style)}".strip()


def _lower_first(text: str, name: str | None) -> str:
    if not name or text.startswith("I ") or text.startswith("I'"):
        return text
    return text[0].lower() + text[1:]


def revise(previous: str, kind: str, facts: Facts, style: int) -> str:
    """A revision of ``previous``: firmer (still soft, clearer), softer, shorter or another."""
    core = _core_sentence(previous)
    hello = _hello(facts.name, style)
    body = core if not facts.name else re.sub(rf"^(?:Hey )?{re.escape(facts.name)}(?:,| —)\s*", "", core)
    body = body[0].upper() + body[1:] if body else body
    if kind == "revise_firmer":
        ask = ("I need us to talk about this tonight. Can we sit down at 8?" if facts.role != "distancer"
               else "I'm taking 30 minutes to calm down, and I will be back at 8 to talk. That's a promise.")
        return f"{hello}{_lower_first(body, facts.name)} {ask}".strip()
    if kind == "revise_softer":
        return f"{hello}I love you and I'm not looking for a fight. {body} Whenever you feel ready, I'd like to talk.".strip()
    if kind == "revise_shorter":
        short = f"{hello}{_lower_first(_shorten(body), facts.name)}".strip()
        if len(short) >= len(previous):
            short = _shorten(body)
        return short
    for step in range(1, 4):
        other = compose_draft(facts, style + step)
        if " ".join(other.split()) != " ".join(previous.split()):
            return other
    return other


def _core_sentence(text: str) -> str:
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    return parts[0] if parts else text


def _shorten(sentence: str) -> str:
    words = sentence.split()
    cut = " ".join(words[:14]).rstrip(",;—-")
    return cut if cut.endswith((".", "?", "!")) else cut + "."


def partner_reply(quoted: str, facts: Facts, style: int, *, other: int = 0) -> str:
    """A suggested reply to the partner's words: acknowledge, say one feeling, ask for one thing."""
    low = quoted.lower()
    hello = _hello(facts.name, style)
    if re.search(r"\b(?:space|leave me alone|stop texting|need time|back off|not now|later)\b", low):
        ack = "Okay, I hear that you need some space, and I'll give it to you."
        ask = "Could we check in tomorrow morning? I'll wait until then."
    elif re.search(r"\b(?:too much|nag|needy|clingy|always|never|overreact|dramatic|crazy)\b", low):
        ack = "That stung to hear, and I don't want us to keep going round in circles."
        ask = "Can we talk when we're both calmer? I want to understand what's been hard for you."
    elif re.search(r"\b(?:sorry|my fault|apolog)\b", low):
        ack = "Thank you for saying that; it means a lot to me."
        ask = "Can we find a quiet moment tonight to talk about what happened?"
    elif re.search(r"\b(?:why are you|ignoring|talk to me|answer me|what's wrong)\b", low):
        ack = "I'm not ignoring you; I'm overwhelmed and want to answer you properly."
        ask = "Can we talk at 8? I'll be ready to listen then."
    else:
        ack = "I hear you, and I'm glad you told me."
        ask = "Can we talk about it when we both have a calm moment?"
    if other:  # another reply to the same words: the same point, said differently
        ack = ["I want to understand where you're coming from.", "Thanks for telling me where you are.",
               "I don't want us to end up further apart over this."][other % 3]
        ask = ["When would be a good time for us to talk?", "Could we find a calm moment later to talk it through?",
               "I'll give it some time; can we come back to it tonight?"][other % 3]
    feeling = f" I've been feeling {facts.feeling} too." if facts.feeling and facts.feeling not in ("angry", "furious", "mad") else ""
    return f"{hello}{_lower_first(ack, facts.name)}{feeling} {ask}".strip()


def through_rewriter(text: str, rewriter, role: str, keep: list[str]) -> str:
    """The rewrite service's softer version when it keeps ``keep`` (names, facts); else ``text``."""
    if rewriter is None:
        return text
    try:
        result = rewriter.rewrite(text, sender_role=role)
    except Exception as exc:  # the draft still goes out, as we wrote it
        log.warning("chat: the rewriter failed on a draft (%s)", type(exc).__name__)
        return text
    if result.unchanged or not getattr(result.check, "passed", True):
        return text
    candidate = result.rewrite
    if len(candidate) > 1.5 * len(text) + 20 or _GARBLED.search(candidate):
        return text  # the rewriter stitched our sentences badly; ours reads better
    if all(word.lower() in candidate.lower() for word in keep):
        return candidate
    return text


_GARBLED = re.compile(r",\s+(?:and|but|so)\s+(?!I\b|I'[a-z]+)[A-Z][a-z]|\bI'd to\b|\b(\w+) \1\b")


def key_words(text: str, name: str | None) -> list[str]:
    words = [w for w in re.findall(r"[A-Za-z']{4,}", text) if w.lower() not in _COMMON]
    return ([name] if name else []) + words[:4]


_COMMON = frozenset(
    "that this with have been feeling about would could when your you're just like want really there their they them "
    "from what will talk tonight ready right love sure okay hear time need minutes since something things".split()
)
