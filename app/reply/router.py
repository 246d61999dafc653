"""Routes one read turn to its reply: answer first, draft on request, reply to the partner's words,
follow corrections, hold safety mode, or coach a sharing turn; then one finishing pass (no
sentence said twice, the text offered remembered, the state noted)."""

from __future__ import annotations

import re
from dataclasses import replace

from app.reply import responses
from app.reply.composer import partner_words
from app.reply.intents import classify
from app.reply.responses import Response
from app.reply.turn import CoachTurn, TurnSource
from app.reply.voice import opener, remember_said, sentence_key, voice_values, without_repeats
from app.detect.types import EngineInfo
from app.reply.invariants import with_partner, without_reasks
from app.reply.reading import TurnReading, on_topic
from app.reply.state import MAX_VARIANT_MEMORY, ConversationState, note_reply, note_technique

MAX_OFFERED = 8
SHORT_UNCLEAR_WORDS = 3
_NEGATION = re.compile(r"\b(not|no|never|isn'?t|wouldn'?t|won'?t|don'?t|instead of|rather than)\b", re.I)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*[”\"]?")
_MILD_KINDS = frozenset({"self_harm"})

INTENT_OF = {
    "draft_request": "draft", "revise_firmer": "revision", "revise_softer": "revision", "revise_shorter": "revision",
    "revise_another": "revision", "partner_words": "partner_words", "sent_text": "sent_text",
    "correct_role": "correction", "correct_feeling": "correction", "correct_fact": "correction",
    "off_topic": "off_topic", "about_coach": "meta", "never_mind": "share",
}


def apply_corrections(state: ConversationState, reading: TurnReading) -> ConversationState:
    """The user's corrections always win over what the coach guessed."""
    if reading.kind == "correct_role" and reading.role:
        return replace(state, role=reading.role, role_fixed=True)
    if reading.kind == "correct_feeling" and reading.feeling:
        rest = [f for f in state.feelings if f not in (reading.feeling, reading.not_feeling)]
        return replace(state, feelings=[reading.feeling, *rest])
    return state


def _drop_couples_framing(text: str) -> str:
    kept = [s.strip() for s in _SENTENCE.findall(text)
            if s.strip() and not (responses.COUPLES_FRAMING.search(s) and not _NEGATION.search(s))]
    return " ".join(kept)


