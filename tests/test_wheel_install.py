"""The package works installed as a wheel (not editable), as the Dockerfile installs it: prompts, rule data and
articles ship inside it, and rewrite, ask and a chat turn run from a directory outside the checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
BUILD_INPUTS = ("pyproject.toml", "setup.py", "README.md", "app", "prompts", "knowledge")

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path

    import app
    from app.services import build_services
    from app.settings import Settings

    settings = Settings(environment="test", rate_limit_per_minute=0)
    services = build_services(settings)
    rewrite = services.rewriter.rewrite("You never text me back. Do you even care about me?")
    answer = services.answerer.answer("Why does my partner shut down when I bring up a problem?")
    conversations = services.conversations
    session = conversations.start()
    turn = conversations.post(session.id, "He hasn't answered my texts all evening and I keep sending more.").turn
    print(json.dumps({
        "package": str(Path(app.__file__).resolve().parent),
        "prompts_dir": str(settings.prompts_dir),
        "knowledge_dirs": [str(d) for d in settings.knowledge_dirs],
        "rewrite": rewrite.rewrite,
        "answer": answer.answer,
        "grounded": answer.grounded,
        "reply": turn.reply,
        "technique_sources": [s.source_id for s in turn.sources],
    }))
    """
)


def _build_wheel(tmp_path: Path) -> Path:
    """Build from a copy of the checkout's inputs, so the build leaves nothing behind in the checkout."""
    source = tmp_path / "src"
    source.mkdir()
    for name in BUILD_INPUTS:
        origin = REPO_ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "bundled", "_work"))
        else:
            shutil.copy2(origin, source / name)
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(dist), str(source)],
        check=True, timeout=300,
    )
    (wheel,) = dist.glob("softstart-*.whl")
    return wheel


def _venv_over_our_dependencies(tmp_path: Path) -> Path:
    """A fresh venv that sees this interpreter's installed dependencies (offline) but not the checkout."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  check=True, capture_output=True, text=True).stdout.strip())
    # appended after the venv's own site-packages: the installed wheel wins over any editable checkout there
    (purelib / "softstart-test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return python


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_an_installed_wheel_rewrites_answers_and_chats(tmp_path):
    wheel = _build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in ("app/bundled/prompts/en/analyzer_patterns.md", "app/bundled/knowledge/the-20-minute-break.md",
                    "app/locales/en/analyzer_lexicon.yaml", "app/locales/en/topics.yaml", "app/locales/es/safety/rules.yaml",
                    "app/sessions/store/migrations/env.py", "app/web/index.html"):
        assert shipped in names, shipped

    python = _venv_over_our_dependencies(tmp_path)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)],
                   check=True, timeout=300)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOFTSTART_") and k != "PYTHONPATH"}
    env.update(SOFTSTART_DATA_DIR=str(tmp_path / "data"), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               ANONYMIZED_TELEMETRY="False", PYTHONSAFEPATH="1")
    run = subprocess.run([str(python), "-c", SCRIPT], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-4000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])

    installed = Path(out["package"])
    assert not installed.is_relative_to(REPO_ROOT) and installed.is_relative_to(tmp_path / "venv")
    assert Path(out["prompts_dir"]).is_relative_to(installed) and all(Path(d).is_relative_to(installed) for d in out["knowledge_dirs"])
    assert out["rewrite"] and out["answer"] and out["grounded"]
    assert out["reply"]
