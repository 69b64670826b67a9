"""``/metrics`` over a big outbox: how long a scrape takes, and how long it stalls the event loop.

Run from the repository root: ``python tests/perf/metrics.py [--postgres] [--rows N]``.

The outbox keeps sent rows for ``OUTBOX_RETENTION`` (30 days): after a few
network-wide broadcasts it holds 100,000 rows. A scrape counts them by
platform and status (one GROUP BY) and counts open check-ins by space, in a
thread. Goals: a scrape under 200 ms; the event loop never stalled more than
20 ms by it (the loop keeps answering the platforms while a scrape runs).

With ``--postgres`` on the PostgreSQL database named by COWORKBOT_TEST_POSTGRES_URL (its schema is
dropped and rebuilt: a test database only); else on a temporary SQLite file.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def outbox_rows(count: int) -> Any:
    from storage.types import utcnow

    now = utcnow()
    for n in range(count):
        status = "sent" if n % 10 else ("pending" if n % 20 else "failed")
        yield {"platform": "telegram" if n % 3 else "matrix", "chat_id": f"-{n}", "is_direct": False,
               "text": "x" * 300, "buttons": [], "kind": "broadcast", "status": status, "attempts": 1,
               "next_attempt_at": now, "created_at": now, "parts_sent": 0}


async def measure(url: str, rows: int) -> None:
    from sqlalchemy import text

    from bot.config import Settings
    from storage.bulk import insert_rows
    from storage.db import session_factory
    from storage.models import OutboxMessage
    from tests.perf.databases import fresh_engine
    from tests.web_client import web_client, web_context

    engine = fresh_engine(url)
    with engine.begin() as conn:
        insert_rows(conn, OutboxMessage.__table__, outbox_rows(rows))  # type: ignore[attr-defined]
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    context = web_context(Settings(database_url=url), session_factory(engine))
    context.state.loop.start()
    timings = []
    async with web_client(context) as client:
        for _ in range(20):
            context.state.loop.reset()
            started = time.perf_counter()
            response = await client.get("/metrics")
            await response.read()
            timings.append(time.perf_counter() - started)
            await asyncio.sleep(0.02)  # the watch's last wake-up is counted too
    stall = context.state.loop.reset()
    await context.state.loop.stop()
    engine.dispose()
    print(f"{engine.dialect.name}, {rows} outbox rows: scrape median {statistics.median(timings) * 1000:.1f} ms, "
          f"max {max(timings) * 1000:.1f} ms (goal < 200); longest loop stall {stall * 1000:.1f} ms (goal < 20)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--rows", type=int, default=100_000)
    options = parser.parse_args()
    if options.postgres:
        url = os.environ["COWORKBOT_TEST_POSTGRES_URL"]
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'metrics.db'}"
    asyncio.run(measure(url, options.rows))


if __name__ == "__main__":
    main()
