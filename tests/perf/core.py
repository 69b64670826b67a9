"""Throughput of the core: check-in commands per second through ``Core.handle``.

Prints commands/s for ``/checkin`` by many members (each their first of the
day, so each command inserts one check-in row) through the real core on a
SQLite file, and, in the same run, raw SQLAlchemy Core inserts/s of the same
check-in rows with one transaction each (what a command must at least do). Goal: >= 2,000 commands/s
and >= 25 % of the raw rate. With COWORKBOT_TEST_POSTGRES_URL set (a scratch database: it is emptied),
the same pair on PostgreSQL (goal >= 30 % of the raw rate).
Also prints how long ``coworkbot --help`` takes to start (goal < 300 ms).

Run: .venv/bin/python tests/perf/core.py [commands]
"""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.core import Core  # noqa: E402
from bot.messages import ChatRef, Message, Sender  # noqa: E402
from bot.spaces import create_space, link_chat  # noqa: E402
from storage.db import create_db_engine, session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import CheckIn, Member  # noqa: E402

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)


def setup(url: str):  # noqa: ANN201
    """An empty migrated database at ``url`` (PostgreSQL: the schema is emptied first) with one space."""
    if url.startswith("postgresql"):
        from tests.conftest import _reset_postgres

        _reset_postgres(url)
    engine = create_db_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions() as session:
        space = create_space(session, ["Hub", "Marseille", "FR", "Europe/Paris", "en"])
        link_chat(session, ChatRef("console", "hub"), space)
        session.commit()
        space_id = space.id
    return engine, sessions, space_id


async def core_rate(n: int, url: str) -> float:
    """``n`` members who have talked to the bot before each send their first /checkin of the day."""
    engine, sessions, space_id = setup(url)
    with engine.begin() as conn:  # regulars of the space: they have talked to the bot before
        conn.execute(insert(Member.__table__), [  # type: ignore[attr-defined]
            {"platform": "console", "user_id": f"m{i}", "display_name": f"Member {i}", "handle": None,
             "is_coordinator": False, "consent_directory": True, "consent_presence": True, "consent_intros": False,
             "consent_requests": True, "home_space_id": space_id, "created_at": NOW, "last_seen_at": NOW}
            for i in range(n)])
    core = Core(Settings(database_url="unused", rate_limit_per_minute=10**9), sessions, clock=lambda: NOW)
    chat = ChatRef("console", "hub")
    messages = [Message(chat, Sender("console", f"m{i}", f"Member {i}"), "/checkin deep work") for i in range(n)]
    start = time.perf_counter()
    for message in messages:
        replies = await core.handle(message)
        assert replies[0].text.startswith("Checked in"), replies[0].text
    elapsed = time.perf_counter() - start
    engine.dispose()
    return n / elapsed


def raw_rate(n: int, url: str) -> float:
    engine, _, space_id = setup(url)
    table = CheckIn.__table__  # type: ignore[attr-defined]
    statement = insert(table)
    row = {"member_id": None, "space_id": space_id, "note": "deep work",
           "started_at": NOW, "expires_at": NOW + timedelta(hours=8), "ended_at": None}
    start = time.perf_counter()
    for _ in range(n):
        with engine.begin() as conn:
            conn.execute(statement, row)
    elapsed = time.perf_counter() - start
    engine.dispose()
    return n / elapsed


def help_startup() -> float:
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run([str(Path(sys.executable).with_name("coworkbot")), "--help"], check=True,
                       capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    rounds = 3  # best of three for each: this machine is shared, single runs vary by 10 % or more
    commands, raw = 0.0, 0.0
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            commands = max(commands, asyncio.run(core_rate(n, f"sqlite:///{tmp}/core.db")))
            raw = max(raw, raw_rate(n, f"sqlite:///{tmp}/raw.db"))
    print(f"SQLite: check-in commands through the core   {commands:10.0f} /s   (goal >= 2000; best of {rounds})")
    print(f"SQLite: raw SQLAlchemy inserts, 1 tx each     {raw:10.0f} /s   (best of {rounds})")
    print(f"SQLite: core / raw                            {commands / raw:10.1%}   (goal >= 25 %)")
    postgres = os.environ.get("COWORKBOT_TEST_POSTGRES_URL")
    if postgres:  # emptied and reused: point it at a scratch database
        commands, raw = 0.0, 0.0
        for _ in range(rounds):
            commands = max(commands, asyncio.run(core_rate(n, postgres)))
            raw = max(raw, raw_rate(n, postgres))
        print(f"PostgreSQL: check-in commands through the core {commands:8.0f} /s   (best of {rounds})")
        print(f"PostgreSQL: raw SQLAlchemy inserts, 1 tx each  {raw:8.0f} /s   (best of {rounds})")
        print(f"PostgreSQL: core / raw                         {commands / raw:8.1%}   (goal >= 30 %)")
    print(f"coworkbot --help                      {help_startup() * 1000:10.0f} ms  (goal < 300 ms)")


if __name__ == "__main__":
    main()
