"""Alembic environment and revisions of the session store (run by ``app.store.db.upgrade_database``)."""
