"""/mydata and /forgetme: what a member can see and erase about themselves, and nothing of anyone else."""
from __future__ import annotations

import html
import json
import re
from datetime import timedelta

from markupsafe import escape
from sqlalchemy import func, select
from sqlmodel import col

from bot.escalation import escalate_due
from bot.messages import ChatRef
from bot.privacy import delete_old_messages, identity_tables, member_columns, text_columns
from bot.reminders import reminder_pass
from storage.models import (Broadcast, CheckIn, DirectChat, Introduction, Member, NeedRequest, OutboxMessage,
                            PendingConfirmation, Space)
from tests.world import World, plain

HUB_ROOM = ChatRef("matrix", "!hub:example.org")


def person(world: World, name: str, user_id: str, space: Space | None, *, platform: str = "telegram",
           handle: str | None = None, coordinator: bool = False) -> Member:
    """A member whose display name is exactly ``name`` (World.member capitalizes)."""
    with world.sessions() as session:
        member = Member(platform=platform, user_id=user_id, display_name=name, handle=handle,
                        home_space_id=space.id if space else None, is_coordinator=coordinator)
        session.add(member)
        session.commit()
        session.refresh(member)
        return member


def link_room(world: World, space: Space, chat: ChatRef) -> None:
    from bot.spaces import link_chat

    with world.sessions() as session:
        link_chat(session, chat, session.get(Space, space.id))
        session.commit()


def forms(needle: str) -> set[str]:
    """A string as it may be stored: raw, or HTML-escaped by the stdlib or by markupsafe."""
    return {needle, html.escape(needle), str(escape(needle))}


def leftovers(world: World, needles: set[str], skip: set[tuple[str, int]] = frozenset()) -> list[tuple]:
    """(table, column, value, needle) for every text or JSON value of the database holding a needle.

    Case-sensitive whole words, so ``Al`` is not found in ``Also``; rows in ``skip``
    ((table, id)) are other people's rows that quote the name on purpose.
    """
    patterns = {n: re.compile("|".join(r"(?<!\w)" + re.escape(f) + r"(?!\w)" for f in forms(n))) for n in needles}
    found = []
    with world.sessions() as session:
        for table, column in text_columns():
            key = table.c.id if "id" in table.c else None
            for row_id, value in session.execute(select(key if key is not None else table.c[column], table.c[column])):
                if value is None or (table.name, row_id) in skip:
                    continue
                if isinstance(value, bytes):
                    text = value.decode("utf-8", "replace")
                else:
                    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                found += [(table.name, column, text, n) for n, p in patterns.items() if p.search(text)]
    return found


async def test_mydata_is_a_json_file_of_what_we_store(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space)
    await world.say("ana", "/checkin sketching the new logo", space=space)
    [reply] = await world.replies("ana", "/mydata")
    assert reply.file is not None and reply.file.name == "mydata.json"
    data = json.loads(reply.file.data)
    assert data["member"]["user_id"] == "ana"
    assert data["checkin"][0]["note"] == "sketching the new logo"


async def test_forgetme_asks_first_then_removes_every_trace(world: World) -> None:
    space = world.space("Hub")
    other = world.space("Annex", city="Split", country="HR", tz="Europe/Zagreb")
    world.member("zelda", space)
    world.member("bob", space, manager=True)
    world.member("ivo", other)
    await world.say("bob", "/event Zelda's party | tomorrow at 18:00", space=space)
    await world.say("bob", "/confirm 1", space=space)
    for command in ("/checkin writing about zelda's secret plans", "/skills add translation, zelda-craft",
                    "/need a designer for zelda's logo #design", "/rsvp 1 yes", "/intro on",
                    "/visit annex next week with zelda's friends"):
        [reply] = await world.replies("zelda", command, space=space)
        assert not reply.error, (command, reply.text)
    await world.say("ivo", "/skills add graphic design")
    await world.say("ivo", "/help_with 1")
    await world.deliver()
    [warning] = await world.replies("zelda", "/forgetme")
    assert warning.buttons[0][0].command == "/forgetme confirm"
    with world.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Member)) == 3  # nothing yet
    [done] = await world.say("zelda", "/forgetme confirm")
    assert done.startswith("Done")
    # Bob's event (its title, its announcement) is the space's, not Zelda's
    found = [f for f in leftovers(world, {"zelda", "Zelda"}) if f[0] != "event" and "Zelda&#39;s party" not in f[2]]
    assert found == []
    with world.sessions() as session:
        # the check-in still counts, anonymously
        checkin = session.execute(select(CheckIn)).scalar_one()
        assert checkin.member_id is None and checkin.note == "" and checkin.ended_at == world.clock.now
    assert await world.say("bob", "/here", space=space) == ["Nobody is checked in at Hub right now."]


