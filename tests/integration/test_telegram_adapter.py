"""The real Telegram adapter, core and outbox over real HTTP against the Bot API emulator."""
from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from adapters.telegram import TelegramAdapter
from bot import app
from bot.broadcasts import report_finished
from bot.config import Settings
from bot.core import Core
from bot.logs import setup_logging
from bot.messages import ChatRef, Reply
from bot.outbox import DeliveryWorker, enqueue
from bot.spaces import create_space, link_chat
from storage.db import SessionFactory, create_db_engine, session_factory
from storage.models import CheckIn, Manager, Member
from storage.types import utcnow
from tests.integration.telegram_emulator import TelegramEmulator

TOKEN = "987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"  # the shape of a real token, so redaction is tested for real
ZOE = {"id": 1, "first_name": "Zoe", "username": "zoe", "language_code": "en"}
ANA = {"id": 2, "first_name": "Ana", "username": "ana", "language_code": "fr"}
BOB = {"id": 3, "first_name": "Bob", "language_code": "en"}
CLEO = {"id": 4, "first_name": "Cleo", "language_code": "en"}


@dataclass
class Running:
    emu: TelegramEmulator
    adapter: TelegramAdapter
    core: Core
    worker: DeliveryWorker
    sessions: SessionFactory
    settings: Settings

    async def say(self, chat_id: int, user: dict[str, Any], text: str, replies: int = 1) -> list[str]:
        """``user`` writes ``text``; the bot's next ``replies`` messages there, as users see them."""
        before = len(self.emu.sent(chat_id))
        self.emu.user_sends(chat_id, user, text)
        sent = await self.emu.wait_for_sent(chat_id, before + replies, timeout=10)
        return [m.text or "" for m in sent[before:]]

    def space(self, name: str, chat_id: int, **chat: Any) -> None:
        """A space whose group (in the emulator) is linked to it."""
        self.emu.add_chat(chat_id, "supergroup", name, **chat)
        with self.sessions() as session:
            space = create_space(session, [name, "Paris", "FR", "Europe/Paris", "en"])
            link_chat(session, ChatRef("telegram", str(chat_id)), space)
            session.commit()


@pytest.fixture
async def telegram(settings: Settings) -> AsyncIterator[Running]:
    async with TelegramEmulator(TOKEN) as emu:
        settings = replace(settings, telegram_token=TOKEN, telegram_api_url=emu.base_url, coordinators=("tg:1",))
        engine = create_db_engine(settings.database_url)
        runtime = await app.start(settings, lambda rt: [TelegramAdapter(rt.settings, sessions=rt.sessions,
                                                                        poll_timeout=1)],
                                  sessions=session_factory(engine), poll_seconds=0.1)
        try:
            yield Running(emu, runtime.adapters["telegram"], runtime.core, runtime.worker, runtime.sessions, settings)
        finally:
            await app.shutdown(runtime, drain=False)
            engine.dispose()


async def test_group_and_direct_messages_get_html_replies_with_user_text_escaped(telegram: Running) -> None:
    telegram.emu.add_chat(-100, "supergroup", "Hub", admins=[ZOE])
    [linked] = await telegram.say(-100, ZOE, "/space create Hub <Paris> & Co | Paris | FR | Europe/Paris")
    assert linked == "Space Hub <Paris> & Co created (hub-paris-co) and linked to this chat."
    [checked_in] = await telegram.say(-100, ANA, "/checkin <b>not bold</b> & more")
    assert checked_in.startswith("Check-in effectué à Hub <Paris> & Co")  # Ana's Telegram is in French
    [here] = await telegram.say(-100, BOB, "/here")
    assert "Ana (@ana)" in here and "<b>not bold</b> & more" in here  # shown as typed, not as HTML
    assert telegram.emu.sent(-100)[-1].parse_mode == "HTML"
    [hint] = await telegram.say(BOB["id"], BOB, "hello")
    assert hint == "I answer commands. Send /help to see them."


async def test_commands_for_other_bots_are_ignored(telegram: Running) -> None:
    telegram.emu.add_chat(-100, "group", "Hub")
    telegram.emu.user_sends(-100, BOB, "/help@some_other_bot")
    [reply] = await telegram.say(-100, BOB, "/help@coworkbot_test_bot")
    assert reply.startswith("What I can do for you")
    assert len(telegram.emu.sent(-100)) == 1


async def test_chat_admins_manage_their_space(telegram: Running) -> None:
    telegram.space("Hub", -100, admins=[CLEO])
    [refused] = await telegram.say(-100, BOB, "/cancel_event 999")
    assert refused == "Only a manager of this space can do that."
    [answer] = await telegram.say(-100, CLEO, "/cancel_event 999")
    assert answer != refused  # the admin is past the role check: the event id is what is wrong


