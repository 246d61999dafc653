"""Reading rule data files strictly: one error type that names the file, the rule and the problem.

Every loader of YAML rule data (the analyzer's lexicon, the safety rules, the chat's cues and techniques, the
soft start-up library, the topic table) reads through here, so a missing file, a YAML syntax error, an entry
without an id or an option nobody reads stops the service at start-up with one line, not at a user's message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml


class DataFileError(ValueError):
    """A data or prompt file that is missing or malformed. ``str()`` is one line: file, rule id, problem."""

    def __init__(self, file: Path | str, problem: str, *, rule: str | None = None):
        self.file = str(file)
        self.rule = rule
        self.problem = " ".join(str(problem).split())  # one line, whatever the parser said
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = f"{self.file}: rule {self.rule}" if self.rule else self.file
        return f"{where}: {self.problem}"


def read_mapping(path: Path) -> dict[str, Any]:
    """The YAML mapping in ``path``; a missing file, bad YAML or anything but a mapping raise ``DataFileError``."""
    path = Path(path)
    if not path.is_file():
        raise DataFileError(path, "file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise DataFileError(path, f"malformed YAML{at}: {getattr(exc, 'problem', None) or exc}") from exc
    except UnicodeDecodeError as exc:
        raise DataFileError(path, f"not UTF-8 text: {exc}") from exc
    if not isinstance(data, dict):
        raise DataFileError(path, f"expected a mapping at the top, found {type(data).__name__}")
    return data


def check_options(
    entry: Mapping[str, Any], allowed: Iterable[str], *, file: Path | str, rule: str, error: type[DataFileError] = DataFileError
) -> None:
    """Reject keys of one rule entry that the loader does not know (a typo would otherwise load silently)."""
    unknown = sorted(set(entry) - set(allowed))
    if unknown:
        names = ", ".join(repr(str(name)) for name in unknown)
        raise error(file, f"unknown option {names} (known: {', '.join(sorted(allowed))})", rule=rule)


def require(
    entry: Mapping[str, Any], keys: Iterable[str], *, file: Path | str, rule: str, error: type[DataFileError] = DataFileError
) -> None:
    """Every key in ``keys`` must be present in the entry."""
    missing = [key for key in keys if key not in entry]
    if missing:
        raise error(file, f"missing {', '.join(repr(k) for k in missing)}", rule=rule)
