"""Telegram updates survive a stop, a crash and a restart: every command is answered, once.

The adapter keeps the getUpdates offset, and the updates it fetched but has
not handled yet, in the database (adapters.telegram_updates). A new adapter
over the same database, as after a restart or when a standby takes over,
answers what came while no bot was running, and what the last one had fetched
(and so confirmed to Telegram) but not answered, and nothing twice.
"""
from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from adapters.telegram import TelegramAdapter
from adapters.telegram_polling import UpdatePoller
from bot.config import Settings
from bot.core import Core
from bot.messages import Message, Reply
from storage.db import create_db_engine, session_factory
from tests.integration.telegram_emulator import TelegramEmulator
from tests.integration.test_telegram_adapter import ANA, BOB, CLEO, TOKEN

USERS = (ANA, BOB, CLEO)


async def started(settings: Settings, handle: Any, sessions: Any) -> TelegramAdapter:
    adapter = TelegramAdapter(settings, sessions=sessions, poll_timeout=1)
    await adapter.start(handle)
    return adapter


def answers(emu: TelegramEmulator, user: dict[str, Any]) -> list[str]:
    return [m.text or "" for m in emu.sent(user["id"])]


async def test_a_restarted_bot_answers_what_came_meanwhile_and_nothing_twice(settings: Settings) -> None:
    async with TelegramEmulator(TOKEN) as emu:
        settings = replace(settings, telegram_token=TOKEN, telegram_api_url=emu.base_url)
        sessions = session_factory(create_db_engine(settings.database_url))
        core = Core(settings, sessions)
        first = await started(settings, core.handle, sessions)
        for user in USERS:
            emu.user_sends(user["id"], user, "/lang fr")
        for user in USERS:
            await emu.wait_for_sent(user["id"], 1)
        await first.stop()

        for user in USERS:  # nobody is polling: Telegram keeps these
            emu.user_sends(user["id"], user, "/help")
            emu.user_sends(user["id"], user, "/spaces")
        second = await started(settings, Core(settings, sessions).handle, sessions)
        try:
            for user in USERS:
                await emu.wait_for_sent(user["id"], 3)
            await asyncio.sleep(1.5)  # a poll or two more: nothing comes again
        finally:
            await second.stop()
    for user in USERS:
        replies = answers(emu, user)
        assert len(replies) == 3, replies
        assert replies[0] == "Je te parlerai en français."
        assert "/checkin" in replies[1] and "/checkin" not in replies[2]  # /help, then /spaces: in order
    assert emu.pending_updates == []


async def test_updates_fetched_but_not_handled_when_the_bot_died_are_answered_after_the_restart(
        settings: Settings) -> None:
    async with TelegramEmulator(TOKEN) as emu:
        settings = replace(settings, telegram_token=TOKEN, telegram_api_url=emu.base_url)
        sessions = session_factory(create_db_engine(settings.database_url))
        core = Core(settings, sessions)
        stuck = asyncio.Event()

        async def dying(message: Message) -> list[Reply]:
            """Answers Ana; hangs on everyone else's message, as a process about to be killed would."""
            if message.sender.user_id != str(ANA["id"]):
                stuck.set()
                await asyncio.Event().wait()
            return await core.handle(message)

        first = await started(settings, dying, sessions)
        emu.user_sends(BOB["id"], BOB, "/help")
        emu.user_sends(CLEO["id"], CLEO, "/spaces")
        emu.user_sends(ANA["id"], ANA, "/help")
        await stuck.wait()
        await emu.wait_for_sent(ANA["id"], 1)  # other chats go on while Bob's and Cleo's hang
        poller, dispatcher = first.updates.source, first.updates.dispatcher
        assert isinstance(poller, UpdatePoller) and dispatcher is not None
        for _ in range(40):  # the next long poll confirms the batch to Telegram: only the database has it
            if not emu.pending_updates and len(dispatcher._tasks) == 2:  # and Ana's is recorded as handled
                break
            await asyncio.sleep(0.05)
        assert emu.pending_updates == []
        poller._task.cancel()  # type: ignore[union-attr]  # killed: nothing more is handled or recorded
        for task in list(dispatcher._tasks):
            task.cancel()
        await asyncio.sleep(0)

        second = await started(settings, Core(settings, sessions).handle, sessions)
        try:
            await emu.wait_for_sent(BOB["id"], 1)
            await emu.wait_for_sent(CLEO["id"], 1)
            await asyncio.sleep(1.5)
        finally:
            await second.stop()
            await first.stop()
    assert [len(answers(emu, user)) for user in USERS] == [1, 1, 1]  # Ana answered once, Bob and Cleo once
