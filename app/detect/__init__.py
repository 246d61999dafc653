"""The detect job: what a message does (harsh words, move, topic)."""
