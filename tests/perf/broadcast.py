"""Broadcast to 300 Telegram groups through the Bot API emulator at Telegram's limits.

Run from the repository root: ``python tests/perf/broadcast.py [--groups N]``.
Goal: 300 groups in <= 10.5 s (95 % of 30 msg/s) once members stop talking, zero 429, zero
lost; while the broadcast goes out, members' replies keep p95 <= 300 ms (replies go first).

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


async def talk(emu: TelegramEmulator, stop: asyncio.Event, latencies: list[float]) -> None:
    """Members writing to the bot in private, one /help every 100 ms, each timed to its answer."""
    n = 0
    while not stop.is_set():
        user = {"id": 10_000 + n, "first_name": f"Member {n}", "language_code": "en"}
        started = time.perf_counter()
        emu.user_sends(user["id"], user, "/help")
        while not emu.sent(user["id"]) and time.perf_counter() - started < 10:
            await asyncio.sleep(0.002)
        latencies.append(time.perf_counter() - started)
        n += 1
        await asyncio.sleep(0.1)


async def broadcast(emu: TelegramEmulator, groups: int, text: str) -> float:
    """Seconds from the coordinator's /broadcast to the last group's message."""
    started = time.perf_counter()
    emu.user_sends(1, ZOE, f"/broadcast {text}")
    deadline = started + 60
    while len({m.chat_id for m in emu.sent() if m.chat_id < 0 and text in m.text}) < groups \
            and time.perf_counter() < deadline:
        await asyncio.sleep(0.005)
    return time.perf_counter() - started


async def run(groups: int, db_path: Path) -> dict[str, float]:
    """A broadcast while members talk (reply latency), then one while nobody does (throughput)."""
    engine = create_db_engine(f"sqlite:///{db_path}")
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions() as session:
        for n in range(groups):
            space = create_space(session, [f"Hub {n:03d}", "Paris", "FR", "Europe/Paris", "en"])
            link_chat(session, ChatRef("telegram", str(-1001 - n)), space)
        session.commit()
    figures: dict[str, float] = {}
    async with TelegramEmulator(TOKEN) as emu:
        for n in range(groups):
            emu.add_chat(-1001 - n, "supergroup", f"Hub {n:03d}")
        settings = Settings(database_url=f"sqlite:///{db_path}", telegram_token=TOKEN,
                            telegram_api_url=emu.base_url, coordinators=("tg:1",), rate_limit_per_minute=1000)
        runtime = await app.start(settings, lambda rt: [TelegramAdapter(rt.settings, poll_timeout=1)],
                                  sessions=sessions, poll_seconds=0.1)
        try:
            quiet: list[float] = []
            stop = asyncio.Event()
            talker = asyncio.create_task(talk(emu, stop, quiet))
            await asyncio.sleep(2.0)  # reply latency with no broadcast
            stop.set()
            await talker
            busy: list[float] = []
            stop = asyncio.Event()
            talker = asyncio.create_task(talk(emu, stop, busy))
            figures["talking"] = await broadcast(emu, groups, "Perf test while members talk")
            stop.set()
            await talker
            await asyncio.sleep(1.0)
            figures["quiet"] = await broadcast(emu, groups, "Perf test, nobody talking")
            await asyncio.sleep(1.0)  # late duplicates would show up now
        finally:
            await app.shutdown(runtime, drain=False)
        per_chat = [len(emu.sent(-1001 - n)) for n in range(groups)]
        engine.dispose()
    figures.update(throttled=emu.throttled, lost=sum(2 - c for c in per_chat if c < 2),
                   duplicated=sum(c - 2 for c in per_chat if c > 2))
    for name, values in (("idle", quiet), ("busy", busy)):
        values.sort()
        figures[f"{name}_p50"] = values[len(values) // 2] * 1000
        figures[f"{name}_p95"] = values[int(len(values) * 0.95)] * 1000
        figures[f"{name}_n"] = len(values)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--groups", type=int, default=300)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        f = asyncio.run(run(args.groups, Path(tmp) / "perf.db"))
    goal = args.groups / (30 * 0.95)
    print(f"groups:             {args.groups} (two broadcasts)")
    print(f"replies, no bulk:   p50 {f['idle_p50']:.0f} ms, p95 {f['idle_p95']:.0f} ms ({f['idle_n']:.0f} replies)")
    print(f"replies, broadcast: p50 {f['busy_p50']:.0f} ms, p95 {f['busy_p95']:.0f} ms "
          f"({f['busy_n']:.0f} replies; goal p95 <= 300 ms)")
    print(f"broadcast, talking: {f['talking']:.2f} s ({args.groups / f['talking']:.1f} msg/s)")
    print(f"broadcast, quiet:   {f['quiet']:.2f} s (goal <= {goal:.1f} s; {args.groups / f['quiet']:.1f} msg/s)")
    print(f"429s:               {f['throttled']:.0f} (goal 0)")
    print(f"lost:               {f['lost']:.0f} (goal 0)")
    print(f"duplicated:         {f['duplicated']:.0f} (goal 0)")
    ok = f["quiet"] <= goal and f["busy_p95"] <= 300 and f["throttled"] == f["lost"] == f["duplicated"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
