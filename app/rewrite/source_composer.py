"""Composes rewrites from the sender's own message: observation, feeling, need and request.

Kinds: ``softstart`` (pursuing complaint), ``mixed`` (gentle half kept word for word), ``defensive``
(owns a part, keeps what is disputed), ``break`` (withdrawing: topic, 20+ minutes, a return time),
``reply`` (the partner's words: a suggested reply) and ``unclear`` (no situation to build from: an
honest note and a question, the message left as it is). Wording: the locale's ``source_phrasing.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from app.rule_data import read_mapping

from app.rewrite.message_parts import MessageParts, MessageReader, Sentence, denial_clause, normalise, soften_clause
from app.rewrite.composer import pick, variant_index
from app.detect.types import Alternative

_STATED_RETURN = re.compile(
    r"\b(?:tomorrow(?: morning| night| evening)?|tonight|after (?:dinner|lunch|work|the kids(?:'re| are)? (?:down|asleep|in bed))|"
    r"in (?:an hour|half an hour|\d+ (?:minutes|mins|hours?))|this (?:evening|weekend|afternoon)|later tonight|"
    r"at \d{1,2}(?::\d{2})?\s*(?:am|pm)?|on (?:mon|tues|wednes|thurs|fri|satur|sun)day)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Composition:
    kind: str  # softstart | mixed | defensive | break | reply | unclear
    text: str | None  # None for unclear (nothing to build from)
    alternatives: list[Alternative]
    feeling: str
    topic: str
    note_key: str | None = None  # for unclear: which note


class SourceComposer:
    """Builds one rewrite (and its alternatives) from a message's own parts."""

    def __init__(self, reader: MessageReader, phrasing: dict):
        self.reader = reader
        self.p = phrasing

    @classmethod
    def load(cls, reader: MessageReader, path: Path) -> "SourceComposer":
        return cls(reader, read_mapping(path))

    # ------------------------------------------------------------------ entry
    def compose(self, message: str, *, mode: str, role: str = "unknown", partner_words: str | None = None,
                flooded: bool = False) -> Composition:
        """``mode``: softstart | defensive | break | reply. ``partner_words`` for reply."""
        if not re.search(r"[A-Za-z]", message):
            return Composition("unclear", None, [], "", "", "emoji_note")
        if mode == "reply":
            return self._reply(partner_words or message, own=message if partner_words else None)
        parts = self.reader.read(message)
        if mode == "break":
            return self._break(parts)
        if mode == "defensive":
            return self._defensive(parts, role)
        return self._softstart(parts, role, flooded)

    # ------------------------------------------------------------------ kinds
    def _softstart(self, parts: MessageParts, role: str, flooded: bool) -> Composition:
        message = parts.message
        observations = [s for s in parts.sentences if s.part in ("observation", "denial") and s.clean]
        gentle = [s.text.strip() for s in parts.of("gentle")]
        feeling = self.feeling(parts)
        request = self._request(parts, observations)
        if not observations and not parts.request and not gentle and not parts.of("feeling"):
            if not parts.nouns:
                return Composition("unclear", None, [], feeling, "", "unclear_note")
        topic = parts.topic or "this"
        if observations:
            observation = _lower_start(_join_observations([s.clean for s in observations]))
            body = self.p["softstart"][variant_index(message, "soft", len(self.p["softstart"]))]
            core = _fill(body, observation=observation, Observation=_cap(observation), feeling=feeling, request=request)
        else:
            core = f"I'm feeling {feeling} about {topic}. {request}" if parts.topic else f"I'm feeling {feeling} about this. {request}"
        text = _tidy(" ".join([_end(g) for g in gentle] + [core])) if gentle else _tidy(core)
        kind = "mixed" if gentle else "softstart"
        alts = self._alternatives(parts, text, feeling, topic, request, core, role, flooded)
        return Composition(kind, text, alts, feeling, topic)

    def _defensive(self, parts: MessageParts, role: str) -> Composition:
        message = parts.message
        ownership = pick(self.p["ownership"], message, "own")
        disputed = [s.clean for s in parts.of("denial") if s.clean]
        disputed += [denial_clause(s.text) for s in parts.of("observation") if s.clean and not re.match(r"(?i)^you\b", s.clean)]
        disputed += [_blame_each_other(s.clean) for s in parts.of("request") if re.match(r"(?i)^(?:don't |do not )?(?:blame|judge|lecture|yell at) me\b", s.clean)]
        disputed_text = "".join(_cap(d) + ". " for d in disputed[:2])
        feeling = parts.feelings[0] if parts.feelings else pick(self.p["defensive_feelings"], message, "dfeel")
        topic = parts.topic or "this"
        own_ask = parts.request if parts.request and not re.match(r"(?i)^(?:blame|judge|lecture|yell at|stop|quit|don't|do not) ", parts.request) else None
        if own_ask:
            request = self._ask(own_ask, message)
        else:
            request = _fill(pick(self.p["request_sort"], message, "sort"), topic=topic)
        feeling_sentence = "" if disputed and parts.feelings == [] and False else _fill(self.p["defensive_feeling"], feeling=feeling)
        gentle = [s.text.strip() for s in parts.of("gentle")]
        text = _tidy(" ".join(gentle + [ownership, disputed_text + feeling_sentence, request]))
        alts = [
            Alternative("brief", _tidy(f"{ownership} {request}")),
            Alternative("warm", _tidy(f"I love you and I don't want to fight about {topic}. {disputed_text}{request}")),
            Alternative("name_the_pattern", _tidy(_fill(self.p["alternatives"]["pattern_distancer"], body=f"{disputed_text}{request}"))),
        ]
        return Composition("defensive", text, _distinct(alts, text), feeling, topic)

    def _break(self, parts: MessageParts) -> Composition:
        message = parts.message
        feeling = parts.feelings[0] if parts.feelings and parts.feelings[0] not in ("angry", "really angry") else pick(self.p["break_feelings"], message, "bfeel")
        topic = parts.topic or self.p["break_topic_fallback"]
        minutes = max(20, int(pick(self.p["break_minutes"], message, "min")))
        when = next((m for m in _STATED_RETURN.finditer(normalise(message))
                     if re.search(r"(?i)\b(?:talk|discuss|deal|later|come back|get back|pick (?:this|it) up)\b", normalise(message))), None)
        if when:
            template = pick(self.p["break_own_time"], message, "bown")
            text = _fill(template, feeling=feeling, topic=topic, when=when.group(0))
        else:
            text = _fill(pick(self.p["break"], message, "break"), feeling=feeling, topic=topic, minutes=minutes)
        text = _tidy(text)
        alts = [
            Alternative("brief", _tidy(f"I need a {minutes}-minute break. I'll come back to you in {minutes} minutes so we can finish talking about {topic}.")),
            Alternative("warm", _tidy(f"I care about you and about {topic}, and I don't want to say something I regret. "
                                      f"Can I take {minutes} minutes to calm down? I'll come back to you in {minutes} minutes.")),
            Alternative("name_the_pattern", _tidy(f"I think we're in our usual pattern, where I shut down when we fight, and I don't want to leave you hanging. "
                                                  f"I need a {minutes}-minute break, then I'll come back to you in {minutes} minutes so we can talk about {topic}.")),
        ]
        return Composition("break", text, _distinct(alts, text), feeling, topic)

    def _reply(self, partner: str, *, own: str | None) -> Composition:
        pparts = self.reader.read(partner)
        topic = pparts.topic or "this"
        partner_feeling = self.feeling(pparts) if pparts.feelings else _partner_feeling(pparts, self)
        own_text = self.p["reply_own_default"]
        if own and not re.search(r"(?i)\b(?:what|how) (?:do|should|can) I (?:say|reply|respond)\b", own):
            oparts = self.reader.read(own)
            if oparts.feelings or oparts.request:
                own_feeling = oparts.feelings[0] if oparts.feelings else None
                bits = []
                if own_feeling:
                    bits.append(f"I'm feeling {own_feeling} too.")
                if oparts.request:
                    bits.append(self._ask(oparts.request, own))
                own_text = " ".join(bits) + " "
        nxt = "" if "?" in own_text else _fill(pick(self.p["reply_next"], partner, "rnext"), topic=topic)
        text = _tidy(_fill(pick(self.p["reply"], partner, "reply"), partner_feeling=partner_feeling, topic=topic, own=own_text, next=nxt))
        alts = [
            Alternative("brief", _tidy(f"I hear you about {topic}. {nxt or own_text}")),
            Alternative("warm", _tidy(f"I love you, and I don't want {topic} to come between us. {own_text}{nxt}")),
            Alternative("name_the_pattern", _tidy(_fill(self.p["alternatives"]["pattern_reply"], body=f"{own_text}{nxt}"))),
        ]
        return Composition("reply", text, _distinct(alts, text), partner_feeling, topic)

    # ------------------------------------------------------------------ pieces
    def feeling(self, parts: MessageParts) -> str:
        """The sender's own feeling word, else the one the message implies."""
        if parts.feelings:
            return parts.feelings[0]
        lowered = " " + normalise(parts.message).lower() + " "
        for entry in self.p["implied_feelings"]:
            for cue in entry["cues"]:
                if re.search(r"(?<![a-z])" + re.escape(cue.lower()) + r"(?![a-z])", lowered):
                    return entry["feeling"]
        return self.p["default_feeling"]

    def _request(self, parts: MessageParts, observations: list[Sentence]) -> str:
        message = parts.message
        if parts.request:
            return self._ask(parts.request, message)
        for s in observations:  # "you didn't text me back" -> "Could you text me back?"
            m = re.match(r"(?i)^you (?:didn't|don't|do not|did not|won't|can't) (?:even )?(.+)$", s.clean)
            if m and len(m.group(1).split()) >= 1 and not re.match(r"(?i)(?:care|love|think|know|get it|understand|want)\b", m.group(1)):
                return _fill(pick(self.p["request_you"], message, "ask"), ask=m.group(1))
        if parts.topic:
            return _fill(pick(self.p["request_talk"], message, "talk"), topic=parts.topic)
        return pick(self.p["request_talk_no_topic"], message, "talk")

    def _ask(self, clause: str, message: str) -> str:
        clause = clause.strip()
        if clause.lower().startswith("we "):
            return _fill(pick(self.p["request_we"], message, "ask"), ask=clause[3:])
        if re.match(r"(?i)^(?:stop|quit)\s+", clause):  # a "stop ..." ask becomes a positive one about the same thing
            rest = re.sub(r"(?i)^(?:stop|quit)\s+", "", clause)
            return f"Could we find another way to handle {_gerund_object(rest)}?"
        if re.match(r"(?i)^(?:don't|do not)\s+", clause):
            rest = re.sub(r"(?i)^(?:don't|do not)\s+", "", clause)
            return f"Could we work out a way so you don't {rest}?"
        return _fill(pick(self.p["request_you"], message, "ask"), ask=clause)

    def _alternatives(self, parts: MessageParts, text: str, feeling: str, topic: str, request: str, core: str,
                      role: str, flooded: bool) -> list[Alternative]:
        a = self.p["alternatives"]
        pattern = a["pattern_distancer"] if role == "distancer" else a["pattern_pursuer"]
        alts = [
            Alternative("brief", _tidy(_fill(a["brief"], feeling=feeling, topic=topic, request=request))),
            Alternative("warm", _tidy(_fill(a["warm"], body=core))),
            Alternative("name_the_pattern", _tidy(_fill(pattern, body=f"I'm feeling {feeling}. {request}"))),
        ]
        if flooded or role == "distancer":
            minutes = 30
            alts.append(Alternative("break", _tidy(_fill(a["break_pursuer"], feeling="worked up", topic=topic, minutes=minutes))))
        return _distinct(alts, text)