class TurnRouter:
    def route(self, coach, message, reading: TurnReading, signals, analysis, state, new_state, memory, seed, screened) -> CoachTurn:
        values = voice_values(new_state, partner_words(new_state.partner))
        if new_state.safety_mode:
            response, technique = self._held(coach, message, reading, new_state, seed, values)
            return self._finish(coach, response, "safety_hold" if reading.kind != "never_mind" else "check_in",
                                new_state, memory, seed, screened, analysis, technique)
        kind = reading.kind
        response: Response | None = None
        if reading.is_question:
            response = responses.answer_turn(reading, new_state, coach.answerer, coach.prompts)
            if response is None and not on_topic(message):
                response, kind = responses.off_topic_turn(coach.prompts, new_state, seed), "off_topic"
        elif kind == "off_topic":
            response = responses.off_topic_turn(coach.prompts, new_state, seed)
        elif kind == "draft_request" and reading.quoted and classify(message, marks=signals.marks).kind == "draft":
            coached = coach.coached(message, signals, analysis, state, new_state, memory, seed, screened)
            return self._own_draft(coached)
        elif kind == "draft_request":
            response = responses.draft_turn(message, reading, new_state, coach.rewriter, seed)
        elif reading.is_revision:
            response = responses.revision_turn(message, reading, new_state, coach.rewriter, seed)
        elif kind == "partner_words":
            new_state = replace(new_state, partner_words=reading.quoted)
            response = responses.partner_words_turn(reading, new_state, coach.rewriter, seed)
        elif kind == "sent_text":
            response = responses.sent_text_turn(reading, new_state)
        elif kind.startswith("correct_"):
            response = responses.correction_turn(reading, new_state)
            coached = coach.coached(message, signals, analysis, state, new_state, memory, seed, screened)
            step = coached.reply.split("\n\n")[-1]
            response.paragraphs.append(step)
            return self._finish(coach, response, "correction", coached.state, memory, seed, screened, analysis, coached.technique)
        elif kind == "share" and len(message.split()) <= SHORT_UNCLEAR_WORDS and not signals.marks and not new_state.events:
            response = responses.unclear_turn(new_state, coach.prompts, seed, values)
        if response is None:
            coached = coach.coached(message, signals, analysis, state, new_state, memory, seed, screened)
            if "written" in coached.composition:  # the model's reply passed the checks; ours only dedupes it
                return self._finish(coach, Response([coached.reply], composition=list(coached.composition)),
                                    coached.intent, coached.state, memory, seed, screened, analysis, coached.technique,
                                    engine=coached.engine, sources=coached.sources, script=coached.script)
            name, first = opener(coached.state, message, coach.prompts, seed, values)
            body = coached.reply
            paragraphs = body.split("\n\n")
            paragraphs[0] = _drop_reflection(paragraphs[0])
            if coached.state.partner_gone:
                paragraphs = [_without_break_talk(p) for p in paragraphs]
            text = _with_name(first + " " + "\n\n".join(p for p in paragraphs if p.strip()), coached.state.partner_name)
            response = Response([text], composition=["opener", *coached.composition])
            template = name.split("#")[0]
            used = dict(coached.state.used_variants)
            used[template] = (used.get(template, []) + [int(name.split("#")[1])])[-MAX_VARIANT_MEMORY:]
            return self._finish(coach, response, coached.intent if coached.intent != "question" else "share",
                                replace(coached.state, used_variants=used), memory, seed, screened, analysis,
                                coached.technique, engine=coached.engine, sources=coached.sources, script=coached.script,
                                keep_partner=True)
        return self._finish(coach, response, INTENT_OF.get(kind, "question" if reading.is_question else kind),
                            new_state, memory, seed, screened, analysis, None)

    def _own_draft(self, coached: CoachTurn) -> CoachTurn:
        """The user's own draft: the rewriter's softer version (or the draft itself when it already reads well)."""
        result = coached.rewrite
        offered = None
        if result is not None:
            offered = result.original if result.unchanged else result.rewrite
        state = coached.state
        if offered:
            state = replace(state, offered_texts=(state.offered_texts + [offered])[-MAX_OFFERED:])
        return replace(coached, state=state, offered=offered)

    # ------------------------------------------------------------------ safety mode
    def _held(self, coach, message, reading, state, seed, values) -> tuple[Response, str | None]:
        pick = lambda name: responses._variant(coach.prompts, name, seed, state.turn, values)
        paragraphs: list[str] = []
        if reading.kind == "never_mind":
            paragraphs.append(pick("chat_safety_check"))
        else:
            paragraphs.append(pick("chat_safety_hold"))
            if reading.is_question:
                answered = responses.answer_turn(reading, state, coach.answerer, coach.prompts)
                if answered is not None:
                    paragraphs.append(_drop_couples_framing(answered.text))
            elif reading.kind in ("draft_request",) or reading.is_revision:
                if state.safety_kind in _MILD_KINDS:
                    drafted = responses.draft_turn(message, reading, state, coach.rewriter, seed)
                    return Response([paragraphs[0], *drafted.paragraphs, responses.resources_line(state)],
                                    offered=drafted.offered, composition=["safety_hold", *drafted.composition, "resources"]), None
                paragraphs.append("If you need to send something, keep it short and about your own plans, not the relationship:")
                text = "I need some time apart right now. Please give me space; I'll reach out when I'm ready."
                return Response([*paragraphs, f"“{text}”", responses.resources_line(state)], offered=text,
                                composition=["safety_hold", "boundary_text", "resources"]), None
            elif reading.kind == "partner_words":
                paragraphs.append(responses.partner_words_turn(reading, state, coach.rewriter, seed).text)
            elif reading.kind == "off_topic":
                paragraphs.append(responses.off_topic_turn(coach.prompts).text)
            paragraphs.append(pick("chat_technique_safety_first"))
            paragraphs.append(pick("chat_safety_ask"))
        paragraphs.append(responses.resources_line(state))
        return Response(paragraphs, composition=["safety_hold", "resources"]), "safety_first"

    # ------------------------------------------------------------------ finishing
    def _finish(self, coach, response: Response, intent: str, state: ConversationState, memory, seed, screened,
                analysis, technique: str | None, *, engine: EngineInfo | None = None, sources=None, script=None,
                keep_partner: bool = False) -> CoachTurn:
        text, keys = without_repeats(response.text, state.said)
        if not text.strip():
            text = response.text
        if not any(len(s.split()) >= 3 for s in re.split(r"(?<=[.!?:])\s+", text)):
            # issue 14: everything we had for this turn was already said; acknowledge that we're going
            # over the same ground and ask something new, rather than repeat ourselves or say one word
            line = next((l for l in _CIRCLING if sentence_key(l) not in set(state.said)), _CIRCLING[state.turn % len(_CIRCLING)])
            text = f"{text.strip()} {line}".strip() if text.strip() != response.text.strip() else line
            keys = [*keys, sentence_key(line)]
        if not state.safety_mode:
            # issue 14: the rules hold whichever variants the seed picked (see invariants.py)
            mended = without_reasks(text, state, state.said, seed)
            if keep_partner:
                mended = with_partner(mended, state, state.said, seed)
            if mended != text:
                text, keys = mended, without_repeats(mended, [])[1]
        offered = response.offered
        new_state = replace(state, said=remember_said(state.said, keys), last_intent=intent)
        if offered:
            new_state = replace(new_state, offered_texts=(state.offered_texts + [offered])[-MAX_OFFERED:])
        if response.subject:
            new_state = replace(new_state, draft_subject=response.subject)
        if response.cited and response.cited not in new_state.cited:
            new_state = replace(new_state, cited=[*new_state.cited, response.cited])
        if technique and technique != new_state.last_technique:
            new_state = note_technique(new_state, technique)
        new_state = note_reply(new_state, _checksum(text))
        from app.reply.memory import summarise  # local: memory imports the catalogue

        return CoachTurn(
            reply=text,
            state=new_state,
            summary=summarise(new_state, coach.techniques, coach.topic_labels),
            intent=intent,
            safety=screened,
            engine=engine or EngineInfo(backend="none", model=None, fallback=False, reason=None, engine="composer"),
            analysis=analysis,
            analysis_subject="message",
            sources=list(sources or []) or [_answer_source(p) for p in response.sources],
            technique=technique,
            script=script,
            composition=list(response.composition),
            remembered_messages=len(memory.recent),
            context_chars=memory.context_chars,
            offered=offered,
        )


