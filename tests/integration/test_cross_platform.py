"""One process on Telegram and Matrix at once: a space's group and room see the same things.

The Telegram side is the Bot API emulator, the Matrix side a real Synapse;
both adapters run over one database and one outbox, as ``coworkbot run`` does.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest_asyncio

from bot.config import Settings
from tests.integration.conftest import RunningBot, run_bot
from tests.integration.matrix_helpers import ask, from_bot, space_room
from tests.integration.matrix_homeserver import MatrixTestUser, UserFactory
from tests.integration.telegram_emulator import TelegramEmulator

GROUP = -1001
ANA = {"id": 7, "first_name": "Ana", "username": "ana_tg"}
BRUNO = {"id": 8, "first_name": "Bruno", "username": "bruno_tg"}
TOKEN = "123456:TEST-TOKEN"


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(TOKEN) as emu:
        yield emu


async def both_platforms(matrix_settings: Settings, emu: TelegramEmulator, coordinator: MatrixTestUser) -> RunningBot:
    from adapters.matrix import MatrixAdapter
    from adapters.telegram import TelegramAdapter

    settings = replace(matrix_settings, telegram_token=TOKEN, telegram_api_url=emu.base_url,
                       coordinators=(coordinator.user_id, f"tg:{ANA['id']}"))
    return await run_bot(settings, lambda s, sessions: [
        TelegramAdapter(s, poll_timeout=1), MatrixAdapter(s, sessions, encryption=False, sync_timeout_ms=2000)])


async def group_text(emu: TelegramEmulator, contains: str, after: int = 0, timeout: float = 15.0) -> str:
    """The first bot message in the Telegram group (from index ``after``) containing ``contains``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        found = [m.text or "" for m in emu.sent(GROUP)[after:] if contains in (m.text or "")]
        if found:
            return found[0]
        if loop.time() > deadline:
            raise AssertionError(f"no Telegram message with {contains!r}: {[m.text for m in emu.sent(GROUP)]}")
        await asyncio.sleep(0.05)


async def telegram_says(emu: TelegramEmulator, user: dict, text: str, contains: str) -> str:
    """``user`` writes in the group; returns the bot's next message there containing ``contains``."""
    before = len(emu.sent(GROUP))
    emu.user_sends(GROUP, user, text)
    return await group_text(emu, contains, before)


async def test_a_telegram_group_and_a_matrix_room_share_a_space(
        matrix_settings: Settings, matrix_user_factory: UserFactory, emulator: TelegramEmulator) -> None:
    alice = await matrix_user_factory("alice")
    carol = await matrix_user_factory("carol")
    bot = await both_platforms(matrix_settings, emulator, alice)
    try:
        bot_id = bot.matrix.user_id
        room = await space_room(alice, bot_id, [carol])
        emulator.add_chat(GROUP, "supergroup", "Marseille on Telegram", admins=[ANA], members=[BRUNO])
        await telegram_says(emulator, ANA, "/space link make-it-marseille", "linked")

        await telegram_says(emulator, BRUNO, "/checkin desk 4", "Checked in")
        await ask(carol, room, bot_id, "!checkin by the window", "Checked in")
        on_telegram = await telegram_says(emulator, ANA, "/here", "2 people here now")
        on_matrix = (await ask(alice, room, bot_id, "!here", "here now"))["content"]["body"]
        for text in (on_telegram, on_matrix):
            assert "Make It Marseille: 2 people here now" in text
            assert "Bruno" in text and "desk 4" in text
            assert "by the window" in text

        asked = await ask(alice, room, bot_id, "!event Apéro <network> | tomorrow 18:30", "!confirm")
        event_id = asked["content"]["body"].split("!confirm ")[1].split()[0]
        before = len(emulator.sent(GROUP))
        await ask(alice, room, bot_id, f"!confirm {event_id}", "announced in 2 chats")
        in_room = await carol.wait_for_message(room, from_bot(bot_id, "📣 New event"), timeout=15)
        in_group = [m for m in emulator.sent(GROUP)[before:] if "New event" in (m.text or "")]
        if not in_group:
            await group_text(emulator, "📣 New event", before)
            in_group = [m for m in emulator.sent(GROUP)[before:] if "New event" in (m.text or "")]
        assert "Apéro <network>" in in_room["content"]["body"]
        assert len(in_group) == 1 and "Apéro <network>" in (in_group[0].text or "")
        assert in_group[0].button_data == [f"/rsvp {event_id} {a}" for a in ("yes", "maybe", "no")]
        assert f"!rsvp {event_id} yes" in in_room["content"]["body"]  # Matrix shows the same choices

        before = len(emulator.sent(GROUP))
        await ask(alice, room, bot_id, "!broadcast Coffee machine <fixed> everywhere!", "on its way to 2")
        on_telegram = await group_text(emulator, "Coffee machine", before)
        assert "Network announcement" in on_telegram and "Coffee machine <fixed> everywhere!" in on_telegram
        in_room = await carol.wait_for_message(room, from_bot(bot_id, "Coffee machine"), timeout=15)
        assert "Coffee machine &lt;fixed&gt;" in in_room["content"]["formatted_body"]
    finally:
        await bot.stop()
