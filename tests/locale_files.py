"""The repository's locale data and prompts, from the default settings (what build_services reads)."""

from __future__ import annotations

from app.locale_data import LocaleData
from app.settings import Settings

LOCALE = LocaleData.from_settings(Settings(_env_file=None))
KNOWLEDGE_DIRS = Settings(_env_file=None).knowledge_dirs


def rule_book(rules_path=None, lexicon_path=None):
    """The English safety rule book (or other files, for tests of broken data)."""
    from app.screen.screen import load_rule_book

    return load_rule_book(rules_path or LOCALE.safety_rules, lexicon_path or LOCALE.safety_lexicon)


def resources(region: str = "US", path=None):
    from app.screen.resources import load_resources

    return load_resources(region, path or LOCALE.safety_resources)


def language_books(codes=("es", "fr", "de", "pt")):
    from app.screen.screen import load_language_books

    return load_language_books(codes, LOCALE.safety_book)
