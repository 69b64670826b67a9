"""Button presses on Telegram edit in place: live RSVP counts, toasts, used buttons removed.

Driven through the Telegram emulator, which refuses what Telegram refuses
("message is not modified", late or second callback answers, toasts over 200
characters, edits over the flood limits), so a pass here is a pass against
the real Bot API.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest
import pytest_asyncio
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, RetryAfter

from adapters import telegram_edit
from adapters.telegram import TelegramAdapter
from bot import app
from bot.config import Settings
from bot.messages import ChatRef
from bot.spaces import create_space, link_chat
from storage.db import SessionFactory, create_db_engine, session_factory
from tests.integration.telegram_emulator import TelegramEmulator
from tests.integration.telegram_emulator.records import SentMessage

TOKEN = "123456:TEST-TOKEN"
HUB = -100
ZOE = {"id": 1, "first_name": "Zoe", "username": "zoe", "language_code": "en"}  # coordinator, manages
ANA = {"id": 2, "first_name": "Ana", "username": "ana", "language_code": "fr"}
KAI = {"id": 3, "first_name": "Kai", "language_code": "de"}


@dataclass
class Running:
    emu: TelegramEmulator
    adapter: TelegramAdapter
    sessions: SessionFactory

    async def say(self, chat_id: int, user: dict[str, Any], text: str) -> SentMessage:
        """``user`` types ``text``; the bot's next message there."""
        before = len(self.emu.sent(chat_id))
        self.emu.user_sends(chat_id, user, text)
        return (await self.emu.wait_for_sent(chat_id, before + 1, timeout=10))[before]

    async def press(self, chat_id: int, user: dict[str, Any], message: SentMessage, data: str) -> dict[str, Any]:
        """``user`` presses a button of ``message``; the answer to the callback query, once it came."""
        query_id = self.emu.press_button(chat_id, user, message.message_id, data)
        await until(lambda: query_id in self.emu.callback_answers)
        return self.emu.callback_answers[query_id]


def shown(message: SentMessage) -> str:
    """A message's text as read, French no-break spaces as plain ones."""
    return (message.text or "").replace("\xa0", " ").replace("\u202f", " ")


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.02)


@pytest_asyncio.fixture
async def telegram(settings: Settings) -> AsyncIterator[Running]:
    async with TelegramEmulator(TOKEN) as emu:
        settings = replace(settings, telegram_token=TOKEN, telegram_api_url=emu.base_url, coordinators=("tg:1",))
        engine = create_db_engine(settings.database_url)
        runtime = await app.start(settings, lambda rt: [TelegramAdapter(rt.settings, sessions=rt.sessions,
                                                                        poll_timeout=1)],
                                  sessions=session_factory(engine), poll_seconds=0.1)
        emu.add_chat(HUB, "supergroup", "Hub", admins=[ZOE], members=[ANA, KAI])
        with runtime.sessions() as session:
            link_chat(session, ChatRef("telegram", str(HUB)), create_space(session, ["Hub", "Paris", "FR",
                                                                                        "Europe/Paris", "en"]))
            session.commit()
        try:
            yield Running(emu, runtime.adapters["telegram"], runtime.sessions)
        finally:
            await app.shutdown(runtime, drain=False)
            engine.dispose()


async def test_pressing_rsvp_edits_the_announcement_and_posts_nothing(telegram: Running) -> None:
    emu = telegram.emu
    question = await telegram.say(HUB, ZOE, "/event Quiz | tomorrow at 6pm")
    confirm = question.button_data[0]
    answer = await telegram.press(HUB, ZOE, question, confirm)
    assert answer["text"] == "Event #1 Quiz is scheduled and announced in 1 chat."
    await until(lambda: len(emu.sent(HUB)) == 2)  # the announcement, posted by the outbox
    # The question became its answer, and its ✅/❌ buttons went with the edit.
    assert (question.text, question.reply_markup) == ("Event #1 Quiz is scheduled and announced in 1 chat.", None)
    with pytest.raises(ValueError, match="no button"):
        emu.press_button(HUB, ZOE, question.message_id, confirm)
    announcement = emu.sent(HUB)[1]
    assert "👍 Going: 0 · 🤔 Maybe: 0 · 👎 Not going: 0" in (announcement.text or "")

    toast = await telegram.press(HUB, KAI, announcement, "/rsvp 1 yes")
    assert toast["text"].startswith("👍 Du nimmst an Quiz teil")  # in the presser's language
    await until(lambda: announcement.edit_count == 1)
    assert "👍 Going: 1 · 🤔 Maybe: 0 · 👎 Not going: 0" in (announcement.text or "")
    assert announcement.button_data == ["/rsvp 1 yes", "/rsvp 1 maybe", "/rsvp 1 no"]
    toast = await telegram.press(HUB, ANA, announcement, "/rsvp 1 maybe")
    assert toast["text"].startswith("🤔 C'est noté")  # Ana's Telegram is in French
    await until(lambda: announcement.edit_count == 2)
    assert "👍 Going: 1 · 🤔 Maybe: 1 · 👎 Not going: 0" in (announcement.text or "")
    assert len(emu.sent(HUB)) == 2  # no message in the group for any press
    await telegram.press(HUB, ANA, announcement, "/rsvp 1 maybe")  # the same answer again
    await asyncio.sleep(0.5)
    assert announcement.edit_count == 2 and len(emu.sent(HUB)) == 2
    assert not [c for c in emu.calls if c.method.lower() == "editmessagetext" and c.status != 200]