FORGOTTEN = (  # name, user id, handle, platform, marker (in every text they write)
    ("new", "510001", "new", "telegram", "zqnew"),
    ("Al", "510002", "al", "telegram", "zqal"),
    ("Tom & Jerry", "510003", "tomjerry", "telegram", "zqtom"),
    ("o'brien", "@obrien:example.org", "obrien", "matrix", "zqobr"),
)


async def test_forgetting_is_by_identity_and_keeps_everyone_elses_messages(world: World) -> None:
    hub = world.space("Hub")
    annex = world.space("Annex", city="Split", country="HR", tz="Europe/Zagreb")
    link_room(world, hub, HUB_ROOM)
    world.member("cora", hub, coordinator=True)
    bob = world.member("bob", hub, manager=True)
    world.member("ivo", annex)
    lea = world.member("lea", hub)
    world.member("mia", hub)
    gone = [person(world, name, user_id, hub, platform=platform, handle=handle, coordinator=name == "Tom & Jerry")
            for name, user_id, handle, platform, _ in FORGOTTEN]
    new, al, tom, obrien = gone
    markers = {m.id: marker for m, (*_, marker) in zip(gone, FORGOTTEN)}
    with world.sessions() as session:
        session.add(DirectChat(platform="matrix", user_id=obrien.user_id, chat_id="!dm-obrien:example.org"))
        session.add(DirectChat(platform="matrix", user_id="@gio:example.org", chat_id="!dm-gio:example.org"))
        session.commit()

    await world.say("lea", "/skills add graphic design")
    event_id = await world.create_event("bob", "/event Board games night | tomorrow at 18:00", hub)
    requests = {}
    for member in gone:
        marker = markers[member.id]
        group = HUB_ROOM if member.platform == "matrix" else world.chat_of(hub)
        for command in (f"/checkin {marker} note", f"/skills add {marker} craft", f"/rsvp {event_id} yes"):
            [reply] = await world.replies(member, command, chat=group)
            assert not reply.error, (command, reply.text)
        need = f"/need {marker} request of {member.display_name} #graphic-design #{marker}-tag"
        [reply] = await world.replies(member, need)
        requests[member.id] = int(re.search(r"#(\d+)", reply.text).group(1))
        [reply] = await world.replies(member, f"/visit annex {marker} dates, {member.display_name} and friends")
        assert not reply.error, reply.text
    await world.deliver()  # some of their messages are sent, others will be pending

    # introductions: a round (Al with Mia) and a help offer with relayed messages both ways
    for who in (al, "mia"):
        await world.say(who, "/intro on")
    assert (await world.say("cora", "/intros run"))[0].startswith("Introduction round done: 1 pair")
    for member in (new, obrien):
        await world.say("ivo", f"/help_with {requests[member.id]}")
        with world.sessions() as session:
            intro_id = session.scalar(select(func.max(col(Introduction.id))))
        await world.say(member, f"/intro yes {intro_id}")
        await world.say(member, f"/intro msg {intro_id} {markers[member.id]} relayed words of {member.display_name}")
        await world.say("ivo", f"/intro msg {intro_id} hi back, {member.display_name}")
    [reply] = await world.replies(tom, f"/broadcast {markers[tom.id]} news from Tom & Jerry")
    assert not reply.error, reply.text
    # other people's messages, one of which names them all on purpose
    [reply] = await world.replies("cora", "/broadcast Brand new coffee machine! Al, Tom & Jerry, o'brien: come")
    planted = int(re.search(r"#(\d+)", reply.text).group(1))
    await world.say("bob", f"/rsvp {event_id} yes", space=hub)
    await world.say("bob", "/visit annex next week")
    await world.say("bob", "/need a sign painter for the door #graphic-design", space=hub)
    world.clock.advance(hours=8)  # the 24 h reminder is due
    assert reminder_pass(world.sessions, world.settings, world.clock()).sent == 1

    def others(row: OutboxMessage) -> bool:
        """The rows that are not theirs, told apart by what they are, not by the columns under test."""
        return ((row.kind == "broadcast" and row.batch_id == planted) or row.kind == "event"
                or (row.kind == "reminder" and (not row.is_direct or row.chat_id == bob.user_id))
                or (row.kind == "visit" and "Bob (@bob)" in row.text)
                or (row.kind == "need" and row.chat_id == lea.user_id and "sign painter" in row.text))

    with world.sessions() as session:
        rows = list(session.scalars(select(OutboxMessage)))
        assert all(r.recipient_id is not None for r in rows if r.is_direct), "every direct message names its reader"
        kept = {r.id: (r.chat_id, r.text, r.status) for r in rows if others(r)}
        pending = {i for i, (_, _, status) in kept.items() if status == "pending"}
        assert {r.kind for r in rows if r.id in pending} == {"broadcast", "reminder", "visit", "need"}
        assert {r.kind for r in rows if r.id in kept} == {"broadcast", "reminder", "visit", "need", "event"}
        assert len(rows) > len(kept) and any(r.status == "sent" and not others(r) for r in rows)

    needles = {v for m in gone for v in (m.display_name, m.handle, m.user_id, markers[m.id])}
    skip = {("outboxmessage", i) for i in kept} | {("broadcast", planted)}
    before = leftovers(world, needles, skip)
    assert {n for *_, n in before} == needles  # every needle is stored somewhere ...
    assert {"member", "checkin", "needrequest", "memberskill", "broadcast", "directchat"} <= {t for t, *_ in before}
    assert [n for _, column, text, n in before if column == "text" and "relayed words" in text]
    assert [n for table, column, *_, n in before if (table, column) == ("needrequest", "tags")]

    for member in gone:
        [reply] = await world.replies(member, "/forgetme confirm")
        assert reply.text.startswith("Done"), reply.text

    # (a) ... and nothing of theirs is left anywhere
    assert leftovers(world, needles, skip) == []
    with world.sessions() as session:
        for column in ("author_id", "subject_id", "recipient_id"):
            concerned = col(getattr(OutboxMessage, column)).in_([m.id for m in gone])
            assert session.scalar(select(func.count()).where(concerned)) == 0
        assert session.scalars(select(DirectChat.user_id)).all() == ["@gio:example.org"]
        assert session.scalars(select(Broadcast.id)).all() == [planted]
        # (b) every other row is still there, unchanged (the announcement's live counts are no one's: they
        # change with the answers that went with them)
        remaining = {r.id: (r.chat_id, r.text, r.status) for r in session.scalars(select(OutboxMessage))
                     if r.kind != "edit"}
    assert remaining == kept
    # ... and the pending ones are delivered
    for adapter in world.adapters.values():
        adapter.sent.clear()
    await world.deliver()
    delivered = {(chat.chat_id, reply.text) for adapter in world.adapters.values() for chat, reply in adapter.sent}
    assert delivered == {(chat_id, text) for i, (chat_id, text, _) in kept.items() if i in pending}
    with world.sessions() as session:
        assert set(session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "sent",
                                                                  OutboxMessage.kind != "edit"))) == set(kept)


