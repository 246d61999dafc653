"""The bounded load test (bench/load_test.py), short, with the server SIGKILLed mid-load.

A real uvicorn server with two workers on loopback, real chat sessions, a real SQLite file or
PostgreSQL database. Every message the server acknowledged before or after the kill must be in
the database, and nothing may answer 5xx. The full-size run (32 clients, 60 s) is a command;
its figures are in bench/RESULTS.md.
"""

from __future__ import annotations

import pytest

from bench.load_test import LoadPlan, run_load_test
from tests.store.conftest import (  # noqa: F401 - fixtures: the module's own PostgreSQL database
    postgres_admin_engine,
    postgres_databases,
    postgres_module_database,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def indexed_data_dir(tmp_path_factory, embedder, app_settings):
    """A data directory whose knowledge index is built, as after `softstart index`."""
    from app.services import open_index, sync_index

    data_dir = tmp_path_factory.mktemp("load-test")
    settings = app_settings.model_copy(update={"data_dir": data_dir})
    sync_index(settings, open_index(settings, embedder))
    return data_dir


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_no_acknowledged_message_is_lost_when_the_server_is_killed_under_load(database, indexed_data_dir, request, tmp_path):
    database_url = None if database == "sqlite" else request.getfixturevalue("postgres_module_database")
    if database == "sqlite":
        (indexed_data_dir / "softstart.sqlite3").unlink(missing_ok=True)
    plan = LoadPlan(clients=8, seconds=12, kill_at=6, after_restart=6, workers=2, database_url=database_url)

    outcome = run_load_test(plan, data_dir=indexed_data_dir, log_path=tmp_path / "server.log")

    assert outcome.kill is not None, "the server was not killed"
    assert outcome.kill["acknowledged_before_kill"] > 0, "nothing was acknowledged before the kill"
    assert len(outcome.acknowledged) > outcome.acknowledged_at_restart, "the restarted server acknowledged nothing"
    assert outcome.connection_errors > 0, "clients never saw the server down"
    assert outcome.server_errors == 0, outcome.statuses
    assert outcome.missing == [], outcome.missing[:10]
    assert outcome.database_ok, outcome.database_detail
    assert outcome.statuses.get("rewrite 200", 0) > 0 and outcome.statuses.get("ask 200", 0) > 0, outcome.statuses
