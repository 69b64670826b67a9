"""Telegram manners against the Bot API emulator: membership, deep links and /qr, menus, photos, flood waits."""
from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest
import segno
from PIL import Image
from sqlmodel import select

from adapters.telegram import TelegramAdapter
from bot import app
from bot.config import Settings
from bot.deep_links import telegram_start_link
from bot.messages import ChatRef, Reply
from bot.outbox import enqueue
from bot.qr import QR_BORDER, QR_SCALE
from bot.spaces import create_space, link_chat
from storage.db import create_db_engine, session_factory
from storage.models import ChatLink, CheckIn, Manager, Member, OutboxMessage, Space
from tests.integration.telegram_emulator import TelegramEmulator
from tests.integration.test_telegram_adapter import ANA, BOB, CLEO, TOKEN, ZOE, Running

BOT = "coworkbot_test_bot"

Start = Callable[..., Awaitable[Running]]


@pytest.fixture
async def start_telegram(settings: Settings) -> AsyncIterator[Start]:
    """``await start(**emulator_options)``: the bot over an emulator with those limits; stopped at the end."""
    stack: list[tuple[TelegramEmulator, Any, Any]] = []

    async def start(**emulator: Any) -> Running:
        emu = TelegramEmulator(TOKEN, **emulator)
        await emu.__aenter__()
        changed = replace(settings, telegram_token=TOKEN, telegram_api_url=emu.base_url, coordinators=("tg:1",))
        engine = create_db_engine(changed.database_url)
        runtime = await app.start(changed, lambda rt: [TelegramAdapter(rt.settings, sessions=rt.sessions,
                                                                       poll_timeout=1)],
                                  sessions=session_factory(engine), poll_seconds=0.1)
        stack.append((emu, runtime, engine))
        return Running(emu, runtime.adapters["telegram"], runtime.core, runtime.worker, runtime.sessions, changed)

    yield start
    for emu, runtime, engine in reversed(stack):
        await app.shutdown(runtime, drain=False)
        engine.dispose()
        await emu.__aexit__(None, None, None)


@pytest.fixture
async def telegram(start_telegram: Start) -> Running:
    return await start_telegram()


def link_group(telegram: Running, name: str, chat_id: int, language: str = "en") -> None:
    with telegram.sessions() as session:
        space = create_space(session, [name, "Zagreb", "HR", "Europe/Zagreb", language])
        link_chat(session, ChatRef("telegram", str(chat_id)), space)
        session.commit()


async def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


def links(telegram: Running) -> dict[str, int]:
    with telegram.sessions() as session:
        return {link.chat_id: link.space_id for link in session.exec(select(ChatLink))}


# ---------------------------------------------------------------- membership


async def test_added_to_a_group_it_greets_in_the_adders_language_with_how_to_link(telegram: Running) -> None:
    telegram.emu.add_bot_to(-200, title="Nouveau groupe", by=ANA)  # Ana's Telegram speaks French
    [greeting] = await telegram.emu.wait_for_sent(-200, 1)
    assert "/space link SLUG" in (greeting.text or "") and "/space create" in (greeting.text or "")
    assert greeting.text != (await greeting_in(telegram, "en"))


async def greeting_in(telegram: Running, lang: str) -> str:
    from bot.i18n import translator

    return str(translator(lang).t("Hello! I am the coworking network's bot. To link this group to its space, a "
                                  "coordinator sends {p}space link SLUG here (the slugs are in {p}spaces), or "
                                  "{p}space create NAME | CITY | COUNTRY | TIMEZONE for a new space."))


async def test_added_back_to_a_linked_group_it_speaks_the_spaces_language(telegram: Running) -> None:
    telegram.emu.add_chat(-201, "supergroup", "Hub")
    link_group(telegram, "Hub Split", -201, language="hr")
    telegram.emu.remove_bot_from(-201, by=BOB)
    await eventually(lambda: "-201" not in links(telegram))
    link_group(telegram, "Hub Zagreb", -201, language="hr")  # linked again while the bot was away
    telegram.emu.add_bot_to(-201, by=BOB)  # Bob's Telegram speaks English; the space speaks Croatian
    [greeting] = await telegram.emu.wait_for_sent(-201, 1)
    assert "Hub Zagreb" in (greeting.text or "") and not (greeting.text or "").startswith("Hello again")