async def test_a_forgotten_members_open_requests_are_withdrawn(world: World) -> None:
    hub = world.space("Hub")
    annex = world.space("Annex", city="Split", country="HR", tz="Europe/Zagreb")
    world.member("ana", hub)
    world.member("bob", hub)
    world.member("ivo", annex)
    await world.say("ivo", "/skills add graphic design")
    await world.say("ana", "/need some help #graphic-design #zqsecret", space=hub)
    await world.say("bob", "/need a poster #graphic-design", space=hub)
    await world.say("ana", "/forgetme confirm")
    with world.sessions() as session:
        request = session.get(NeedRequest, 1)
        assert (request.status, request.text, request.requester_id) == ("withdrawn", "", None)
        assert request.tags == ["graphic-design"]  # the free tag (their words) is gone
    [needs] = await world.say("bob", "/needs", space=hub)
    assert "#1 " not in needs and "#2 · Bob" in needs
    assert await world.say("ivo", "/help_with 1") == ["There is no open request #1."]
    world.clock.advance(hours=25)
    # Nobody in Hub has the skill, so the network was asked at once for both requests; the
    # question about ana's went with her, and nothing about it is escalated later either.
    assert escalate_due(world.sessions, world.clock(), world.settings) == 0
    await world.deliver()
    [asked] = world.inbox("ivo")
    assert "(request #2)" in asked
    [needs] = await world.say("ivo", "/needs", space=annex)
    assert "#1 " not in needs and "#2 · Bob" in needs


