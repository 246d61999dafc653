"""BM25 over chunks with their titles; query expansion with the glossary's synonyms."""

from __future__ import annotations

from app.knowledge.expansion import QueryExpander
from app.knowledge.lexical import LexicalIndex, tokens
from tests.locale_files import LOCALE

CHUNKS = [
    ("a", "Ask for a pause of a set length, then check back in.", {"title": "The 20-minute break", "section": "How it works"}),
    ("b", "A pursuer is driven by fear of losing the connection.", {"title": "Why pursuers chase", "section": ""}),
    ("c", "Life changes such as the birth of a child upset the balance.", {"title": "Life changes", "section": "Homeostasis"}),
]


def test_titles_count_and_numbers_are_digits():
    index = LexicalIndex(lambda: CHUNKS, lambda: 1)
    assert index.search("twenty minute break")[0].chunk_id == "a"
    assert "20" in tokens("twenty minutes")


def test_rebuilt_when_the_collection_changes():
    chunks = list(CHUNKS[:2])
    version = [1]
    index = LexicalIndex(lambda: list(chunks), lambda: version[0])
    assert not index.search("birth of a child")
    chunks.append(CHUNKS[2])
    version[0] = 2
    assert index.search("birth of a child")[0].chunk_id == "c"


def test_unknown_words_find_nothing():
    assert LexicalIndex(lambda: CHUNKS, lambda: 1).search("quantum entanglement") == []


def test_glossary_synonyms_expand_queries():
    expander = QueryExpander.from_file(LOCALE.synonyms)
    assert "20 minute break" in expander.related("what is a time-out?")
    assert "distancer" in expander.related("why does the withdrawer go quiet")
    assert "protest polka" in expander.related("the pursue-withdraw loop")
    assert expander.related("capital of France") == []


def test_best_score_uses_only_the_question_s_own_words():
    index = LexicalIndex(lambda: CHUNKS, lambda: 1)
    assert index.best("birth of a child") > 0
    assert index.best("quantum entanglement") == 0.0
