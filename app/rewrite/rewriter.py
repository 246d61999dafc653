"""Turns a harsh message into a soft start-up (or a break script for a withdrawing one).

With a chat model configured the model drafts first; its draft is used only if it passes
``check``. Otherwise, and always without a model, our composer writes the rewrite from
templates in ``prompts/`` and the phrasing data in ``app/locales/<locale>/softstarts.yaml``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from itertools import islice
from typing import Literal, Protocol, Sequence

from langchain_core.language_models import BaseChatModel

from app.detect import analyzer
from app.rewrite.checks import (
    DEFAULT_SIMILARITY_FLOOR,
    AnalyzeFn,
    RewriteChecker,
    has_first_person_feeling,
    has_request,
    wants_break,
)
from app.rewrite.message_parser import Parser, load_parser
from app.rewrite.message_parts import MessageReader, has_denial, sounds_harsh, withdraws
from app.rewrite.partner_words import SpeakerFn, partner_words_in, quoted_partner_words
from app.rewrite.composer import ComposedRewrite, RewriteComposer, sentences, split_request
from app.rewrite.llm_drafter import DraftError, LLMDrafter
from app.rewrite.explain import explain
from app.rewrite.source_composer import Composition, SourceComposer, repair
from app.rewrite.softstart_library import SoftStartLibrary
from app.detect.types import Analysis, AnalysisContext, Change, EngineInfo, RewriteCheck, RewriteResult
from app.backends.embeddings import Embedder
from app.locale_data import LocaleData
from app.pipeline.loop import Engine, NoOutput, Outcome, first_passing
from app.pipeline.ports import Screen
from app.pipeline.screening import OutputScreen
from app.prompts import PromptLibrary
from app.settings import DEFAULT_LLM_TIMEOUT_S

log = logging.getLogger(__name__)

MAX_COMPOSED_CANDIDATES = 8
RewriteMode = Literal["softstart", "defensive", "break", "reply"]


class WriterEngine(Protocol):
    """A trained writer (``app.writer.engine.TrainedWriter``): text that passed its own gate, or None."""

    def rewrite(self, message: str, kind: str = "softstart") -> str | None: ...

    def reply(self, partner_message: str) -> str | None: ...


class Rewriter:
    def __init__(
        self,
        *,
        analyze: AnalyzeFn = analyzer.analyze,
        embedder: Embedder | None,
        prompts: PromptLibrary,
        locale: LocaleData,
        llm: BaseChatModel | None = None,
        llm_name: str = "none",
        llm_model: str | None = None,
        similarity_floor: float = DEFAULT_SIMILARITY_FLOOR,
        library: SoftStartLibrary | None = None,
        llm_timeout_s: float = DEFAULT_LLM_TIMEOUT_S,
        parser: Parser | None = None,
        speaker: SpeakerFn | None = None,
        writer: "WriterEngine | None" = None,
        engines: Sequence[str] = ("model", "llm", "composer"),
        screen: Screen | None = None,
    ):
        self.analyze = analyze
        self.prompts = prompts
        self.llm = llm
        self.llm_name = llm_name
        self.llm_model = llm_model
        self.library = library or SoftStartLibrary.load(locale.softstarts, locale.topics)
        self.checker = RewriteChecker(analyze=analyze, embedder=embedder, similarity_floor=similarity_floor)
        self.composer = RewriteComposer(prompts=prompts, library=self.library, embedder=embedder)
        self.drafter = LLMDrafter(llm=llm, prompts=prompts, timeout_s=llm_timeout_s) if llm is not None else None
        self.source = SourceComposer.load(MessageReader(parser or load_parser("spacy")), locale.source_phrasing)
        self.speaker = speaker
        self.writer = writer
        self.engines = list(engines)
        self.output_screen = OutputScreen(screen) if screen is not None else None  # every model-written rewrite

    @property
    def similarity_floor(self) -> float:
        return self.checker.similarity_floor

    def warm_up(self) -> None:
        """Load the embedding model and embed the soft start-up library at start-up.

        Composed rewrites of messages with a known topic never embed anything, so a plain
        rewrite would not load the model; the first request that needs it would then wait
        seconds for it, with every request queued behind.
        """
        if self.composer.embedder is not None:
            self.library.warm_up(self.composer.embedder)
        self.compose(self.analyze("You never listen to me.", AnalysisContext()))  # our own path only: no model call
        self.source.compose("You never listen to me.", mode="softstart")  # loads the parser's model

    def check(self, original: Analysis, draft: str) -> RewriteCheck:
        """The checks every rewrite must pass (see ``app.rewrite.checks``).

        The topic check compares the draft with the message and with our own composed
        rewrite of it (the first composed candidate), which is on-topic by construction.
        """
        reference = next(iter(self.composer.candidates(original)), None) if original.flags else None
        return self.checker.check(original, draft, reference=reference.text if reference else None)

    def rewrite(
        self,
        message: str,
        *,
        partner_message: str | None = None,
        sender_role: Literal["pursuer", "distancer", "unknown"] = "unknown",
    ) -> RewriteResult:
        analysis = self.analyze(message, AnalysisContext(partner_message=partner_message, sender_role=sender_role))
        if not analysis.language_supported:
            return self._unchanged(analysis, "rewrite_note_language")
        partner, own = self.partner_words(message, partner_message)
        if partner is None and not analysis.needs_rewrite and analysis.engine == "model" and not analysis.confidently_gentle:
            # the model found nothing but is not sure the message is gentle: the sender's own harsh markers decide
            # (the rules engine lists every marker it knows, so its silence stands)
            parts = self.source.reader.read(message)
            if sounds_harsh(parts) or withdraws(parts):
                return self._from_composer(analysis, self.mode(analysis, None), None, None, sender_role)
        if partner is None and not analysis.needs_rewrite:
            # no false approval: "already reads well" only when the model is confident the message is gentle
            return self._unchanged(analysis, "rewrite_note_unchanged" if analysis.confidently_gentle else "rewrite_note_nothing_flagged")
        return self._from_composer(analysis, self.mode(analysis, partner), partner, own, sender_role)

    def _from_composer(self, analysis: Analysis, mode: RewriteMode, partner: str | None, own: str | None, role: str) -> RewriteResult:
        message = analysis.message
        composed = self.source.compose(own if partner is not None and own else message, mode=mode, role=role,
                                       partner_words=partner, flooded=analysis.flooded)
        if composed.text is None:
            return self._unclear(analysis, composed)
        return self._choose(analysis, composed, mode, partner)

    def partner_words(self, message: str, partner_message: str | None) -> tuple[str | None, str | None]:
        """(the partner's words to answer, the sender's own words beside them), or (None, None) for a rewrite.

        Quoted partner words in the message come first; then ``partner_message`` when the message is harsh or
        asks how to answer; then the speaker head's ``partner_words``.
        """
        quoted = quoted_partner_words(message)
        if quoted:
            return quoted, None
        if partner_message and partner_message.strip():
            return partner_message, message
        found = partner_words_in(message, self.speaker)
        return (found, None) if found else (None, None)

    def mode(self, analysis: Analysis, partner: str | None) -> RewriteMode:
        """reply (the partner's words), break (withdrawing), defensive (defending) or softstart."""
        if partner is not None:
            return "reply"
        kinds = {flag.kind for flag in analysis.flags}
        parts = self.source.reader.read(analysis.message)
        denies = has_denial(parts)
        gentle = any(sentence.part == "gentle" for sentence in parts.sentences)
        if (withdraws(parts) or (wants_break(analysis) and not gentle)) and not (denies and not kinds & {"stonewalling", "flooding"}):
            return "break"
        if analysis.move == "defend" or ("defensiveness" in kinds and analysis.move != "pursue") or denies:
            return "defensive"
        return "softstart"

    def _choose(self, analysis: Analysis, composed: Composition, mode: RewriteMode, partner: str | None) -> RewriteResult:
        """The first engine in the configured order whose text passes the checks; the composer always answers."""
        # the checks read the move the rewrite answers: a break is checked as a break, a defence as a defence
        move = {"break": "withdraw", "defensive": "defend", "reply": "neutral"}.get(mode, "pursue")
        check_against = replace(analysis, move=move) if mode != "reply" else replace(analysis, flags=[], move="neutral")
        composer_check = self.checker.check(check_against, composed.text, topic=False) if mode != "reply" else RewriteCheck(True, [], None)
        if mode != "reply" and any(r.startswith("still harsh:") and r != "still harsh: criticism" for r in composer_check.reasons):
            # issue 13: the kept observation still trips the check: reword it, re-check, fall back last
            fixed = repair(composed.text, feeling=composed.feeling, topic=composed.topic,
                           harsh_flags=lambda draft: self.analyze(draft, AnalysisContext()).flags,
                           has_feeling=has_first_person_feeling, has_request=has_request)
            if fixed != composed.text:
                fixed_check = self.checker.check(check_against, fixed, topic=False)
                if len(fixed_check.reasons) <= len(composer_check.reasons) or fixed_check.passed:
                    composed, composer_check = replace(composed, text=fixed), fixed_check
        engines: list[Engine[tuple[str, str, str | None]]] = []  # (text, backend, model)
        for name in self.engines:
            match name:
                case "model":
                    if self.writer is not None:
                        engines.append(Engine("model", lambda: self._trained_text(analysis, composed, mode, partner)))
                case "llm":
                    if self.drafter is not None:
                        engines.append(Engine("llm", lambda: (self._drafted(analysis), self.llm_name, self.llm_model)))
                case "composer":
                    break
                case other:
                    raise ValueError(f"rewrite engine {other!r} is not supported. Available: model, llm, composer")

        def check(engine: str, written: tuple[str, str, str | None]) -> RewriteCheck:
            found = self.checker.check(check_against, written[0], reference=composed.text)
            flagged = self.output_screen.reasons(written[0]) if self.output_screen is not None else []
            return replace(found, passed=found.passed and not flagged, reasons=[*found.reasons, *flagged]) if flagged else found

        outcome = first_passing(
            engines, check, job="rewrite",
            last_resort=Engine("composer", lambda: (composed.text, "none", None)),
            last_resort_check=lambda engine, written: composer_check,
        )
        text, backend, model = outcome.value
        tried_llm = outcome.tried("llm")  # a configured language model that was tried and not used: its backend, marked as a fallback
        if outcome.engine == "composer" and tried_llm:
            backend, model = self.llm_name, self.llm_model
        return self._built(analysis, composed, text, outcome.check, backend=backend, model=model,
                           fallback=outcome.fallback, reason=outcome.reason, outcome=outcome)

    def _trained_text(self, analysis: Analysis, composed: Composition, mode: RewriteMode, partner: str | None):
        text = self.writer.reply(partner) if mode == "reply" and partner else self.writer.rewrite(analysis.message, composed.kind)
        if not text:
            raise NoOutput(getattr(self.writer, "last_failure", None) or "the trained writer gave no text")
        return text, "model", getattr(self.writer, "name", "trained-writer")

    def _drafted(self, analysis: Analysis) -> str:
        topic = self.library.topic(analysis.topic)
        return self.drafter.draft(analysis, topic_label=topic.label if topic else None, need=analysis.need or (topic.need if topic else None))

    def _built(self, analysis: Analysis, composed: Composition, text: str, check: RewriteCheck, *, backend: str,
               model: str | None, fallback: bool = False, reason: str | None = None, outcome: Outcome | None = None) -> RewriteResult:
        changes = explain(analysis, text, lambda kind, fallback_why: self.library.change_reason(kind, fallback=fallback_why))
        note_name = {"break": "rewrite_note_break", "defensive": "rewrite_note_defensive", "reply": "rewrite_note_reply"}.get(composed.kind, "rewrite_note_softstart")
        note = self.prompts.render(note_name, need=analysis.need or "what matters to you") if note_name != "rewrite_note_break" else self.prompts.get(note_name)
        return RewriteResult(
            original=analysis.message,
            analysis=analysis,
            rewrite=text,
            alternatives=[alt for alt in composed.alternatives if alt.text != text],
            explanation=changes,
            unchanged=False,
            note=note,
            check=check,
            engine=EngineInfo(backend=backend, model=model, fallback=fallback, reason=reason,
                              detect=analysis.engine, detect_reason=analysis.engine_reason,
                              engine=outcome.engine if outcome else None, attempts=outcome.attempts if outcome else ()),
            kind=composed.kind,
        )

    def _unclear(self, analysis: Analysis, composed: Composition) -> RewriteResult:
        """No situation to build from: the words stay as they are, with an honest note and a question back."""
        note = self.source.p[composed.note_key or "unclear_note"]
        result = self._unchanged(analysis, "rewrite_note_nothing_flagged")
        return replace(result, note=note, kind="unclear")

    def compose(self, analysis: Analysis) -> tuple[ComposedRewrite, RewriteCheck, str]:
        """Our own rewrite: the first composed candidate that passes the checks.

        Returns (rewrite, its check, reference text used for topic checks).
        """
        candidates = list(islice(self.composer.candidates(analysis), MAX_COMPOSED_CANDIDATES))
        if not candidates:  # the composer always yields at least one candidate; be safe anyway
            raise RuntimeError("the composer produced no rewrite")
        reference = candidates[0].text
        # Composed candidates are on topic by construction: no embedding topic check (a model pass each).
        first_check = self.checker.check(analysis, reference, topic=False)
        if first_check.passed:
            return candidates[0], first_check, reference
        checks = self.checker.check_all(analysis, [c.text for c in candidates[1:]], topic=False)
        for candidate, check in zip(candidates[1:], checks):
            if check.passed:
                return candidate, check, reference
        log.warning("rewrite: no composed candidate passed the checks (%s)", "; ".join(first_check.reasons))
        return candidates[0], first_check, reference

    # ------------------------------------------------------------------ results
    def _engine(self, *, fallback: bool, reason: str | None = None, analysis: Analysis | None = None) -> EngineInfo:
        return EngineInfo(
            backend=self.llm_name, model=self.llm_model, fallback=fallback, reason=reason,
            detect=analysis.engine if analysis is not None else "rules",
            detect_reason=analysis.engine_reason if analysis is not None else None,
        )

    def _unchanged(self, analysis: Analysis, note_name: str) -> RewriteResult:
        return RewriteResult(
            original=analysis.message,
            analysis=analysis,
            rewrite=analysis.message,
            alternatives=[],
            explanation=[],
            unchanged=True,
            note=self.prompts.get(note_name),
            check=RewriteCheck(passed=True, reasons=[], similarity=None),
            engine=self._engine(fallback=False, analysis=analysis),
            kind="unchanged",
        )

    def _fallback(self, analysis: Analysis, composed: ComposedRewrite, check: RewriteCheck, reason: str) -> RewriteResult:
        return self._result(analysis, composed, composed.text, composed.changes, check, fallback=True, reason=reason)

    def _result(
        self,
        analysis: Analysis,
        composed: ComposedRewrite,
        text: str,
        changes: list[Change],
        check: RewriteCheck,
        *,
        fallback: bool,
        reason: str | None = None,
    ) -> RewriteResult:
        return RewriteResult(
            original=analysis.message,
            analysis=analysis,
            rewrite=text,
            alternatives=[alt for alt in composed.alternatives if alt.text != text],
            explanation=changes,
            unchanged=False,
            note=composed.note,
            check=check,
            engine=self._engine(fallback=fallback, reason=reason, analysis=analysis),
        )


def changes_for_draft(analysis: Analysis, draft: str, composed: ComposedRewrite) -> list[Change]:
    """Ties each flag to the sentence of a model's draft that does its job ("" when dropped)."""
    parts = sentences(draft)
    _, request_part = split_request(draft)
    request = sentences(request_part)[0] if request_part else ""
    feeling = next((s for s in parts if has_first_person_feeling(s)), parts[0] if parts else "")
    ownership = next((s for s in parts if re.search(r"\b(sorry|you're right|my part|I apologi[sz]e)\b", s, re.I)), "")
    pause = next((s for s in parts if re.search(r"\b(break|pause|breather)\b", s, re.I)), "")
    breaking = wants_break(analysis)
    why_by_kind = {change.flag_kind: change.why for change in composed.changes}
    changes = []
    for flag in analysis.flags:
        after = {
            "contempt": "",
            "defensiveness": ownership,
            "demand": pause if breaking else request,
            "stonewalling": pause,
            "flooding": pause or feeling,
        }.get(flag.kind, feeling)
        changes.append(Change(flag.kind, flag.text, after, why_by_kind.get(flag.kind) or flag.antidote or flag.why))
    return changes
