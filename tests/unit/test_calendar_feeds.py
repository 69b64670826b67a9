"""Calendar feeds ``/ical/SLUG-SECRET.ics`` over real HTTP, and ``/ical`` and ``/ical rotate`` in chat.

What a calendar app subscribed to a feed sees: valid iCalendar, the last month's
events still there, cancelled ones marked so, 304 while nothing changed; and
what a wrong, guessed or rotated address gets: the same 404 as any other.
"""
from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import event as sa_event
from sqlmodel import select

from bot.calendar_feeds import network_feed_path, space_feed_path
from bot.config import Settings
from storage.db import create_db_engine, session_factory
from storage.models import Event, Space, SyncState
from tests.ical_rules import check_calendar
from tests.web_client import web_client, web_context
from tests.world import FakeClock, World

SITE = "https://cowork.example.org"
LINK = re.compile(r"(https|webcal)://cowork\.example\.org(/ical/[a-z0-9-]+\.ics)")


def linked(world: World) -> World:
    """The same network, with a ``PUBLIC_URL``: /ical answers with links."""
    return World(world.sessions, replace(world.settings, public_url=SITE), world.clock)


async def get(world: World, path: str, **headers: str):  # noqa: ANN201 - (status, headers, body)
    context = web_context(world.settings, world.sessions)
    context.clock = world.clock
    async with web_client(context) as client:
        response = await client.get(path, headers=headers)
        return response.status, response.headers, await response.read()


def feed_paths(world: World, space: Space) -> tuple[str, str]:
    with world.sessions() as session:
        paths = space_feed_path(session, session.get(Space, space.id)), network_feed_path(session)
        session.commit()
    return paths


def links_in(text: str) -> list[tuple[str, str]]:
    return LINK.findall(text)


async def month_of_events(world: World) -> dict[str, Space]:
    """Paris and Athens over five weeks: an old, a recent, a cancelled and a weekly event; a network one."""
    paris = world.space("Hub Paris", city="Paris", country="FR", tz="Europe/Paris")
    athens = world.space("Athens Loft", city="Athens", country="GR", tz="Europe/Athens", lang="el")
    world.member("max", paris, manager=True)
    world.member("nikos", athens, lang="en", manager=True)
    world.member("ana", paris)
    await world.create_event("max", "/event Long ago | tomorrow 18:00", paris)  # 26 November
    world.clock.advance(days=20)
    await world.create_event("max", "/event Recent talk | tomorrow 18:00 | Room 1", paris)  # 16 December
    cancelled = await world.create_event("max", "/event Called off | friday 18:00", paris)  # 18 December
    await world.create_event("max", "/event Talk; Q&A, <b>live</b> \\o/ | monday 12:00 | Room 2, 1st floor", paris)
    await world.create_event("max", "/event Breakfast | every friday 9:00 | Kitchen", paris)
    await world.create_event("nikos", "/event Meetup | every tuesday 19:00 | | network", athens)
    await world.create_event("nikos", "/event Athens only | tomorrow 20:00", athens)
    await world.say("max", f"/cancel_event {cancelled}", space=paris)
    world.clock.advance(days=20)  # 4 January 2027: "Long ago" is 39 days old, "Recent talk" 19
    return {"paris": paris, "athens": athens}


