"""Shared fixtures: a migrated database per test and a world around the real core.

Each test gets a fresh SQLite file copied from one migrated template (fast).
With COWORKBOT_TEST_POSTGRES_URL set, the ``db_url`` fixture is parametrized to
also run every test against that PostgreSQL database, schema reset per test.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from storage.db import create_db_engine, session_factory
from storage.migrate import upgrade
from tests.world import BASE_TIME, FakeClock, World

# Bot processes the tests start inherit this: parallel processes would all want port 8080.
# A test of the web server sets its own free port.
os.environ["COWORKBOT_HTTP_PORT"] = "0"


def _postgres_url_of_this_worker(url: str | None) -> str | None:
    """Under pytest-xdist each worker gets a database of its own (``<name>_gw0``, created when
    missing), since every test empties the schema it runs on."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


POSTGRES_URL = _postgres_url_of_this_worker(os.environ.get("COWORKBOT_TEST_POSTGRES_URL"))
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


_postgres_migrated = False


def _reset_postgres(url: str) -> None:
    """Migrate from scratch once per run, then empty every table between tests (fast)."""
    global _postgres_migrated
    from sqlalchemy import text
    from sqlmodel import SQLModel

    engine = create_db_engine(url)
    with engine.begin() as conn:
        if not _postgres_migrated:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    if not _postgres_migrated:
        upgrade(engine)
        _postgres_migrated = True
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated, empty database."""
    if request.param == "sqlite":
        path = tmp_path / "coworkbot.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
    else:
        assert POSTGRES_URL
        _reset_postgres(POSTGRES_URL)
        yield POSTGRES_URL


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, rate_limit_per_minute=1000)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(BASE_TIME)


@pytest.fixture
def world(settings: Settings, clock: FakeClock) -> Iterator[World]:
    engine = create_db_engine(settings.database_url)
    yield World(session_factory(engine), settings, clock)
    engine.dispose()
