"""Failover time: from SIGKILL of the leader to the standby's first answer (goal <= 10 s).

Two ``coworkbot run`` processes share a PostgreSQL database and the Bot API
emulator; the leader is killed, a member sends a command at once, and the
script prints how long the answer took, over a few rounds (each round's
survivor is the next round's leader).

Run: COWORKBOT_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \
     .venv/bin/python tests/perf/failover.py [rounds]
"""
from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.integration.telegram_emulator import TelegramEmulator  # noqa: E402
from tests.integration.test_failover import CHATS, TOKEN, ZOE, network, start_bot, wait_for_line  # noqa: E402


async def main(rounds: int) -> None:
    url = os.environ.get("COWORKBOT_TEST_POSTGRES_URL")
    if not url:
        raise SystemExit("set COWORKBOT_TEST_POSTGRES_URL to a PostgreSQL database that may be emptied")
    network(url)
    folder = Path(tempfile.mkdtemp())
    figures = []
    async with TelegramEmulator(TOKEN) as emu:
        for n in range(CHATS):
            emu.add_chat(-1001 - n, "supergroup", f"Hub {n:03d}")
        env = {**os.environ, "COWORKBOT_TELEGRAM_TOKEN": TOKEN, "COWORKBOT_TELEGRAM_API_URL": emu.base_url,
               "COWORKBOT_DATABASE_URL": url, "COWORKBOT_COORDINATORS": "tg:1", "COWORKBOT_LOG_LEVEL": "INFO",
               "COWORKBOT_HTTP_PORT": "0"}  # two processes on one machine
        env.pop("COWORKBOT_MATRIX_HOMESERVER", None)
        leader = await start_bot(env, folder / "0.log")
        await wait_for_line(folder / "0.log", "coworkbot running on", 60)
        for n in range(1, rounds + 1):
            standby = await start_bot(env, folder / f"{n}.log")
            await wait_for_line(folder / f"{n}.log", "standing by", 60)
            answered = len(emu.sent(1))
            leader.kill()
            await leader.wait()
            killed = time.monotonic()
            emu.user_sends(1, ZOE, "/help")
            await emu.wait_for_sent(1, answered + 1, timeout=60)
            figures.append(time.monotonic() - killed)
            print(f"round {n}: SIGKILL to the standby's first answer {figures[-1]:.2f} s", flush=True)
            leader = standby
        leader.terminate()
        await leader.wait()
    print(f"failover over {rounds} rounds: median {statistics.median(figures):.2f} s, "
          f"worst {max(figures):.2f} s (goal <= 10 s)")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
