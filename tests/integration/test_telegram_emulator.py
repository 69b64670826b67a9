"""The Telegram emulator, driven over HTTP by a real python-telegram-bot ``Bot``.

If these pass, an adapter test that fails against the emulator is failing for
a reason the real Bot API would also give.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChatAdministrators,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import Application, CommandHandler, ContextTypes

from tests.integration.telegram_emulator import TelegramEmulator
from tests.integration.telegram_emulator.html import EntityParseError, parse_html

TOKEN = "123456:TEST-TOKEN"
HUB = -1001  # a supergroup
CAFE = -2002  # a basic group
ANA: dict[str, Any] = {"id": 11, "first_name": "Ana", "username": "ana", "language_code": "fr"}
BOB: dict[str, Any] = {"id": 12, "first_name": "Bob", "username": "bob", "language_code": "en"}
CARLA: dict[str, Any] = {"id": 13, "first_name": "Carla", "language_code": "it"}


class StepClock:
    """Monotonic seconds for flood control that only move when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def flood_clock() -> StepClock:
    return StepClock()


@pytest_asyncio.fixture
async def emu(flood_clock: StepClock) -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(
        TOKEN, clock=flood_clock, global_limit=5, group_limit=3
    ) as emulator:
        emulator.add_chat(
            HUB, "supergroup", "Hub Brussels", creator=ANA, admins=[BOB], members=[CARLA]
        )
        emulator.add_chat(CAFE, "group", "Café Zagreb", admins=[ANA])
        yield emulator


@pytest_asyncio.fixture
async def bot(emu: TelegramEmulator) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url) as client:
        yield client


@pytest.fixture
def timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB 22's future RetryAfter.retry_after type, which also silences its warning."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


def retry_seconds(error: RetryAfter) -> int:
    value = error.retry_after
    return int(value.total_seconds()) if isinstance(value, timedelta) else int(value)


def message_of(update: Update) -> Message:
    assert update.message is not None, update
    return update.message


def texts(updates: Sequence[Update]) -> list[str | None]:
    return [message_of(u).text for u in updates]


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d.title(), callback_data=d) for d in data]])


# ---------------------------------------------------------------- wire format


@pytest.mark.asyncio
async def test_get_me_describes_the_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "coworkbot_test_bot", True)


@pytest.mark.asyncio
async def test_a_wrong_token_is_unauthorized(emu: TelegramEmulator) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=emu.base_url):  # initialize() calls getMe
            pass


@pytest.mark.asyncio
async def test_errors_have_telegrams_exact_json_shape(emu: TelegramEmulator) -> None:
    async with httpx.AsyncClient() as http:
        unauthorized = await http.get(f"{emu.base_url}999:WRONG/getMe")
        unknown = await http.post(f"{emu.base_url}{TOKEN}/fooBar")
        by_query = await http.get(f"{emu.base_url}{TOKEN}/sendMessage?chat_id={HUB}&text=hi")
        by_json = await http.post(f"{emu.base_url}{TOKEN}/getchat", json={"chat_id": 42})
    assert unauthorized.status_code == 401
    assert unauthorized.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert by_query.json()["ok"] is True
    assert by_query.json()["result"]["text"] == "hi"
    assert by_json.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: chat not found",
    }


@pytest.mark.asyncio
async def test_an_unknown_method_is_not_found(bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("fooBar")


# ---------------------------------------------------------------- sending and formatting


@pytest.mark.asyncio
async def test_html_is_parsed_and_trimmed_like_telegram(emu: TelegramEmulator, bot: Bot) -> None:
    message = await bot.send_message(
        HUB, "  <b>Hi</b> &amp; welcome 😀 <i>ça</i>  ", parse_mode="HTML"
    )
    assert message.text == "Hi & welcome 😀 ça"
    [sent] = emu.sent(HUB)
    assert sent.text == "Hi & welcome 😀 ça"
    assert sent.raw_text == "  <b>Hi</b> &amp; welcome 😀 <i>ça</i>  "
    assert sent.parse_mode == "HTML"
    # offsets are in UTF-16 code units: the emoji counts twice
    assert sent.entities == [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "italic", "offset": 16, "length": 2},
    ]