async def test_a_space_feed_is_strict_icalendar_with_last_months_and_cancelled_events(world: World) -> None:
    spaces = await month_of_events(world)
    space_path, _ = feed_paths(world, spaces["paris"])
    status, headers, body = await get(world, space_path)
    assert status == 200
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert headers["Content-Disposition"] == 'attachment; filename="hub-paris.ics"'
    assert "private" in headers["Cache-Control"] and "public" not in headers["Cache-Control"]
    strict = check_calendar(body)
    assert [z.values("TZID")[0] for z in strict.walk("VTIMEZONE")] == ["Europe/Athens", "Europe/Paris"]

    calendar = Calendar.from_ical(body)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"Recent talk", "Called off", "Talk; Q&A, <b>live</b> \\o/", "Breakfast", "Meetup"}
    assert str(events["Called off"]["status"]) == "CANCELLED" and int(events["Called off"]["sequence"]) == 1
    assert str(events["Recent talk"]["status"]) == "CONFIRMED" and int(events["Recent talk"]["sequence"]) == 0
    assert str(events["Talk; Q&A, <b>live</b> \\o/"]["location"]) == "Room 2, 1st floor"
    paris, athens = ZoneInfo("Europe/Paris"), ZoneInfo("Europe/Athens")
    breakfast = events["Breakfast"]
    assert breakfast.decoded("dtstart").tzinfo == paris and breakfast["dtstart"].params["TZID"] == "Europe/Paris"
    assert breakfast.decoded("dtstart").hour == 9 and breakfast.decoded("dtstart").weekday() == 4
    assert breakfast.decoded("dtend") - breakfast.decoded("dtstart") == timedelta(hours=1)  # no end given
    assert breakfast["rrule"].to_ical() == b"FREQ=WEEKLY;BYDAY=FR"
    meetup = events["Meetup"]
    assert meetup.decoded("dtstart").tzinfo == athens and meetup.decoded("dtstart").hour == 19
    assert [str(c) for c in meetup["categories"].cats] == ["Athens Loft"]
    assert all(str(e["uid"]) == f"event-{int(str(e['uid'])[6:].split('@')[0])}@coworkbot" for e in events.values())
    assert str(events["Recent talk"]["description"]) == "Hub Paris, Paris"
    assert "url" not in events["Recent talk"]  # no PUBLIC_URL: no page to point at


async def test_uids_and_bytes_stay_the_same_across_requests_and_restarts(world: World) -> None:
    spaces = await month_of_events(world)
    space_path, _ = feed_paths(world, spaces["paris"])
    first = await get(world, space_path)
    world.clock.advance(minutes=7)
    restarted = World(world.sessions, world.settings, world.clock)  # another process, the same rows
    second = await get(restarted, space_path)
    assert first[2] == second[2] and first[1]["ETag"] == second[1]["ETag"]
    with world.sessions() as session:
        ids = {e.title: e.id for e in session.exec(select(Event))}
    uids = {str(e["summary"]): str(e["uid"]) for e in Calendar.from_ical(first[2]).walk("VEVENT")}
    assert uids["Breakfast"] == f"event-{ids['Breakfast']}@coworkbot"
    [reply] = await world.replies("ana", "/ical", space=spaces["paris"])  # the file gives the same UIDs
    assert {str(e["uid"]) for e in Calendar.from_ical(reply.file.data).walk("VEVENT")} <= set(uids.values())


async def test_etag_answers_304_until_an_event_changes(world: World) -> None:
    spaces = await month_of_events(world)
    space_path, _ = feed_paths(world, spaces["paris"])
    status, headers, body = await get(world, space_path)
    etag = headers["ETag"]
    assert status == 200 and re.fullmatch(r'"[0-9a-f]{40}"', etag)  # strong
    for sent in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        status, headers, body = await get(world, space_path, **{"If-None-Match": sent})
        assert (status, body, headers["ETag"]) == (304, b"", etag), sent
        assert "private" in headers["Cache-Control"]
    status, _, body = await get(world, space_path, **{"If-None-Match": '"something else"'})
    assert status == 200 and body.startswith(b"BEGIN:VCALENDAR")
    with world.sessions() as session:
        breakfast = session.exec(select(Event).where(Event.title == "Breakfast")).one()
    await world.say("max", f"/cancel_event {breakfast.id}", space=spaces["paris"])
    status, headers, body = await get(world, space_path, **{"If-None-Match": etag})
    assert status == 200 and headers["ETag"] != etag
    [item] = [e for e in Calendar.from_ical(body).walk("VEVENT") if str(e["summary"]) == "Breakfast"]
    assert str(item["status"]) == "CANCELLED" and str(item["uid"]) == f"event-{breakfast.id}@coworkbot"


