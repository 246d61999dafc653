"""Facts a user tells the coach, read from one message: the partner's name and pronouns, feeling
words in the user's own words, events, what they already tried, and the moment (partner gone,
an affair, fear of the partner). Plain functions; ``remember_facts`` folds them into the state."""

from __future__ import annotations

import re
from dataclasses import replace

from app.reply.state import ConversationState

MAX_EVENTS = 6
MAX_FEELINGS = 6

_RELATION = r"(?:boyfriend|girlfriend|husband|wife|partner|fianc[eé]e?|spouse|bf|gf)"
_NAME_AFTER_RELATION = re.compile(rf"\b(?i:my {_RELATION}),?\s+([A-Z][a-z]{{1,14}})\b")
_NAME_WITH_VERB = re.compile(
    r"(?:\b(?:with|to|at|about|from|and|for|told|texted|asked|called|love|miss)\s+([A-Z][a-z]{1,14})\b)|"
    r"\b([A-Z][a-z]{1,14})(?:'s|’s)\s+(?:phone|mom|mum|dad|family|job|work|text|message|reply|place|friends?)\b|"
    r"\b([A-Z][a-z]{1,14})\s+(?:and I|just|won't|wont|doesn't|didn't|isn't|hasn't|keeps|said|says|texted|left|went|stormed|"
    r"is|was|has|had|gets|got|always|never|walked|shut|goes|wants|needs|told|asked|thinks|hates|loves|came|ignored|ignores|"
    r"called|slammed|won't|can't|yelled|snapped|replied|wrote|sent|stopped|started|cancelled|canceled|forgot|forgets|"
    r"works|worked|lied|lies|cheated|ghosted|blocked|moved|slept|sleeps|stays|stayed|comes|leaves|refuses|refused|"
    r"promised|snaps|makes|made|spends|spent|drinks|hasn't|wasn't|couldn't|shouted|screamed|laughed|cried|broke|"
    r"barely|hardly|still|keeps|kept|went|goes|gets|told)\b"
)
_NOT_NAMES = frozenset(
    "I I'm I've I'd Im He She They We It This That What When Why How Where Who Then And But So Now Today Yesterday "
    "Last Just Okay Ok Hi Hey Please Thanks Thank Sorry Yes No My Our His Her Their Also Well Maybe Everything Nothing "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mom Dad Christmas God Honestly Actually Should Can Could "
    "Would Will Is Are Do Does Did Am Because If Or After Before Since Every Nobody Somebody Someone Everyone".split()
)
_FEELING = re.compile(
    r"\b(?:I(?:'m| am| feel| felt|'ve been| have been| was| get| got| keep feeling)|makes me(?: feel)?|made me(?: feel)?|leaves me(?: feeling)?)"
    r"\s+(?:[a-z]+ ){0,2}?"
    r"(scared|afraid|terrified|frightened|anxious|panicking|panicky|worried|lonely|alone|hurt|sad|angry|furious|mad|"
    r"annoyed|frustrated|fed up|exhausted|tired|overwhelmed|suffocated|smothered|crowded|trapped|jealous|ashamed|guilty|"
    r"embarrassed|rejected|abandoned|invisible|numb|confused|desperate|heartbroken|resentful|stuck|insecure|drained|"
    r"helpless|humiliated|unloved|unwanted|needy|clingy|nervous|upset|devastated|disappointed|irritated|hopeless|"
    r"small|ignored|unheard|shut out|pressured|cornered|attacked|criticized|criticised|guilt-tripped|defensive|calm|calmer|better)\b",
    re.I,
)
_PARTNER_GONE = re.compile(
    r"\b(?:left the (?:house|flat|apartment)|walked out|stormed out|went out|drove off|is gone|has gone|went to (?:his|her|their|a) |"
    r"not answering|isn't answering|won't answer|hasn't answered|no reply|not replying|hasn't replied|left me on read|"
    r"blocked me|at (?:his|her|their) (?:mom|mum|mother|parents|friend)|went for a drive|not home|isn't home|is away|on a trip|"
    r"not picking up|won't pick up|ghost\w*)\b",
    re.I,
)
_PARTNER_BACK = re.compile(r"\b(?:(?:he|she|they)(?:'s| is| are| came| got) (?:back|home)|came home|is here now|just walked in)\b", re.I)
_AFFAIR = re.compile(r"\b(?:affair|cheat\w*|unfaithful|infidelity|slept with|seeing someone else)\b", re.I)
_FEAR_OF_PARTNER = re.compile(r"\b(?:afraid of (?:him|her|them)|scared of (?:him|her|them)|terrified of (?:him|her|them)|fear (?:him|her))\b", re.I)
_TRIED = {
    "breathing": re.compile(r"\b(?:did|tried|done|doing) (?:the |some |that )?breath\w*|\bbreath\w* (?:didn't|did not|doesn't) (?:help|work)", re.I),
    "break": re.compile(r"\b(?:took|tried|did|had) (?:a |the )?(?:break|time-?out|20 minutes?)\b", re.I),
    "texting": re.compile(r"\bI(?:'ve| have)? (?:already )?(?:texted|messaged|called) (?:him|her|them)\b", re.I),
    "talking": re.compile(r"\b(?:tried|already) talk\w* (?:to|with) (?:him|her|them)\b", re.I),
    "journaling": re.compile(r"\b(?:journal\w*|wrote it (?:all )?down)\b.*\b(?:did|tried|done)\b|\b(?:did|tried) (?:the )?journal\w*", re.I),
    "walk": re.compile(r"\b(?:went for|took) a walk\b", re.I),
}
_EVENT = re.compile(
    r"\b(?:last night|this morning|yesterday|tonight|today|an hour ago|earlier|just now|this weekend|last week|"
    r"(?:we|he|she|they) (?:had a fight|fought|argued|had an argument|had a row)|(?:he|she|they|(?-i:[A-Z][a-z]{1,14})) "
    r"(?:left|walked out|stormed out|went silent|stopped talking|said|yelled|snapped|forgot|cancelled|canceled|didn't come|ignored))\b",
    re.I,
)
_PRONOUN = {
    "he": re.compile(r"\b(?:he|him|his|boyfriend|husband)\b", re.I),
    "she": re.compile(r"\b(?:she|her|hers|girlfriend|wife)\b", re.I),
}


