"""A sentence said again and again is read as it is read once (the heads never saw such messages)."""

from app.models.reader import without_repeated_sentences


def test_a_sentence_repeated_twenty_times_is_kept_once():
    line = "I feel so alone when he goes quiet like this."
    assert without_repeated_sentences(" ".join([line] * 20)) == line


def test_a_message_without_repeats_is_unchanged():
    text = "He left.  I waited up. He left."
    assert without_repeated_sentences("I waited. Then I called.  Nothing.") == "I waited. Then I called.  Nothing."
    assert without_repeated_sentences(text) == "He left. I waited up."