async def test_the_network_feed_has_network_events_only(world: World) -> None:
    await month_of_events(world)
    _, network_path = feed_paths(world, world.space("Annex", city="Split", country="HR", tz="Europe/Zagreb"))
    status, headers, body = await get(world, network_path)
    assert status == 200 and headers["Content-Disposition"] == 'attachment; filename="network.ics"'
    check_calendar(body)
    calendar = Calendar.from_ical(body)
    assert [str(e["summary"]) for e in calendar.walk("VEVENT")] == ["Meetup"]
    assert str(calendar["x-wr-calname"]) == "Network events"


async def test_wrong_unknown_and_malformed_addresses_all_get_the_same_404(world: World) -> None:
    spaces = await month_of_events(world)
    space_path, network_path = feed_paths(world, spaces["paris"])
    secret = space_path.rsplit("-", 1)[1][:-4]
    network_secret = network_path.rsplit("-", 1)[1][:-4]
    wrong = "0" * len(secret)
    answers = set()
    for path in (f"/ical/hub-paris-{wrong}.ics", f"/ical/nowhere-{secret}.ics", f"/ical/athens-loft-{secret}.ics",
                 f"/ical/network-{secret}.ics", f"/ical/hub-paris-{network_secret}.ics", f"/ical/hub-paris-{secret}",
                 f"/ical/hub-paris-{secret.upper()}.ics", f"/ical/hub-paris{secret}.ics", f"/ical/{secret}.ics",
                 "/ical/hub-paris-.ics", "/ical/-.ics", f"/ical/hub-paris-{secret}.ics.ics"):
        status, headers, body = await get(world, path, **{"Accept-Language": "en"})
        assert status == 404, path
        assert secret not in body.decode() and network_secret not in body.decode()
        answers.add((body, headers["Cache-Control"]))
    assert answers == {(b"There is no calendar at this address. Ask your space for its current link.", "no-store")}
    status, _, body = await get(world, f"/ical/nowhere-{secret}.ics", **{"Accept-Language": "hr"})
    assert body.decode() == "Na ovoj adresi nema kalendara. Zatražite trenutnu poveznicu od svog prostora."


async def test_a_space_called_network_keeps_its_own_feed_beside_the_networks(world: World) -> None:
    await month_of_events(world)
    named = world.space("Network", city="Lyon")
    assert named.slug == "network"
    own, network = feed_paths(world, named)
    assert own != network and own.startswith("/ical/network-")
    own_feed, network_feed = (await get(world, own))[2], (await get(world, network))[2]
    assert str(Calendar.from_ical(own_feed)["x-wr-calname"]) == "Network"
    assert str(Calendar.from_ical(network_feed)["x-wr-calname"]) == "Network events"


async def test_the_feed_answers_503_until_the_database_opens(world: World) -> None:
    async with web_client(web_context(world.settings, None)) as client:
        response = await client.get("/ical/hub-0123456789abcdef0123456789abcdef.ics", headers={"Accept-Language": "de"})
        assert (response.status, response.headers["Retry-After"]) == (503, "10")
        assert await response.text() == ("Der Kalender ist noch nicht verfügbar. "
                                         "Versuch es bitte in einer Minute noch einmal.")


@pytest.fixture
def slow_world(settings: Settings, clock: FakeClock) -> Iterator[tuple[World, threading.Event]]:
    """The world on an engine whose every statement takes 0.3 s once the event is set (a loaded database)."""
    engine = create_db_engine(settings.database_url)
    slow = threading.Event()

    def crawl(*_: object) -> None:
        if slow.is_set():
            time.sleep(0.3)

    sa_event.listen(engine, "before_cursor_execute", crawl)
    yield World(session_factory(engine), settings, clock), slow
    slow.clear()
    engine.dispose()


