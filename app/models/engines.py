"""The ``model`` engines behind today's jobs, and the engine order the settings choose.

- ``ModelDetector``: harshness and the move from the heads; the rules still give the spans and their
  explanations, and where the model finds harshness that no rule points to, one flag covers the whole
  message (no invented span).
- ``ModelSafetyCheck``: the screen's model engine (the screen ORs it with the rules).
- ``ModelIntentReader``: a chat turn's intent and the speaker of quoted text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from app.detect.analyzer import ConflictAnalyzer
from app.detect.types import Analysis, AnalysisContext, Flag
from app.models.reader import ModelReader, Reading
from app.prompts import PromptLibrary
from app.screen.screen import ModelVerdict
from app.settings import DetectEngine, IntentEngine

# corpus family -> the screen's kind (the direction follows from the kind: app.screen.types.DIRECTION_OF_KIND)
KIND_OF_FAMILY = {
    "self_harm": "self_harm",
    "abuse": "abuse",
    "control": "control_request",
    "threat": "threat",
    "partner_suicide_threat": "partner_suicide_threat",
}
# corpus harsh kinds -> the analyzer's flag kinds (whose lexicon holds the explanation)
FLAG_OF_KIND = {
    "criticism": "criticism",
    "contempt": "contempt",
    "defensiveness": "defensiveness",
    "stonewalling": "stonewalling",
    "demand": "demand",
    "protest": "protest",
    "guilt_trip": "protest",
    "flooding": "flooding",
}
KIND_WORDS = {
    "criticism": "criticism of your partner",
    "contempt": "contempt or sarcasm",
    "defensiveness": "defensiveness",
    "stonewalling": "shutting the talk down",
    "demand": "a demand",
    "protest": "angry protest",
    "guilt_trip": "a guilt-trip",
    "flooding": "being flooded",
}
WHOLE_MESSAGE_PROMPT = "detect_whole_message"
WITHDRAW_FLAGS = frozenset({"stonewalling", "defensiveness"})


class ModelSafetyCheck:
    """The screen's ``model`` engine: a verdict when the heads find danger, else ``None``."""

    def __init__(self, reader: ModelReader):
        self.reader = reader

    def check(self, text: str) -> ModelVerdict | None:
        reading = self.reader.read(text)
        return verdict_of(reading)


def verdict_of(reading: Reading) -> ModelVerdict | None:
    if not reading.dangerous or reading.safety == "none":
        return None
    dangerous = {k: v for k, v in reading.safety_probs.items() if k != "none"}
    confidence = dangerous.get(reading.safety, 0.0) / max(sum(dangerous.values()), 1e-9)
    if reading.danger < reading.danger_at:  # the manifest's danger threshold
        return None
    return ModelVerdict(KIND_OF_FAMILY[reading.safety], reading.level, reading.danger, confidence,  # type: ignore[arg-type]
                        crisis=reading.crisis, intent=reading.intent)


class ModelDetector:
    """``analyze(message, context)`` with the model deciding harshness and the move."""

    name = "model"

    def __init__(self, rules: ConflictAnalyzer, reader: ModelReader, prompts: PromptLibrary):
        self.rules = rules
        self.reader = reader
        self.prompts = prompts

    def __call__(self, message: str, context: AnalysisContext | None = None) -> Analysis:
        return self.analyze(message, context)

    def analyze(self, message: str, context: AnalysisContext | None = None) -> Analysis:
        base = self.rules.analyze(message, context)
        if not base.language_supported or not message.strip():
            return replace(base, engine="model")
        reading = self.reader.read(message)
        return self.combine(base, reading)

    def combine(self, base: Analysis, reading: Reading) -> Analysis:
        message = base.message
        if reading.is_harsh:
            flags = list(base.flags) or [self._whole_message_flag(message, reading)]
        else:
            flags = []  # the model decides: no harshness, nothing to rewrite
        move = reading.move
        lead = _lead_flag(flags, move)
        pattern = self.rules.pattern_for(message, move, lead, base.flooded, base.need)  # type: ignore[arg-type]
        evidence = [f'{f.kind}: "{f.text}"' for f in flags[:4]] or [f"model: {move} ({reading.move_probs.get(move, 0):.2f})"]
        return replace(
            base,
            flags=flags,
            move=move,  # type: ignore[arg-type]
            move_evidence=evidence,
            harshness=round(reading.harsh, 3),
            pattern=pattern or base.pattern,
            engine="model",
            confidently_gentle=reading.confidently_gentle,
        )

    def _whole_message_flag(self, message: str, reading: Reading) -> Flag:
        kind = (reading.top_kinds(0.0) or ["criticism"])[0]
        flag_kind = FLAG_OF_KIND[kind]
        rules = self.rules.lexicon.rules(flag_kind)
        why = self.prompts.render(WHOLE_MESSAGE_PROMPT, kind=KIND_WORDS[kind], why=rules.why)
        return Flag(kind=flag_kind, span=(0, len(message)), text=message, why=why, antidote=rules.antidote)  # type: ignore[arg-type]


def _lead_flag(flags: list[Flag], move: str) -> Flag | None:
    if not flags:
        return None
    if move in ("withdraw", "defend"):
        return next((f for f in flags if f.kind in WITHDRAW_FLAGS), flags[0])
    return next((f for f in flags if f.kind not in WITHDRAW_FLAGS), flags[0])


class RulesDetector:
    """Today's rules alone. Never confident that a message is gentle: no false approval."""

    name = "rules"

    def __init__(self, rules: ConflictAnalyzer, reason: str | None = None):
        self.rules = rules
        self.reason = reason

    def __call__(self, message: str, context: AnalysisContext | None = None) -> Analysis:
        return replace(self.rules.analyze(message, context), engine="rules", engine_reason=self.reason)


def choose_detector(engines: list[DetectEngine], rules: ConflictAnalyzer, reader: ModelReader | None,
                    prompts: PromptLibrary, unavailable: str | None = None) -> Callable[..., Analysis]:
    """The first engine in ``engines`` that is available (the rules always are)."""
    skipped: list[str] = []
    for name in engines:
        match name:
            case "model":
                if reader is not None:
                    return ModelDetector(rules, reader, prompts)
                skipped.append(f"model engine unavailable: {unavailable or 'no heads'}")
            case "rules":
                return RulesDetector(rules, "; ".join(skipped) or None)
    return RulesDetector(rules, "; ".join(skipped) or "no detect engine configured")


@dataclass(frozen=True)
class ChatReading:
    intent: str  # the corpus intent label (share, q_what, draft_request, ...)
    speaker: str  # none | own_draft | partner_words | sent_text
    engine: str


class ModelIntentReader:
    name = "model"

    def __init__(self, reader: ModelReader):
        self.reader = reader

    def read(self, message: str) -> ChatReading:
        reading = self.reader.read(message)
        return ChatReading(reading.intent, reading.speaker, "model")


def choose_intent_reader(engines: list[IntentEngine], reader: ModelReader | None) -> ModelIntentReader | None:
    """The model's intent reader when it comes first and is available; ``None`` means the rules."""
    for name in engines:
        match name:
            case "model":
                if reader is not None:
                    return ModelIntentReader(reader)
            case "rules":
                return None
    return None
