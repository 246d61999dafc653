"""Answering questions about the dynamic from the knowledge base, with citations."""
