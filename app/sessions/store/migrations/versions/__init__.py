"""Alembic revisions of the session store, oldest first by their ``down_revision`` chain."""