def partner_name(message: str, state: ConversationState) -> str | None:
    match = _NAME_AFTER_RELATION.search(message)
    if match and match.group(1) not in _NOT_NAMES:
        return match.group(1)
    if state.partner_name:
        return None
    for groups in _NAME_WITH_VERB.findall(message):
        for candidate in groups:
            if candidate and candidate not in _NOT_NAMES:
                return candidate
    return None


def feelings_in(message: str) -> list[str]:
    return [m.group(1).lower() for m in _FEELING.finditer(message)]


def pronoun_in(message: str) -> str | None:
    found = [p for p, pattern in _PRONOUN.items() if pattern.search(message)]
    return found[0] if len(found) == 1 else None


def events_in(message: str) -> list[str]:
    out = []
    for sentence in re.split(r"(?<=[.!?])\s+|\n", message):
        sentence = sentence.strip()
        if sentence and _EVENT.search(sentence) and "?" not in sentence and len(sentence.split()) <= 40:
            out.append(sentence)
    return out


def tried_in(message: str) -> list[str]:
    return [key for key, pattern in _TRIED.items() if pattern.search(message)]


def remember_facts(state: ConversationState, message: str) -> ConversationState:
    """The state with this message's facts folded in (corrections are applied by the caller)."""
    name = partner_name(message, state)
    feelings = list(state.feelings)
    for word in reversed(feelings_in(message)):
        if word in feelings:
            feelings.remove(word)
        feelings.insert(0, word)
    events = (state.events + events_in(message))[-MAX_EVENTS:]
    tried = list(dict.fromkeys(state.tried + tried_in(message)))
    gone = state.partner_gone_turn
    if _PARTNER_GONE.search(message):
        gone = state.turn
    if _PARTNER_BACK.search(message):
        gone = None
    return replace(
        state,
        partner_name=name or state.partner_name,
        partner=state.partner or pronoun_in(message),
        feelings=feelings[:MAX_FEELINGS],
        events=events,
        tried=tried,
        partner_gone_turn=gone,
        affair=state.affair or bool(_AFFAIR.search(message)),
        fears_partner=state.fears_partner or bool(_FEAR_OF_PARTNER.search(message)),
    )
