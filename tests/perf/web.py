"""The web application under load: the public page's render time, and /readyz during a broadcast.

Run from the repository root: ``python tests/perf/web.py [--postgres]``.

1. The public page ``/`` and a space page for 400 spaces (open check-ins, opening hours) and
   1,000 events, 200 of them network events: sequential requests over real HTTP, each timed
   from request to last byte. Goal: < 50 ms.
2. ``/readyz`` at 200 requests a second while a coordinator's ``/broadcast`` goes to 300
   Telegram groups at Telegram's limits. Goal: p99 < 20 ms. The bot, its outbox and its web
   server run here; the Bot API emulator and the load generator run in processes of their own,
   so that only the bot's own work is on its event loop (and under its GIL). The load is open
   loop: a request is sent every 5 ms whether the last one has been answered or not.
3. Meanwhile a task in the bot's loop measures how late the loop wakes it (the loop's longest
   stall): no database work may block the loop for more than 50 ms.

With ``--postgres`` both run on the PostgreSQL database named by COWORKBOT_TEST_POSTGRES_URL
(its schema is dropped and rebuilt: a test database only); else on a temporary SQLite file.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TOKEN = "111222333:AAPerfTokenPerfTokenPerfTokenPerf00"
ZOE = {"id": 1, "first_name": "Zoe", "language_code": "en"}
COUNTRIES = [("FR", "Europe/Paris", "fr"), ("IT", "Europe/Rome", "it"), ("ES", "Europe/Madrid", "es"),
             ("GR", "Europe/Athens", "el"), ("HR", "Europe/Zagreb", "hr"), ("DE", "Europe/Berlin", "de"),
             ("SI", "Europe/Ljubljana", "sl"), ("AT", "Europe/Vienna", "de")]


def fresh_database(url: str | None, folder: Path):  # noqa: ANN201 - a SessionFactory
    from storage.db import session_factory
    from tests.perf.databases import fresh_engine

    if url is None:
        folder.mkdir(exist_ok=True)
        url = f"sqlite:///{folder / 'web.db'}"
    engine = fresh_engine(url)
    return url, engine, session_factory(engine)


def build_network(sessions, spaces: int, events: int) -> str:  # noqa: ANN001
    """``spaces`` spaces with hours and people in, ``events`` upcoming events; the first space's slug."""
    from bot.spaces import create_space
    from storage.models import CheckIn, Event, Member
    from storage.types import utcnow

    rng = random.Random(7)
    now = utcnow()
    with sessions() as session:
        made = []
        for n in range(spaces):
            country, tz, lang = COUNTRIES[n % len(COUNTRIES)]
            space = create_space(session, [f"Hub {n:03d}", f"City {n % 97}", country, tz, lang])
            space.opening_hours = "Mo-Fr 08:00-19:00; Sa 09:00-13:00"
            space.capacity = 20 + n % 30
            made.append(space)
        session.flush()
        for n, space in enumerate(made):
            for k in range(n % 6):
                member = Member(platform="telegram", user_id=f"{n}-{k}", display_name=f"Member {n}-{k}")
                session.add(member)
                session.flush()
                session.add(CheckIn(member_id=member.id, space_id=space.id, started_at=now,
                                    expires_at=now + timedelta(hours=8)))
        for n in range(events):
            space = made[rng.randrange(len(made))]
            starts = now + timedelta(days=rng.randrange(1, 60), hours=rng.randrange(0, 10))
            session.add(Event(space_id=space.id, title=f"Event {n}", location="Room 1", starts_at=starts,
                              ends_at=starts + timedelta(hours=2), network=n % 5 == 0, status="confirmed",
                              rrule="FREQ=WEEKLY" if n % 10 == 0 else None))
        session.commit()
        return made[0].slug


