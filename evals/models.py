"""``softstart eval models``: the blind split, judged by today's rules (before) and the trained
engines (after). Figures only: the blind split is never used to fit, tune or choose anything, and
this report never prints its texts (``--errors`` lists ids).

Blind folder layout: ``conversation/*.jsonl`` (to_partner: harsh, kinds, move), ``chat/*.jsonl``
(to_coach: intent, speaker), ``safety/*.jsonl`` (dangerous messages and look-alikes).
"""

from __future__ import annotations

import csv
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.reply.intents import DRAFT_INTENTS, QUESTION_INTENTS, classify, find_draft
from app.models.corpus import CorpusLine, read_lines
from app.models.labels import DIRECTION_OF_SAFETY, INTENTS, MOVES, SAFETY_LABELS, SPEAKERS
from app.screen.types import DIRECTION_OF_KIND
from app.settings import Settings

FAMILY_OF_KIND = {
    "self_harm": "self_harm",
    "abuse": "abuse",
    "coercion": "abuse",
    "threat": "threat",
    "harm_to_partner": "control",
    "control_request": "control",
    "partner_suicide_threat": "partner_suicide_threat",
}
COARSE = {**{q: "question" for q in QUESTION_INTENTS}, **{d: "draft" for d in DRAFT_INTENTS}, "about_coach": "meta"}


def coarse(intent: str) -> str:
    return COARSE.get(intent, "share")


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def rate(k: int, n: int) -> str:
    lo, hi = wilson(k, n)
    return f"{k}/{n} = {k / n:.3f} [{lo:.3f}, {hi:.3f}]" if n else "n/a (0 lines)"


