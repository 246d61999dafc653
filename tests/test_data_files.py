"""Paths come from settings; data and prompt files load strictly; a bad file stops the start with one line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from app.reply.signals import CueBook
from app.reply.techniques import TechniqueCatalogue
from app.detect.lexicon import LexiconError, load_lexicon
from app.data_check import check_data
from app.locale_data import LocaleData
from app.rule_data import DataFileError
from app.settings import Settings
from tests.locale_files import KNOWLEDGE_DIRS, LOCALE

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_only_the_settings_know_where_the_package_is():
    """No import-time paths: ``Path(__file__)`` appears in app/settings.py and nowhere else in app/."""
    users = sorted(
        path.relative_to(REPO_ROOT).as_posix()
        for path in (REPO_ROOT / "app").rglob("*.py")
        if "Path(__file__)" in path.read_text(encoding="utf-8")
    )
    assert users == ["app/settings.py"]


def test_the_shipped_locale_loads_cleanly():
    check_data(Settings(_env_file=None, environment="test"))


def _one_line(error: Exception) -> str:
    text = str(error)
    assert "\n" not in text, text
    return text


@pytest.fixture
def locale_copy(tmp_path) -> LocaleData:
    """A writable copy of the shipped locales and prompts."""
    shutil.copytree(LOCALE.locales_dir, tmp_path / "locales")
    shutil.copytree(LOCALE.prompts_root, tmp_path / "prompts")
    return LocaleData(tmp_path / "locales", tmp_path / "prompts", "en")


def _settings(locale: LocaleData, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None, environment="test", data_dir=tmp_path / "data", locales_dir=locale.locales_dir,
        prompts_dir=locale.prompts_root, knowledge_dirs=KNOWLEDGE_DIRS,
    )


def test_a_typo_in_a_lexicon_option_is_refused(locale_copy):
    path = locale_copy.analyzer_lexicon
    text = path.read_text(encoding="utf-8")
    assert "praise_guard: true" in text
    path.write_text(text.replace("praise_guard: true", "praise_gaurd: true", 1), encoding="utf-8")
    with pytest.raises(LexiconError) as caught:
        load_lexicon(path, locale_copy.topics)
    line = _one_line(caught.value)
    assert str(path) in line and "'praise_gaurd'" in line
    assert re.search(r"rule [a-z_]+\.\d+: unknown option", line), line


def test_a_topic_with_an_unknown_option_is_refused(locale_copy):
    path = locale_copy.topics
    path.write_text(path.read_text(encoding="utf-8").replace("  money:\n", "  money:\n    needs: oops\n", 1), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"rule money: unknown option 'needs'"):
        load_lexicon(locale_copy.analyzer_lexicon, path)


def test_a_cue_and_a_technique_with_unknown_options_are_refused(locale_copy, tmp_path):
    cues = locale_copy.cues
    cues.write_text(cues.read_text(encoding="utf-8").replace("    weight:", "    wieght:", 1), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"cues\.yaml: rule \S+: unknown option 'wieght'"):
        CueBook.load(cues)
    techniques = locale_copy.techniques
    techniques.write_text(techniques.read_text(encoding="utf-8").replace("    priority:", "    priorty:", 1), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"techniques\.yaml: rule \S+: unknown option 'priorty'"):
        TechniqueCatalogue.load(techniques, KNOWLEDGE_DIRS)


def test_a_technique_whose_article_is_missing_is_refused(locale_copy, tmp_path):
    with pytest.raises(DataFileError, match=r"techniques\.yaml: rule \S+: article \S+ not found"):
        TechniqueCatalogue.load(locale_copy.techniques, [tmp_path / "empty"])


def test_a_malformed_rule_file_is_refused_with_its_line(locale_copy):
    path = locale_copy.cues
    path.write_text("cues:\n  - id: a\n    label: [unclosed\n", encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        CueBook.load(path)
    line = _one_line(caught.value)
    assert line.startswith(str(path)) and "malformed YAML at line" in line


@pytest.mark.parametrize(
    "remove, named",
    [
        (lambda locale: locale.softstarts, "softstarts.yaml: file not found"),
        (lambda locale: locale.safety_book("de"), "de/safety/rules.yaml: file not found"),
        (lambda locale: locale.prompts_dir / "analyzer_patterns.md", "analyzer_patterns.md: no prompt named 'analyzer_patterns'"),
    ],
)
def test_a_missing_data_or_prompt_file_stops_the_start(locale_copy, tmp_path, remove, named):
    remove(locale_copy).unlink()
    with pytest.raises(DataFileError) as caught:
        check_data(_settings(locale_copy, tmp_path))
    assert named in _one_line(caught.value)


def test_an_unknown_locale_stops_the_start(locale_copy, tmp_path):
    settings = _settings(locale_copy, tmp_path).model_copy(update={"locale": "xx"})
    with pytest.raises(DataFileError, match="folder for locale 'xx' not found"):
        check_data(settings)


def test_the_app_factory_refuses_to_start_with_one_line(locale_copy, tmp_path):
    from app.main import create_app

    path = locale_copy.safety_rules
    path.write_text(path.read_text(encoding="utf-8").replace("    skip_in_fiction:", "    skip_in_fictoin:", 1), encoding="utf-8")
    with pytest.raises(SystemExit) as caught:
        create_app(_settings(locale_copy, tmp_path))
    message = str(caught.value.code)
    assert "\n" not in message
    assert message.startswith("softstart: cannot start: ") and str(path) in message
    assert re.search(r"rule [a-z_]+\.[a-z_]+: unknown option 'skip_in_fictoin'", message), message


def test_the_cli_refuses_to_start_with_one_line(locale_copy, tmp_path, monkeypatch, capsys):
    from app import cli

    path = locale_copy.safety_rules
    path.write_text(path.read_text(encoding="utf-8").replace("    skip_in_fiction:", "    skip_in_fictoin:", 1), encoding="utf-8")
    monkeypatch.setenv("SOFTSTART_LOCALES_DIR", str(locale_copy.locales_dir))
    monkeypatch.setenv("SOFTSTART_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr("sys.argv", ["softstart", "rewrite", "You never listen."])
    with pytest.raises(SystemExit) as caught:
        cli.main()
    assert caught.value.code == cli.EXIT_UNAVAILABLE
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and "unknown option 'skip_in_fictoin'" in lines[0], lines