@pytest.mark.parametrize(
    ("html", "description"),
    [
        ("<blink>hi</blink>", 'unsupported start tag "blink" at byte offset 0'),
        ("<b>never closed", 'can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("free seats < 3", 'unsupported start tag "" at byte offset 11'),
        ("é <", "unclosed start tag at byte offset 3"),
        ("R&D meetup", 'character "&" at byte offset 1 does not start an html entity'),
        ("&foo; bar", 'character "&" at byte offset 0 does not start an html entity'),
        ('<span class="big">x</span>', 'tag "span" must have class "tg-spoiler"'),
    ],
)
@pytest.mark.asyncio
async def test_bad_html_is_a_bad_request(bot: Bot, html: str, description: str) -> None:
    with pytest.raises(BadRequest) as error:
        await bot.send_message(HUB, html, parse_mode="HTML")
    # PTB drops "Bad Request: " and lower-cases the rest of Telegram's description
    assert str(error.value).lower().startswith(f"can't parse entities: {description}".lower())


@pytest.mark.asyncio
async def test_supported_tags_are_accepted(emu: TelegramEmulator, bot: Bot) -> None:
    html = (
        "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s>"
        '<strike>k</strike><del>d</del><a href="https://example.org">a</a><code>c</code>'
        '<pre>p</pre><span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler>'
        '<blockquote>q</blockquote><tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
    )
    await bot.send_message(HUB, html, parse_mode="HTML")
    kinds = [e["type"] for e in emu.sent(HUB)[0].entities]
    assert kinds.count("bold") == 2
    assert {"text_link", "custom_emoji", "spoiler", "blockquote", "pre"} <= set(kinds)


@pytest.mark.asyncio
async def test_length_limit_applies_after_entity_parsing(emu: TelegramEmulator, bot: Bot) -> None:
    await bot.send_message(HUB, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    await bot.send_message(HUB, "&amp;" * 4096, parse_mode="HTML")
    await bot.send_message(HUB, "😀" * 4096)  # Telegram counts characters, not UTF-16 units
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(HUB, "a" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(HUB, "<i>" + "&lt;" * 4097 + "</i>", parse_mode="HTML")
    assert len(emu.sent(HUB)) == 3


@pytest.mark.asyncio
async def test_empty_text_is_refused(emu: TelegramEmulator, bot: Bot) -> None:
    for text in ("", "   ", "<b></b>"):
        with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
            await bot.send_message(HUB, text, parse_mode="HTML")
    assert emu.sent(HUB) == []


@pytest.mark.asyncio
async def test_replies_and_keyboards_are_stored(emu: TelegramEmulator, bot: Bot) -> None:
    asked = emu.user_sends(HUB, ANA, "/events")
    await bot.send_message(
        HUB,
        "Friday drinks",
        reply_to_message_id=asked["message_id"],
        reply_markup=keyboard("rsvp:1:yes", "rsvp:1:no"),
    )
    [sent] = emu.sent(HUB)
    assert sent.reply_to == asked["message_id"]
    assert sent.button_data == ["rsvp:1:yes", "rsvp:1:no"]
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(HUB, "to nothing", reply_to_message_id=999)
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(HUB, "too long", reply_markup=keyboard("x" * 65))


# ---------------------------------------------------------------- receiving


@pytest.mark.asyncio
async def test_user_messages_carry_command_entities(emu: TelegramEmulator, bot: Bot) -> None:
    emu.user_sends(HUB, ANA, "/checkin@coworkbot_test_bot desk 4 for 3h")
    emu.user_sends(ANA["id"], ANA, "/start")
    first, second = [message_of(u) for u in await bot.get_updates()]
    [command] = [e for e in first.entities if e.type == "bot_command"]
    assert (command.offset, command.length) == (0, len("/checkin@coworkbot_test_bot"))
    assert first.from_user is not None
    assert first.from_user.language_code == "fr"
    assert second.chat.type == "private"
    assert second.entities[0].length == len("/start")


@pytest.mark.asyncio
async def test_long_polling_waits_for_an_update(emu: TelegramEmulator, bot: Bot) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    emu.user_sends(HUB, BOB, "/here")
    [update] = await asyncio.wait_for(poll, 2)
    assert message_of(update).text == "/here"
    assert time.monotonic() - started < 2


@pytest.mark.asyncio
async def test_long_polling_returns_empty_after_the_timeout(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=timedelta(seconds=0.3)) == ()
    assert 0.25 < time.monotonic() - started < 2


@pytest.mark.asyncio
async def test_offset_confirms_and_limit_caps(emu: TelegramEmulator, bot: Bot) -> None:
    for n in range(3):
        emu.user_sends(HUB, CARLA, f"message {n}")
    first_two = await bot.get_updates(limit=2)
    assert texts(first_two) == ["message 0", "message 1"]
    assert len(await bot.get_updates()) == 3  # nothing confirmed yet
    rest = await bot.get_updates(offset=first_two[-1].update_id + 1)
    assert texts(rest) == ["message 2"]
    assert await bot.get_updates(offset=rest[-1].update_id + 1) == ()
    assert emu.pending_updates == []
    for n in range(3, 6):
        emu.user_sends(HUB, CARLA, f"message {n}")
    [last] = await bot.get_updates(offset=-1)  # negative: keep the last one, forget the rest
    assert message_of(last).text == "message 5"
    assert len(emu.pending_updates) == 1


@pytest.mark.asyncio
async def test_a_second_poller_terminates_the_first(emu: TelegramEmulator, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    async with Bot(TOKEN, base_url=emu.base_url) as other_instance:
        assert await other_instance.get_updates(timeout=timedelta(seconds=0.1)) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, 2)


@pytest.mark.asyncio
async def test_allowed_updates_filters_new_updates(emu: TelegramEmulator, bot: Bot) -> None:
    sent = await bot.send_message(HUB, "Coming?", reply_markup=keyboard("yes"))
    await bot.get_updates(allowed_updates=["callback_query"])
    emu.user_sends(HUB, ANA, "not delivered")
    emu.press_button(HUB, ANA, sent.message_id, "yes")
    [update] = await bot.get_updates(allowed_updates=[])  # [] restores the default set
    assert update.callback_query is not None
    emu.user_sends(HUB, ANA, "delivered again")
    assert texts(await bot.get_updates(offset=update.update_id + 1)) == ["delivered again"]


@pytest.mark.asyncio
async def test_wait_for_sent(emu: TelegramEmulator, bot: Bot) -> None:
    async def reply_later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(CAFE, "one")
        await bot.send_message(CAFE, "two")

    task = asyncio.create_task(reply_later())
    messages = await emu.wait_for_sent(CAFE, count=2, timeout=2)
    assert [m.text for m in messages] == ["one", "two"]
    await task
    with pytest.raises(TimeoutError, match="expected 3 message"):
        await emu.wait_for_sent(CAFE, count=3, timeout=0.1)


@pytest.mark.asyncio
async def test_a_polling_ptb_application_round_trip(emu: TelegramEmulator) -> None:
    """The way the adapter runs: Application + Updater long polling + a command handler."""

    async def here(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await message_of(update).reply_text(f"<b>{len(context.args or [])}</b> here", "HTML")

    app = (
        Application.builder()
        .token(TOKEN)
        .base_url(emu.base_url)
        .base_file_url(emu.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("here", here))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1, drop_pending_updates=True)
        asked = emu.user_sends(HUB, ANA, "/here@coworkbot_test_bot now")
        emu.user_sends(HUB, ANA, "/here@some_other_bot")  # PTB ignores other bots' commands
        [reply] = await emu.wait_for_sent(HUB, count=1, timeout=3)
        await app.updater.stop()
        await app.stop()
    assert (reply.text, reply.reply_to) == ("1 here", asked["message_id"])
    assert emu.pending_updates == []  # the updater confirmed what it handled


# ---------------------------------------------------------------- buttons and edits


@pytest.mark.asyncio
async def test_callback_queries_round_trip(emu: TelegramEmulator, bot: Bot) -> None:
    sent = await bot.send_message(HUB, "Friday drinks?", reply_markup=keyboard("rsvp:7:yes"))
    query_id = emu.press_button(HUB, BOB, sent.message_id, "rsvp:7:yes")
    [update] = await bot.get_updates()
    query = update.callback_query
    assert query is not None
    assert query.message is not None
    assert (query.id, query.data, query.from_user.id) == (query_id, "rsvp:7:yes", BOB["id"])
    assert query.message.message_id == sent.message_id
    assert await query.answer("Noted!")
    assert emu.callback_answers[query_id]["text"] == "Noted!"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(ValueError, match="no button"):
        emu.press_button(HUB, BOB, sent.message_id, "rsvp:7:maybe")


@pytest.mark.asyncio
async def test_edits_update_the_stored_message(emu: TelegramEmulator, bot: Bot) -> None:
    sent = await bot.send_message(HUB, "Friday drinks?", reply_markup=keyboard("yes", "no"))
    await bot.edit_message_reply_markup(HUB, sent.message_id, reply_markup=keyboard("no"))
    assert emu.sent(HUB)[0].button_data == ["no"]
    edited = await bot.edit_message_text("<b>Closed</b>", HUB, sent.message_id, parse_mode="HTML")
    assert isinstance(edited, Message)
    assert edited.edit_date is not None
    [stored] = emu.sent(HUB)
    assert (stored.text, stored.reply_markup, stored.edit_count) == ("Closed", None, 2)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("<b>Closed</b>", HUB, sent.message_id, parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", HUB, 999)


# ---------------------------------------------------------------- flood control


@pytest.mark.asyncio
@pytest.mark.usefixtures("timedelta_retry_after")
async def test_group_limit_gives_retry_after(
    emu: TelegramEmulator, bot: Bot, flood_clock: StepClock
) -> None:
    for n in range(3):  # the fixture lowers the limit to 3 per 60 s per group
        await bot.send_message(HUB, f"reminder {n}")
    flood_clock.advance(10)
    with pytest.raises(RetryAfter) as error:
        await bot.send_message(HUB, "one too many")
    assert retry_seconds(error.value) == 50
    await bot.send_message(CAFE, "another group is not affected")
    flood_clock.advance(49.5)
    with pytest.raises(RetryAfter) as error:
        await bot.send_message(HUB, "still too early")
    assert retry_seconds(error.value) == 1  # 0.5 s rounded up
    flood_clock.advance(0.5)  # rejected sends did not count, so the window is free now
    await bot.send_message(HUB, "now it goes")
    assert emu.throttled == 2
    assert [m.text for m in emu.sent(HUB)][-1] == "now it goes"
    assert len(emu.sent(HUB)) == 4


@pytest.mark.asyncio
@pytest.mark.usefixtures("timedelta_retry_after")
async def test_global_limit_gives_retry_after(
    emu: TelegramEmulator, bot: Bot, flood_clock: StepClock
) -> None:
    users: list[dict[str, Any]] = [{"id": 100 + n, "first_name": f"U{n}"} for n in range(6)]
    for user in users:
        emu.user_sends(user["id"], user, "/start")
    for user in users[:5]:  # the fixture lowers the limit to 5 per second overall
        await bot.send_message(user["id"], "welcome")
    with pytest.raises(RetryAfter) as error:
        await bot.send_message(users[5]["id"], "welcome")
    assert retry_seconds(error.value) == 1
    flood_clock.advance(1)
    await bot.send_message(users[5]["id"], "welcome")
    assert emu.throttled == 1
    assert len(emu.sent()) == 6


@pytest.mark.asyncio
@pytest.mark.usefixtures("timedelta_retry_after")
async def test_default_limits_are_telegrams() -> None:
    async with TelegramEmulator(TOKEN, clock=StepClock()) as emulator:
        emulator.add_chat(HUB, "supergroup", "Hub")
        async with Bot(TOKEN, base_url=emulator.base_url) as client:
            for n in range(20):
                await client.send_message(HUB, f"broadcast {n}")
            with pytest.raises(RetryAfter) as error:
                await client.send_message(HUB, "21st within a minute")
    assert retry_seconds(error.value) == 60


# ---------------------------------------------------------------- chats and failures


@pytest.mark.asyncio
async def test_removed_bot_gets_forbidden(emu: TelegramEmulator, bot: Bot) -> None:
    emu.user_sends(ANA["id"], ANA, "/start")
    emu.remove_bot_from(HUB, by=ANA)
    emu.remove_bot_from(CAFE)
    emu.remove_bot_from(ANA["id"])
    with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
        await bot.send_message(HUB, "hello?")
    with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
        await bot.send_message(CAFE, "hello?")
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ANA["id"], "hello?")
    updates = await bot.get_updates()
    kicked = [u.my_chat_member for u in updates if u.my_chat_member]
    assert [m.new_chat_member.status for m in kicked] == ["kicked", "left", "kicked"]
    emu.user_sends(HUB, CARLA, "/here")  # the bot is gone: nothing arrives
    assert await bot.get_updates(offset=updates[-1].update_id + 1) == ()


@pytest.mark.asyncio
async def test_unknown_and_unstarted_chats(emu: TelegramEmulator, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(-999, "hello?")
    with pytest.raises(Forbidden, match="can't initiate conversation with a user"):
        await bot.send_message(CARLA["id"], "Carla is known but never started the bot")


@pytest.mark.asyncio
async def test_chat_and_member_lookups(emu: TelegramEmulator, bot: Bot) -> None:
    chat = await bot.get_chat(HUB)
    assert (chat.id, chat.type, chat.title) == (HUB, "supergroup", "Hub Brussels")
    admins = await bot.get_chat_administrators(HUB)
    assert [(a.user.id, a.status) for a in admins] == [
        (ANA["id"], "creator"),
        (BOB["id"], "administrator"),
    ]
    assert (await bot.get_chat_member(HUB, CARLA["id"])).status == "member"
    assert (await bot.get_chat_member(CAFE, CARLA["id"])).status == "left"
    with pytest.raises(BadRequest, match=r"(?i)user not found"):
        await bot.get_chat_member(HUB, 4242)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.get_chat_member(-999, CARLA["id"])
    emu.set_admin(HUB, BOB, admin=False)  # demoted: the bot learns it only by asking
    assert (await bot.get_chat_member(HUB, BOB["id"])).status == "member"
    emu.set_admin(HUB, CARLA)
    assert (await bot.get_chat_member(HUB, CARLA["id"])).status == "administrator"
    assert [a.user.id for a in await bot.get_chat_administrators(HUB)] == [ANA["id"], CARLA["id"]]
    emu.add_chat(-3003, "supergroup", "Coworking network", username="cowork_network")
    await bot.send_message("@cowork_network", "public chats are reachable by username")
    assert len(emu.sent(-3003)) == 1
    await bot.send_chat_action(HUB, "typing")
    assert emu.chat_actions(HUB) == ["typing"]
    with pytest.raises(BadRequest):
        await bot.send_chat_action(HUB, "dancing")


@pytest.mark.asyncio
async def test_injected_server_errors_are_transient(emu: TelegramEmulator, bot: Bot) -> None:
    emu.fail_next(1, status=500)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(HUB, "first try")
    emu.fail_next(1, status=502, methods=["sendMessage"])
    await bot.get_me()  # not a sendMessage: unaffected
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(HUB, "second try")
    await bot.send_message(HUB, "third try")
    assert [m.text for m in emu.sent(HUB)] == ["third try"]
    assert [c.status for c in emu.calls if c.method == "sendMessage"] == [500, 502, 200]


# ---------------------------------------------------------------- commands


@pytest.mark.asyncio
async def test_commands_are_stored_per_scope_and_language(emu: TelegramEmulator, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("help", "Help"), BotCommand("checkin", "Check in")])
    await bot.set_my_commands([BotCommand("help", "Aide")], language_code="fr")
    await bot.set_my_commands(
        [BotCommand("event", "New event")], scope=BotCommandScopeChatAdministrators(HUB)
    )
    await bot.set_my_commands(
        [BotCommand("here", "Who is in")], scope=BotCommandScopeAllGroupChats(), language_code="it"
    )
    assert [c["command"] for c in emu.commands()] == ["help", "checkin"]
    assert emu.commands(language_code="fr") == [{"command": "help", "description": "Aide"}]
    assert emu.commands({"type": "chat_administrators", "chat_id": HUB})[0]["command"] == "event"
    assert emu.commands("all_group_chats", "it")[0]["command"] == "here"
    assert emu.commands("all_group_chats") == []  # no fallback: exactly that scope+language
    assert [c.command for c in await bot.get_my_commands(language_code="fr")] == ["help"]
    await bot.delete_my_commands(language_code="fr")
    assert emu.commands(language_code="fr") == []
    assert len(emu.commands()) == 2
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("CheckIn", "Upper case is refused")])


# ---------------------------------------------------------------- files


@pytest.mark.asyncio
async def test_document_upload_and_download(emu: TelegramEmulator, bot: Bot) -> None:
    ics = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    sent = await bot.send_document(
        HUB, document=ics, filename="hub.ics", caption="<b>Events</b> of the hub", parse_mode="HTML"
    )
    assert sent.document is not None
    assert sent.document.file_name == "hub.ics"
    [stored] = emu.sent(HUB)
    assert stored.document is not None
    assert stored.document.content == ics
    assert (stored.caption, stored.raw_caption) == ("Events of the hub", "<b>Events</b> of the hub")
    remote = await bot.get_file(sent.document.file_id)
    assert bytes(await remote.download_as_bytearray()) == ics
    await bot.send_document(CAFE, document=sent.document.file_id)  # re-send by file_id
    assert emu.sent(CAFE)[0].document is stored.document
    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.send_document(HUB, document=ics, filename="x.ics", caption="c" * 1025)


@pytest.mark.asyncio
async def test_photo_upload_is_checked(emu: TelegramEmulator, bot: Bot) -> None:
    image = pytest.importorskip("PIL.Image")
    png = io.BytesIO()
    image.new("RGB", (40, 30), "white").save(png, format="PNG")
    sent = await bot.send_photo(HUB, photo=png.getvalue(), caption="Occupancy")
    assert (sent.photo[-1].width, sent.photo[-1].height) == (40, 30)
    assert emu.sent(HUB)[0].photo is not None
    with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
        await bot.send_photo(HUB, photo=b"not an image")


# ---------------------------------------------------------------- the HTML parser itself


def test_parser_matches_tdlib_on_nesting_and_pre_code() -> None:
    parsed = parse_html(
        '<pre><code class="language-python">x = 1</code></pre><a href="tg://user?id=11">Ana</a>'
    )
    assert parsed.text == "x = 1Ana"
    assert parsed.entities[0] == {"type": "pre", "offset": 0, "length": 5, "language": "python"}
    assert parsed.entities[1]["type"] == "text_mention"


def test_parser_reports_byte_offsets() -> None:
    with pytest.raises(EntityParseError, match="byte offset 9"):
        parse_html("😀 ça <x>")  # 😀 is 4 bytes, ç 2, a and two spaces 1 each


def test_lenient_mode_keeps_a_bare_ampersand_like_telegram() -> None:
    assert parse_html("R&D &foo", strict_ampersand=False).text == "R&D &foo"
