"""One active instance per database: the leader lock.

On PostgreSQL any number of ``coworkbot run`` processes may share a database.
Each asks for a session-level advisory lock on a connection of its own; the
one that gets it is the leader (platform I/O, scheduler, delivery), the others
stand by and ask again every second. The lock lives as long as the leader's
database session: when the process dies, the server drops the session and the
lock with it (at once for a killed process, whose socket the kernel closes;
within the TCP keepalive time for a vanished host), and a standby takes over.

The leader checks its lock connection regularly: a leader that lost it (the
server restarted, the network went away) must stop acting at once, because a
standby may already have taken over.

On SQLite one instance only: an exclusive ``flock`` on a file beside the
database refuses a second process with one line naming the database.
"""
from __future__ import annotations

import asyncio
import fcntl
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

#: The advisory lock key: any fixed 64-bit number; this one spells "cowork".
LOCK_KEY = 0x636F776F726B
#: How PostgreSQL notices a leader whose host vanished (seconds): idle, interval, count.
KEEPALIVE = {"keepalives": 1, "keepalives_idle": 2, "keepalives_interval": 1, "keepalives_count": 3,
             "tcp_user_timeout": 5000, "connect_timeout": 5}


class AnotherInstance(RuntimeError):
    """A second process on a SQLite database (one instance only)."""


class LeaderLock:
    """Wait to lead; then keep checking that we still do."""

    def __init__(self, database_url: str, *, poll_seconds: float = 1.0) -> None:
        self.url = make_url(database_url)
        self.poll_seconds = poll_seconds
        self._conn: Any = None
        self._file: Any = None

    @property
    def is_postgres(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    async def acquire(self, on_standby: Callable[[], None] | None = None) -> None:
        """Return once this process leads; on PostgreSQL wait (standing by) while another does."""
        if not self.is_postgres:
            self._lock_sqlite_file()
            return
        told = False
        while not await asyncio.to_thread(self._try_postgres):
            if not told:
                told = True
                log.info("standing by: another coworkbot instance leads this database; "
                         "taking over when it stops")
                if on_standby:
                    on_standby()
            await asyncio.sleep(self.poll_seconds)
        log.info("leading: this instance runs the platforms, the scheduler and the delivery")

    async def watch(self, check_seconds: float = 2.0) -> None:
        """Return when the lock is lost (PostgreSQL); never returns on SQLite."""
        if not self.is_postgres:
            await asyncio.Event().wait()
        while True:
            await asyncio.sleep(check_seconds)
            if not await asyncio.to_thread(self._still_held):
                log.error("lost the leader lock (database connection gone); stopping")
                return

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()  # closing the session releases the advisory lock
            except Exception:  # noqa: BLE001 - already gone
                pass
            self._conn = None
        if self._file is not None:
            self._file.close()
            self._file = None

    # -- PostgreSQL -----------------------------------------------------------------
    def _connect(self) -> Any:
        import psycopg

        url = self.url.set(drivername="postgresql")
        dsn = url.render_as_string(hide_password=False)
        return psycopg.connect(dsn, autocommit=True, application_name="coworkbot-leader", **KEEPALIVE)

    def _try_postgres(self) -> bool:
        try:
            if self._conn is None or self._conn.closed:
                self._conn = self._connect()
            row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()
            return bool(row and row[0])
        except Exception as exc:  # noqa: BLE001 - the database may come back; keep standing by
            log.warning("leader lock: cannot reach the database: %s", type(exc).__name__)
            self.release()
            return False

    def _still_held(self) -> bool:
        try:
            row = self._conn.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
                "AND granted AND ((classid::bigint << 32) | objid::bigint) = %s", (LOCK_KEY,)).fetchone()
            return bool(row and row[0])
        except Exception:  # noqa: BLE001 - a broken connection means the lock is gone
            return False

    # -- SQLite ---------------------------------------------------------------------
    def _lock_sqlite_file(self) -> None:
        database = self.url.database
        if not database or database == ":memory:":
            return
        path = Path(f"{database}.lock")
        handle = open(path, "a+")  # noqa: SIM115 - held for the life of the process
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise AnotherInstance(
                f"another coworkbot instance is running on {database}; SQLite allows one instance "
                "(use PostgreSQL to run several)") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
