"""API fixtures.

Chat-session fixtures (prefix ``chat_``): the real app over the shared services (real index,
analyzer, rewriter, safety screen), with its own session database per test: a new SQLite file,
or the test module's own PostgreSQL database (created through the ``postgres`` database with
AUTOCOMMIT and dropped afterwards; fixtures from ``tests/store/conftest.py``).
"""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.detect import analyzer
from app.sessions.conversation import Conversations
from app.reply.service import ChatCoach
from app.main import create_app
from app.services import Services
from app.sessions.store.db import make_engine, upgrade_database
from app.sessions.store.repository import SessionStore
from tests.store.conftest import (  # noqa: F401 - fixtures, re-exported for the chat tests
    postgres_admin_engine,
    postgres_databases,
    postgres_module_database,
)

CHAT_BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


def build_chat_coach(services: Services, **overrides) -> ChatCoach:
    """The chat coach over the shared services' parts; ``overrides`` swap any of them (e.g. ``llm``)."""
    parts = dict(
        analyze=analyzer.analyze,
        rewriter=services.rewriter,
        safety=services.safety,
        answerer=services.answerer,
        prompts=services.prompts,
        llm=None,
        llm_name="none",
        llm_model=None,
        techniques=services.coach.techniques,
        cues=services.coach.cues,
    )
    parts.update(overrides)
    return ChatCoach(**parts)


# Session seeds that pick the chat's wording; the tests of wording rules run under each (issue 14).
CHAT_SEEDS = ["seed-a", "seed-b", "seed-c", "seed-d"]


@pytest.fixture
def chat_seed(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every session of this test gets its wording from this seed instead of its random session id
    (parametrize it with ``indirect=True``): a rule the test checks must hold for each seed."""
    chosen = request.param
    original = ChatCoach.reply

    def reply(self, message, *, state, memory, seed):
        return original(self, message, state=state, memory=memory, seed=chosen)

    monkeypatch.setattr(ChatCoach, "reply", reply)
    return chosen


@pytest.fixture(params=CHAT_BACKENDS)
def chat_backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def chat_database_url(chat_backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A SQLite file of this test, or the module's PostgreSQL database."""
    if chat_backend == "sqlite":
        return f"sqlite:///{tmp_path / 'chat-data' / 'softstart.sqlite3'}"
    return request.getfixturevalue("postgres_module_database")


@pytest.fixture
def chat_services_factory(services: Services, chat_database_url: str) -> Iterator[Callable[..., Services]]:
    """Makes services like the shared ones but with a fresh engine on this test's database
    (a "restart" is a second call) and a chat coach of our own (``coach_overrides``)."""
    engines = []

    def make(**coach_overrides) -> Services:
        engine = make_engine(chat_database_url)
        upgrade_database(engine)
        engines.append(engine)
        store = SessionStore(engine)
        coach = build_chat_coach(services, **coach_overrides)
        return dataclasses.replace(
            services, db_engine=engine, sessions=store, coach=coach, conversations=Conversations(store, coach)
        )

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def chat_services(chat_services_factory) -> Services:
    return chat_services_factory()


@pytest.fixture
def chat_client(app_settings, chat_services: Services) -> Iterator[TestClient]:
    """The real app (TestClient) over this test's session database."""
    with TestClient(create_app(app_settings, services=chat_services)) as client:
        yield client


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def chat_server(app_settings, chat_services: Services) -> Iterator[str]:
    """The app served by a real uvicorn on a free loopback port; yields its base URL."""
    import uvicorn

    port = free_loopback_port()
    config = uvicorn.Config(
        create_app(app_settings, services=chat_services), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="chat-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)