async def test_buttons_run_their_command_and_the_query_is_answered(telegram: Running) -> None:
    [welcome] = await telegram.say(BOB["id"], BOB, "/start")
    assert welcome.startswith("Welcome to the coworking network, Bob!")
    message = telegram.emu.sent(BOB["id"])[-1]
    assert "/start lang fr" in message.button_data
    query_id = telegram.emu.press_button(BOB["id"], BOB, message.message_id, "/start lang fr")
    for _ in range(100):  # the settings message is edited in place, in the language chosen
        if message.edit_count:
            break
        await asyncio.sleep(0.05)
    assert (message.text or "").startswith("Bienvenue dans le réseau de coworking, Bob")
    assert len(telegram.emu.sent(BOB["id"])) == 1
    assert telegram.emu.callback_answers[query_id]["text"] == "✅ Enregistré."


async def test_command_menus_in_every_language(telegram: Running) -> None:
    french = {c["command"]: c["description"] for c in telegram.emu.commands("default", "fr")}
    assert french["help"] != "list the commands you can use" and "checkin" in french
    assert "broadcast" not in french and "space" not in french  # members' menu
    english = {c["command"] for c in telegram.emu.commands("default", "")}
    admins = {c["command"] for c in telegram.emu.commands("all_chat_administrators", "de")}
    assert "help" in english and "cancel_event" in admins and "cancel_event" not in english


async def test_long_replies_are_split_below_4096_characters(telegram: Running) -> None:
    telegram.space("Big Hub", -100)
    now = utcnow()
    with telegram.sessions() as session:
        for n in range(40):
            member = Member(platform="telegram", user_id=str(1000 + n), display_name=f"Member {n:02d}")
            session.add(member)
            session.flush()
            session.add(CheckIn(member_id=member.id, space_id=1, note=f"note {n:02d} <&> " + "x" * 250,
                                started_at=now, expires_at=now + timedelta(hours=2)))
        session.commit()
    await telegram.say(-100, BOB, "/here", replies=2)  # one page of 15, longer than one message
    await asyncio.sleep(0.5)
    parts = [m.text or "" for m in telegram.emu.sent(-100)]
    assert len(parts) > 1, [len(p) for p in parts]
    assert all(len(part) <= 4096 for part in parts)
    text = "\n".join(parts)
    assert all(f"Member {n:02d}" in text and f"note {n:02d} <&> " in text for n in range(15))
    assert "25 more" in text


async def test_broken_html_still_reaches_the_reader_as_plain_text(telegram: Running) -> None:
    telegram.emu.add_chat(-100, "group", "Hub")
    await telegram.adapter.send(ChatRef("telegram", "-100"), Reply("<b>unclosed & raw"))
    assert telegram.emu.sent(-100)[-1].text == "unclosed & raw"


async def test_broadcast_with_a_delivery_report_naming_the_group_that_is_gone(telegram: Running) -> None:
    for n in range(1, 4):
        telegram.space(f"Hub {n}", -100 - n)
    telegram.emu._chats.pop(-102)  # deleted while the bot was not looking (a kick unlinks: test_telegram_native)
    [queued] = await telegram.say(ZOE["id"], ZOE, "/broadcast Meetup <tonight> & drinks")
    assert queued == "Broadcast #1 is on its way to 3 chats. I will report here when it is delivered."
    await telegram.emu.wait_for_sent(-101, 1, timeout=10)
    await telegram.emu.wait_for_sent(-103, 1, timeout=10)
    for _ in range(100):  # the scheduler's report job, until the batch is settled
        if report_finished(telegram.sessions, telegram.settings, ["telegram"]):
            telegram.worker.wakeup.set()
            break
        await asyncio.sleep(0.1)
    [report] = (await telegram.emu.wait_for_sent(ZOE["id"], 2, timeout=10))[1:]
    assert report.text.startswith("Broadcast #1: delivered to 2 of 3 chats.")
    assert "Hub 2 (Telegram): the chat no longer exists" in (report.text or "")
    assert telegram.emu.sent(-101)[0].text.endswith("Meetup <tonight> & drinks")
    assert telegram.emu.throttled == 0


async def test_a_transient_error_is_retried_by_the_outbox(telegram: Running) -> None:
    telegram.emu.add_chat(-100, "group", "Hub")
    telegram.emu.fail_next(1, 502, methods=["sendMessage"])
    with telegram.sessions() as session:
        enqueue(session, ChatRef("telegram", "-100"), Reply("after a hiccup"))
        session.commit()
    telegram.worker.wakeup.set()
    [message] = await telegram.emu.wait_for_sent(-100, 1, timeout=10)  # backoff: 2 s
    assert message.text == "after a hiccup"
    assert [c.status for c in telegram.emu.calls if c.method == "sendMessage"] == [502, 200]


async def test_the_token_never_reaches_a_log_line(settings: Settings) -> None:
    captured = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    setup_logging("DEBUG", (TOKEN,), stream=captured)
    try:
        async with TelegramEmulator(TOKEN) as emu:
            settings = replace(settings, telegram_token=TOKEN, telegram_api_url=emu.base_url)
            adapter = TelegramAdapter(settings, poll_timeout=1)
            core = Core(settings, session_factory(create_db_engine(settings.database_url)))
            await adapter.start(core.handle)
            emu.user_sends(5, {"id": 5, "first_name": "Eve"}, "/help")
            await emu.wait_for_sent(5, 1, timeout=10)
            emu.fail_next(1, 502)
            emu.add_chat(-100, "group", "Hub")
            with pytest.raises(Exception):
                await adapter.send(ChatRef("telegram", "-100"), Reply("a failing send"))
            await adapter.stop()
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    output = captured.getvalue()
    assert "HTTP Request" in output and "getUpdates" in output  # httpx and PTB did log, at DEBUG
    assert TOKEN not in output and TOKEN.split(":")[1] not in output