def per_class_table(truth: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> str:
    rows = ["| class | support | precision [95% CI] | recall [95% CI] | F1 |", "|---|---:|---|---|---:|"]
    for label in labels:
        tp = sum(1 for t, p in zip(truth, pred) if t == label and p == label)
        npred = sum(1 for p in pred if p == label)
        support = sum(1 for t in truth if t == label)
        if not support and not npred:
            continue
        prec = tp / npred if npred else 0.0
        rec = tp / support if support else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        plo, phi = wilson(tp, npred)
        rlo, rhi = wilson(tp, support)
        rows.append(f"| {label} | {support} | {prec:.3f} [{plo:.2f}, {phi:.2f}] | {rec:.3f} [{rlo:.2f}, {rhi:.2f}] | {f1:.3f} |")
    return "\n".join(rows)


def confusion(truth: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> str:
    used = [l for l in labels if l in set(truth) | set(pred)]
    counts = Counter(zip(truth, pred))
    rows = ["| gold \\ predicted | " + " | ".join(used) + " |", "|---|" + "---:|" * len(used)]
    for t in used:
        rows.append(f"| {t} | " + " | ".join(str(counts.get((t, p), 0)) for p in used) + " |")
    return "\n".join(rows)


def binary(truth: Sequence[bool], pred: Sequence[bool]) -> str:
    tp = sum(1 for t, p in zip(truth, pred) if t and p)
    fp = sum(1 for t, p in zip(truth, pred) if not t and p)
    fn = sum(1 for t, p in zip(truth, pred) if t and not p)
    prec, rec = (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return f"precision {rate(tp, tp + fp)}; recall {rate(tp, tp + fn)}; **F1 {f1:.3f}**"


def accuracy(truth: Sequence[str], pred: Sequence[str]) -> str:
    return rate(sum(1 for t, p in zip(truth, pred) if t == p), len(truth))


def load_folder(folder: Path) -> list[CorpusLine]:
    files = sorted(Path(folder).glob("*.jsonl")) if Path(folder).is_dir() else []
    return read_lines(files) if files else []


def load_xstest_safe(path: Path | None) -> list[str]:
    if path is None or not Path(path).exists():
        return []
    with open(path, encoding="utf-8", newline="") as handle:
        return [row["prompt"] for row in csv.DictReader(handle) if row.get("label") == "safe"]


@dataclass
class Engines:
    """What the report compares: callables over texts."""

    detect: Callable[[str], tuple[bool, str]]  # -> (harsh, move)
    intent: Callable[[str], tuple[str, str]]  # -> (intent, speaker)
    screen: Callable[[str], tuple[str, str, str]]  # -> (family or "none", direction, level)


def rules_engines(settings: Settings) -> Engines:
    from app.locale_data import LocaleData
    from app.prompts import PromptLibrary
    from app.screen.resources import load_resources
    from app.screen.screen import SafetyScreen, load_rule_book
    from app.services import build_analyzer, safety_resources_path

    locale = LocaleData.from_settings(settings)
    prompts = PromptLibrary(locale.prompts_dir)
    rules = build_analyzer(locale, prompts)
    screen = SafetyScreen(
        load_resources(settings.safety.region, safety_resources_path(settings)), prompts,
        load_rule_book(locale.safety_rules, locale.safety_lexicon),
    )

    def detect(text: str) -> tuple[bool, str]:
        a = rules.analyze(text)
        return bool(a.flags), a.move

    def intent(text: str) -> tuple[str, str]:
        analysis = rules.analyze(text)
        kind = classify(text, harsh=any(f.kind in ("criticism", "contempt") for f in analysis.flags)).kind
        guess = {"draft": "draft_request", "question": "q_what", "meta": "about_coach"}.get(kind, "share")
        return guess, ("own_draft" if find_draft(text) else "none")

    return Engines(detect, intent, lambda text: _screened(screen.screen(text)))


def _screened(result) -> tuple[str, str, str]:
    if result.level == "none" or result.kind is None:
        return "none", "none", "none"
    return FAMILY_OF_KIND[result.kind], DIRECTION_OF_KIND[result.kind], result.level


def model_engines(settings: Settings, texts: Sequence[str]) -> tuple[Engines, str]:
    """The engines as the service wires them (settings' engine order), readings precomputed in one batch."""
    from app.detect.types import AnalysisContext
    from app.backends.embeddings import MiniLMEmbedder
    from app.language_id import LanguageDetector
    from app.models.build import embedder_path
    from app.models.engines import ModelDetector, ModelSafetyCheck
    from app.models.reader import ModelReader
    from app.prompts import PromptLibrary
    from app.screen.resources import load_resources
    from app.locale_data import SAFETY_LANGUAGES, LocaleData
    from app.screen.screen import SafetyScreen, load_language_books, load_rule_book
    from app.services import build_analyzer, safety_resources_path

    embedder = MiniLMEmbedder(embedder_path(settings), threads=2, cache_size=0)
    reader = ModelReader.load(embedder, settings.models.heads_dir, embedder_path(settings))
    readings = dict(zip(texts, reader.read_many(list(texts))))

    class Precomputed:
        def read(self, text):
            return readings[text] if text in readings else reader.read(text)

    locale = LocaleData.from_settings(settings)
    prompts = PromptLibrary(locale.prompts_dir)
    rules = build_analyzer(locale, prompts)
    detector = ModelDetector(rules, reader, prompts)
    screen = SafetyScreen(
        load_resources(settings.safety.region, safety_resources_path(settings)), prompts,
        load_rule_book(locale.safety_rules, locale.safety_lexicon),
        model=ModelSafetyCheck(Precomputed()), language_books=load_language_books(SAFETY_LANGUAGES, locale.safety_book), detect_language=LanguageDetector(),
    )

    def detect(text: str) -> tuple[bool, str]:
        a = detector.combine(rules.analyze(text, AnalysisContext()), Precomputed().read(text))
        return bool(a.flags), a.move

    def intent(text: str) -> tuple[str, str]:
        r = Precomputed().read(text)
        return r.intent, r.speaker

    return Engines(detect, intent, lambda text: _screened(screen.screen(text))), reader.name


def _section(name: str, engines: Engines, conversation, chat, safety, xstest_safe, show_errors: bool) -> list[str]:
    out = [f"## {name}", ""]
    started = time.perf_counter()
    if conversation:
        got = [engines.detect(l.text) for l in conversation]
        truth_h, pred_h = [l.harsh for l in conversation], [g[0] for g in got]
        out += [f"### Conversation ({len(conversation)} to-partner messages)", "", f"- harsh: {binary(truth_h, pred_h)}",
                f"- move accuracy: {accuracy([l.move for l in conversation], [g[1] for g in got])}", "",
                per_class_table([l.move for l in conversation], [g[1] for g in got], MOVES), "",
                "Move confusion:", "", confusion([l.move for l in conversation], [g[1] for g in got], MOVES), ""]
        if show_errors:
            out.append("harsh errors (ids): " + ", ".join(l.id for l, g in zip(conversation, got) if l.harsh != g[0]))
            out.append("")
    if chat:
        got = [engines.intent(l.text) for l in chat]
        ti, pi = [l.intent or "share" for l in chat], [g[0] for g in got]
        ts, ps = [l.speaker for l in chat], [g[1] for g in got]
        out += [f"### Chat ({len(chat)} to-coach turns)", "", f"- intent accuracy (17 labels): {accuracy(ti, pi)}",
                f"- intent accuracy (share / question / draft / meta): {accuracy([coarse(t) for t in ti], [coarse(p) for p in pi])}",
                f"- speaker accuracy: {accuracy(ts, ps)}", "", per_class_table(ti, pi, INTENTS), "",
                "Intent confusion:", "", confusion(ti, pi, INTENTS), "", per_class_table(ts, ps, SPEAKERS), "",
                "Speaker confusion:", "", confusion(ts, ps, SPEAKERS), ""]
        if show_errors:
            out.append("intent errors (ids): " + ", ".join(l.id for l, p in zip(chat, pi) if (l.intent or "share") != p))
            out.append("")
    if safety:
        got = [engines.screen(l.text) for l in safety]
        fam_t, fam_p = [l.safety for l in safety], [g[0] for g in got]
        out += [f"### Safety ({len(safety)} messages: {sum(1 for l in safety if l.safety != 'none')} dangerous, "
                f"{sum(1 for l in safety if l.safety == 'none')} look-alikes)", ""]
        for family in SAFETY_LABELS[1:]:
            rows = [(l, g) for l, g in zip(safety, got) if l.safety == family]
            if rows:
                out.append(f"- recall {family}: {rate(sum(1 for _, g in rows if g[0] != 'none'), len(rows))}")
        dangerous = [(l, g) for l, g in zip(safety, got) if l.safety != "none"]
        out.append(f"- recall, all dangerous: {rate(sum(1 for _, g in dangerous if g[0] != 'none'), len(dangerous))}")
        safe = [(l, g) for l, g in zip(safety, got) if l.safety == "none"]
        out.append(f"- look-alikes flagged: {rate(sum(1 for _, g in safe if g[0] != 'none'), len(safe))}")
        caught = [(l, g) for l, g in dangerous if g[0] != "none"]
        direction_errors = [(l, g) for l, g in caught if g[1] != DIRECTION_OF_SAFETY[l.safety]]
        out.append(f"- direction errors among caught: {len(direction_errors)} of {len(caught)}")
        out.append(f"- kind right among caught: {rate(sum(1 for l, g in caught if g[0] == l.safety), len(caught))}")
        out.append(f"- level right among caught: {rate(sum(1 for l, g in caught if g[2] == l.level), len(caught))}")
        for lang in sorted({l.lang for l in safety} - {"en"}):
            rows = [(l, g) for l, g in zip(safety, got) if l.lang == lang]
            d = [(l, g) for l, g in rows if l.safety != "none"]
            s = [(l, g) for l, g in rows if l.safety == "none"]
            out.append(f"- {lang}: recall {rate(sum(1 for _, g in d if g[0] != 'none'), len(d))}; "
                       f"look-alikes flagged {rate(sum(1 for _, g in s if g[0] != 'none'), len(s))}")
        out += ["", per_class_table(fam_t, fam_p, SAFETY_LABELS), "", "Safety family confusion:", "",
                confusion(fam_t, fam_p, SAFETY_LABELS), ""]
        if show_errors:
            out.append("missed (ids): " + ", ".join(l.id for l, g in dangerous if g[0] == "none"))
            out.append("look-alikes flagged (ids): " + ", ".join(l.id for l, g in safe if g[0] != "none"))
            out.append("direction errors (ids): " + ", ".join(l.id for l, g in direction_errors))
            out.append("")
    if xstest_safe:
        flagged = sum(1 for text in xstest_safe if engines.screen(text)[0] != "none")
        out += [f"- XSTest safe prompts flagged: {rate(flagged, len(xstest_safe))}", ""]
    out += [f"_{time.perf_counter() - started:.1f}s_", ""]
    return out


def run_eval(settings: Settings, *, blind_dir: Path | None = None, xstest: Path | None = None, show_errors: bool = False) -> str:
    blind = Path(blind_dir or settings.models.blind_dir)
    conversation = [l for l in load_folder(blind / "conversation") if l.context == "to_partner"]
    chat = [l for l in load_folder(blind / "chat") if l.context == "to_coach"]
    safety = load_folder(blind / "safety")
    xstest_safe = load_xstest_safe(xstest)
    texts = list(dict.fromkeys([l.text for l in conversation + chat + safety] + xstest_safe))
    lines = ["# Trained models on the blind split", "",
             f"Blind split: {blind} — {len(conversation)} conversation, {len(chat)} chat, {len(safety)} safety lines"
             + (f"; XSTest safe prompts: {len(xstest_safe)}" if xstest_safe else "") + ".",
             "Intervals are Wilson 95% intervals. Nothing was fitted, tuned or chosen on this split.", ""]
    lines += _section("Before: today's rules", rules_engines(settings), conversation, chat, safety, xstest_safe, show_errors)
    engines, name = model_engines(settings, texts)
    lines += _section(f"After: trained heads on {name} (detect = model + rule spans; screen = rules OR model; "
                      "chat = model)", engines, conversation, chat, safety, xstest_safe, show_errors)
    return "\n".join(lines) + "\n"