async def test_a_stale_button_gets_a_toast_not_a_group_message(telegram: Running) -> None:
    emu = telegram.emu
    question = await telegram.say(HUB, ZOE, "/event Quiz | tomorrow at 6pm")
    await telegram.say(HUB, ZOE, "/confirm 1")  # typed: the question keeps its buttons
    await until(lambda: len(emu.sent(HUB)) == 3)
    answer = await telegram.press(HUB, ZOE, question, question.button_data[0])
    assert answer["text"] == "Event #1 is already confirmed."
    await asyncio.sleep(0.3)
    assert len(emu.sent(HUB)) == 3 and question.edit_count == 0
    denied = await telegram.press(HUB, KAI, question, question.button_data[1])  # not a manager
    assert denied["text"] == "Das darf nur ein Manager dieses Spaces."  # refused, in Kai's language
    assert len(emu.sent(HUB)) == 3


async def test_start_toggles_edit_their_own_message(telegram: Running) -> None:
    emu = telegram.emu
    settings = await telegram.say(ANA["id"], ANA, "/start")
    assert "• visible dans la liste des présents : oui" in shown(settings)
    answer = await telegram.press(ANA["id"], ANA, settings, "/start presence off")
    assert answer["text"] == "✅ Enregistré."
    await until(lambda: settings.edit_count == 1)
    assert "• visible dans la liste des présents : non" in shown(settings)
    assert "/start presence on" in settings.button_data and "/start presence off" not in settings.button_data
    await telegram.press(ANA["id"], ANA, settings, "/start lang de")
    await until(lambda: settings.edit_count == 2)
    assert (settings.text or "").startswith("Willkommen")
    assert len(emu.sent(ANA["id"])) == 1  # never a second settings message
    typed = await telegram.say(ANA["id"], ANA, "/start presence on")  # typed commands answer as before
    assert typed.message_id != settings.message_id


async def test_a_press_stuck_behind_a_busy_chat_is_answered_before_telegrams_deadline(
        telegram: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(telegram_edit, "ANSWER_DEADLINE", 0.3)
    settings = await telegram.say(ANA["id"], ANA, "/start")
    async with telegram.adapter._lock(ANA["id"]):  # the chat is busy (a reply waiting for its budget)
        query_id = telegram.emu.press_button(ANA["id"], ANA, settings.message_id, "/start presence off")
        await until(lambda: query_id in telegram.emu.callback_answers)
        assert telegram.emu.callback_answers[query_id]["text"] is None
    await until(lambda: settings.edit_count == 1)  # the press still counts, once the chat is free


# ---------------------------------------------------------------- the emulator is as strict as Telegram


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(TOKEN, group_limit=3) as emulator:
        emulator.add_chat(HUB, "supergroup", "Hub", members=[ANA])
        yield emulator


@pytest_asyncio.fixture
async def bot(emu: TelegramEmulator) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url) as client:
        yield client


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d) for d in data]])


async def test_a_callback_query_expires(emu: TelegramEmulator, bot: Bot) -> None:
    emu.callback_timeout = 0.2
    sent = await bot.send_message(HUB, "Coming?", reply_markup=keyboard("yes"))
    query_id = emu.press_button(HUB, ANA, sent.message_id, "yes")
    await asyncio.sleep(0.3)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query_id, text="late")


async def test_a_toast_is_at_most_200_characters(emu: TelegramEmulator, bot: Bot) -> None:
    sent = await bot.send_message(HUB, "Coming?", reply_markup=keyboard("yes"))
    query_id = emu.press_button(HUB, ANA, sent.message_id, "yes")
    with pytest.raises(BadRequest, match=r"(?i)message_too_long"):
        await bot.answer_callback_query(query_id, text="x" * 201)
    assert await bot.answer_callback_query(query_id, text="👍" * 100)  # 200 UTF-16 code units


async def test_edits_use_the_groups_send_budget(emu: TelegramEmulator, bot: Bot) -> None:
    sent = await bot.send_message(HUB, "0 going")
    await bot.edit_message_text("1 going", HUB, sent.message_id)
    await bot.edit_message_text("2 going", HUB, sent.message_id)
    with pytest.raises(RetryAfter):
        await bot.edit_message_text("3 going", HUB, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("2 going", HUB, sent.message_id)  # refused before any budget is used


def test_toasts_are_cut_to_telegrams_limit() -> None:
    from bot.messages import Reply

    long = Reply("👍 You are going to <b>" + "Q" * 300 + "</b>.", on_button="notice")
    text = telegram_edit.toast_text([long]) or ""
    assert len(text.encode("utf-16-le")) // 2 <= 200 and text.endswith("…")
    assert telegram_edit.toast_text([Reply("<b>Line one</b>\nline two")]) == "Line one"
    assert telegram_edit.toast_text([Reply("x", notice="Saved")]) == "Saved"