async def test_sent_messages_are_deleted_after_the_retention_period(world: World) -> None:
    from bot.messages import DeliveryError, Reply
    from bot.outbox import enqueue

    assert world.settings.outbox_retention == timedelta(days=30)
    with world.sessions() as session:
        for chat, text, due in (("-1", "fails", 0), ("-2", "is sent", 0), ("-3", "waits", 90)):
            enqueue(session, ChatRef("telegram", chat), Reply(text), not_before=world.clock.now + timedelta(days=due))
        session.commit()
    world.adapters["telegram"].failures.append(DeliveryError("kicked", permanent=True))
    await world.deliver()
    with world.sessions() as session:
        assert [r.status for r in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))] == [
            "failed", "sent", "pending"]
    world.clock.advance(days=29)
    assert delete_old_messages(world.sessions, world.clock(), world.settings.outbox_retention) == 0
    world.clock.advance(days=2)
    assert delete_old_messages(world.sessions, world.clock(), world.settings.outbox_retention) == 2
    with world.sessions() as session:
        assert [r.text for r in session.scalars(select(OutboxMessage))] == ["waits"]


def test_outbox_retention_is_a_duration_setting() -> None:
    from bot.config import ConfigError, load_settings

    assert load_settings(environ={}).outbox_retention == timedelta(days=30)
    assert load_settings(environ={"COWORKBOT_OUTBOX_RETENTION": "7d"}).outbox_retention == timedelta(days=7)
    try:
        load_settings(environ={"COWORKBOT_OUTBOX_RETENTION": "a month"})
    except ConfigError as error:
        assert "COWORKBOT_OUTBOX_RETENTION" in str(error)
    else:
        raise AssertionError("a bad duration was accepted")


async def test_the_process_deletes_old_messages_daily(world: World) -> None:
    import asyncio

    from bot.app import Runtime, schedule_jobs
    from bot.scheduler import Scheduler

    runtime = Runtime(world.settings, world.sessions, world.core, world.worker, Scheduler(), asyncio.Event())
    schedule_jobs(runtime)
    assert "outbox-retention" in runtime.scheduler.job_ids()


