"""Knowledge base: loading articles, embedding, the Chroma index and retrieval."""
