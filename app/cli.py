"""The ``softstart`` command: serve | index | rewrite | ask | chat | invite | join | eval."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from app.logging_setup import configure_logging
from app.settings import Settings, get_settings

app = typer.Typer(help="Softstart: a coach for couples caught in the pursuer-distancer cycle.", no_args_is_help=True, add_completion=False)
eval_app = typer.Typer(help="Measure the analyzer, the rewriter, the safety screen, /v1/ask and the chat.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
corpus_app = typer.Typer(help="The labelled corpus the heads are trained on (data/corpus).", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")
console = Console()
err = Console(stderr=True)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNAVAILABLE = 0, 1, 2, 3


def _settings() -> Settings:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    try:
        return get_settings()
    except Exception as exc:  # pydantic ValidationError: show it plainly, not as a traceback
        err.print(f"[red]Invalid settings:[/red] {exc}")
        raise typer.Exit(EXIT_USAGE)


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


@app.callback()
def main_options(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log more.")) -> None:
    configure_logging(logging.DEBUG if verbose else logging.WARNING)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, help="uvicorn worker processes."),
) -> None:
    """Run the web service (API and page)."""
    import uvicorn

    configure_logging(logging.INFO)
    _settings()
    uvicorn.run("app.main:create_app", factory=True, host=host, port=port, workers=workers, log_config=None)


@app.command()
def index(
    paths: list[Path] = typer.Argument(None, help="Extra folders of articles (Markdown, text, HTML) to add to the knowledge base."),
    remove: bool = typer.Option(False, "--remove", help="Remove the given folders from the knowledge base instead."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Build or update the knowledge index (only new or changed files are embedded)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from app.backends.embeddings import MiniLMEmbedder
    from app.knowledge.library import FolderRegistry
    from app.services import ensure_private_dir, open_index, sync_index

    settings = _settings()
    ensure_private_dir(settings.data_dir)
    registry = FolderRegistry(settings.data_dir, settings.knowledge_dirs)
    for path in paths or []:
        try:
            if remove:
                if not registry.remove(path):
                    err.print(f"[yellow]{path} was not an added folder[/yellow]")
            else:
                registry.add(path)
        except FileNotFoundError as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(EXIT_USAGE)
    index_ = open_index(settings, MiniLMEmbedder(settings.embedding_model_path, threads=settings.embedding_threads))
    with Progress(TextColumn("embedding chunks"), BarColumn(), MofNCompleteColumn(), console=err, transient=as_json) as progress:
        task = progress.add_task("index", total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        report = sync_index(settings, index_, progress=on_progress)
    data = {**report.__dict__, "folders": [str(f) for f in registry.folders()]}
    if as_json:
        _print_json(data)
    else:
        console.print(
            f"{report.files_seen} articles: {report.files_added} added, {report.files_updated} updated, "
            f"{report.files_removed} removed, {report.files_unchanged} unchanged; "
            f"{report.chunks_embedded} chunks embedded, {report.chunks_total} in the index."
        )


@app.command()
def ask(
    question: str = typer.Argument(..., help="A question about the pursuer-distancer dynamic."),
    as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON."),
) -> None:
    """Ask the knowledge base; the answer cites its sources."""
    from app.services import build_services

    if not question.strip():
        err.print("[red]The question is empty.[/red]")
        raise typer.Exit(EXIT_USAGE)
    from app.pipeline.answer_job import AnswerUnavailable

    services = build_services(_settings())
    try:
        screened = services.answer_job.answer(question)  # the safety screen first, inside the job
    except AnswerUnavailable as exc:
        err.print(f"[red]The knowledge index is not ready:[/red] {exc}")
        raise typer.Exit(EXIT_UNAVAILABLE)
    if screened.blocked:
        _show_safety(screened.safety, as_json)
        return
    result = screened.result
    if as_json:
        _print_json(
            {
                "answer": result.answer,
                "grounded": result.grounded,
                "sources": [{"title": p.title, "source": p.source, "score": p.score, "passage": p.text} for p in result.sources],
                "engine": result.engine.__dict__,
            }
        )
        return
    console.print(result.answer)
    for number, passage in enumerate(result.sources, start=1):
        console.print(f"[dim][{number}] {passage.title} — {passage.source} (score {passage.score:.2f})[/dim]")


@app.command()
def rewrite(
    message: str = typer.Argument(..., help="The message you are about to send."),
    context: Optional[str] = typer.Option(None, "--context", help="Your partner's last message, if you are answering one."),
    role: str = typer.Option("unknown", "--role", help="pursuer, distancer or unknown."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Show the harsh spots of a message and a soft start-up (or break script) for it."""
    from rich.text import Text

    from app.rewrite.rewriter import Rewriter
    from app.backends.embeddings import MiniLMEmbedder
    from app.detect import analyzer
    from app.pipeline.rewrite_job import RewriteJob
    from app.prompts import PromptLibrary
    from app.locale_data import LocaleData
    from app.services import build_analyzer, build_llm, build_safety_screen

    if not message.strip():
        err.print("[red]The message is empty.[/red]")
        raise typer.Exit(EXIT_USAGE)
    if role not in ("pursuer", "distancer", "unknown"):
        err.print("[red]--role must be pursuer, distancer or unknown.[/red]")
        raise typer.Exit(EXIT_USAGE)
    settings = _settings()
    locale = LocaleData.from_settings(settings)
    locale.check()
    prompts = PromptLibrary(locale.prompts_dir)
    embedder = MiniLMEmbedder(settings.embedding_model_path, threads=settings.embedding_threads)
    safety = build_safety_screen(settings, prompts, embedder)
    llm, _ = build_llm(settings)
    rewriter = Rewriter(
        analyze=build_analyzer(locale, prompts).analyze, embedder=embedder, prompts=prompts, locale=locale, llm=llm,
        llm_name=settings.llm.backend if llm is not None else "none", llm_model=settings.llm.model,
        llm_timeout_s=settings.llm.timeout_s, engines=settings.rewrite.engines, screen=safety,
    )
    screened = RewriteJob(screen=safety, rewriter=rewriter).rewrite(message, partner_message=context, sender_role=role)
    if screened.blocked:  # the safety screen, a stage of the job
        _show_safety(screened.safety, as_json)
        return
    result = screened.result
    analysis = result.analysis
    if as_json:
        _print_json(
            {
                "original": result.original,
                "flags": [{"kind": f.kind, "span": list(f.span), "text": f.text, "why": f.why, "antidote": f.antidote} for f in analysis.flags],
                "move": analysis.move,
                "harshness": analysis.harshness,
                "pattern": analysis.pattern,
                "rewrite": result.rewrite,
                "alternatives": [{"tone": a.tone, "text": a.text} for a in result.alternatives],
                "unchanged": result.unchanged,
                "note": result.note,
                "engine": result.engine.__dict__,
            }
        )
        return
    highlighted = Text(message)
    for flag in analysis.flags:
        highlighted.stylize("bold red underline", *flag.span)
    console.print(highlighted)
    for flag in analysis.flags:
        console.print(f"  [red]{flag.kind}[/red] “{flag.text}”: {flag.why} [dim]Try: {flag.antidote}[/dim]")
    if analysis.pattern:
        console.print(f"\n[bold]Pattern[/bold] ({analysis.move}): {analysis.pattern}")
    if result.unchanged:
        console.print(f"\n[green]{result.note}[/green]")
        return
    console.print(f"\n[bold green]Try instead:[/bold green] {result.rewrite}")
    for alternative in result.alternatives:
        console.print(f"  [dim]{alternative.tone}:[/dim] {alternative.text}")