async def time_pages(sessions, settings, slug: str, repeats: int) -> dict[str, list[float]]:  # noqa: ANN001
    import aiohttp

    from bot.web.context import WebContext
    from bot.web.server import WebServer

    context = WebContext(settings, sessions=sessions)
    context.state.leader = True
    server = WebServer(context)
    await server.start(host="127.0.0.1", port=0)
    timings: dict[str, list[float]] = {}
    try:
        async with aiohttp.ClientSession() as http:
            for path, lang in (("/", "fr"), (f"/spaces/{slug}", "el")):
                for attempt in range(repeats + 2):
                    started = time.perf_counter()
                    async with http.get(server.url + path, headers={"Accept-Language": lang}) as response:
                        body = await response.read()
                    elapsed = (time.perf_counter() - started) * 1000
                    assert response.status == 200, (path, response.status, body[:300])
                    if attempt >= 2:  # the first two warm templates and caches
                        timings.setdefault(path if path == "/" else "/spaces/SLUG", []).append(elapsed)
    finally:
        await server.stop()
    return timings


# ---------------------------------------------------------------------------- child processes

async def emulator_child(groups: int) -> None:
    """The Bot API emulator with ``groups`` groups, and a control port: POST /say, GET /count."""
    from aiohttp import web

    from tests.integration.telegram_emulator import TelegramEmulator

    async with TelegramEmulator(TOKEN) as emu:
        for n in range(groups):
            emu.add_chat(-1001 - n, "supergroup", f"Hub {n:03d}")

        async def say(request: web.Request) -> web.Response:
            emu.user_sends(1, ZOE, (await request.json())["text"])
            return web.json_response({})

        async def count(request: web.Request) -> web.Response:
            text = request.query["text"]
            chats = {m.chat_id for m in emu.sent() if m.chat_id < 0 and text in m.text}
            return web.json_response({"chats": len(chats), "throttled": emu.throttled})

        control = web.Application()
        control.router.add_post("/say", say)
        control.router.add_get("/count", count)
        runner = web.AppRunner(control, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        print(json.dumps({"api": emu.base_url, "control": f"http://127.0.0.1:{port}"}), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes it
        await runner.cleanup()


async def load_child(url: str, rate: float, seconds: float) -> None:
    """GET ``url`` ``rate`` times a second for ``seconds`` (open loop); print the latencies (ms) as JSON."""
    import aiohttp

    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def one(http: aiohttp.ClientSession) -> None:
        started = time.perf_counter()
        try:
            async with http.get(url) as response:
                await response.read()
                statuses[response.status] = statuses.get(response.status, 0) + 1
        except aiohttp.ClientError:
            statuses[0] = statuses.get(0, 0) + 1
        latencies.append((time.perf_counter() - started) * 1000)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200)) as http:
        tasks = []
        start = time.perf_counter()
        for n in range(int(rate * seconds)):
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(http)))
        await asyncio.gather(*tasks)
    print(json.dumps({"latencies": latencies, "statuses": statuses}), flush=True)


# ---------------------------------------------------------------------------- the broadcast run

def elsewhere() -> None:
    """Telegram and the prober are other machines in real life: here they yield the CPU to the bot
    and its database (on 2 cores, four busy processes otherwise take turns with the bot's loop)."""
    os.nice(10)