async def test_a_slow_database_never_holds_up_the_event_loop(slow_world: tuple[World, threading.Event]) -> None:
    world, slow = slow_world
    spaces = await month_of_events(world)
    space_path, _ = feed_paths(world, spaces["paris"])
    context = web_context(world.settings, world.sessions)
    context.clock = world.clock
    async with web_client(context) as client:
        slow.set()
        feed = asyncio.ensure_future(client.get(space_path))
        await asyncio.sleep(0.05)  # the feed's first statement is under way
        started = time.perf_counter()
        alive = await client.get("/healthz")
        assert alive.status == 200 and not feed.done()  # answered while the feed's database work went on
        assert time.perf_counter() - started < 0.25
        response = await feed
        assert response.status == 200 and b"Recent talk" in await response.read()


async def test_ical_in_chat_gives_the_subscription_links_with_a_public_url(world: World) -> None:
    spaces = await month_of_events(world)
    site = linked(world)
    [reply] = await site.replies("ana", "/ical", space=spaces["paris"])
    assert reply.file is None and not reply.error
    space_path, network_path = feed_paths(world, spaces["paris"])
    assert links_in(reply.text) == [("webcal", space_path), ("https", space_path), ("https", network_path)]
    assert "📅 Subscribe to the events of <b>Hub Paris</b> in your calendar app" in reply.text
    assert "rotate" not in reply.text  # a member cannot change the link: no word about it
    [manager] = await site.say("max", "/ical", space=spaces["paris"])
    assert "If it went too far, /ical rotate gives a new one and stops the old one." in manager
    for _, path in links_in(reply.text):  # the links work
        assert (await get(site, path))[0] == 200
    await site.say("nikos", "/lang el")
    [athens] = await site.say("nikos", "/ical", space=spaces["athens"])
    assert athens.startswith("📅 Κάνε συνδρομή στις εκδηλώσεις του χώρου Athens Loft")
    [dm] = await site.replies("ana", "/ical")  # in a direct chat: the home space's
    assert links_in(dm.text) == links_in(reply.text)


async def test_ical_links_escape_the_space_name(world: World) -> None:
    space = world.space("R&D <Lab>")
    world.member("ana", space)
    [reply] = await linked(world).replies("ana", "/ical", space=space)
    assert "<b>R&amp;D &lt;Lab&gt;</b>" in reply.text


async def test_ical_without_a_public_url_is_the_file_as_before(world: World) -> None:
    spaces = await month_of_events(world)
    [reply] = await world.replies("ana", "/ical", space=spaces["paris"])
    assert reply.text == "The events of <b>Hub Paris</b> as a calendar file."
    assert reply.file is not None and reply.file.name == "hub-paris.ics" and reply.file.mime_type == "text/calendar"
    check_calendar(reply.file.data)
    titles = [str(e["summary"]) for e in Calendar.from_ical(reply.file.data).walk("VEVENT")]
    assert sorted(titles) == ["Breakfast", "Meetup"]  # upcoming and confirmed only, as an import wants


async def test_a_manager_rotates_the_link_and_the_old_one_stops_working(world: World) -> None:
    spaces = await month_of_events(world)
    old, network = feed_paths(world, spaces["paris"])
    [reply] = await linked(world).replies("max", "/ical rotate", space=spaces["paris"])
    assert not reply.error
    assert "🔑 New link for the calendar <b>Hub Paris</b>: the old one no longer works" in reply.text
    new, same_network = feed_paths(world, spaces["paris"])
    assert new != old and same_network == network
    assert links_in(reply.text) == [("webcal", new), ("https", new)]
    assert (await get(world, old))[0] == 404
    assert (await get(world, new))[0] == 200
    assert (await get(world, network))[0] == 200  # the network's feed is another key
    [plain_reply] = await world.say("max", "/ical rotate", space=spaces["paris"])  # no PUBLIC_URL
    assert plain_reply == "🔑 The calendar Hub Paris has a new secret link: the old one no longer works."
    assert (await get(world, new))[0] == 404


