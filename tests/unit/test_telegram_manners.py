"""Deep links, /qr, membership events, menus and replies in parts, through the real core (no platform)."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.chat_membership import ChatMembership, coordinator_chats
from bot.command_menus import ManagerMenu, appointed_manager_menus, may_change_managers
from bot.commands import menu
from bot.context import Role
from bot.deep_links import matrix_room_link, record_bot_username, telegram_start_link
from bot.i18n import translator
from bot.messages import Attachment, ChatRef, DeliveryError, Reply, RetryAfter, Sender, SentRef
from bot.outbox import enqueue, store_for_retry
from bot.spaces import link_chat
from storage.models import ChatLink, CheckIn, Manager, Member, OutboxMessage, Space
from storage.types import utcnow
from tests.world import FakeAdapter, World


def test_links_are_built_exactly() -> None:
    assert telegram_start_link("coworkbot", "checkin", "hub-split") == "https://t.me/coworkbot?start=checkin-hub-split"
    assert matrix_room_link("!AbC:example.org") == "https://matrix.to/#/!AbC:example.org?via=example.org"
    assert matrix_room_link("#hub:example.org") == "https://matrix.to/#/#hub:example.org"


async def test_start_payloads_check_in_at_and_set_the_home_space(world: World) -> None:
    split, zagreb = world.space("Hub Split", "Split", "HR", "Europe/Zagreb"), world.space("Zagreb Hub", "Zagreb", "HR",
                                                                                           "Europe/Zagreb")
    world.member("ana", zagreb)
    [checked_in] = await world.say("ana", "/start checkin-hub-split")
    assert checked_in.startswith("Checked in at Hub Split")
    with world.sessions() as session:
        [stay] = session.exec(select(CheckIn)).all()
        assert stay.space_id == split.id
    [home] = await world.say("ana", "/start home-hub-split")
    assert "Home space: Hub Split" in home
    [unknown] = await world.say("ana", "/start checkin-nowhere")
    assert "nowhere" in unknown
    [onboarding] = await world.say("ana", "/start")
    assert onboarding.startswith("Welcome")


async def test_qr_on_each_platform(world: World) -> None:
    hub = world.space("Hub")
    world.member("mia", hub, manager=True)
    world.member("@mia:example.org", hub, platform="matrix", manager=True)
    world.member("bob", hub)
    [refused] = await world.say("bob", "/qr", space=hub)
    assert refused == "Only a manager of this space can do that."
    [unknown] = await world.replies("mia", "/qr", space=hub)
    assert unknown.error  # the Telegram adapter has not said its name yet
    record_bot_username(world.sessions, "coworkbot")
    [code] = await world.replies("mia", "/qr", space=hub)
    assert code.file is not None and code.file.mime_type == "image/png" and code.file.data.startswith(b"\x89PNG")
    assert "https://t.me/coworkbot?start=checkin-hub" in code.text
    [no_room] = await world.say("@mia:example.org", "/qr hub")
    assert "no Matrix room" in no_room
    with world.sessions() as session:
        link_chat(session, ChatRef("matrix", "!room:example.org"), session.get(Space, hub.id))
        session.commit()
    [room] = await world.replies("@mia:example.org", "/qr hub")
    assert room.file is None and "https://matrix.to/#/!room:example.org?via=example.org" in room.text
    assert "!checkin" in room.text


def membership(world: World) -> ChatMembership:
    return ChatMembership(world.sessions, world.settings, clock=world.clock)


def test_a_group_is_greeted_in_its_spaces_language_else_the_adders(world: World) -> None:
    split = world.space("Hub Split", "Split", "HR", "Europe/Zagreb", lang="hr")
    [linked] = membership(world).added(world.chat_of(split), Sender("telegram", "9", language="fr"))
    [unlinked] = membership(world).added(ChatRef("telegram", "-5"), Sender("telegram", "9", language="fr-FR"))
    [default] = membership(world).added(ChatRef("telegram", "-6"), None)
    assert "Hub Split" in linked.text and linked.text != str(translator("en").t(
        "Hello again! This chat is linked to <b>{space}</b>. Send {p}help to see what I can do.", space="Hub Split"))
    assert unlinked.text.startswith("Bonjour") and default.text.startswith("Hello!")


def test_removal_unlinks_tells_each_coordinator_once_and_ends_chat_admin_rights(world: World) -> None:
    world.settings = replace(world.settings, coordinators=("tg:zoe", "tg:77"))
    hub = world.space("Hub")
    world.member("zoe", coordinator=True)
    cleo = world.member("cleo")
    chat = world.chat_of(hub)
    with world.sessions() as session:
        link = session.exec(select(ChatLink)).one()
        session.add(Manager(space_id=hub.id, member_id=cleo.id, source="chat_admin", chat_link_id=link.id))
        session.commit()
    membership(world).removed(chat, "Hub group")
    membership(world).removed(chat, "Hub group")  # the same event again: nothing more
    with world.sessions() as session:
        assert session.exec(select(ChatLink)).all() == [] and session.exec(select(Manager)).all() == []
        rows = session.exec(select(OutboxMessage)).all()
    assert sorted(row.chat_id for row in rows) == ["77", "zoe"]  # tg:zoe is a member, tg:77 not yet
    assert all("Hub group" in row.text and "space link hub" in row.text for row in rows)


def test_migration_moves_the_link_and_the_messages_waiting(world: World) -> None:
    hub = world.space("Hub")
    old, new = world.chat_of(hub), ChatRef("telegram", "-100999")
    with world.sessions() as session:
        enqueue(session, old, Reply("waiting"))
        session.commit()
    membership(world).migrated(old, new)
    membership(world).migrated(old, new)  # the second service message: nothing left to move
    assert world.chat_of(hub) == new
    with world.sessions() as session:
        assert session.exec(select(OutboxMessage.chat_id)).all() == ["-100999"]


def test_coordinators_are_found_in_settings_and_in_the_database(world: World) -> None:
    world.settings = replace(world.settings, coordinators=("tg:1", "@ann:example.org", "console:me"))
    world.member("db-coordinator", coordinator=True)
    with world.sessions() as session:
        chats = {chat for chat, _ in coordinator_chats(session, world.settings)}
    assert chats == {ChatRef("telegram", "1", True), ChatRef("matrix", "@ann:example.org", True),
                     ChatRef("console", "me", True), ChatRef("telegram", "db-coordinator", True)}


def test_direct_commands_are_left_out_of_group_menus() -> None:
    tr = translator("en")
    groups = {name for name, _ in menu(tr, Role.MANAGER, direct=False)}
    direct = {name for name, _ in menu(tr, Role.MEMBER)}
    assert {"start", "lang", "mydata", "forgetme"} <= direct and not {"start", "lang", "mydata", "forgetme"} & groups
    assert {"qr", "stats"} <= groups


def test_appointed_managers_menus_are_one_per_chat_of_their_space(world: World) -> None:
    hub = world.space("Hub")
    with world.sessions() as session:
        link_chat(session, ChatRef("telegram", "-2"), session.get(Space, hub.id))
        session.commit()
    world.member("mia", hub, manager=True, lang="de")
    with world.sessions() as session:
        admin = Member(platform="telegram", user_id="adm")
        session.add(admin)
        session.flush()
        session.add(Manager(space_id=hub.id, member_id=admin.id, source="chat_admin"))
        session.commit()
        menus = appointed_manager_menus(session, "telegram", world.settings)
    assert menus == [ManagerMenu("-2", "mia", "de"), ManagerMenu("hub", "mia", "de")]
    assert may_change_managers("/manager add @mia") and may_change_managers("/space@bot link hub")
    assert not may_change_managers("/checkin") and not may_change_managers("hello")


def test_a_refusal_with_a_retry_time_delays_the_stored_reply_and_keeps_the_parts_sent(world: World) -> None:
    refusal = RetryAfter(30, "flood")
    refusal.parts_sent = 2
    before = utcnow()
    store_for_retry(world.sessions, ChatRef("telegram", "5", True), Reply("long"), Sender("telegram", "5"), refusal)
    with world.sessions() as session:
        row = session.exec(select(OutboxMessage)).one()
    assert row.parts_sent == 2 and row.next_attempt_at >= before + timedelta(seconds=30)


class FailingOnce(FakeAdapter):
    """Takes the first part of a reply, then fails once; records the parts_sent it was asked to skip."""

    def __init__(self, platform: str, error: DeliveryError) -> None:
        super().__init__(platform)
        self.error: DeliveryError | None = error
        self.skipped: list[int] = []

    async def send(self, chat: ChatRef, reply: Reply) -> SentRef:
        self.skipped.append(reply.parts_sent)
        if self.error is not None:
            error, self.error = self.error, None
            error.parts_sent = 1
            raise error
        return await super().send(chat, reply)


@pytest.mark.parametrize("error", [DeliveryError("502"), RetryAfter(0.0, "flood")])
async def test_the_outbox_resumes_a_reply_after_its_parts_sent(world: World, error: DeliveryError) -> None:
    adapter = FailingOnce("telegram", error)
    world.worker.adapters["telegram"] = adapter
    with world.sessions() as session:
        enqueue(session, ChatRef("telegram", "-1"), Reply("text", file=Attachment("a.png", b"png", "image/png")),
                not_before=world.clock.now)
        session.commit()
    await world.worker.deliver_due()
    world.clock.advance(minutes=1)
    await world.worker.deliver_due()
    assert adapter.skipped == [0, 1]
    with world.sessions() as session:
        row = session.exec(select(OutboxMessage)).one()
    assert row.status == "sent" and row.parts_sent == 1


def test_a_picture_goes_as_a_photo_with_the_text_as_caption_and_the_rest_after_it() -> None:
    from adapters.telegram_send import CAPTION_LIMIT, parts_of, visible_length
    from bot.messages import html_to_plain

    png = Attachment("chart.png", b"\x89PNG", "image/png")
    [short] = parts_of(Reply("<b>Hub</b>: summary", file=png))
    assert short.as_photo and short.text == "<b>Hub</b>: summary"
    long_text = "\n".join(f"<b>line {n:02d}</b> " + "é" * 60 for n in range(40))
    first, *rest = parts_of(Reply(long_text, file=png))
    assert first.as_photo and visible_length(first.text) <= CAPTION_LIMIT and rest
    assert all(part.file is None for part in rest)
    shown = "\n".join(html_to_plain(part.text) for part in [first, *rest])
    assert all(f"line {n:02d} " in shown for n in range(40)) and shown.count("line 00 ") == 1
    document = parts_of(Reply("Here it is.", file=Attachment("mydata.json", b"{}", "application/json")))
    assert [(part.file is None, part.as_photo) for part in document] == [(True, False), (False, False)]
