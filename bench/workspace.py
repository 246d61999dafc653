"""A benchmark data directory whose knowledge index is already built (the "index present" case)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from bench.servers import QUIET_ENV, REPO_ROOT

DEFAULT_ROOT = Path(os.environ.get("SOFTSTART_BENCH_DIR", Path(tempfile.gettempdir()) / "softstart-bench"))


def quiet_offline() -> None:
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)


def bench_settings(data_dir: Path, **overrides):
    """Settings over the repository's knowledge base with rate limits off (one client sends everything)."""
    from app.settings import Settings

    quiet_offline()
    values = dict(
        data_dir=data_dir,
        knowledge_dirs=[REPO_ROOT / "knowledge"],
        prompts_dir=REPO_ROOT / "prompts",
        environment="production",
        rate_limit_per_minute=0,
    )
    values.update(overrides)
    return Settings(_env_file=None, **values)


def prepared_data_dir(name: str = "data", *, embedder=None) -> Path:
    """``<bench dir>/<name>`` with the real knowledge base indexed (built on first use)."""
    from app.backends.embeddings import MiniLMEmbedder
    from app.services import ensure_private_dir, open_index, sync_index

    data_dir = ensure_private_dir(DEFAULT_ROOT / name)
    settings = bench_settings(data_dir)
    index = open_index(settings, embedder or MiniLMEmbedder())
    sync_index(settings, index)
    return data_dir


def server_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """``SOFTSTART_*`` variables for an app process over ``data_dir`` (rate limits off)."""
    env = {
        "SOFTSTART_DATA_DIR": str(data_dir),
        "SOFTSTART_KNOWLEDGE_DIRS": f'["{REPO_ROOT / "knowledge"}"]',
        "SOFTSTART_PROMPTS_DIR": str(REPO_ROOT / "prompts"),
        "SOFTSTART_ENVIRONMENT": "production",
        "SOFTSTART_RATE_LIMIT_PER_MINUTE": "0",
    }
    env.update({f"SOFTSTART_{key.upper()}": value for key, value in settings.items()})
    return env
