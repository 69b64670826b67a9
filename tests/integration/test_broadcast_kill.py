"""SIGKILL in the middle of a 200-chat broadcast, restart: every chat gets it exactly once.

The bot runs as a real ``coworkbot run`` process against the Bot API emulator
and a SQLite file. It is killed while the broadcast is going out, restarted,
and finishes the job from its outbox.

One moment is excluded on purpose: "Telegram accepted a message, the commit
marking it sent has not happened yet". The Bot API has no idempotency key,
so no bot can know after a crash whether that one message went out; the
outbox keeps the window to the time of one commit. The test freezes the
process (SIGSTOP), lets the emulator finish whatever request is already on
the wire, and kills only when the database agrees with what Telegram
received; otherwise it thaws the process and tries again a moment later.
"""
from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

from bot.messages import ChatRef
from bot.spaces import create_space, link_chat
from storage.db import create_db_engine, session_factory
from storage.migrate import upgrade
from tests.integration.telegram_emulator import TelegramEmulator

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "555666777:AAFakeTokenForTheKillTestOnly0123456"
CHATS = 200
ZOE = {"id": 1, "first_name": "Zoe", "username": "zoe", "language_code": "en"}


def network_of_spaces(db_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{db_path}")
    upgrade(engine)
    with session_factory(engine)() as session:
        for n in range(CHATS):
            space = create_space(session, [f"Hub {n:03d}", "Paris", "FR", "Europe/Paris", "en"])
            link_chat(session, ChatRef("telegram", str(-1001 - n)), space)
        session.commit()
    engine.dispose()


async def start_bot(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", cwd=ROOT, env=env, stdout=out, stderr=out)


def marked_sent(db_path: Path) -> int | None:
    try:
        with sqlite3.connect(db_path, timeout=1) as db:
            return db.execute("SELECT count(*) FROM outboxmessage WHERE kind = 'broadcast' AND status = 'sent'").fetchone()[0]
    except sqlite3.OperationalError:  # the frozen process holds a lock: try another moment
        return None


def group_messages(emu: TelegramEmulator) -> int:
    return len([m for m in emu.sent() if m.chat_id < 0])


async def kill_outside_the_unknowable_window(process: asyncio.subprocess.Process,
                                             database_agrees: Callable[[], bool]) -> None:
    """SIGKILL ``process`` at a moment when ``database_agrees()`` that what it marked sent is what
    Telegram received (frozen with SIGSTOP to look; thawed and tried again otherwise)."""
    for _ in range(400):
        process.send_signal(signal.SIGSTOP)
        await asyncio.sleep(0.2)  # the emulator serves what is already on the wire
        if database_agrees():
            process.kill()
            await process.wait()
            return
        process.send_signal(signal.SIGCONT)
        # Just long enough to record the answers it got; short, so that a busy
        # machine still finds the moment before the broadcast is over.
        await asyncio.sleep(0.005)
    raise AssertionError("never found a moment where the database agreed with Telegram")


async def test_sigkill_mid_broadcast_then_restart_delivers_each_chat_exactly_once(tmp_path: Path) -> None:
    db_path = tmp_path / "coworkbot.db"
    network_of_spaces(db_path)
    log = tmp_path / "bot.log"
    async with TelegramEmulator(TOKEN) as emu:
        for n in range(CHATS):
            emu.add_chat(-1001 - n, "supergroup", f"Hub {n:03d}")
        env = {**os.environ, "COWORKBOT_TELEGRAM_TOKEN": TOKEN, "COWORKBOT_TELEGRAM_API_URL": emu.base_url,
               "COWORKBOT_DATABASE_URL": f"sqlite:///{db_path}", "COWORKBOT_COORDINATORS": "tg:1",
               "COWORKBOT_LOG_LEVEL": "INFO"}
        env.pop("COWORKBOT_MATRIX_HOMESERVER", None)
        bot = await start_bot(env, log)
        try:
            emu.user_sends(1, ZOE, "/broadcast Hello, network!")
            [queued] = await emu.wait_for_sent(1, 1, timeout=30)
            assert queued.text == "Broadcast #1 is on its way to 200 chats. I will report here when it is delivered."
            while group_messages(emu) < 30:
                await asyncio.sleep(0.01)
            await kill_outside_the_unknowable_window(bot, lambda: marked_sent(db_path) == group_messages(emu))
            before_restart = group_messages(emu)
            assert 30 <= before_restart < CHATS, "the kill did not land mid-broadcast"

            bot = await start_bot(env, log)
            messages = await emu.wait_for_sent(1, 2, timeout=40)  # the delivery report comes last
            assert messages[1].text == "Broadcast #1: delivered to 200 of 200 chats."
            await asyncio.sleep(1.0)  # time for any duplicate to show up
            per_chat = {-1001 - n: len(emu.sent(-1001 - n)) for n in range(CHATS)}
            assert [chat for chat, count in per_chat.items() if count != 1] == []
            assert all(m.text == "📢 Network announcement from Zoe (@zoe):\nHello, network!"
                       for m in emu.sent() if m.chat_id < 0)
            assert emu.throttled == 0
        finally:
            if bot.returncode is None:
                bot.terminate()
                await asyncio.wait_for(bot.wait(), timeout=20)
        assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
        assert TOKEN not in log.read_text()
