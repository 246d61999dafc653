"""The start-up check of one locale's data and prompts: every file the services read is loaded with its strict
loader, so a missing file, malformed YAML, an unknown rule option or a missing prompt stops the service before
it listens, with one line naming the file, the rule and the problem (``DataFileError``)."""

from __future__ import annotations

from app.detect.analyzer import build_analyzer
from app.reply.signals import CueBook
from app.reply.techniques import TechniqueCatalogue
from app.detect.lexicon import load_lexicon
from app.rewrite.softstart_library import SoftStartLibrary
from app.knowledge.expansion import QueryExpander
from app.locale_data import SAFETY_LANGUAGES, LocaleData
from app.prompts import PromptLibrary
from app.rule_data import DataFileError, read_mapping
from app.screen.resources import load_resources
from app.screen.screen import load_language_books, load_rule_book
from app.screen.semantic import load_exemplars
from app.settings import Settings


def check_data(settings: Settings) -> None:
    """Load every data file of the settings' locale; raise ``DataFileError`` for the first problem."""
    locale = LocaleData.from_settings(settings)
    locale.check()
    prompts = PromptLibrary(locale.prompts_dir)
    build_analyzer(prompts, load_lexicon(locale.analyzer_lexicon, locale.topics))  # PromptNotFound is a DataFileError
    SoftStartLibrary.load(locale.softstarts, locale.topics)
    read_mapping(locale.source_phrasing)
    CueBook.load(locale.cues)
    TechniqueCatalogue.load(locale.techniques, settings.knowledge_dirs)
    load_rule_book(locale.safety_rules, locale.safety_lexicon)
    load_language_books(SAFETY_LANGUAGES, locale.safety_book)
    load_exemplars(locale.safety_exemplars)
    resources = settings.safety.resources_file or locale.safety_resources
    try:
        load_resources(settings.safety.region, resources)
    except DataFileError:
        raise
    except ValueError as exc:
        raise DataFileError(resources, str(exc), rule=settings.safety.region) from exc
    QueryExpander.from_file(settings.retrieval.synonyms_file or locale.synonyms)
