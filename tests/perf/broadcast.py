"""Broadcast to 300 Telegram groups through the Bot API emulator at Telegram's limits.

Run from the repository root: ``python tests/perf/broadcast.py [--groups N]``.
Goal: 300 groups in <= 10.5 s (95 % of 30 msg/s), zero 429, zero lost.

A coordinator sends ``/broadcast`` to the real core over real HTTP; the real
outbox and Telegram adapter deliver it to the emulator, which enforces 30
messages a second overall and 20 a minute per group, like Telegram. The time
runs from the coordinator's command to the last group message. (At exactly 30
msg/s, N messages cannot take less than (N/30 - 1) s: the first 30 go at once.)
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from adapters.telegram import TelegramAdapter  # noqa: E402
from bot import app  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.messages import ChatRef  # noqa: E402
from bot.spaces import create_space, link_chat  # noqa: E402
from storage.db import create_db_engine, session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests.integration.telegram_emulator import TelegramEmulator  # noqa: E402

TOKEN = "111222333:AAPerfTokenPerfTokenPerfTokenPerf00"
ZOE = {"id": 1, "first_name": "Zoe", "language_code": "en"}


async def run(groups: int, db_path: Path) -> tuple[float, int, int, int]:
    engine = create_db_engine(f"sqlite:///{db_path}")
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions() as session:
        for n in range(groups):
            space = create_space(session, [f"Hub {n:03d}", "Paris", "FR", "Europe/Paris", "en"])
            link_chat(session, ChatRef("telegram", str(-1001 - n)), space)
        session.commit()
    async with TelegramEmulator(TOKEN) as emu:
        for n in range(groups):
            emu.add_chat(-1001 - n, "supergroup", f"Hub {n:03d}")
        settings = Settings(database_url=f"sqlite:///{db_path}", telegram_token=TOKEN,
                            telegram_api_url=emu.base_url, coordinators=("tg:1",))
        runtime = await app.start(settings, lambda rt: [TelegramAdapter(rt.settings, poll_timeout=1)],
                                  sessions=sessions, poll_seconds=0.1)
        try:
            started = time.perf_counter()
            emu.user_sends(1, ZOE, "/broadcast Perf test: hello, network!")
            deadline = started + 60
            while len({m.chat_id for m in emu.sent() if m.chat_id < 0}) < groups and time.perf_counter() < deadline:
                await asyncio.sleep(0.005)
            elapsed = time.perf_counter() - started
            await asyncio.sleep(1.0)  # late duplicates would show up now
        finally:
            await app.shutdown(runtime, drain=False)
        per_chat = [len(emu.sent(-1001 - n)) for n in range(groups)]
        engine.dispose()
        return elapsed, emu.throttled, per_chat.count(0), sum(c - 1 for c in per_chat if c > 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--groups", type=int, default=300)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        elapsed, throttled, lost, duplicated = asyncio.run(run(args.groups, Path(tmp) / "perf.db"))
    goal = args.groups / (30 * 0.95)
    print(f"groups:      {args.groups}")
    print(f"elapsed:     {elapsed:.2f} s (goal <= {goal:.1f} s; {args.groups / elapsed:.1f} msg/s)")
    print(f"429s:        {throttled} (goal 0)")
    print(f"lost:        {lost} (goal 0)")
    print(f"duplicated:  {duplicated} (goal 0)")
    return 0 if elapsed <= goal and throttled == lost == duplicated == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
