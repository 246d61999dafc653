"""Adapters: language models, the sentence embedder and the vector store."""