def _own_it(clause: str) -> str:
    return clause


def _blame_each_other(clause: str) -> str:
    """ "blame me for the flat being a mess" -> "I don't want us to blame each other for the flat being a mess"."""
    clause = re.sub(r"(?i)^(?:don't|do not)\s+", "", clause)
    return re.sub(r"(?i)^(blame|judge|lecture|yell at) me\b", lambda m: f"I don't want us to {m.group(1).lower()} each other", clause)


def _partner_feeling(parts: MessageParts, composer: SourceComposer) -> str:
    lowered = normalise(parts.message).lower()
    if re.search(r"\b(?:never|always|don't care|you don't)\b", lowered):
        return "let down"
    if re.search(r"\b(?:done|tired|sick of|fed up|exhausted)\b", lowered):
        return "worn out"
    if re.search(r"\b(?:whatever|fine|happy now|forget it)\b", lowered):
        return "frustrated"
    return composer.feeling(parts)


def _gerund_object(rest: str) -> str:
    m = re.match(r"(?i)^(?:going on|talking|nagging|complaining|bringing up|harping on)\s+(?:about|on)?\s*(.+)$", rest)
    return m.group(1) if m else rest


def _join_observations(clauses: list[str]) -> str:
    clauses = [c for c in clauses if c][:3]
    if len(clauses) == 1:
        return clauses[0]
    return ", and ".join(clauses[:-1]) + ", and " + clauses[-1] if len(clauses) > 2 else f"{clauses[0]}, and {clauses[1]}"