async def test_mydata_and_forgetme_cover_every_table_that_names_a_member(world: World) -> None:
    """Derived from the schema: a table added later fails here until /mydata and /forgetme cover it."""
    hub = world.space("Hub")
    world.space("Annex", city="Split", country="HR", tz="Europe/Zagreb")
    ana = world.member("ana", hub, manager=True, coordinator=True)
    world.member("bob", hub)
    for who in ("ana", "bob"):
        await world.say(who, "/skills add graphic design")
    event_id = await world.create_event("ana", "/event Demo day | tomorrow at 18:00", hub)
    for command in ("/checkin on the demo", f"/rsvp {event_id} yes", "/need a logo #graphic-design",
                    "/visit annex next week", "/broadcast hello network"):
        [reply] = await world.replies("ana", command, space=hub)
        assert not reply.error, (command, reply.text)
    await world.say("bob", "/need a poster #graphic-design", space=hub)  # ana is asked
    await world.say("bob", "/help_with 1")  # an introduction where ana is member a
    await world.say("ana", "/help_with 2")  # and one where she is member b (Bob is told: ana is its subject)
    with world.sessions() as session:
        session.add(PendingConfirmation(member_id=ana.id, kind="test"))
        session.add(DirectChat(platform="telegram", user_id="ana", chat_id="ana"))
        session.commit()

    def rows_naming_ana() -> dict[str, set[int]]:
        found: dict[str, set[int]] = {}
        with world.sessions() as session:
            for table, column in member_columns():
                ids = session.scalars(select(table.c.id).where(table.c[column] == ana.id))
                found[f"{table.name}.{column}"] = set(ids)
            for table in identity_tables():
                found[table.name] = set(session.scalars(select(table.c.id).where(
                    table.c.platform == ana.platform, table.c.user_id == ana.user_id)))
        return found

    before = rows_naming_ana()
    assert [where for where, ids in before.items() if not ids] == [], "extend this test to the new table"
    [reply] = await world.replies("ana", "/mydata")
    data = json.loads(reply.file.data)
    for where, ids in before.items():
        exported = {row["id"] for row in data.get(where.split(".")[0], [])}
        assert ids <= exported, where
    told_bob = [row for row in data["outboxmessage"] if row["subject_id"] == ana.id and row["recipient_id"] is None]
    assert told_bob and all(row["chat_id"] is None for row in told_bob)  # whose chat it went to is Bob's business

    [done] = await world.say("ana", "/forgetme confirm")
    assert done.startswith("Done")
    assert {where: ids for where, ids in rows_naming_ana().items() if ids} == {}


async def test_mydata_and_forgetme_asked_in_a_group_answer_in_the_direct_chat(world: World) -> None:
    hub = world.space("Hub")
    link_room(world, hub, HUB_ROOM)
    world.member("ana", hub)
    world.member("@gio:example.org", hub, platform="matrix")
    for who, chat in (("ana", world.chat_of(hub)), ("@gio:example.org", HUB_ROOM)):
        adapter = world.adapters[chat.platform]
        dm = ChatRef(chat.platform, who, is_direct=True)
        for command in ("/mydata", "/forgetme", "/forgetme confirm"):
            [reply] = await world.replies(who, command, chat=chat)
            assert plain(reply.text).startswith("I sent it to you in a direct chat."), (who, command)
            assert reply.file is None and reply.buttons == []
        await world.deliver()
        assert all(c == dm for c, _ in adapter.sent), "nothing personal in the room"
        export, prompt, again = [r for c, r in adapter.sent if c == dm]
        assert export.file.name == "mydata.json" and json.loads(export.file.data)["member"]["user_id"] == who
        assert prompt.buttons[0][0].command == again.buttons[0][0].command == "/forgetme confirm"
        with world.sessions() as session:
            assert session.scalar(select(func.count()).where(Member.user_id == who)) == 1  # not in a group
            sent = list(session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == who)))
            assert [r.status for r in sent] == ["sent"] * 3 and all(r.file_data is None for r in sent)
        [done] = await world.say(who, "/forgetme confirm")
        assert done.startswith("Done")
        adapter.sent.clear()


async def test_a_reply_kept_for_retry_belongs_to_whoever_asked(world: World) -> None:
    from bot.messages import Reply, Sender
    from bot.outbox import store_for_retry

    hub = world.space("Hub")
    ana = world.member("ana", hub)
    store_for_retry(world.sessions, ChatRef("telegram", "ana", is_direct=True), Reply("your data"),
                    Sender("telegram", "ana"))
    store_for_retry(world.sessions, world.chat_of(hub), Reply("Ana checked in"), Sender("telegram", "ana"))
    with world.sessions() as session:
        rows = [(r.author_id, r.recipient_id)
                for r in session.scalars(select(OutboxMessage).order_by(col(OutboxMessage.id)))]
    assert rows == [(ana.id, ana.id), (ana.id, None)]
    await world.say("ana", "/forgetme confirm")
    with world.sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
