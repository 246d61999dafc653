"""The ``softstart`` command: serve | index | rewrite | ask | chat | eval."""

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
eval_app = typer.Typer(help="Measure the analyzer, the rewriter and the safety screen.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
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

    from app.knowledge.embeddings import MiniLMEmbedder
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
    index_ = open_index(settings, MiniLMEmbedder(settings.embedding_model_path))
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
    services = build_services(_settings())
    screened = services.safety.screen(question)
    if screened.blocks_coaching:
        _show_safety(screened, as_json)
        return
    if services.answerer is None:
        err.print(f"[red]The knowledge index is not ready:[/red] {services.index_status.detail}")
        raise typer.Exit(EXIT_UNAVAILABLE)
    result = services.answerer.answer(question)
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


def _show_safety(screened, as_json: bool) -> None:
    if as_json:
        _print_json({"safety": {"level": screened.level, "kind": screened.kind, "message": screened.message, "resources": [r.__dict__ for r in screened.resources]}})
        return
    console.print(f"[bold yellow]{screened.message}[/bold yellow]")
    for resource in screened.resources:
        console.print(f"  • [bold]{resource.name}[/bold]: {resource.contact}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