def _distinct(alts: list[Alternative], text: str) -> list[Alternative]:
    seen = {text}
    out = []
    for alt in alts:
        if alt.text and alt.text not in seen:
            seen.add(alt.text)
            out.append(alt)
    return out


def _fill(template: str, **values: object) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), m.group(0))), template)


_COMMON_START = {"your", "the", "for", "it's", "it", "my", "our", "there", "there's", "remember", "this", "that", "we",
                 "he", "she", "they", "a", "an", "his", "her", "their", "when", "now", "today", "yesterday", "you", "you're"}


def _lower_start(clause: str) -> str:
    """ "Your gym bag ..." -> "your gym bag ..." inside "when ...": names keep their capital."""
    first = clause.split(" ", 1)[0]
    return first.lower() + clause[len(first):] if first.lower() in _COMMON_START else clause


def _end(sentence: str) -> str:
    """A kept sentence, word for word, with an end mark when it had none."""
    return sentence if re.search(r"[.!?]$", sentence.strip()) else sentence.strip() + "."


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.;?!])", r"\1", text)
    text = re.sub(r"([.?!])\s*\.", r"\1", text)
    text = re.sub(r",\s*,", ",", text)
    text = re.sub(r"\bI I\b", "I", text)
    # sentence starts capitalised
    text = re.sub(r"(^|[.?!]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)
    return text


# ---------------------------------------------------------------- repair (issue 13)
# After composing, the kept observation clause may still carry blame words, absolutes or sarcasm.
# ``repair`` rewords only the flagged spans (keeping names, times, places and objects), then drops a
# sentence that is sarcasm through and through, and only as the last step falls back to the feeling
# and the request without the clause. The rules' criticism flag on a kept "you + verb" observation is
# tolerated (issue 13 keeps the agent and the verb).
REPAIR_KINDS = frozenset({"absolute", "contempt", "demand", "defensiveness"})
_ABSOLUTE_SWAPS = (
    (r"\bnever ever\b", "not"), (r"\bwould never\b", "would not"), (r"\bwill never\b", "will not"),
    (r"\bnever\b", "didn't"), (r"\balways\b", ""), (r"\bconstantly\b", ""), (r"\bcontinually\b", ""),
    (r"\bforever\b", ""), (r"\bevery (?:single )?time\b", "when"), (r"\beverything\b", "this"),
    (r"\bnothing\b", "not much"), (r"\bnobody\b", "no one here"), (r"\bagain\b", ""),
)
_SARCASM_LEAD = re.compile(
    r"(?i)^\s*(?:oh\s+)?(?:wow|sure|great|nice(?:\s+job)?|real(?:ly)?\s+mature|congratulations|well done|"
    r"lol(?:\s+ok)?|good luck with that|must be nice|poor you|whatever(?:\s+you\s+say)?|thanks a lot|"
    r"just wow|what are you,?\s*\w+)\b[^.?!,]*[,.?!]?\s*"
)


def _reword_span(span: str, kind: str) -> str:
    if kind == "absolute":
        out = span
        for pattern, repl in _ABSOLUTE_SWAPS:
            out = re.sub(pattern, repl, out, flags=re.IGNORECASE)
        if out != span:
            return out
    return ""


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def _clean_text(text: str) -> str:
    text = re.sub(r"\b(when|that|because|about)\s*,\s*", r"\1 ", text, flags=re.IGNORECASE)
    text = re.sub(r"(^|[.!?]\s+)[,;:\s]+", r"\1", text)
    text = re.sub(r"\b(\w+) \1\b", r"\1", text)
    text = re.sub(r"\bdidn't (\w+?)s\b", r"didn't \1", text)
    text = re.sub(r"\bdidn't (\w+?)ed\b", r"didn't \1", text)
    return _tidy(text)


_NON_STARTERS = re.compile(
    r"(?i)^(?:and|about|not|wouldn't|won't|didn't|to|how|or|but|while|have|had|knew|are|is|of|on|with|"
    r"about|than|because|so)\b"
)
_DANGLING = re.compile(r"(?i)\bwhen\s*(?:$|[.,?!]|(?:and|to|how|while|or|because|than)\b)|\byou make about\b|"
                       r"\babout\s+it\b(?=.*\babout it\b)")


def _broken(sentence: str) -> bool:
    return bool(_NON_STARTERS.search(sentence.strip()) or _DANGLING.search(sentence))


def repair(text: str, *, harsh_flags, feeling: str, topic: str, has_feeling, has_request, max_rounds: int = 3) -> str:
    """Reword ``text`` until ``harsh_flags(text)`` (flags of the kinds the check forbids) is empty, or fall back.

    ``harsh_flags`` returns the re-read flags (kind, span, text) of the draft. Returns the repaired text.
    """
    original = text
    request = next((s for s in reversed(_sentences(text)) if has_request(s)), "Can we sit down and talk about it?")
    for _ in range(max_rounds):
        flags = [f for f in harsh_flags(text) if f.kind in REPAIR_KINDS]
        if not flags:
            break
        # 1. reword or strip each flagged span, from the end so the spans stay valid
        for flag in sorted(flags, key=lambda f: f.span[0], reverse=True):
            start, end = flag.span
            if re.match(r"(?i)must be nice to\b", text[start:]):
                text = text[:start] + "you" + text[start + len("must be nice to"):]
                continue
            if re.match(r"(?i)congratulations\b", text[start:end]):  # sarcasm through and through: the sentence goes
                sentence_end = re.search(r"[.!?](?:\s|$)", text[end:])
                end = end + sentence_end.end() if sentence_end else len(text)
            text = text[:start] + _reword_span(text[start:end], flag.kind) + text[end:]
        # 2. sarcasm lead-ins ("Nice job, Einstein, ...", "Must be nice to ...") and husks of sentences
        kept = []
        for sentence in _sentences(_clean_text(text)):
            sentence = _SARCASM_LEAD.sub("", sentence).strip()
            words = re.findall(r"[A-Za-z']+", sentence)
            if len(words) >= 3 or (has_feeling(sentence) or has_request(sentence)):
                kept.append(_end(_cap(sentence)))
        text = _clean_text(" ".join(kept))
    flags = [f for f in harsh_flags(text) if f.kind in REPAIR_KINDS]
    if flags:
        # 3. drop the sentences that still trip the check, keeping the rest in the sender's words
        spans = [f.span for f in flags]
        kept, pos = [], 0
        for sentence in _sentences(text):
            start = text.find(sentence, pos)
            pos = start + len(sentence)
            if not any(s < pos and e > start for s, e in spans):
                kept.append(sentence)
        text = _clean_text(" ".join(kept))
        if [f for f in harsh_flags(text) if f.kind in REPAIR_KINDS]:
            text = ""
    # 4. a reworded clause that no longer reads (a dangling "when", a sentence that lost its subject) gives
    # way to the feeling about the same subject; other husks go
    rebuilt = []
    for sentence in _sentences(text):
        if _broken(sentence):
            if has_feeling(sentence) or has_request(sentence) and not rebuilt:
                rebuilt.append(f"I'm feeling {feeling or 'hurt'} about {_lower_start(topic or 'this')}.")
            continue
        rebuilt.append(sentence)
    text = _clean_text(" ".join(rebuilt))
    # 5. last step: the feeling and the request, about the same subject
    if not text or not has_feeling(text):
        text = _tidy(f"I'm feeling {feeling or 'hurt'} about {topic or 'this'}. {text}")
    if not has_request(text):
        text = _tidy(f"{text} {request}")
    return text if text.strip() else original


__all__ = ["SourceComposer", "Composition", "soften_clause", "repair"]