async def readiness_during_broadcast(url: str, sessions, groups: int, rate: float) -> dict[str, object]:  # noqa: ANN001
    import aiohttp

    from adapters.telegram import TelegramAdapter
    from bot import app
    from bot.config import Settings
    from bot.messages import ChatRef
    from bot.spaces import create_space, link_chat
    from bot.web.context import WebContext
    from bot.web.server import WebServer

    with sessions() as session:
        for n in range(groups):
            space = create_space(session, [f"Group hub {n:03d}", "Paris", "FR", "Europe/Paris", "en"])
            link_chat(session, ChatRef("telegram", str(-1001 - n)), space)
        session.commit()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    emulator = subprocess.Popen([sys.executable, __file__, "--emulator", str(groups)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, env=env, preexec_fn=elsewhere)
    try:
        assert emulator.stdout is not None
        where = json.loads(emulator.stdout.readline())
        settings = Settings(database_url=url, telegram_token=TOKEN, telegram_api_url=where["api"],
                            coordinators=("tg:1",), rate_limit_per_minute=1000)
        context = WebContext(settings)
        context.state.leader = True
        server = WebServer(context)
        await server.start(host="127.0.0.1", port=0)
        runtime = await app.start(settings, lambda rt: [TelegramAdapter(rt.settings, poll_timeout=1)],
                                  sessions=sessions, poll_seconds=0.1, web=context)
        app.keep_out_of_collections()  # as `coworkbot run` does once started
        try:
            await asyncio.sleep(1.5)  # the first getUpdates answered: ready
            text = "Perf broadcast while probed"
            seconds = groups / 30 + 4
            load = await asyncio.create_subprocess_exec(
                sys.executable, __file__, "--load", server.url + "/readyz", str(rate), f"{seconds:.1f}",
                stdout=asyncio.subprocess.PIPE, env=env, preexec_fn=elsewhere)
            async with aiohttp.ClientSession() as http:
                await asyncio.sleep(1.0)  # a second of probes before the broadcast
                context.state.loop.reset()
                started = time.perf_counter()
                await http.post(where["control"] + "/say", json={"text": f"/broadcast {text}"})
                delivered, throttled = 0, 0
                while delivered < groups and time.perf_counter() - started < 60:
                    await asyncio.sleep(0.1)
                    async with http.get(where["control"] + "/count", params={"text": text}) as response:
                        counts = await response.json()
                    delivered, throttled = counts["chats"], counts["throttled"]
            broadcast_seconds = time.perf_counter() - started
            stall = context.state.loop.reset()
            out, _ = await load.communicate()
            probes = json.loads(out)
        finally:
            await app.shutdown(runtime, drain=False)
            await server.stop()
    finally:
        if emulator.stdin:
            emulator.stdin.close()
        emulator.wait(timeout=30)
    latencies = sorted(probes["latencies"])
    return {"delivered": delivered, "throttled": throttled, "broadcast_seconds": broadcast_seconds,
            "stall_ms": stall * 1000, "latencies": latencies, "statuses": probes["statuses"]}


def percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(len(values) * share))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", action="store_true", help="on COWORKBOT_TEST_POSTGRES_URL instead of SQLite")
    parser.add_argument("--spaces", type=int, default=400)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--groups", type=int, default=300)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--emulator", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--load", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.emulator:
        asyncio.run(emulator_child(args.emulator))
        return 0
    if args.load:
        asyncio.run(load_child(args.load[0], float(args.load[1]), float(args.load[2])))
        return 0
    logging.basicConfig(level=logging.WARNING)
    postgres = os.environ.get("COWORKBOT_TEST_POSTGRES_URL") if args.postgres else None
    if args.postgres and not postgres:
        print("--postgres needs COWORKBOT_TEST_POSTGRES_URL", file=sys.stderr)
        return 2
    from bot.config import Settings

    with tempfile.TemporaryDirectory() as tmp:
        url, engine, sessions = fresh_database(postgres, Path(tmp))
        slug = build_network(sessions, args.spaces, args.events)
        pages = asyncio.run(time_pages(sessions, Settings(database_url=url), slug, args.repeats))
        engine.dispose()
        url, engine, sessions = fresh_database(postgres, Path(tmp) / "broadcast")
        ready = asyncio.run(readiness_during_broadcast(url, sessions, args.groups, args.rate))
        engine.dispose()
    print(f"database:            {'PostgreSQL' if postgres else 'SQLite'}")
    worst_page = 0.0
    for path, values in pages.items():
        values.sort()
        worst_page = max(worst_page, statistics.median(values))
        print(f"page {path:<15} median {statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms "
              f"({args.spaces} spaces, {args.events} events; goal < 50 ms)")
    latencies = ready["latencies"]
    assert isinstance(latencies, list)
    p99 = percentile(latencies, 0.99)
    print(f"/readyz at {args.rate:.0f}/s:     p50 {percentile(latencies, 0.5):.1f} ms, p99 {p99:.1f} ms, "
          f"max {latencies[-1]:.1f} ms ({len(latencies)} probes, statuses {ready['statuses']}; goal p99 < 20 ms)")
    print(f"broadcast:           {ready['delivered']}/{args.groups} groups in {ready['broadcast_seconds']:.1f} s, "
          f"{ready['throttled']} refused with 429")
    print(f"event loop:          longest stall {ready['stall_ms']:.1f} ms during the broadcast (goal < 50 ms)")
    ok = worst_page < 50 and p99 < 20 and ready["stall_ms"] < 50 and ready["delivered"] == args.groups
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