@app.command()
def chat(
    session: Optional[str] = typer.Option(None, help="Continue a session (its id); needs --token."),
    token: Optional[str] = typer.Option(None, help="The session's token."),
    as_json: bool = typer.Option(False, "--json", help="Read one message per line from stdin; print one JSON turn per line."),
) -> None:
    """Talk through a conflict with the coach in the terminal (type /quit to leave, /delete to erase the session)."""
    from app.services import build_services

    services = build_services(_settings())
    conversations = services.conversations
    if session:
        if not token or not conversations.authenticate(session, token):
            err.print("[red]Unknown session or wrong token.[/red]")
            raise typer.Exit(EXIT_USAGE)
        session_id = session
    else:
        created = conversations.start()
        session_id, token = created.id, created.token
    if not as_json:
        console.print(f"[dim]Session {session_id} (token {token}). Type /quit to leave, /delete to erase it.[/dim]")
        console.print("[bold]Coach:[/bold] What's happening right now? Tell me in your own words.")
    for line in _input_lines(as_json):
        text = line.strip()
        if not text:
            continue
        if text in ("/quit", "/exit"):
            break
        if text == "/delete":
            conversations.delete(session_id)
            console.print("[dim]This conversation is erased.[/dim]")
            return
        exchange = conversations.post(session_id, text)
        turn = exchange.turn
        services.together.after_private_turn(session_id, turn.safety)  # safety for two
        if as_json:
            _print_json_line({"session_id": session_id, "reply": turn.reply, "intent": turn.intent, "role": turn.state.role,
                              "safety": {"level": turn.safety.level, "kind": turn.safety.kind}, "rewrite": turn.rewrite.rewrite if turn.rewrite else None})
            continue
        if turn.safety.blocks_coaching:
            _show_safety(turn.safety, False)
        else:
            console.print(f"[bold]Coach:[/bold] {turn.reply}")
            for source in turn.sources:
                console.print(f"  [dim]from “{source.title}”[/dim]")


