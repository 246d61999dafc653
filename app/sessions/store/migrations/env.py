"""Alembic environment of the session store, configured in code (no alembic.ini).

``app.sessions.store.db.upgrade_database`` hands over an open connection, already inside the one
transaction (and lock) the upgrade runs in, through ``config.attributes["connection"]``.
Without one, the URL in the ``sqlalchemy.url`` option is used (see ``app.sessions.store.db.alembic_config``).
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection

from app.sessions.store.db import make_engine, write_transaction
from app.sessions.store.models import UTCDateTime, metadata


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Autogenerate plain SQLAlchemy types, so revisions never import application code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(**options: Any) -> None:
    context.configure(
        target_metadata=metadata,
        render_as_batch=True,  # SQLite can only ALTER tables by copying them
        render_item=_render_item,
        compare_type=True,
        **options,
    )


def _run_with(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    _configure(url=context.config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run_with(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: pass a connection in config.attributes or set sqlalchemy.url")
    engine = make_engine(url)
    try:
        with write_transaction(engine) as connection:
            _run_with(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
