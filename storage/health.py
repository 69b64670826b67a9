"""Is the database usable? For ``coworkbot check`` and the checks before a start.

Nothing here changes the database: the write probe creates a table inside a
transaction that is rolled back, and the schema is compared, not migrated.
"""
from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from storage.migrate import alembic_config

_PROBE = "CREATE TABLE coworkbot_write_probe (x INTEGER)"


def check_writable(engine: Engine) -> None:
    """Raise the database's own error if this process cannot write to it (read-only file, standby, rights)."""
    if engine.dialect.name == "sqlite":
        # pysqlite would commit DDL outside any transaction: drive the transaction by hand.
        raw = engine.raw_connection()
        try:
            driver = raw.driver_connection
            saved, driver.isolation_level = driver.isolation_level, None
            try:
                driver.execute("BEGIN IMMEDIATE")
                try:
                    driver.execute(_PROBE)
                finally:
                    driver.execute("ROLLBACK")
            finally:
                driver.isolation_level = saved
        finally:
            raw.close()
        return
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            conn.exec_driver_sql(_PROBE)
        finally:
            transaction.rollback()


def schema_revisions(engine: Engine) -> tuple[str | None, str | None]:
    """(the database's revision, the code's head revision); None for a database never migrated."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current, script.get_current_head()


def known_revision(engine: Engine, revision: str) -> bool:
    """Whether this code knows ``revision`` (a newer coworkbot may have migrated the database)."""
    from alembic.util import CommandError

    try:
        return ScriptDirectory.from_config(alembic_config(engine)).get_revision(revision) is not None
    except CommandError:
        return False
