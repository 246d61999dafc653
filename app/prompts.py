"""Prompts and reply templates live as files in ``prompts/<locale>/``; this loads them by name."""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path

from app.rule_data import DataFileError

VARIANT_SEPARATOR = "\n%%\n"


class PromptNotFound(DataFileError, LookupError):
    """A prompt file that is not there; one line: the file it looked for and why."""


class PromptLibrary:
    """Reads ``<name>.md`` files from one folder.

    A file may hold several variants of one template separated by a line ``%%``;
    ``variants(name)`` returns them all, ``get(name)`` the whole file.
    Placeholders use ``$name`` / ``${name}`` (``string.Template``), so braces in
    prose and JSON examples need no escaping.
    """

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    @lru_cache(maxsize=256)
    def get(self, name: str) -> str:
        path = self.directory / f"{name}.md"
        if not path.is_file():
            raise PromptNotFound(path, f"no prompt named {name!r}")
        return path.read_text(encoding="utf-8").strip("\n")

    def variants(self, name: str) -> list[str]:
        return [part.strip("\n") for part in self.get(name).split(VARIANT_SEPARATOR) if part.strip()]

    def render(self, name: str, **values: object) -> str:
        return string.Template(self.get(name)).safe_substitute(**{k: str(v) for k, v in values.items()})

    @staticmethod
    def fill(template: str, **values: object) -> str:
        return string.Template(template).safe_substitute(**{k: str(v) for k, v in values.items()})
