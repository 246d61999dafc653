"""Alembic environment and revisions of the session store (run by ``app.sessions.store.db.upgrade_database``)."""
