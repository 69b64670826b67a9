"""Storage guarantees: aware UTC datetimes, WAL, migrations in step with the tables."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import StatementError
from sqlmodel import Session, SQLModel

from storage.db import create_db_engine
from storage.models import Space


def test_datetimes_come_back_aware_in_utc(db_url: str) -> None:
    engine = create_db_engine(db_url)
    paris = datetime(2026, 7, 1, 18, 30, tzinfo=ZoneInfo("Europe/Paris"))
    with Session(engine) as session:
        session.add(Space(slug="s", name="S", city="C", country="FR", timezone="Europe/Paris", created_at=paris))
        session.commit()
    with Session(engine) as session:
        stored = session.get(Space, 1).created_at  # type: ignore[union-attr]
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored == paris and stored.hour == 16


def test_naive_datetimes_are_refused(db_url: str) -> None:
    engine = create_db_engine(db_url)
    with Session(engine) as session:
        session.add(Space(slug="s", name="S", city="C", country="FR", timezone="UTC", created_at=datetime(2026, 1, 1)))
        with pytest.raises(StatementError, match="naive"):
            session.commit()


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:  # noqa: ANN001
    engine = create_db_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_migrations_match_the_tables(db_url: str) -> None:
    import storage.models  # noqa: F401

    engine = create_db_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == []


def test_utc_helper_is_aware() -> None:
    from storage.types import utcnow

    assert utcnow().tzinfo is timezone.utc
