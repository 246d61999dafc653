"""The softstart command, run in-process with typer's runner."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from app.cli import app

runner = CliRunner()


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    monkeypatch.setenv("SOFTSTART_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


@pytest.mark.parametrize("command", [[], ["serve"], ["index"], ["rewrite"], ["ask"], ["chat"], ["eval"], ["eval", "rewrite"], ["eval", "safety"], ["eval", "analyzer"], ["invite"], ["join"]])
def test_every_command_has_help(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_rewrite_json_output(cli_env):
    result = runner.invoke(app, ["rewrite", "--json", "You never text me back. Do you even care about me?"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["move"] == "pursue" and data["flags"] and not data["unchanged"]
    for flag in data["flags"]:
        assert data["original"][flag["span"][0]:flag["span"][1]] == flag["text"]


def test_rewrite_usage_errors_exit_2(cli_env):
    assert runner.invoke(app, ["rewrite", "   "]).exit_code == 2
    assert runner.invoke(app, ["rewrite", "--role", "boss", "hi"]).exit_code == 2


def test_rewrite_crisis_shows_resources(cli_env):
    result = runner.invoke(app, ["rewrite", "--json", "How do I word this so he doesn't hit me again?"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["safety"]["level"] == "crisis"
    assert any("1-800-799-7233" in r["contact"] for r in data["safety"]["resources"])


def test_index_adds_a_folder_and_is_incremental(cli_env):
    folder = cli_env / "mine"
    folder.mkdir()
    (folder / "a.md").write_text("---\ntitle: Mine\nsource: Me\n---\nA bid is a small reach toward a partner, like a question or a touch.\n")
    first = runner.invoke(app, ["index", "--json", str(folder)])
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert report["files_added"] >= 2 and str(folder.resolve()) in report["folders"]
    again = runner.invoke(app, ["index", "--json"])
    report = json.loads(again.stdout)
    assert report["chunks_embedded"] == 0 and report["files_removed"] == 0
    missing = runner.invoke(app, ["index", str(cli_env / "missing")])
    assert missing.exit_code == 2


def test_eval_safety_prints_figures(cli_env):
    result = runner.invoke(app, ["eval", "safety", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "must-catch recall" in result.output and "100.0%" in result.output


def test_invite_and_join_from_the_terminal(cli_env):
    from app.settings import get_settings
    from app.sessions.store.couples import CoupleStore
    from app.sessions.store.db import make_engine, upgrade_database
    from app.sessions.store.repository import SessionStore

    engine = make_engine(get_settings().resolved_database_url)
    upgrade_database(engine)
    created = SessionStore(engine).create_session()
    invited = runner.invoke(app, ["invite", "--json", "--session", created.id, "--token", created.token])
    assert invited.exit_code == 0, invited.output
    code = json.loads(invited.stdout)["code"]

    joined = runner.invoke(app, ["join", "--json", "--role", "distancer", code])
    assert joined.exit_code == 0, joined.output
    partner = json.loads(joined.stdout)
    members = CoupleStore(engine).members(CoupleStore(engine).participant(created.id).space_id)
    assert {m.session_id for m in members} == {created.id, partner["id"]}
    assert SessionStore(engine).authenticate(partner["id"], partner["token"])

    again = runner.invoke(app, ["join", code])  # used
    wrong = runner.invoke(app, ["join", "nope"])
    assert again.exit_code == wrong.exit_code == 1 and again.output == wrong.output
    assert runner.invoke(app, ["invite", "--session", created.id, "--token", "wrong"]).exit_code == 2
    engine.dispose()