async def test_members_and_other_spaces_managers_cannot_rotate(world: World) -> None:
    spaces = await month_of_events(world)
    world.member("iva", spaces["paris"], lang="hr")
    before = feed_paths(world, spaces["paris"])
    [refused] = await world.replies("iva", "/ical rotate", space=spaces["paris"])
    assert refused.error and refused.text == "To može samo voditelj prostora Hub Paris."
    [other] = await world.replies("nikos", "/ical rotate hub-paris")
    assert other.error and other.text == "Only a manager of Hub Paris can do that."
    [network] = await world.replies("max", "/ical rotate network", space=spaces["paris"])
    assert network.error and network.text == "Only a network coordinator can do that."
    [usage] = await world.replies("max", "/ical turn", space=spaces["paris"])
    assert usage.error and "/ical rotate [network|SLUG]" in usage.text
    assert feed_paths(world, spaces["paris"]) == before
    assert (await get(world, before[0]))[0] == 200 and (await get(world, before[1]))[0] == 200


async def test_a_coordinator_rotates_any_space_and_the_network_feed(world: World) -> None:
    spaces = await month_of_events(world)
    world.member("cora", coordinator=True)
    old_paris, old_network = feed_paths(world, spaces["paris"])
    site = linked(world)
    [paris] = await site.replies("cora", "/ical rotate HUB-PARIS")  # from her direct chat
    new_paris, _ = feed_paths(world, spaces["paris"])
    assert links_in(paris.text) == [("webcal", new_paris), ("https", new_paris)] and new_paris != old_paris
    [network] = await site.replies("cora", "/ical rotate network")
    assert "🔑 New link for the calendar <b>Network events</b>" in network.text
    _, new_network = feed_paths(world, spaces["paris"])
    assert links_in(network.text) == [("webcal", new_network), ("https", new_network)]
    assert [(await get(world, p))[0] for p in (old_paris, old_network, new_paris, new_network)] == [404, 404, 200, 200]
    [unknown] = await site.replies("cora", "/ical rotate nowhere")
    assert unknown.error and "There is no space called nowhere" in unknown.text


async def test_feed_secrets_are_no_ones_personal_data(world: World) -> None:
    spaces = await month_of_events(world)
    space_path, network_path = feed_paths(world, spaces["paris"])
    await linked(world).replies("ana", "/ical", space=spaces["paris"])
    [export] = await world.replies("ana", "/mydata")
    data = json.loads(export.file.data)
    assert space_path.rsplit("-", 1)[1][:-4] not in json.dumps(data)
    await world.say("max", "/forgetme")
    [done] = await world.say("max", "/forgetme confirm")
    assert done.startswith("Done")
    assert feed_paths(world, spaces["paris"]) == (space_path, network_path)  # the space's key, not the manager's
    status, _, body = await get(world, space_path)
    assert status == 200 and b"Recent talk" in body
    with world.sessions() as session:
        assert len(session.exec(select(SyncState).where(SyncState.key.startswith("calendar.secret."))).all()) == 2


async def test_the_feed_links_to_the_public_page_with_a_public_url(world: World) -> None:
    spaces = await month_of_events(world)
    site = linked(world)
    space_path, _ = feed_paths(world, spaces["paris"])
    _, _, body = await get(site, space_path)
    check_calendar(body)
    events = {str(e["summary"]): e for e in Calendar.from_ical(body).walk("VEVENT")}
    assert str(events["Recent talk"]["url"]) == f"{SITE}/spaces/hub-paris"
    assert str(events["Meetup"]["url"]) == f"{SITE}/spaces/athens-loft"
