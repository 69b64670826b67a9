"""``coworkbot check``: settings, database and platform credentials, one line each; exit 0 when all are ok.

Also the container's health check when the web server is off, so it changes
nothing: no migration, no file created, a write probe that is rolled back,
and a Matrix password login (only when no token is known) logged out at once.
"""
from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from bot.config import Settings, load_settings, setting_problems
from bot.logs import redact, setup_logging
from bot.startup import StartupError, check_sqlite_folder, database_failure, shown_url, sqlite_path
from storage.db import SessionFactory, session_factory

PROBE_SECONDS = 30.0


class Report:
    """The lines printed so far, and whether any failed."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.failed = False

    def ok(self, item: str, detail: str) -> None:
        self.out.write(f"ok    {item}: {detail}\n")

    def fail(self, item: str, detail: str) -> None:
        self.failed = True
        self.out.write(f"FAIL  {item}: {redact(detail)}\n")


def run_check(config_file: str | Path | None, environ: Mapping[str, str] | None = None,
              out: TextIO = sys.stdout) -> int:
    report = Report(out)
    problems = setting_problems(config_file, environ)
    if problems:
        setup_logging("WARNING", ())
        for problem in problems:
            report.fail("settings", problem)
        return 1
    settings = load_settings(config_file, environ)
    setup_logging(settings.log_level or "WARNING", settings.secrets, fmt=settings.log_format)
    report.ok("settings", f"{'--config ' + str(config_file) + ' and ' if config_file else ''}"
                          "COWORKBOT_* variables are valid")
    sessions = check_database(settings, report)
    platforms = [p for p, on in (("telegram", settings.telegram_token), ("matrix", settings.matrix_homeserver)) if on]
    if platforms:
        asyncio.run(check_platforms(settings, sessions, platforms, report))
    else:
        report.ok("platforms", "none configured: `coworkbot run` starts the console")
    return 1 if report.failed else 0


def check_database(settings: Settings, report: Report) -> SessionFactory | None:
    """Opens, takes writes, schema current. Returns sessions on it when usable (for the saved Matrix login)."""
    import sqlite3

    from sqlalchemy.exc import SQLAlchemyError

    from storage.db import create_db_engine
    from storage.health import check_writable, known_revision, schema_revisions

    url = settings.database_url
    item, shown = "database", shown_url(url)
    path = sqlite_path(url)
    try:
        check_sqlite_folder(url)
        if path is not None and not path.exists():
            report.fail(item, f"no database file at {path.absolute()} yet (`coworkbot db upgrade` or the "
                              "first start creates it)")
            return None
        engine = create_db_engine(url)
        try:
            check_writable(engine)
            current, head = schema_revisions(engine)
        except (SQLAlchemyError, sqlite3.Error) as exc:  # the write probe speaks sqlite3 directly
            engine.dispose()
            raise database_failure(url, exc) from None
    except StartupError as exc:
        report.fail(item, str(exc))
        return None
    if current == head:
        report.ok(item, f"{shown} is writable, schema {current} is current")
        return session_factory(engine)
    if current is None:
        report.fail(item, f"{shown} is empty: run `coworkbot db upgrade` (or start the bot once)")
    elif known_revision(engine, current):
        report.fail(item, f"{shown} has schema {current}, this version needs {head}: run `coworkbot db upgrade`")
    else:
        report.fail(item, f"{shown} has schema {current}, from a newer coworkbot: run that version or restore a backup")
    engine.dispose()
    return None


async def check_platforms(settings: Settings, sessions: SessionFactory | None, platforms: list[str],
                          report: Report) -> None:
    from bot.app import probe_platform

    async def one(platform: str) -> tuple[str, str | None, str | None]:
        try:
            who = await asyncio.wait_for(probe_platform(platform, settings, sessions), PROBE_SECONDS)
            return platform, who, None
        except asyncio.TimeoutError:
            return platform, None, f"no answer within {PROBE_SECONDS:g} s"
        except StartupError as exc:
            return platform, None, str(exc)

    for platform, who, error in await asyncio.gather(*(one(p) for p in platforms)):
        if error is None:
            report.ok(platform, f"logged in as {who}")
        else:
            report.fail(platform, error)
