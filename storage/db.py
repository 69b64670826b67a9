"""Engine and session factory. Nothing here runs at import time."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

SessionFactory = Callable[[], Session]


def _normalize_url(url: str) -> str:
    """Let users write plain ``postgresql://`` URLs; we ship the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside the one writer; foreign keys make cascades real."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def create_db_engine(url: str) -> Engine:
    """An engine for ``url``: SQLite files in WAL mode, or PostgreSQL."""
    url = _normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # Bulk inserts (a broadcast's outbox rows) in statements of 100 rows: psycopg parses each new
    # statement text while holding the GIL, and a 300-row statement stalled the event loop ~70 ms;
    # same-sized pages reuse one parsed text and are faster overall.
    return create_engine(url, pool_pre_ping=True, insertmanyvalues_page_size=100)


def lock_row(session: Session, model: Any, row_id: int) -> None:
    """Hold ``model``'s row ``row_id`` until the transaction ends, so that what is read
    next (a count of seats) and written after it cannot interleave with another writer.

    PostgreSQL locks the row (``SELECT … FOR UPDATE``); SQLite has no row locks, so a
    no-op UPDATE starts the write transaction, which SQLite runs one at a time.
    """
    table = model.__table__
    if session.connection().dialect.name == "postgresql":
        session.execute(select(table.c.id).where(table.c.id == row_id).with_for_update())
    else:
        session.execute(update(table).where(table.c.id == row_id).values(id=table.c.id))


def session_factory(engine: Engine) -> SessionFactory:
    """Sessions that keep loaded rows usable after commit (replies are built after it)."""

    def new_session() -> Session:
        return Session(engine, expire_on_commit=False)

    return new_session
