"""The live-conflict chat coach: one user message (plus the conversation so far) -> one turn.

Each turn: the safety screen first (a blocking verdict ends coaching for the turn); then the
analyzer and our cue book update the running picture of the conversation; the turn's intent
decides whether the rewriter (a drafted message) or the knowledge base (a question) joins in;
the technique catalogue picks one next step; and the reply is composed from templates, or
written by a language model and used only if it passes the checks.

Nothing here touches the database or HTTP (see ``conversation.py`` and ``app/api/sessions.py``).
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from langchain_core.language_models import BaseChatModel

from app.reply.composer import ComposedReply, Part, ReplyComposer, VariantPicker, partner_words
from app.reply.facts import remember_facts
from app.reply.intents import Intent, classify
from app.reply.reading import read_turn
from app.reply.router import TurnRouter, apply_corrections
from app.reply.voice import voice_values
from app.reply.llm_writer import SYSTEM_PROMPT, USER_PROMPT, ChatLLMError, ChatLLMWriter, WriterInput
from app.reply.memory import ConversationMemory, summarise
from app.reply.planner import BLOCK, BREAK_TECHNIQUES, TurnFacts, plan
from app.reply.signals import CueBook, Signals
from app.reply.checks import ReplyCheck, ReplyChecker
from app.reply.state import (
    ConversationState,
    note_reply,
    note_safety,
    note_technique,
    note_variants,
    observe,
)
from app.reply.techniques import Moment, Technique, TechniqueCatalogue
from app.reply.turn import CoachTurn, TurnSource
from app.rewrite.checks import wants_break
from app.detect.types import Analysis, AnalysisContext, EngineInfo, RewriteResult
from app.prompts import PromptLibrary
from app.screen.types import SafetyResult
from app.pipeline.loop import Engine, Outcome, first_passing
from app.settings import DEFAULT_LLM_TIMEOUT_S

log = logging.getLogger(__name__)

DEFAULT_SCRIPT = "chat_break_script_default"
REPEAT_RETRIES = 4
HARSH_FLAGS = frozenset({"criticism", "contempt"})


class ChatCoach:
    """Coaches one turn at a time; holds no per-conversation data (the caller passes the state).

    ``analyze``: the analyzer function; ``rewriter``: ``Rewriter`` (drafted messages and break
    scripts); ``safety``: ``SafetyScreen``; ``answerer``: ``Answerer`` or None when the index is
    not ready; ``llm``: a LangChain chat model or None (our composer writes every reply).
    """

    def __init__(
        self,
        *,
        analyze: Callable[..., Analysis],
        rewriter,
        safety,
        answerer,
        prompts: PromptLibrary,
        llm: BaseChatModel | None = None,
        llm_name: str = "none",
        llm_model: str | None = None,
        techniques: TechniqueCatalogue,
        cues: CueBook,
        topic_labels: Mapping[str, str] | None = None,
        llm_timeout_s: float = DEFAULT_LLM_TIMEOUT_S,
        intent_reader=None,
        reply_engines: Sequence[str] = ("llm", "composer"),
    ):
        self.analyze = analyze
        self.intent_reader = intent_reader  # app.models.engines.ModelIntentReader, or None for the rules
        self.rewriter = rewriter
        self.safety = safety
        self.answerer = answerer
        self.prompts = prompts
        self.llm = llm
        self.llm_name = llm_name if llm is not None else "none"
        self.llm_model = llm_model if llm is not None else None
        self.techniques = techniques
        self.cues = cues
        self.topic_labels = dict(topic_labels) if topic_labels is not None else _topic_labels_of(rewriter)
        self.composer = ReplyComposer(prompts)
        self.router = TurnRouter()
        self.writer = ChatLLMWriter(llm=llm, prompts=prompts, timeout_s=llm_timeout_s) if llm is not None else None
        self.reply_engines = [name for name in reply_engines if name != "llm" or self.writer is not None]
        self.checker = ReplyChecker(
            analyze=analyze,
            screen=safety.screen,
            secrets=[prompts.get(SYSTEM_PROMPT), prompts.get(USER_PROMPT)],
        )

    # ------------------------------------------------------------------ the turn
    def reply(self, message: str, *, state: ConversationState, memory: ConversationMemory, seed: str) -> CoachTurn:
        """The coach's turn for ``message``; ``state`` and ``memory`` describe the conversation before it,
        ``seed`` (the session id) makes the choice of wording stable per conversation."""
        screened = self.safety.screen(message)
        if screened.blocks_coaching:
            return self._stopped_turn(screened, state, memory, message)

        analysis = self.analyze(message, AnalysisContext(sender_role=state.role))
        signals = self.cues.read(message)
        model = self.intent_reader.read(message) if self.intent_reader is not None else None
        reading = read_turn(
            message,
            model_intent=model.intent if model is not None else None,
            model_speaker=model.speaker if model is not None else None,
            has_draft=bool(state.offered_texts),
        )
        new_state = apply_corrections(remember_facts(observe(state, analysis, signals), message), reading)
        return self.router.route(self, message, reading, signals, analysis, state, new_state, memory, seed, screened)

    def coached(self, message, signals, analysis, state, new_state, memory, seed, screened) -> CoachTurn:
        """A sharing turn: reflect, name the move, the partner's view, one technique (the original plan)."""
        after_safety_stop = state.last_safety_turn is not None and state.last_safety_turn == state.turn
        harsh = any(flag.kind in HARSH_FLAGS for flag in analysis.flags)
        intent = classify(message, marks=signals.marks, harsh=harsh)
        if intent.kind == "question":
            intent = Intent("share")

        rewrite = self._rewrite(intent.draft, new_state) if intent.kind == "draft" else None
        answer = self._answer(intent.question) if intent.kind == "question" else None
        if (intent.kind == "draft" and rewrite is None) or (intent.kind == "question" and answer is None):
            intent = Intent("share")
        rewrite_is_break = bool(rewrite and not rewrite.unchanged and wants_break(rewrite.analysis))
        technique = self._choose(intent, new_state, signals, analysis, rewrite, rewrite_is_break)

        picker = VariantPicker(seed, new_state.turn, new_state.used_variants)
        voice = voice_values(new_state, partner_words(new_state.partner))
        script, script_pick = None, {}
        if technique is not None and technique.id in BREAK_TECHNIQUES and intent.kind in ("share", "meta"):
            script = self._break_script(message, new_state, analysis)
            if script is None:
                script, number = self.composer.variant(DEFAULT_SCRIPT, picker, voice)
                script_pick = {DEFAULT_SCRIPT: number}
        facts = TurnFacts(
            state=new_state,
            marks=signals.marks,
            intent=intent.kind,
            technique=technique,
            after_safety_stop=after_safety_stop,
            script=script,
            rewrite=rewrite.rewrite if rewrite else None,
            rewrite_unchanged=bool(rewrite and rewrite.unchanged),
            rewrite_is_break=rewrite_is_break,
            answer=answer.answer if answer else None,
        )
        parts = plan(facts)
        composed, picker = self._compose_fresh(parts, seed, new_state, picker, voice)

        if technique is not None:
            new_state = note_technique(new_state, technique.id)
        new_state = note_variants(new_state, {**composed.picks, **script_pick})
        new_state = note_reply(new_state, reply_checksum(composed.text))
        new_state = replace(new_state, last_intent=intent.kind)
        summary = summarise(new_state, self.techniques, self.topic_labels)

        text, composition, engine = composed.text, composed.composition, self._engine(fallback=False)
        if intent.kind == "draft" and rewrite is not None:
            engine = rewrite.engine
        elif intent.kind == "question" and answer is not None:
            engine = answer.engine
        elif self.writer is not None and "llm" in self.reply_engines:
            given = WriterInput(
                message=message,
                state=new_state,
                memory=memory,
                summary=summary,
                technique=technique,
                technique_source=self.techniques.source(technique) if technique else None,
                partner=voice["partner"],
            )
            text, composition, engine = self._written_reply(given, composed, parts, picker, voice)

        return CoachTurn(
            reply=text,
            state=new_state,
            summary=summary,
            intent=intent.kind,
            safety=screened,
            engine=engine,
            analysis=rewrite.analysis if rewrite is not None else analysis,
            analysis_subject="draft" if rewrite is not None else "message",
            rewrite=rewrite,
            sources=self._sources(answer, technique),
            technique=technique.id if technique else None,
            script=script,
            composition=composition,
            remembered_messages=len(memory.recent),
            context_chars=memory.context_chars,
        )

    def _stopped_turn(self, screened: SafetyResult, state: ConversationState, memory: ConversationMemory, message: str = "") -> CoachTurn:
        """A turn the safety screen stopped: its caring message and resources, noted in the state."""
        stopped = note_safety(remember_facts(state, message), screened.level, screened.kind,
                              [f"{r.name}: {r.contact}" for r in screened.resources])
        if not holds_safety_mode(screened):
            stopped = replace(stopped, safety_mode=state.safety_mode, safety_kind=state.safety_kind,
                              safety_resources=list(state.safety_resources))
        log.info("chat turn %d stopped by the safety screen (%s)", stopped.turn, screened.kind or screened.level)
        return CoachTurn(
            reply=screened.message,
            state=stopped,
            summary=summarise(stopped, self.techniques, self.topic_labels),
            intent="safety",
            safety=screened,
            engine=EngineInfo(backend="none", model=None, fallback=False, reason="safety screen"),
            composition=["safety_message"],
            remembered_messages=len(memory.recent),
            context_chars=memory.context_chars,
        )

    def _compose_fresh(
        self, parts: list[Part], seed: str, state: ConversationState, picker: VariantPicker, voice: dict[str, str]
    ) -> tuple[ComposedReply, VariantPicker]:
        """The composed reply, re-worded (other variants) if it is word for word one of the last replies."""
        composed = self.composer.compose(parts, picker, voice)
        for attempt in range(1, REPEAT_RETRIES + 1):
            if reply_checksum(composed.text) not in state.recent_replies:
                break
            picker = VariantPicker(seed, state.turn, {}, shift=attempt)
            composed = self.composer.compose(parts, picker, voice)
        return composed, picker

    # ------------------------------------------------------------------ helpers
    def _choose(
        self,
        intent: Intent,
        state: ConversationState,
        signals: Signals,
        analysis: Analysis,
        rewrite: RewriteResult | None,
        rewrite_is_break: bool,
    ) -> Technique | None:
        if intent.kind == "question" and not state.flooded:
            return None
        moment_intent = intent.kind
        if intent.kind == "draft" and rewrite is not None and not rewrite.unchanged:
            moment_intent = "draft_break" if rewrite_is_break else "draft"
        elif intent.kind == "draft":
            moment_intent = "draft_unchanged"  # an already gentle draft: what to do after sending it
        moment = Moment(
            state=state,
            marks=signals.marks,
            flag_kinds=frozenset(flag.kind for flag in analysis.flags),
            intent=moment_intent,
        )
        return self.techniques.choose(moment)

    def _rewrite(self, draft: str | None, state: ConversationState) -> RewriteResult | None:
        if not draft or self.rewriter is None:
            return None
        try:
            return self.rewriter.rewrite(draft, sender_role=state.role)
        except Exception as exc:  # the turn still gets coached, just without the rewrite
            log.warning("chat: the rewriter failed (%s); coaching without a rewrite", type(exc).__name__)
            return None

    def _break_script(self, message: str, state: ConversationState, analysis: Analysis) -> str | None:
        """The user's own words turned into a break script by the rewriter, when they are withdrawing."""
        if not wants_break(analysis):
            return None
        result = self._rewrite(message, state)
        if result is None or result.unchanged or not result.check.passed or not wants_break(result.analysis):
            return None
        return result.rewrite

    def _answer(self, question: str | None):
        if not question or self.answerer is None:
            return None
        try:
            answer = self.answerer.answer(question)
        except Exception as exc:  # index trouble: coach the turn instead of failing it
            log.warning("chat: the knowledge base could not answer (%s)", type(exc).__name__)
            return None
        return answer if answer.grounded and answer.sources else None

    def _sources(self, answer, technique: Technique | None) -> list[TurnSource]:
        sources: list[TurnSource] = []
        if answer is not None:
            for passage in answer.sources:
                sources.append(
                    TurnSource(
                        kind="answer",
                        title=passage.title,
                        source=passage.source,
                        passage=passage.text,
                        score=passage.score,
                        section=passage.section,
                        source_id=passage.source_id,
                    )
                )
        if technique is not None:
            cited = self.techniques.source(technique)
            sources.append(
                TurnSource(
                    kind="technique",
                    title=cited.title,
                    source=cited.source,
                    passage=cited.passage,
                    score=None,
                    section=cited.section,
                    source_id=cited.source_id,
                    technique=technique.id,
                )
            )
        return sources

    def _written_reply(
        self, given: WriterInput, composed: ComposedReply, parts: list[Part], picker: VariantPicker, voice: dict[str, str]
    ) -> tuple[str, list[str], EngineInfo]:
        """The language model's reply if it passes the checks (the safety screen among them), else ours (and why)."""
        engines: list[Engine[str]] = []
        for name in self.reply_engines:
            match name:
                case "llm":
                    engines.append(Engine("llm", lambda: self.writer.write(given)))
                case "composer":
                    break
                case other:
                    raise ValueError(f"chat reply engine {other!r} is not supported. Available: llm, composer")
        outcome = first_passing(
            engines, lambda engine, written: self.checker.check(written), job="chat reply",
            last_resort=Engine("composer", lambda: composed.text),
            last_resort_check=lambda engine, text: ReplyCheck(True),
        )
        engine = self._engine(fallback=outcome.fallback, reason=outcome.reason, outcome=outcome)
        if outcome.engine == "composer":
            return composed.text, composed.composition, engine
        written = outcome.value
        blocks = self.composer.compose([part for part in parts if part.paragraph >= BLOCK], picker, voice)
        if blocks.text:  # a break script stays ours: the rewriter or our templates wrote and checked it
            return f"{written}\n\n{blocks.text}", ["written", *blocks.composition], engine
        return written, ["written"], engine

    def _engine(self, *, fallback: bool, reason: str | None = None, outcome: Outcome | None = None) -> EngineInfo:
        return EngineInfo(backend=self.llm_name, model=self.llm_model, fallback=fallback, reason=reason,
                          engine=outcome.engine if outcome else "composer", attempts=outcome.attempts if outcome else ())


HELD_KINDS = frozenset({"self_harm", "abuse", "coercion", "threat", "harm_to_partner", "partner_suicide_threat"})


def holds_safety_mode(screened: SafetyResult) -> bool:
    """Whether a stopped turn puts the session in safety mode for good: a disclosure of abuse, threats or
    self-harm does, when the screen's rules saw it; a request to control the partner is
    stopped once. (The model engine alone flags ordinary fear of being left as "abuse" or "threat" at the
    concern level; holding the whole session on that would stop coaching for good on a misreading.)"""
    if screened.kind not in HELD_KINDS:
        return False
    return any(e.startswith("rules") for e in screened.engines)


def reply_checksum(text: str) -> int:
    return zlib.crc32(" ".join(text.split()).encode("utf-8"))


def _topic_labels_of(rewriter) -> dict[str, str]:
    library = getattr(rewriter, "library", None)
    topics = getattr(library, "topics", None) or {}
    return {key: getattr(topic, "label", key) for key, topic in topics.items()}