async def test_kicked_from_a_group_it_unlinks_it_tells_each_coordinator_once_and_broadcasts_skip_it(
        telegram: Running) -> None:
    await telegram.say(ZOE["id"], ZOE, "/start")  # Zoe (tg:1) coordinates and has started the bot
    telegram.emu.add_chat(-301, "supergroup", "Hub 1")
    telegram.emu.add_chat(-302, "supergroup", "Hub 2", admins=[CLEO])
    link_group(telegram, "Hub 1", -301)
    link_group(telegram, "Hub 2", -302)
    await telegram.say(-302, CLEO, "/here")  # Cleo manages Hub 2 as an admin of its group
    telegram.emu.remove_bot_from(-302, by=CLEO)
    [told] = (await telegram.emu.wait_for_sent(ZOE["id"], 2))[1:]
    assert "Hub 2" in (told.text or "") and "/space link hub-2" in (told.text or "")
    assert "-302" not in links(telegram)
    with telegram.sessions() as session:
        assert session.exec(select(Manager)).all() == []  # her rights came from that group: gone with the link
    [queued] = await telegram.say(ZOE["id"], ZOE, "/broadcast Meetup tonight")
    assert "1 chat" in queued
    await telegram.emu.wait_for_sent(-301, 1)
    await asyncio.sleep(0.5)
    assert len(telegram.emu.sent(ZOE["id"])) == 3  # one notice, however long we wait
    assert len(telegram.emu.sent(-302)) == 1  # the /here answer, from before the kick; no broadcast


async def test_a_group_upgraded_to_a_supergroup_keeps_its_link_and_its_waiting_messages(telegram: Running) -> None:
    telegram.emu.add_chat(-400, "group", "Hub")
    link_group(telegram, "Hub", -400)
    telegram.emu.upgrade_to_supergroup(-400, -1000000000400)
    await eventually(lambda: links(telegram).get("-1000000000400") is not None)
    assert "-400" not in links(telegram)
    [here] = await telegram.say(-1000000000400, BOB, "/here")
    assert "Hub" in here
    with telegram.sessions() as session:  # a message queued for the old id (before the bot learnt the new one)
        enqueue(session, ChatRef("telegram", "-400"), Reply("still for Hub"))
        session.commit()
    telegram.worker.wakeup.set()
    await telegram.emu.wait_for_sent(-1000000000400, 2)
    assert telegram.emu.sent(-1000000000400)[-1].text == "still for Hub"


# ---------------------------------------------------------------- deep links and /qr


async def test_deep_links_check_in_and_set_the_home_space(telegram: Running) -> None:
    telegram.emu.add_chat(-500, "supergroup", "Hub")
    link_group(telegram, "Hub", -500)
    [checked_in] = await telegram.say(BOB["id"], BOB, "/start checkin-hub")  # what t.me/…?start=checkin-hub sends
    assert checked_in.startswith("Checked in at Hub")
    with telegram.sessions() as session:
        member = session.exec(select(Member).where(Member.user_id == str(BOB["id"]))).one()
        [stay] = session.exec(select(CheckIn).where(CheckIn.member_id == member.id)).all()
        assert stay.space_id == member.home_space_id  # the first check-in chose the home space too
    link_group(telegram, "Other", -501)
    [home] = await telegram.say(CLEO["id"], CLEO, "/start home-other")
    assert "Home space: Other" in home
    [unknown] = await telegram.say(CLEO["id"], CLEO, "/start checkin-nowhere")
    assert "nowhere" in unknown