def _together(settings: Settings):
    """The two-partner service over the session store alone (no index or models to load)."""
    from datetime import timedelta

    from app.locale_data import LocaleData
    from app.prompts import PromptLibrary
    from app.services import build_analyzer
    from app.sessions.store.couples import CoupleStore
    from app.sessions.store.db import make_engine, upgrade_database
    from app.sessions.store.repository import SessionStore
    from app.together.service import Together

    locale = LocaleData.from_settings(settings)
    prompts = PromptLibrary(locale.prompts_dir)
    engine = make_engine(settings.resolved_database_url)
    upgrade_database(engine)
    return Together(
        SessionStore(engine), CoupleStore(engine), prompts, build_analyzer(locale, prompts).analyze,
        invite_ttl=timedelta(minutes=settings.together.invite_ttl_minutes),
    )


@app.command()
def invite(
    session: str = typer.Option(..., help="Your session's id (softstart chat prints it)."),
    token: str = typer.Option(..., help="Your session's token."),
    as_json: bool = typer.Option(False, "--json", help="Print the code as JSON."),
) -> None:
    """Invite your partner: a one-time code they use with `softstart join` (or the page's #join= link)."""
    from app.together.service import JointWorkUnavailable

    together = _together(_settings())
    if not together.sessions.authenticate(session, token):
        err.print("[red]Unknown session or wrong token.[/red]")
        raise typer.Exit(EXIT_USAGE)
    try:
        made = together.invite(session)
    except JointWorkUnavailable:
        err.print("[red]Inviting a partner isn't available in this session.[/red]")
        raise typer.Exit(EXIT_FAILED)
    if as_json:
        _print_json({"code": made.code, "link": f"/#join={made.code}", "expires_at": made.expires_at.isoformat()})
        return
    console.print(f"Give your partner this code (it works once, until {made.expires_at:%Y-%m-%d %H:%M} UTC):")
    console.print(f"  [bold]{made.code}[/bold]")
    console.print(f"They run: softstart join {made.code}   (or open /#join={made.code} on this server's page)")


@app.command()
def join(
    code: str = typer.Argument(..., help="The code your partner gave you."),
    role: str = typer.Option("unsure", "--role", help="pursuer, distancer or unsure."),
    as_json: bool = typer.Option(False, "--json", help="Print the new session as JSON."),
) -> None:
    """Join your partner with their code: you get a private session and a token of your own."""
    from app.sessions.store.couples import InviteRefused

    if role not in ("pursuer", "distancer", "unsure"):
        err.print("[red]--role must be pursuer, distancer or unsure.[/red]")
        raise typer.Exit(EXIT_USAGE)
    together = _together(_settings())
    try:
        created = together.join(code.strip(), role)
    except InviteRefused:
        err.print("[red]Invite not found.[/red]")
        raise typer.Exit(EXIT_FAILED)
    if as_json:
        _print_json({"id": created.id, "token": created.token})
        return
    console.print(f"Joined. Your private session: {created.id}  token: {created.token}")
    console.print(f"Talk with the coach: softstart chat --session {created.id} --token {created.token}")


def _input_lines(from_stdin: bool):
    if from_stdin:
        yield from sys.stdin
        return
    while True:
        try:
            yield console.input("[bold cyan]You:[/bold cyan] ")
        except (EOFError, KeyboardInterrupt):
            return


