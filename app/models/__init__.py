"""Learned components: the labelled corpus, the trained heads over a frozen sentence embedder, and the
``model`` engines of the detect, screen and chat-intent jobs."""
