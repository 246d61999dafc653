"""Where one locale's rule data and prompts live: the file names inside ``<locales_dir>/<code>/`` and
``<prompts_dir>/<code>/``. Built from settings by the composition root; nothing here knows the package's
own location."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.rule_data import DataFileError

# Other languages screened by their own safety rule data (``<locales_dir>/<code>/safety/rules.yaml``).
SAFETY_LANGUAGES = ("es", "fr", "de", "pt")


@dataclass(frozen=True)
class LocaleData:
    locales_dir: Path
    prompts_root: Path
    code: str = "en"

    @classmethod
    def from_settings(cls, settings) -> "LocaleData":
        return cls(Path(settings.locales_dir), Path(settings.prompts_dir), settings.locale)

    @property
    def folder(self) -> Path:
        return self.locales_dir / self.code

    @property
    def prompts_dir(self) -> Path:
        return self.prompts_root / self.code

    # ---------------------------------------------------------------- the analyzer and the rewriter
    @property
    def topics(self) -> Path:
        """The one topic table: key, label, need and the keywords that find it."""
        return self.folder / "topics.yaml"

    @property
    def analyzer_lexicon(self) -> Path:
        return self.folder / "analyzer_lexicon.yaml"

    @property
    def softstarts(self) -> Path:
        return self.folder / "softstarts.yaml"

    @property
    def source_phrasing(self) -> Path:
        return self.folder / "source_phrasing.yaml"

    # ---------------------------------------------------------------- the chat
    @property
    def cues(self) -> Path:
        return self.folder / "chat" / "cues.yaml"

    @property
    def techniques(self) -> Path:
        return self.folder / "chat" / "techniques.yaml"

    # ---------------------------------------------------------------- safety
    @property
    def safety_rules(self) -> Path:
        return self.folder / "safety" / "rules.yaml"

    @property
    def safety_lexicon(self) -> Path:
        return self.folder / "safety" / "lexicon.yaml"

    @property
    def safety_exemplars(self) -> Path:
        return self.folder / "safety" / "exemplars.yaml"

    @property
    def safety_resources(self) -> Path:
        return self.folder / "safety" / "resources.yaml"

    def safety_book(self, code: str) -> Path:
        """Another language's safety rules and lexicon, in one file."""
        return self.locales_dir / code / "safety" / "rules.yaml"

    # ---------------------------------------------------------------- answers
    @property
    def synonyms(self) -> Path:
        return self.folder / "knowledge" / "synonyms.yaml"

    def required_files(self, languages: tuple[str, ...] = SAFETY_LANGUAGES) -> list[Path]:
        return [
            self.topics, self.analyzer_lexicon, self.softstarts, self.source_phrasing, self.cues,
            self.techniques, self.safety_rules, self.safety_lexicon, self.safety_exemplars, self.safety_resources,
            self.synonyms, *(self.safety_book(code) for code in languages),
        ]

    def check(self, languages: tuple[str, ...] = SAFETY_LANGUAGES) -> None:
        """Fail with one line for the first missing folder or file, before anything reads them."""
        if not self.prompts_dir.is_dir():
            raise DataFileError(self.prompts_dir, f"prompts folder for locale {self.code!r} not found")
        if not self.folder.is_dir():
            raise DataFileError(self.folder, f"rule data folder for locale {self.code!r} not found")
        for path in self.required_files(languages):
            if not path.is_file():
                raise DataFileError(path, "file not found")
