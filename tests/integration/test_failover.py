"""Two ``coworkbot run`` processes on one PostgreSQL database: the leader dies, the standby takes over.

Both run against the Bot API emulator and a real Synapse. The leader is killed (SIGKILL) in the
middle of a broadcast to 100 groups and before an event's reminder is due.
The standby must answer commands within 10 s of the kill, finish the
broadcast and send the reminder: every chat gets each message once, no
command is answered twice. As in test_broadcast_kill, the kill avoids the one
window no bot can close (Telegram accepted a message, the commit marking it
sent had not happened): the process is frozen until the database agrees with
what Telegram received.
"""
from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
import secrets

from bot.messages import ChatRef
from bot.reminders import plan_event
from bot.spaces import create_space, link_chat
from storage.db import create_db_engine, session_factory
from storage.models import Event
from storage.types import utcnow
from tests.conftest import POSTGRES_URL, _reset_postgres
from tests.integration.matrix_helpers import ask, bot_bodies, bot_joined
from tests.integration.matrix_homeserver import SynapseServer, UserFactory
from tests.integration.telegram_emulator import TelegramEmulator
from tests.integration.test_broadcast_kill import kill_outside_the_unknowable_window

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="needs COWORKBOT_TEST_POSTGRES_URL (PostgreSQL)")

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "555666778:AAFakeTokenForTheFailoverTestOnly012"
CHATS = 100
ZOE = {"id": 1, "first_name": "Zoe", "username": "zoe", "language_code": "en"}
REMINDER_IN = timedelta(seconds=25)


def network(url: str) -> None:
    """100 spaces with a group each, and an event in the first whose 1-minute reminder is 25 s away."""
    _reset_postgres(url)
    engine = create_db_engine(url)
    now = utcnow()
    with session_factory(engine)() as session:
        for n in range(CHATS):
            space = create_space(session, [f"Hub {n:03d}", "Paris", "FR", "Europe/Paris", "en"])
            link_chat(session, ChatRef("telegram", str(-1001 - n)), space)
            if n == 0:
                event = Event(space_id=space.id, title="Demo day", starts_at=now + timedelta(minutes=1) + REMINDER_IN,
                              status="confirmed")
                session.add(event)
                session.flush()
                plan_event(session, event, ZoneInfo("Europe/Paris"), (timedelta(minutes=1),), now)
        session.commit()
    engine.dispose()


def marked_sent(url: str) -> int:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as db:
        row = db.execute("SELECT count(*) FROM outboxmessage WHERE kind = 'broadcast' AND status = 'sent' "
                         "AND platform = 'telegram'").fetchone()
        return int(row[0]) if row else 0


def group_messages(emu: TelegramEmulator, text: str) -> int:
    return len([m for m in emu.sent() if m.chat_id < 0 and text in m.text])


async def start_bot(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", cwd=ROOT, env=env, stdout=out, stderr=out)


async def wait_for_line(log: Path, text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text(errors="replace"):
        if time.monotonic() > deadline:
            raise AssertionError(f"{log.name} never said {text!r}:\n{log.read_text()[-3000:]}")
        await asyncio.sleep(0.1)


async def until(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.1)


async def test_the_standby_takes_over_within_10_s_and_nothing_is_lost_or_doubled(
        tmp_path: Path, synapse_server: SynapseServer, matrix_user_factory: UserFactory) -> None:
    assert POSTGRES_URL
    network(POSTGRES_URL)
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    account = await synapse_server.register_user(f"failover-{secrets.token_hex(4)}", password=secrets.token_hex(8))
    alice = await matrix_user_factory("alice")
    room = await alice.create_room("Hub 000 room", invite=[account.user_id])
    async with TelegramEmulator(TOKEN) as emu:
        for n in range(CHATS):
            emu.add_chat(-1001 - n, "supergroup", f"Hub {n:03d}")
        env = {**os.environ, "COWORKBOT_TELEGRAM_TOKEN": TOKEN, "COWORKBOT_TELEGRAM_API_URL": emu.base_url,
               "COWORKBOT_DATABASE_URL": POSTGRES_URL, "COWORKBOT_COORDINATORS": f"tg:1,{alice.user_id}",
               "COWORKBOT_LOG_LEVEL": "INFO", "COWORKBOT_REMINDER_OFFSETS": "1m",
               "COWORKBOT_MATRIX_HOMESERVER": synapse_server.base_url, "COWORKBOT_MATRIX_USER_ID": account.user_id,
               "COWORKBOT_MATRIX_PASSWORD": account.password, "COWORKBOT_MATRIX_STORE_PATH": str(tmp_path / "store")}
        leader = await start_bot(env, logs[0])
        standby = None
        try:
            await wait_for_line(logs[0], "coworkbot running on", 30)
            await bot_joined(alice, room, account.user_id, timeout=30)
            await ask(alice, room, account.user_id, "!space link hub-000", "linked", timeout=30)
            standby = await start_bot(env, logs[1])
            await wait_for_line(logs[1], "standing by", 30)

            emu.user_sends(1, ZOE, "/broadcast Failover drill")
            await emu.wait_for_sent(1, 1, timeout=30)
            while group_messages(emu, "Failover drill") < 20:
                await asyncio.sleep(0.01)
            await kill_outside_the_unknowable_window(
                leader, lambda: marked_sent(POSTGRES_URL) == group_messages(emu, "Failover drill"))
            killed_at = time.monotonic()
            assert group_messages(emu, "Failover drill") < CHATS, "the kill did not land mid-broadcast"

            emu.user_sends(1, ZOE, "/spaces")
            await emu.wait_for_sent(1, 2, timeout=10)
            took_over = time.monotonic() - killed_at
            assert took_over <= 10, f"the standby answered {took_over:.1f} s after the kill"
            # Matrix too resumes from the stored sync token: a command there is answered, once.
            await ask(alice, room, account.user_id, "!here", "Hub 000", timeout=20)

            report = f"Broadcast #1: delivered to {CHATS + 1} of {CHATS + 1} chats."  # the groups and the room
            await until(lambda: any(m.text == report for m in emu.sent(1)), 60)
            await until(lambda: any("Demo day" in m.text for m in emu.sent(-1001)), 60)  # the reminder
            await asyncio.sleep(2.0)  # time for any duplicate to show up
            per_chat = {-1001 - n: group_messages(emu, "Failover drill") for n in range(CHATS)}
            assert all(len([m for m in emu.sent(chat) if "Failover drill" in m.text]) == 1 for chat in per_chat)
            reminders = [m for m in emu.sent(-1001) if "Demo day" in m.text]
            assert len(reminders) == 1, [m.text for m in emu.sent(-1001)]
            to_zoe = [m.text for m in emu.sent(1)]
            assert len([t for t in to_zoe if t.startswith("Broadcast #1 is on its way")]) == 1, to_zoe
            assert len([t for t in to_zoe if t == report]) == 1, to_zoe
            assert emu.throttled == 0
            bodies = bot_bodies(await alice.messages(room), account.user_id)
            assert sum("Failover drill" in b for b in bodies) == 1, bodies  # the broadcast reached the room once
            assert sum("linked" in b for b in bodies) == 1, bodies  # answered by the old leader, once
            assert sum("Nobody is checked in at Hub 000" in b for b in bodies) == 1, bodies  # by the new one, once
            assert sum("Demo day" in b for b in bodies) == 1, bodies  # the reminder, once
        finally:
            for process in (leader, standby):
                if process is not None and process.returncode is None:
                    process.terminate()
                    await asyncio.wait_for(process.wait(), timeout=20)
        for log in logs:
            assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
            assert TOKEN not in log.read_text()