async def test_a_group_over_its_budget_does_not_hold_up_other_chats(telegram: Running) -> None:
    telegram.emu.add_chat(-100, "group", "Busy")
    for _ in range(21):
        telegram.emu.user_sends(-100, BOB, "/spaces")
    await telegram.emu.wait_for_sent(-100, 20, timeout=10)
    [reply] = await telegram.say(CLEO["id"], CLEO, "/spaces")  # while the 21st group reply waits a minute
    assert reply == "No spaces yet. A coordinator creates one with /space create."
    assert len(telegram.emu.sent(-100)) == 20 and telegram.emu.throttled == 0


async def test_a_reply_telegram_refuses_for_now_is_retried_not_lost(telegram: Running) -> None:
    telegram.space("Hub", -300)
    telegram.emu.fail_next(1, status=502, methods=["sendMessage"])  # nginx in front of the Bot API hiccups
    [reply] = await telegram.say(-300, ANA, "/here")
    assert reply.startswith("Personne") and "Hub" in reply  # Ana reads French: the /here answer came
    assert len(telegram.emu.sent(-300)) == 1  # delivered once, by the outbox


async def test_mydata_asked_in_a_group_is_delivered_only_in_the_private_chat(telegram: Running) -> None:
    telegram.space("Hub", -100)
    await telegram.say(BOB["id"], BOB, "/start")  # Bob has started the bot: it may write to him
    [notice] = await telegram.say(-100, BOB, "/mydata")
    assert notice.startswith("I sent it to you in a direct chat.")
    text, export = (await telegram.emu.wait_for_sent(BOB["id"], 3, timeout=10))[1:]
    assert text.text == "Here is everything I store about you."
    assert export.document is not None and export.document.file_name == "mydata.json"
    data = json.loads(export.document.content)
    assert data["member"]["user_id"] == str(BOB["id"])
    await asyncio.sleep(0.3)
    group = telegram.emu.sent(-100)
    assert len(group) == 1 and group[0].document is None  # the group saw the notice, never the file


async def test_forgetme_asked_in_a_group_asks_for_the_confirmation_in_the_private_chat(telegram: Running) -> None:
    telegram.space("Hub", -100)
    await telegram.say(BOB["id"], BOB, "/start")
    [notice] = await telegram.say(-100, BOB, "/forgetme")
    assert notice.startswith("I sent it to you in a direct chat.")
    [prompt] = (await telegram.emu.wait_for_sent(BOB["id"], 2, timeout=10))[1:]
    assert "It cannot be undone." in (prompt.text or "") and prompt.button_data == ["/forgetme confirm"]
    assert telegram.emu.sent(-100)[0].button_data == []  # no button to press in the group
    with telegram.sessions() as session:
        assert session.exec(select(Member).where(Member.user_id == str(BOB["id"]))).first() is not None


async def test_a_demoted_admin_loses_manager_rights_in_the_private_chat(telegram: Running) -> None:
    telegram.space("Hub", -100, admins=[CLEO])
    await telegram.say(-100, CLEO, "/here")  # Cleo speaks as an admin of Hub's group: she manages Hub
    [asked] = await telegram.say(CLEO["id"], CLEO, "/event Party | tomorrow 18:00")
    assert "Party" in asked  # asked to confirm the date, not refused
    assert telegram.emu.sent(CLEO["id"])[-1].button_data[0].startswith("/confirm ")
    assert [c.params["user_id"] for c in telegram.emu.calls if c.method == "getChatMember"] == [str(CLEO["id"])]

    telegram.emu.set_admin(-100, CLEO, admin=False)  # and she never speaks in the group again
    telegram.core.admin_rights.ttl = 0.2  # the answer above is not trusted for long
    await asyncio.sleep(0.3)
    [refused] = await telegram.say(CLEO["id"], CLEO, "/event Party | tomorrow 18:00")
    assert refused == "Only a manager of this space can do that."
    with telegram.sessions() as session:
        assert session.exec(select(Manager)).all() == []


async def test_unlinking_the_group_ends_its_admins_manager_rights(telegram: Running) -> None:
    telegram.space("Hub", -100, admins=[CLEO])
    await telegram.say(-100, CLEO, "/here")
    [unlinked] = await telegram.say(-100, ZOE, "/space unlink")
    assert unlinked == "This chat is no longer linked to a space."
    [refused] = await telegram.say(CLEO["id"], CLEO, "/stats")  # Cleo is still an admin of the group
    assert refused == "Only a manager of this space can do that."
    assert not [c for c in telegram.emu.calls if c.method == "getChatMember"]  # the right was gone already
