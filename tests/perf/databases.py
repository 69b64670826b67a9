"""A fresh, migrated database for a benchmark (its PostgreSQL schema is dropped: test databases only)."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine

from storage.db import create_db_engine
from storage.migrate import upgrade


def fresh_engine(url: str) -> Engine:
    """An engine on ``url`` with the schema at head and no rows (a PostgreSQL schema is rebuilt)."""
    engine = create_db_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    return engine
