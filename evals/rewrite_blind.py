"""``softstart eval rewrite --blind FILE``: the issue-13 measures on a blind set of harsh messages.

Rows: category (pursue / withdraw / defend / mixed / partner_words), message, partner_message,
specifics, request, gentle_part. Engines: ``before`` (the template composer this branch replaces),
``composer`` (built from the message), ``model`` (the trained writer, when installed). The report
prints figures and the worst ten for readability; no row is used to tune anything.
"""

from __future__ import annotations

import json
import sys
import math
import statistics
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from app.rewrite.message_parser import Parser
from app.rewrite.measures import Measured, measure
from app.detect.types import AnalysisContext


@dataclass(frozen=True)
class EngineReport:
    engine: str
    rows: int
    specifics: float
    request: float
    invented: float
    harsh: float
    complete: float
    perspective: float
    broken: float
    fluency: float | None
    compose_ms: float
    detect_ms: float
    worst: list[tuple[float, str]]


def load_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def share(values: list[bool | None]) -> float:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else float("nan")


def fluency_scorer() -> Callable[[str], float] | None:
    """Mean token log-probability under SmolLM2-135M (llama.cpp), or None when it is not installed."""
    try:
        from llama_cpp import Llama

        from app.backends.llm.factory import packaged_gguf_path
        model = Llama(str(packaged_gguf_path()), n_ctx=512, n_threads=2, logits_all=True, verbose=False)
    except Exception:  # noqa: BLE001 - the score is optional
        return None
    import numpy as np

    def score(text: str) -> float:
        tokens = model.tokenize(text.encode("utf-8"), add_bos=True)[:500]
        model.reset()
        model.eval(tokens)
        logits = np.array(model.scores[: len(tokens)])
        logits = logits - logits.max(axis=1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        picked = [logp[i, tokens[i + 1]] for i in range(len(tokens) - 1)]
        return float(sum(picked) / max(len(picked), 1))

    return score


def run(rows: list[dict], rewrite: Callable[[dict], tuple[str, str, float]], detect_ms: float, *, engine: str,
        parser: Parser, is_harsh: Callable[[str], bool], fluency: Callable[[str], float] | None) -> tuple[EngineReport, list[tuple[dict, str, Measured]]]:
    results = []
    times = []
    for number, row in enumerate(rows, 1):
        if number % 20 == 0:
            print(f"  .. {engine}: {number}/{len(rows)}", file=sys.stderr, flush=True)
        text, kind, ms = rewrite(row)
        times.append(ms)
        results.append((row, text, kind, measure(row, text, kind, parser=parser, is_harsh=is_harsh, fluency=fluency)))
    m = [r[3] for r in results]
    worst = sorted(
        ((r[3].fluency if r[3].fluency is not None else 0.0) - 2.0 * len(r[3].broken), r[1]) for r in results
    )[:10]
    fl = [x.fluency for x in m if x.fluency is not None]
    report = EngineReport(
        engine=engine, rows=len(rows),
        specifics=share([x.specifics_kept for x in m]),
        request=share([x.request_kept for x in m]),
        invented=share([bool(x.invented) for x in m]),
        harsh=share([x.harsh for x in m]),
        complete=share([x.complete for x in m]),
        perspective=share([x.perspective for x in m]),
        broken=share([bool(x.broken) for x in m]),
        fluency=statistics.mean(fl) if fl else None,
        compose_ms=statistics.mean(times) if times else math.nan,
        detect_ms=detect_ms,
        worst=worst,
    )
    return report, [(r[0], r[1], r[3]) for r in results]


def print_report(report: EngineReport, out=print) -> None:
    out(f"== {report.engine} ({report.rows} rows)")
    out(f"  keeps every specific      {report.specifics:6.1%}   (target >= 80%)")
    out(f"  keeps the sender's request {report.request:6.1%}")
    out(f"  invents something          {report.invented:6.1%}   (target <= 5%)")
    out(f"  still harsh (trained head) {report.harsh:6.1%}   (target <= 5%)")
    out(f"  feeling + request / pause  {report.complete:6.1%}   (target 100%)")
    out(f"  right perspective          {report.perspective:6.1%}   (target >= 95%, defend/mixed/partner_words)")
    out(f"  broken grammar (rules)     {report.broken:6.1%}")
    if report.fluency is not None:
        out(f"  fluency (SmolLM2 mean log-prob per token) {report.fluency:.2f}")
    out(f"  time per rewrite {report.compose_ms:.1f} ms (detection {report.detect_ms:.1f} ms)")
    out("  worst ten for readability:")
    for score, text in report.worst:
        out(f"    {score:6.2f}  {text[:160]}")


def main(blind: Path, engines: list[str], examples: int = 0, seed: int = 13, fluent: bool = True,
         model_rows: int = 0, rows_limit: int = 0) -> list[EngineReport]:
    from app.rewrite.message_parser import load_parser
    from app.rewrite.rewriter import Rewriter
    from app.backends.embeddings import MiniLMEmbedder
    from app.models.build import build_head_embedder, embedder_path
    from app.models.engines import choose_detector, choose_intent_reader
    from app.models.reader import ModelReader
    from app.locale_data import LocaleData
    from app.prompts import PromptLibrary
    from app.services import build_analyzer
    from app.settings import get_settings

    settings = get_settings()
    locale = LocaleData.from_settings(settings)
    prompts = PromptLibrary(locale.prompts_dir)
    embedder = MiniLMEmbedder(settings.embedding_model_path, threads=settings.embedding_threads)
    reader = ModelReader.load(build_head_embedder(settings, embedder), settings.models.heads_dir, embedder_path(settings))
    detect = choose_detector(settings.detect.engines, build_analyzer(locale, prompts), reader, prompts)
    intent = choose_intent_reader(settings.chat.intent_engines, reader)
    parser = load_parser(settings.rewrite.parser)
    measuring = load_parser(settings.rewrite.parser, entities=True)
    writer = _writer()
    rewriter = Rewriter(analyze=detect, embedder=embedder, prompts=prompts, locale=locale, parser=parser, engines=["composer"],
                        speaker=(lambda t: intent.read(t).speaker) if intent else None)
    rows = load_rows(blind)
    if rows_limit and rows_limit < len(rows):
        import random
        rows = random.Random(seed).sample(rows, rows_limit)
        print(f"== measured on {rows_limit} of the blind rows, drawn at random (seed {seed})")
    is_harsh = lambda text: reader.read(text).is_harsh  # noqa: E731
    fluency = fluency_scorer() if fluent else None

    start = time.perf_counter()
    for row in rows:
        detect(row["message"], AnalysisContext(partner_message=row.get("partner_message") or None))
    detect_ms = (time.perf_counter() - start) * 1000 / len(rows)

    def timed(fn):
        def call(row):
            t = time.perf_counter()
            text, kind = fn(row)
            return text, kind, (time.perf_counter() - t) * 1000
        return call

    def before(row):
        analysis = detect(row["message"], AnalysisContext(partner_message=row.get("partner_message") or None))
        if not analysis.needs_rewrite:
            return row["message"], "unchanged"
        composed = rewriter.compose(analysis)[0]
        return composed.text, composed.kind

    def composer(row):
        result = rewriter.rewrite(row["message"], partner_message=row.get("partner_message") or None)
        return result.rewrite, result.kind

    wrote = None
    answered = []

    def model(row):
        nonlocal wrote
        wrote = wrote or Rewriter(analyze=detect, embedder=embedder, prompts=prompts, locale=locale, parser=parser, engines=["model", "composer"],
                                  writer=writer, speaker=rewriter.speaker)
        result = wrote.rewrite(row["message"], partner_message=row.get("partner_message") or None)
        answered.append(result.engine.backend == "model")
        return result.rewrite, result.kind

    # the "after" engines are timed without detection: compose time = rewrite time - one detection
    fns = {"before": before, "composer": composer, "model": model}
    reports = []
    kept = {}
    for name in engines:
        if name == "model" and writer is None:
            print("== model: the trained writer (app.writer) is not installed on this branch; skipped")
            continue
        use = rows
        if name == "model" and model_rows and model_rows < len(rows):
            import random
            use = random.Random(seed).sample(rows, model_rows)
            print(f"== model: measured on {model_rows} rows drawn at random (seed {seed}); the writer is slow on this CPU")
        report, results = run(use, timed(fns[name]), detect_ms, engine=name, parser=measuring, is_harsh=is_harsh, fluency=fluency)
        if name == "composer":  # the composer's own time: parse + compose, without detection or checks
            start = time.perf_counter()
            for row in rows:
                rewriter.source.compose(row["message"], mode="softstart")
            report = replace(report, compose_ms=(time.perf_counter() - start) * 1000 / len(rows))
        elif name == "before":  # the old composer's own time: candidates + their checks, without detection
            analyses = [detect(row["message"], AnalysisContext()) for row in rows]
            start = time.perf_counter()
            for analysis in analyses:
                if analysis.needs_rewrite:
                    rewriter.compose(analysis)
            report = replace(report, compose_ms=(time.perf_counter() - start) * 1000 / len(rows))
        else:  # the trained writer: rewrite time less one detection
            report = _minus_detection(report, detect_ms)
            print(f"  the trained writer's own text was used for {sum(answered)}/{len(answered)} rows (the rest fell back to the composer)")
        print_report(report)
        reports.append(report)
        kept[name] = results
    if examples and "before" in kept and len(kept) > 1:
        import random
        other = next(n for n in kept if n != "before")
        picks = random.Random(seed).sample(range(len(rows)), min(examples, len(rows)))
        print(f"\n== {len(picks)} random examples (seed {seed}): before -> {other}")
        for i in picks:
            print(f"- [{rows[i]['category']}] {rows[i]['message'][:140]}")
            print(f"    before: {kept['before'][i][1][:200]}")
            print(f"    after:  {kept[other][i][1][:200]}")
    return reports


def _minus_detection(report: EngineReport, detect_ms: float) -> EngineReport:
    from dataclasses import replace
    return replace(report, compose_ms=max(report.compose_ms - detect_ms, 0.0))


def _writer():
    """The trained writer engine, when ``app.writer`` is on this branch and its adapter is present."""
    try:
        from app.writer.engine import TrainedWriter
    except ImportError:
        return None
    from app.settings import get_settings

    writer = TrainedWriter(get_settings())
    if not writer.available:
        print(f"== model: the trained writer is unavailable: {writer.unavailable}")
        return None
    return writer
