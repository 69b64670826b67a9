"""Start-up failures as one line each, and patience with services that are not up yet.

An operator who starts the bot with a wrong setting should read one line
naming that setting, not a traceback (which may also print a secret). Errors
are sorted in two: a service that does not answer (connection refused, a
timeout, a 5xx) may come back, so ``run`` waits for it with a growing delay;
anything else (a refused token, a read-only database) will not fix itself,
so the process stops.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import Engine, make_url

from bot.config import PREFIX

log = logging.getLogger(__name__)
T = TypeVar("T")

FIRST_DELAY = 1.0
MAX_DELAY = 60.0


class StartupError(Exception):
    """The process cannot start; the message is one line naming the setting or service, never a secret."""


class Unreachable(StartupError):
    """A service did not answer (refused, timed out, 5xx): it may come back, so it is worth retrying."""

    def __init__(self, setting: str, url: str, reason: str) -> None:
        super().__init__(f"cannot reach {setting} {url}: {reason}")
        self.setting, self.url, self.reason = setting, url, reason


class Refused(StartupError):
    """A service answered no (a rejected token or password): retrying will not help."""


async def keep_trying(attempt: Callable[[], Awaitable[T]], stop: asyncio.Event | None = None, *,
                      first_delay: float = FIRST_DELAY, max_delay: float = MAX_DELAY) -> T | None:
    """``attempt()`` until it works; while it raises :class:`Unreachable`, log one line and wait longer each time.

    Returns None if ``stop`` is set while waiting; other errors propagate.
    """
    delay = first_delay
    while True:
        try:
            return await attempt()
        except Unreachable as exc:
            log.warning("%s, retrying in %s s", exc, f"{delay:g}")
        if stop is None:
            await asyncio.sleep(delay)
        else:
            try:
                await asyncio.wait_for(stop.wait(), timeout=delay)
                return None
            except asyncio.TimeoutError:
                pass
        delay = min(max_delay, delay * 2)


# -- the database ---------------------------------------------------------------------
SETTING = f"{PREFIX}DATABASE_URL"
_UNREACHABLE = ("connection refused", "timeout expired", "timed out", "could not translate host name",
                "name or service not known", "no route to host", "network is unreachable",
                "the database system is starting up", "temporary failure in name resolution")


def shown_url(url: str) -> str:
    """The URL with its password hidden, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL (None for PostgreSQL or an in-memory database)."""
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def check_sqlite_folder(url: str) -> None:
    """SQLite creates the file but not its folder; say which folder is missing or not writable."""
    path = sqlite_path(url)
    if path is None:
        return
    folder = path.absolute().parent
    if not folder.is_dir():
        raise StartupError(f"{SETTING}: the folder {folder} does not exist (for {shown_url(url)})")
    import os

    if not os.access(folder, os.W_OK | os.X_OK):
        raise StartupError(f"{SETTING}: the folder {folder} is not writable by this user "
                           "(SQLite writes its journal and lock files beside the database)")


def database_failure(url: str, exc: BaseException) -> StartupError:
    """One line for what went wrong opening, migrating or writing the database."""
    from bot.logs import redact

    orig = getattr(exc, "orig", None) or exc
    detail = redact(" ".join(str(orig).split()))[:300] or type(orig).__name__
    lowered = detail.lower()
    shown = shown_url(url)
    if isinstance(exc, ModuleNotFoundError):
        return StartupError(f"{SETTING}: no driver for {shown} ({exc.name} is not installed)")
    if make_url(url).get_backend_name() == "postgresql" and any(w in lowered for w in _UNREACHABLE):
        return Unreachable("DATABASE_URL", shown, _short_reason(lowered))
    if "file is not a database" in lowered or "malformed" in lowered:
        return StartupError(f"{SETTING}: {make_url(url).database} is not an SQLite database, or it is damaged "
                            f"({detail}); restore it from a backup")
    if "readonly" in lowered or "read-only" in lowered or "permission denied" in lowered:
        return StartupError(f"{SETTING}: {shown} is read-only for this process ({detail})")
    if "can't locate revision" in lowered:
        return StartupError(f"{SETTING}: {shown} was migrated by a newer coworkbot ({detail}); "
                            "run that version, or restore a backup")
    return StartupError(f"{SETTING}: cannot use {shown}: {detail}")


def _short_reason(lowered: str) -> str:
    for words in _UNREACHABLE:
        if words in lowered:
            return words
    return "no answer"


def open_engine(url: str, *, migrate: bool = True, writable: bool = True) -> Engine:
    """An engine on ``url`` that works: the folder exists, the file is a database, we may write, schema current.

    Every failure is a :class:`StartupError` (an :class:`Unreachable` for a server that did not answer).
    """
    import sqlite3

    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from storage.db import create_db_engine
    from storage.health import check_writable
    from storage.migrate import upgrade

    check_sqlite_folder(url)
    engine = None
    try:
        engine = create_db_engine(url)
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        if writable:
            check_writable(engine)
        if migrate:
            upgrade(engine)
        return engine
    except (SQLAlchemyError, sqlite3.Error, CommandError, OSError, ModuleNotFoundError) as exc:
        if engine is not None:
            engine.dispose()
        raise database_failure(url, exc) from None
