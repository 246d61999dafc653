"""Query expansion with the glossary's synonyms: "time-out" also searches "20-minute break", and so on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from app.rule_data import DataFileError, check_options, read_mapping
_DASHES = re.compile(r"[-\u2010-\u2015]+")


def normalise(text: str) -> str:
    """Lower case, dashes and hyphens as spaces, curly apostrophes straight, single spaces."""
    text = _DASHES.sub(" ", text.lower().replace("\u2019", "'"))
    return " " + " ".join(re.findall(r"[a-z0-9']+", text)) + " "


@dataclass(frozen=True)
class QueryExpander:
    """Groups of phrases that name one idea; a query naming one phrase gains the group's others."""

    groups: tuple[tuple[str, ...], ...]

    @classmethod
    def from_file(cls, path: Path) -> "QueryExpander":
        """Groups from ``{groups: [[phrase, ...], ...]}`` (the locale's ``knowledge/synonyms.yaml``)."""
        data = read_mapping(path)
        check_options(data, {"groups"}, file=path, rule="(top level)")
        if not isinstance(data.get("groups") or [], list):
            raise DataFileError(path, "'groups' must be a list of lists of phrases", rule="groups")
        groups = tuple(tuple(normalise(str(p)).strip() for p in group) for group in data.get("groups", []) if group)
        return cls(groups)

    def related(self, query: str) -> list[str]:
        """Phrases the query does not use, from every group it touches."""
        text = normalise(query)
        extra: list[str] = []
        for group in self.groups:
            if any(f" {phrase} " in text for phrase in group):
                extra.extend(phrase for phrase in group if f" {phrase} " not in text and phrase not in extra)
        return extra

    def expand(self, query: str) -> str:
        """The query followed by its related phrases (for lexical ranking)."""
        extra = self.related(query)
        return f"{query} {' '.join(extra)}" if extra else query