def _print_json_line(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


@eval_app.command("analyzer")
def eval_analyzer(
    messages: Optional[Path] = typer.Option(None, help="Labelled messages (JSON Lines); default: tests/data/messages.jsonl."),
    paradetox: Optional[Path] = typer.Option(None, help="ParaDetox 'you'-directed CSV (toxic_comment, civil_comment)."),
    misses: bool = typer.Option(False, help="List the labelled messages the analyzer got wrong."),
) -> None:
    """Per-kind precision/recall, harsh-vs-not accuracy and F1, move accuracy."""
    from evals import analyzer as evaluate_analyzer

    argv = [*(["--messages", str(messages)] if messages else []), *(["--paradetox", str(paradetox)] if paradetox else []), *(["--misses"] if misses else [])]
    raise typer.Exit(evaluate_analyzer.main(argv))


@eval_app.command("rewrite")
def eval_rewrite(
    jsonl: Optional[Path] = typer.Option(None, help="Labelled messages (JSON Lines); default: tests/data/messages.jsonl."),
    csv: Optional[Path] = typer.Option(None, help="A CSV of harsh messages, e.g. ParaDetox's 'you'-directed rows."),
    column: str = typer.Option("toxic_comment", help="The CSV column holding the text."),
    blind: Optional[Path] = typer.Option(None, help="Issue-13 blind set (category, message, partner_message, specifics, request, gentle_part): prints the rewrite measures."),
    engine: list[str] = typer.Option(["before", "composer", "model"], help="Engines to measure on --blind: before, composer, model."),
    examples: int = typer.Option(0, help="With --blind: print this many random before/after examples."),
    fluency: bool = typer.Option(True, help="With --blind: score readability with SmolLM2 (llama.cpp) as well as the grammar rules."),
    model_rows: int = typer.Option(0, help="With --blind: measure the trained writer on this many random rows (0: all)."),
    rows: int = typer.Option(0, help="With --blind: measure every engine on this many random rows (0: all)."),
) -> None:
    """Share of rewrites passing the checks, meaning preservation, gentle messages changed; plus the analyzer figures.

    With --blind: keeps the specifics, keeps the request, invents nothing, soft, complete, perspective,
    readable and speed, per engine (today's composer "before", the composer built from the message, the trained writer).
    """
    from evals import analyzer as evaluate_analyzer
    from evals import rewriter as evaluate_rewriter

    _settings()
    if blind is not None:
        from evals import rewrite_blind as evaluate_rewrite_blind

        evaluate_rewrite_blind.main(blind, engine, examples=examples, fluent=fluency, model_rows=model_rows, rows_limit=rows)
        raise typer.Exit(0)
    evaluate_analyzer.main([*(["--messages", str(jsonl)] if jsonl else []), *(["--paradetox", str(csv)] if csv else [])])
    argv = [*(["--jsonl", str(jsonl)] if jsonl else []), *(["--csv", str(csv), "--column", column] if csv else [])]
    if csv and not jsonl:
        argv = ["--csv", str(csv), "--column", column, "--jsonl", str(evaluate_rewriter.DEFAULT_DATASET)]
    raise typer.Exit(evaluate_rewriter.main(argv))


@app.command("train-writer")
def train_writer(
    out: Optional[Path] = typer.Option(None, help="Folder for writer-lora.gguf and manifest.json; default: settings.writer.adapter_dir."),
    pairs: Optional[Path] = typer.Option(None, help="Folder of pair files; default: settings.writer.pairs_dir (data/pairs)."),
    import_from: list[Path] = typer.Option([], "--import-from", help="Corpus pair folders to validate and copy into data/pairs first."),
    max_steps: int = typer.Option(350, help="Most optimiser steps (batch of 8)."),
    max_minutes: float = typer.Option(40.0, help="Wall-time limit for the whole run."),
    epochs: float = typer.Option(1.0, help="Passes over the training pairs (before max-steps)."),
    seed: int = typer.Option(13),
    rank: int = typer.Option(16),
    max_len: int = typer.Option(160, help="Tokens per sequence (prompt + target)."),
) -> None:
    """Train the small writer (LoRA on SmolLM2-135M, GGUF adapter for llama.cpp). Slow: never in CI."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # on a shared, busy CPU, spinning threads only slow every step
    from app.writer.dataset import import_pairs
    from app.writer.manifest import write_manifest
    from app.writer.train import TrainConfig, train

    settings = _settings()
    out = out or settings.writer.adapter_dir
    pairs = pairs or settings.writer.pairs_dir
    if import_from:
        report = import_pairs(list(import_from), pairs)
        err.print(f"imported {report['kept']} pairs {report['files']}; dropped {len(report['dropped'])}: {report['dropped'][:10]}")
    cfg = TrainConfig(out_dir=out, pairs_dir=pairs, max_steps=max_steps, max_minutes=max_minutes, epochs=epochs, seed=seed, rank=rank, alpha=2 * rank, max_len=max_len)
    result = train(cfg, progress=lambda line: err.print(line))
    command = "softstart train-writer " + " ".join(sys.argv[2:])
    path = write_manifest(result, command, out)
    _print_json({k: v for k, v in result.items() if k != "history"})
    err.print(f"manifest: {path}")


@eval_app.command("writer")
def eval_writer(
    blind: Path = typer.Option(Path("tests/data/rewrite_blind.jsonl"), help="Blind harsh messages (JSON Lines)."),
    limit: int = typer.Option(0, help="Only the first N items (0 = all)."),
    examples: int = typer.Option(20, help="Random before/after examples to print."),
    out: Optional[Path] = typer.Option(None, help="Write every output (JSON Lines) here."),
    candidates: int = typer.Option(4, help="Sampled candidates after the greedy one."),
    adapter: Optional[Path] = typer.Option(None, help="GGUF adapter; default: app/writer/adapter/writer-lora.gguf."),
    max_minutes: float = typer.Option(0, help="Stop after this long and report the items done (0 = no limit)."),
) -> None:
    """Blind figures of the trained writer: specifics kept, request kept, invented, gate pass, feeling+request, s/rewrite."""
    from evals.writer import main as evaluate_main

    argv = ["--blind", str(blind), "--limit", str(limit), "--examples", str(examples), "--candidates", str(candidates), "--max-minutes", str(max_minutes), *(["--out", str(out)] if out else []), *(["--adapter", str(adapter)] if adapter else [])]
    raise typer.Exit(evaluate_main(argv))


@eval_app.command("safety")
def eval_safety(
    ours: Optional[Path] = typer.Option(None, help="Our cases (JSON Lines); default: tests/data/safety_cases.jsonl."),
    sst: Optional[Path] = typer.Option(None, help="SimpleSafetyTests CSV (self-harm and violence subset)."),
    xstest: Optional[Path] = typer.Option(None, help="XSTest prompts CSV."),
    quiet: bool = typer.Option(False, help="Figures only, no case ids."),
) -> None:
    """Recall on crisis sets, false positives on safe prompts, must-catch recall on our set."""
    from evals import safety as evaluate

    ours = ours or Path("tests") / "data" / "safety_cases.jsonl"  # from the checkout (the current directory)
    argv = ["--ours", str(ours), *(["--sst", str(sst)] if sst else []), *(["--xstest", str(xstest)] if xstest else []), *(["--quiet"] if quiet else [])]
    raise typer.Exit(evaluate.main(argv))


@corpus_app.command("import")
def corpus_import(
    source: Path = typer.Argument(..., help="Folder of writers' batches: SOURCE/<batch>/part-*.jsonl."),
    target: Optional[Path] = typer.Option(None, help="Where the corpus goes; default: the models.corpus_dir setting (data/corpus)."),
    threshold: float = typer.Option(0.7, help="Word 3-gram Jaccard overlap at which a line counts as a near-duplicate."),
    include: str = typer.Option("*", help="Glob of the batch folders to read, e.g. 'w*' (other folders may hold other datasets)."),
) -> None:
    """Validate every line (stops at the first bad one: file, line, reason), drop near-duplicates, write data/corpus."""
    from collections import Counter

    from app.models.corpus import CorpusError, import_corpus

    settings = _settings()
    target = target or settings.models.corpus_dir
    try:
        lines, dedup = import_corpus(source, target, threshold=threshold, include=include)
    except CorpusError as exc:
        err.print(f"[red]corpus error:[/red] {exc}")
        raise typer.Exit(EXIT_FAILED)
    console.print(f"{len(lines)} lines read, {len(dedup.dropped)} near-duplicates dropped, {len(dedup.kept)} written to {target}")
    for label, values in (("batch", [l.batch for l in dedup.kept]), ("context", [l.context for l in dedup.kept]),
                          ("safety", [l.safety for l in dedup.kept]), ("lang", [l.lang for l in dedup.kept])):
        console.print(f"  {label}: " + ", ".join(f"{k} {v}" for k, v in sorted(Counter(values).items())))


@app.command()
def train(
    threads: int = typer.Option(2, help="CPU threads for embedding the corpus."),
    seed: int = typer.Option(13, help="Random seed for the cross-validation folds and the heads."),
) -> None:
    """Rebuild the trained heads from data/corpus (thresholds and figures by cross-validation; writes the manifest)."""
    from app.models.corpus import CorpusError
    from app.models.build import train_from_settings
    from app.models.train import TrainConfig

    settings = _settings()
    try:
        train_from_settings(settings, config=TrainConfig(seed=seed), threads=threads, out=console.print)
    except (CorpusError, FileNotFoundError) as exc:
        err.print(f"[red]cannot train:[/red] {exc}")
        raise typer.Exit(EXIT_FAILED)


@eval_app.command("models")
def eval_models(
    blind: Optional[Path] = typer.Option(None, help="The blind split; default: the models.blind_dir setting (data/blind)."),
    xstest: Optional[Path] = typer.Option(None, help="XSTest prompts CSV (its safe prompts give the false-positive rate)."),
    out: Optional[Path] = typer.Option(None, help="Also write the report (Markdown) here, e.g. bench/MODELS.md."),
    errors: bool = typer.Option(False, help="List the ids (never the texts) of the lines each engine got wrong."),
) -> None:
    """Blind-split figures for today's rules (before) and the trained engines (after), with 95% intervals."""
    from evals.models import run_eval

    settings = _settings()
    report = run_eval(settings, blind_dir=blind, xstest=xstest, show_errors=errors)
    sys.stdout.write(report)
    if out:
        out.write_text(report, encoding="utf-8")
@eval_app.command("ask")
def eval_ask(
    questions: Optional[Path] = typer.Option(None, help="Labelled questions (JSON Lines); default: tests/data/ask_tuning_questions.jsonl."),
    tune: bool = typer.Option(False, "--tune", help="Cross-validate the retrieval settings on these questions (never on the blind set)."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Also write the figures and every answer to this file."),
    strict: bool = typer.Option(False, help="Exit 1 when a target is missed."),
) -> None:
    """Right article, key fact, declines, duplicates, Markdown and length of /v1/ask answers; the ten worst."""
    from evals import ask as evaluate

    argv = [*(["--questions", str(questions)] if questions else []), *(["--json", str(json_out)] if json_out else []), *(["--strict"] if strict else [])]
    if tune:
        from evals import ask_tune as tune_command

        raise typer.Exit(tune_command.main(argv))
    raise typer.Exit(evaluate.main(argv))


@eval_app.command("chat")
def eval_chat(
    conversations: Optional[Path] = typer.Option(None, help="Scripted conversations (JSON Lines); default: tests/data/chat_dev_conversations.jsonl."),
    errors: int = typer.Option(0, help="List up to N failures per check."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Also write the figures and failures to this file."),
    transcripts: Optional[Path] = typer.Option(None, help="Write the transcripts (markdown) here."),
    sample: int = typer.Option(0, help="With --transcripts: only N conversations, chosen at random."),
    data_dir: Optional[Path] = typer.Option(None, help="Data directory (index, sessions) for this run; default: the settings'."),
) -> None:
    """Plays multi-turn conversations through the chat service; prints answered, drafted, remembered, safe, varied."""
    from evals import chat as evaluate
    from app.services import build_services

    settings = _settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    argv = [*(["--conversations", str(conversations)] if conversations else []), "--errors", str(errors),
            *(["--json", str(json_out)] if json_out else []), *(["--transcripts", str(transcripts)] if transcripts else []),
            "--sample", str(sample)]
    raise typer.Exit(evaluate.main(argv, build=lambda: build_services(settings)))


def _show_safety(screened, as_json: bool) -> None:
    if as_json:
        _print_json({"safety": {"level": screened.level, "kind": screened.kind, "message": screened.message, "resources": [r.__dict__ for r in screened.resources]}})
        return
    console.print(f"[bold yellow]{screened.message}[/bold yellow]")
    for resource in screened.resources:
        console.print(f"  • [bold]{resource.name}[/bold]: {resource.contact}")


def main() -> None:
    from app.rule_data import DataFileError

    try:
        app()
    except DataFileError as exc:  # a missing or malformed data or prompt file: one line, no traceback
        sys.stderr.write(f"softstart: cannot start: {exc}\n")
        sys.exit(EXIT_UNAVAILABLE)


if __name__ == "__main__":
    main()