def _checksum(text: str) -> int:
    import zlib

    return zlib.crc32(" ".join(text.split()).encode("utf-8"))


_GENERIC_REFLECT = re.compile(r"^(?:It sounds like|That sounds|I can hear|I hear|Thank you for telling me|I'm with you)[^.!?]*[.!?]\s*", re.I)


def _drop_reflection(paragraph: str) -> str:
    """The stock reflection gives way to the opener built from the user's words."""
    return _GENERIC_REFLECT.sub("", paragraph, count=1)


_BREAK_TALK = re.compile(r"[^.!?]*\b(?:20-minute|twenty minutes|take a break|time-?out|come back (?:at|in))\b[^.!?]*[.!?]", re.I)


def _without_break_talk(paragraph: str) -> str:
    return _BREAK_TALK.sub("", paragraph).strip()


def _with_name(text: str, name: str | None) -> str:
    """The partner called by name once per reply, where the reply only had a pronoun."""
    if not name or name in text:
        return text
    named, count = re.subn(r"\byour partner\b", name, text, count=1)
    if count:
        return named
    outside = _QUOTED_SPAN.split(text)
    for i in range(0, len(outside), 2):
        named, count = re.subn(r"\b(He|She|he|she)\b(?=\s+[a-z'’]+)", name, outside[i], count=1)
        if count:
            outside[i] = named
            break
    return "".join(outside)


_QUOTED_SPAN = re.compile(r"(“[^”]*”)")


def _answer_source(passage) -> TurnSource:
    return TurnSource(kind="answer", title=passage.title, source=passage.source, passage=passage.text, score=passage.score,
                      section=passage.section, source_id=passage.source_id)


_CIRCLING = (
    "We've been over this ground before, so let me ask something new: what feels different about it today?",
    "This keeps coming back, which tells me it matters; which part of it weighs on you most right now?",
    "I don't want to repeat myself, so tell me: what have you already tried since we last talked about this?",
    "We keep landing here, and that's worth noticing; what would a small step forward look like this week?",
    "Rather than say the same things again, I'd like to hear what you'd most want to change about this.",
    "It sounds like this is still sitting with you; what happened the last time it came up between you?",
    "Let's try a different angle this time: what would you want your partner to understand about it?",
    "Since we've talked this through before, what part of it still feels unresolved for you?",
)
