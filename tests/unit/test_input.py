"""Untrusted input: control characters and odd Unicode are cleaned at the core's boundary, and
numbers of any size get a clear answer. Every case runs on SQLite and, when configured, PostgreSQL
(which refuses NUL in text: there, before the sanitizer, a NUL failed every command)."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, select

from bot.messages import ChatRef, Message, Sender
from bot.sanitize import ID_MAX, bounded_decimal, bounded_int, clean_text, parse_id
from storage.models import CheckIn, Member, NeedRequest
from tests.world import World, plain


def snapshot(world: World) -> dict[str, Any]:
    with world.sessions() as session:
        return {t.name: sorted(map(repr, session.execute(sa_select(t)).all())) for t in SQLModel.metadata.sorted_tables}


async def say_as(world: World, sender: Sender, text: str, chat: ChatRef | None = None) -> list[str]:
    """``text`` from a sender exactly as a platform gave it (display name and all)."""
    chat = chat or ChatRef(sender.platform, sender.user_id, is_direct=True)
    return [plain(r.text) for r in await world.core.handle(Message(chat, sender, text))]


@pytest.mark.parametrize(("raw", "clean"), [
    ("a\x00b", "ab"),
    ("bell\x07 esc\x1b[31m del\x7f", "bell esc[31m del"),
    ("c1\x80\x85\x9f end", "c1 end"),
    ("keep\ttab\nand newline", "keep\ttab\nand newline"),
    ("windows\r\nline\rends", "windows\nline\nends"),
    ("Rene\u0301e", "Renée"),  # decomposed é becomes one character (NFC)
    ("lone \ud800 surrogate", "lone  surrogate"),
    ("Ωμέγα 東京 🙂", "Ωμέγα 東京 🙂"),
])
def test_clean_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_numbers_of_any_size_are_read_within_limits() -> None:
    assert parse_id("12") == 12 and parse_id("#12") == 12 and parse_id(" 007 ") == 7
    assert parse_id(str(ID_MAX)) == ID_MAX
    assert parse_id(str(ID_MAX + 1)) == 0 and parse_id("9" * 5000) == 0 and parse_id("0") == 0  # matches no row
    assert parse_id("-1") is None and parse_id("1e3") is None and parse_id("") is None and parse_id("x") is None
    assert parse_id("١٢") == 12  # Arabic-Indic digits are digits too
    assert bounded_int("10000", 10000) == 10000 and bounded_int("10001", 10000) is None
    assert bounded_int("0" * 4000 + "5", 10) == 5 and bounded_int("9" * 10000, 10) is None
    assert bounded_decimal("2,5", 16) == 2.5 and bounded_decimal("2.5.1", 16) is None
    assert bounded_decimal("99999999999", 16) is None and bounded_decimal("1." + "9" * 5000, 16) == 2.0


async def test_control_characters_are_removed_from_commands_and_display_names(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space)
    zed = Sender("telegram", "zed", display_name="Zed\x00\x07 Jones\x9b", handle="zed\x00")
    group = world.chat_of(space)
    assert await say_as(world, zed, "/checkin logo\x00 work\x85 for 2h", group) == [
        "Checked in at Hub until 12:00. Welcome!"]
    [here] = await world.say("ana", "/here", space=space)
    assert "• Zed Jones (@zed), since 10:00: logo work" in here
    with world.sessions() as session:
        member = session.exec(select(Member).where(Member.user_id == "zed")).one()
        assert (member.display_name, member.handle) == ("Zed Jones", "zed")
        assert session.exec(select(CheckIn.note)).one() == "logo work"
    # The same person keeps working (a NUL in the name once locked them out on PostgreSQL).
    assert await say_as(world, zed, "/checkout\x00", group) == ["Checked out of Hub. See you soon!"]


async def test_text_is_stored_composed_whatever_the_keyboard_sent(world: World) -> None:
    space = world.space("Hub")
    rene = Sender("telegram", "rene", display_name="Rene\u0301e")
    await say_as(world, rene, "/checkin cafe\u0301 au lait", world.chat_of(space))
    with world.sessions() as session:
        assert session.exec(select(Member.display_name).where(Member.user_id == "rene")).one() == "Renée"
        assert session.exec(select(CheckIn.note)).one() == "café au lait"
    world.member("ana", space)
    assert "• Renée, since 10:00: café au lait" in (await world.say("ana", "/here", space=space))[0]


@pytest.mark.parametrize("text", [
    "/checkin for 99999999999h",
    "/checkin for 99999999999999999999999999999999m",
    "/checkin for 9999999999.5h",
    "/checkin for 1h 99999999999999999999m",
    "/checkin for 17h",
])
async def test_durations_beyond_limits_get_a_clear_error(world: World, text: str) -> None:
    space = world.space("Hub")
    world.member("ana", space)
    before = snapshot(world)
    assert await world.say("ana", text, space=space) == ["A check-in lasts between 1 minute and 16 hours."]
    assert snapshot(world) == before


@pytest.mark.parametrize(("when", "tz"), [
    ("9999-12-31 23:59", "Europe/Paris"),
    ("9999-12-31 23:59", "America/New_York"),  # past the last UTC datetime there is
    ("2028-11-26 18:00", "Europe/Paris"),  # two years and a day after "now" (25 November 2026)
])
async def test_dates_more_than_two_years_ahead_are_refused(world: World, when: str, tz: str) -> None:
    space = world.space("Hub", tz=tz)
    world.member("ana", space, manager=True)
    before = snapshot(world)
    assert await world.say("ana", f"/event Party | {when}", space=space) == ["An event can be at most 2 years ahead."]
    assert snapshot(world) == before


async def test_a_date_within_two_years_is_accepted(world: World) -> None:
    space = world.space("Hub", lang="fr")
    world.member("ana", space, manager=True, lang="fr")
    [reply] = await world.say("ana", "/event Fête | 2028-11-24 18:00", space=space)
    assert "vendredi 24 novembre 2028, 18:00" in reply
    [reply] = await world.say("ana", "/event Fête | 2028-11-26 18:00", space=space)
    assert reply == "Un événement peut avoir lieu au plus 2 ans à l’avance."


@pytest.mark.parametrize(("text", "answer"), [
    ("/rsvp 99999999999999999999999", "There is no event #99999999999999999999. See /events."),
    ("/rsvp 2147483648 yes", "There is no event #2147483648. See /events."),
    ("/rsvp -1", "There is no event #-1. See /events."),
    ("/rsvp 0", "There is no event #0. See /events."),
    ("/cancel_event 99999999999999999999", "There is no event #99999999999999999999. See /events."),
    ("/confirm 99999999999999999999", "There is nothing to confirm with that number."),
    ("/confirm -5", "There is nothing to confirm with that number."),
    ("/resolve -1", "Usage: /resolve ID"),
    ("/resolve 99999999999999999999999", "There is no open request #99999999999999999999."),
    ("/help_with 2147483648", "There is no open request #2147483648."),
    ("/intro yes 99999999999999999999", "You have no introduction #99999999999999999999."),
    ("/intro msg -3 hello", "Usage: /intro on|off, /intro pause 2w|off, /intro yes|no ID, /intro msg ID TEXT"),
    ("/event Quiz | tomorrow 18:00 | max 99999999999999999999", "A capacity is between 1 and 10000 people."),
    ("/event Quiz | tomorrow 18:00 | max 0", "A capacity is between 1 and 10000 people."),
])
async def test_ids_and_numbers_of_any_size_get_a_clear_answer(world: World, text: str, answer: str) -> None:
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    await world.say("ana", "/need a logo", space=space)  # a real row with id 1 nearby
    before = snapshot(world)
    assert await world.say("ana", text, space=space) == [answer]
    assert snapshot(world) == before
    with world.sessions() as session:
        assert session.exec(select(NeedRequest.status)).one() == "open"