def qr_modules(png: bytes) -> list[list[bool]]:
    """The dark modules of a QR code PNG made at QR_SCALE with a QR_BORDER quiet zone."""
    image = Image.open(io.BytesIO(png)).convert("L")
    size = image.width // QR_SCALE - 2 * QR_BORDER
    return [[image.getpixel(((QR_BORDER + x) * QR_SCALE + QR_SCALE // 2,
                              (QR_BORDER + y) * QR_SCALE + QR_SCALE // 2)) < 128
             for x in range(size)] for y in range(size)]


async def test_qr_is_a_photo_of_the_check_in_deep_link_for_managers(telegram: Running) -> None:
    telegram.emu.add_chat(-600, "supergroup", "Hub", admins=[CLEO])
    link_group(telegram, "Hub", -600)
    [refused] = await telegram.say(-600, BOB, "/qr")
    assert refused == "Only a manager of this space can do that."
    before = len(telegram.emu.sent(-600))
    telegram.emu.user_sends(-600, CLEO, "/qr")
    photo = (await telegram.emu.wait_for_sent(-600, before + 1))[-1]
    link = f"https://t.me/{BOT}?start=checkin-hub"
    assert link == telegram_start_link(BOT, "checkin", "hub")
    assert photo.method == "sendPhoto" and photo.photo is not None and photo.photo.width > 200
    assert link in (photo.caption or "") and f"https://t.me/{BOT}?start=home-hub" in (photo.caption or "")
    expected = [[bool(dark) for dark in row] for row in segno.make(link, error="m", micro=False).matrix]
    assert qr_modules(photo.photo.content) == expected  # the picture encodes exactly that link


# ---------------------------------------------------------------- menus and photos


async def test_menus_keep_direct_commands_out_of_groups(telegram: Running) -> None:
    private = {c["command"] for c in telegram.emu.commands("all_private_chats", "hr")}
    groups = {c["command"] for c in telegram.emu.commands("all_group_chats", "hr")}
    default = {c["command"] for c in telegram.emu.commands("default", "")}
    admins = {c["command"] for c in telegram.emu.commands("all_chat_administrators", "")}
    direct = {"start", "lang", "mydata", "forgetme"}
    assert direct <= private and "checkin" in private
    assert not direct & (groups | default | admins)
    assert "checkin" in groups and {"stats", "qr", "event"} <= admins


async def test_appointed_managers_get_the_managers_menu_in_their_spaces_chats(telegram: Running) -> None:
    telegram.emu.add_chat(-700, "supergroup", "Hub")
    telegram.emu.add_chat(-701, "supergroup", "Hub annex")
    link_group(telegram, "Hub", -700)
    with telegram.sessions() as session:  # the space's second group
        space_id = session.exec(select(ChatLink.space_id).where(ChatLink.chat_id == "-700")).one()
        link_chat(session, ChatRef("telegram", "-701"), session.get(Space, space_id))
        session.commit()
    await telegram.say(-700, ANA, "/here")  # Ana has talked to the bot, so she can be named
    await telegram.say(-700, ZOE, "/manager add @ana")
    scope = {"type": "chat_member", "chat_id": -700, "user_id": ANA["id"]}
    await eventually(lambda: bool(telegram.emu.commands(scope)))
    names = {c["command"] for c in telegram.emu.commands(scope)}
    assert {"stats", "event", "qr"} <= names and "mydata" not in names
    french = {c["command"]: c["description"] for c in telegram.emu.commands(scope)}
    assert french["help"] != "list the commands you can use"  # in Ana's language
    assert telegram.emu.commands({"type": "chat_member", "chat_id": -701, "user_id": ANA["id"]})
    await telegram.say(-700, ZOE, "/manager remove @ana")
    await eventually(lambda: not telegram.emu.commands(scope))


async def test_stats_chart_is_a_photo_with_the_summary_as_caption(telegram: Running) -> None:
    telegram.emu.add_chat(-800, "supergroup", "Hub", admins=[CLEO])
    link_group(telegram, "Hub", -800)
    telegram.emu.user_sends(-800, CLEO, "/stats")
    [chart] = await telegram.emu.wait_for_sent(-800, 1, timeout=20)
    assert chart.method == "sendPhoto" and chart.photo is not None
    assert (chart.caption or "").startswith("Hub: statistics from")
    await asyncio.sleep(0.3)
    assert len(telegram.emu.sent(-800)) == 1  # one message: the picture and its caption


# ---------------------------------------------------------------- refusals with a retry time, replies in parts


async def test_a_reply_refused_with_retry_after_waits_that_long(start_telegram: Start) -> None:
    telegram = await start_telegram(group_limit=2, group_window=3.0)  # stricter than the bot's pacer knows
    telegram.emu.add_chat(-900, "supergroup", "Hub")
    for _ in range(3):
        telegram.emu.user_sends(-900, BOB, "/spaces")
    await telegram.emu.wait_for_sent(-900, 2)
    refused_at = asyncio.get_running_loop().time()
    await telegram.emu.wait_for_sent(-900, 3, timeout=15)
    waited = asyncio.get_running_loop().time() - refused_at
    assert telegram.emu.throttled == 1  # the emulator bans early retries: one 429 means nobody retried early
    assert waited >= 2.0 and len(telegram.emu.sent(-900)) == 3


async def test_a_retry_never_resends_a_part_already_delivered(start_telegram: Start) -> None:
    telegram = await start_telegram(global_limit=1, global_window=2.0)
    await telegram.say(BOB["id"], BOB, "/start")
    await asyncio.sleep(2.1)
    telegram.emu.user_sends(BOB["id"], BOB, "/mydata")  # a text, then the file: the file is refused (429)
    sent = await telegram.emu.wait_for_sent(BOB["id"], 3, timeout=15)
    await asyncio.sleep(2.5)
    sent = telegram.emu.sent(BOB["id"])
    assert [m.method for m in sent] == ["sendMessage", "sendMessage", "sendDocument"]
    assert telegram.emu.throttled >= 1
    with telegram.sessions() as session:
        [row] = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "reply")).all()
        assert row.parts_sent == 1 and row.status == "sent"


async def test_an_outbox_row_in_parts_resumes_after_the_parts_sent(start_telegram: Start) -> None:
    telegram = await start_telegram(group_limit=1, group_window=2.0)
    telegram.emu.add_chat(-950, "supergroup", "Hub")
    long_text = "\n".join(f"line {n:04d} " + "x" * 90 for n in range(60))  # two messages of text
    with telegram.sessions() as session:
        enqueue(session, ChatRef("telegram", "-950"), Reply(long_text))
        session.commit()
    telegram.worker.wakeup.set()
    await telegram.emu.wait_for_sent(-950, 2, timeout=15)
    await asyncio.sleep(2.5)
    parts = [m.text or "" for m in telegram.emu.sent(-950)]
    assert len(parts) == 2 and "line 0000" in parts[0] and "line 0059" in parts[1]
    assert "\n".join(parts).count("line 0000") == 1
