"""Long lists come in pages: /spaces (by country, searchable), /events, /needs, /here."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.messages import Reply
from bot.pages import natural_key, page_of, split_page
from bot.spaces import create_space
from storage.models import CheckIn, Event, Member, NeedRequest, Space
from tests.world import World, plain


def buttons(reply: Reply) -> list[list[tuple[str, str]]]:
    return [[(b.label, b.command) for b in row] for row in reply.buttons]


def add_spaces(world: World, names: list[str], city: str, country: str, tz: str) -> None:
    with world.sessions() as session:
        for name in names:
            create_space(session, [name, city, country, tz, "en"])
        session.commit()


def test_page_numbers_and_natural_order() -> None:
    assert split_page("") == ("", 1)
    assert split_page("HR 2") == ("HR", 2)
    assert split_page("Split") == ("Split", 1)
    assert split_page("3") == ("", 3)
    assert split_page("0") == ("", 1)
    assert split_page("99999999999999999999999") == ("", 10**6)
    page = page_of(list(range(40)), 99)  # past the end: the last page
    assert (page.number, page.count, list(page.items), page.after) == (3, 3, list(range(30, 40)), 0)
    names = ["Space 102", "space 2", "Space 10", "Ćevapi Hub", "Cevapi bar", "Alpha", "Space 2b", "Space ²"]
    assert sorted(names, key=natural_key) == [
        "Alpha", "Cevapi bar", "Ćevapi Hub", "space 2", "Space ²", "Space 2b", "Space 10", "Space 102"]


async def test_a_big_network_lists_countries_first_then_pages_of_spaces(world: World) -> None:
    add_spaces(world, [f"Space {n}" for n in (102, 2, 17, 1, 10, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 18, 19)],
               "Split", "HR", "Europe/Zagreb")
    add_spaces(world, ["Ruche", "Atelier"], "Lyon", "FR", "Europe/Paris")
    add_spaces(world, ["Kocka"], "Ljubljana", "SI", "Europe/Ljubljana")
    world.member("ana")
    [reply] = await world.replies("ana", "/spaces")
    assert plain(reply.text).splitlines() == [
        "Spaces of the network: 23 spaces in 3 countries",
        "• Croatia (HR): 20 spaces",
        "• France (FR): 2 spaces",
        "• Slovenia (SI): 1 space",
        "Send /spaces HR for one country's spaces, or /spaces NAME to find a city or a space.",
    ]
    assert buttons(reply) == [[("Croatia", "/spaces HR"), ("France", "/spaces FR"), ("Slovenia", "/spaces SI")]]

    [first] = await world.replies("ana", "/spaces hr")
    lines = plain(first.text).splitlines()
    assert lines[0] == "Spaces in Croatia"
    assert [line.split(" (")[0] for line in lines[1:16]] == [f"• Space {n}" for n in range(1, 16)]
    assert lines[1] == "• Space 1 (space-1), Split, Croatia: 0 members, 0 here now"
    assert lines[16:] == ["Page 1 of 2, 5 more."]
    assert buttons(first) == [[("Next ▶", "/spaces hr 2")]]
    [second] = await world.replies("ana", "/spaces hr 2")
    assert [line.split(" (")[0] for line in plain(second.text).splitlines()[1:6]] == [
        "• Space 16", "• Space 17", "• Space 18", "• Space 19", "• Space 102"]
    assert plain(second.text).splitlines()[-1] == "Page 2 of 2."
    assert buttons(second) == [[("◀ Previous", "/spaces hr 1")]]


async def test_spaces_are_found_by_city_or_name_whatever_the_case_and_accents(world: World) -> None:
    add_spaces(world, ["Impact Hub Zürich"], "Zürich", "CH", "Europe/Zurich")
    add_spaces(world, ["Kocka"], "Ljubljana", "SI", "Europe/Ljubljana")
    add_spaces(world, ["Zurich Loft"], "Geneva", "CH", "Europe/Zurich")
    world.member("ana", lang="de")
    [found] = await world.say("ana", "/spaces zurich")
    assert found.splitlines() == [
        "Spaces zu „zurich“",
        "• Zurich Loft (zurich-loft), Geneva, Schweiz: 0 Mitglieder, 0 gerade vor Ort",  # by city, then name
        "• Impact Hub Zürich (impact-hub-zurich), Zürich, Schweiz: 0 Mitglieder, 0 gerade vor Ort",
    ]
    [one] = await world.say("ana", "/spaces LJUBLJANA")
    assert one.splitlines() == [
        "Spaces zu „LJUBLJANA“",
        "• Kocka (kocka), Ljubljana, Slowenien: 0 Mitglieder, 0 gerade vor Ort",
        "Sprache: English",
    ]
    assert await world.say("ana", "/spaces Atlantis") == [
        "Kein Space passt zu „Atlantis“. Sende /spaces, um alle zu sehen."]


async def test_matrix_users_page_with_their_prefix(world: World) -> None:
    add_spaces(world, [f"Room {n}" for n in range(1, 18)], "Lyon", "FR", "Europe/Paris")
    world.member("@mia:example.org", platform="matrix")
    [reply] = await world.replies("@mia:example.org", "/spaces 1")
    assert "Send !spaces HR for one country's spaces" in plain(reply.text)
    [page] = await world.replies("@mia:example.org", "/spaces FR 2")
    assert plain(page.text).splitlines()[-1] == "Page 2 of 2."
    assert buttons(page) == [[("◀ Previous", "/spaces FR 1")]]  # shown to Matrix users as !spaces FR 1


async def test_events_come_in_pages(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space)
    with world.sessions() as session:
        for n in range(1, 21):
            session.add(Event(space_id=space.id, title=f"Talk {n}", status="confirmed",
                              starts_at=world.clock.now + timedelta(days=n)))
        session.commit()
    [first] = await world.replies("ana", "/events", space=space)
    text = plain(first.text)
    assert "Talk 15" in text and "Talk 16" not in text
    assert text.splitlines()[-1] == "Page 1 of 2, 5 more."
    assert buttons(first)[-1] == [("Next ▶", "/events 2")]
    [second] = await world.replies("ana", "/events 2", space=space)
    text = plain(second.text)
    assert "Talk 16" in text and "Talk 20" in text and "Talk 15" not in text
    assert text.splitlines()[-1] == "Page 2 of 2."
    assert buttons(second)[-1] == [("◀ Previous", "/events 1")]


async def test_open_requests_come_in_pages(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space, lang="it")
    bob = world.member("bob", space)
    with world.sessions() as session:
        for n in range(1, 18):
            session.add(NeedRequest(space_id=space.id, requester_id=bob.id, text=f"need number {n}",
                                    created_at=world.clock.now + timedelta(minutes=n)))
        session.commit()
    [first] = await world.replies("ana", "/needs", space=space)
    text = plain(first.text)
    assert "need number 17" in text and "need number 3" in text and "need number 2" not in text
    assert text.splitlines()[-1] == "Pagina 1 di 2, ancora 2."
    assert buttons(first)[-1] == [("Successiva ▶", "/needs 2")]
    [second] = await world.replies("ana", "/needs 2", space=space)
    assert "need number 2" in plain(second.text) and "need number 1" in plain(second.text)
    assert plain(second.text).splitlines()[-1] == "Pagina 2 di 2."
    assert buttons(second)[-1] == [("◀ Precedente", "/needs 1")]


async def test_who_is_here_comes_in_pages(world: World) -> None:
    space = world.space("Hub")
    with world.sessions() as session:
        for n in range(1, 19):
            member = Member(platform="telegram", user_id=f"m{n}", display_name=f"Member {n}", home_space_id=space.id)
            session.add(member)
            session.flush()
            session.add(CheckIn(member_id=member.id, space_id=space.id, started_at=world.clock.now,
                                expires_at=world.clock.now + timedelta(hours=2)))
        session.commit()
        assert len(session.exec(select(Space)).all()) == 1
    [first] = await world.replies("m1", "/here", space=space)
    lines = plain(first.text).splitlines()
    assert lines[0] == "Hub: 18 people here now"
    assert len(lines) == 1 + 15 + 1 and lines[-1] == "Page 1 of 2, 3 more."
    assert buttons(first) == [[("Next ▶", "/here 2")]]
    [second] = await world.replies("m1", "/here 2", space=space)
    assert len(plain(second.text).splitlines()) == 1 + 3 + 1
