"""The chat application layer (conversations) and its session store."""
