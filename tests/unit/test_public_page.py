"""The public network page ``/`` and ``/spaces/SLUG`` over real HTTP, as a visitor reads them."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from sqlmodel import select

from bot.calendar_feeds import space_feed_path
from bot.config import Settings
from bot.messages import ChatRef
from bot.spaces import link_chat
from storage.models import Event, Member, Space
from tests.page_text import PageText, read_page
from tests.web_client import web_client, web_context
from tests.world import World

HOURS = "Mo-Fr 08:00-19:00; Sa 09:00-13:00"


def configure(world: World, space: Space, **values: object) -> None:
    """Set a space's hours, capacity or address as ``/space set`` stores them."""
    with world.sessions() as session:
        row = session.get(Space, space.id)
        assert row is not None
        for name, value in values.items():
            setattr(row, name, value)
        session.commit()


async def fetch(world: World, path: str, *, settings: Settings | None = None,
                **headers: str) -> tuple[int, dict[str, str], str]:
    context = web_context(settings or world.settings, world.sessions)
    context.clock = world.clock
    async with web_client(context) as client:
        response = await client.get(path, headers=headers)
        return response.status, dict(response.headers), await response.text()


async def page(world: World, path: str, **headers: str) -> PageText:
    status, _, body = await fetch(world, path, **headers)
    assert status == 200, body
    return read_page(body)


async def network_world(world: World) -> dict[str, Space]:
    """Marseille (hours, 40 desks, two people in), Zagreb (closed now), Athens (no hours), one manager."""
    hub = world.space("Hub Marseille", "Marseille", "FR", "Europe/Paris")
    zagreb = world.space("Impact Zagreb", "Zagreb", "HR", "Europe/Zagreb")
    athens = world.space("Stoa", "Athens", "GR", "Europe/Athens")
    configure(world, hub, opening_hours=HOURS, capacity=40, address="12 Rue de la Paix")
    configure(world, zagreb, opening_hours="Mo-Fr 14:00-18:00", capacity=1)
    world.member("max", hub, manager=True)
    for name in ("ana", "ben"):
        world.member(name, hub)
        await world.say(name, "/checkin", space=hub)
    return {"hub": hub, "zagreb": zagreb, "athens": athens}


async def test_spaces_are_grouped_by_country_with_city_open_now_and_anonymous_counts(world: World) -> None:
    await network_world(world)
    seen = await page(world, "/")
    assert seen.lang == "en"
    assert seen["h1"] == ["Spaces of the network"]
    assert seen["h2"] == ["Croatia (1 space)", "France (1 space)", "Greece (1 space)", "Upcoming network events"]
    spaces = [item for item in seen["li"] if "here now" in item]
    # 10:00 on a Wednesday in Paris and Zagreb; Athens gave no hours, so nothing is claimed.
    assert spaces == ["Impact Zagreb, Zagreb Closed now 0 people here now · 1 desk",
                      "Hub Marseille, Marseille Open now 2 people here now · 40 desks",
                      "Stoa, Athens 0 people here now"]
    assert seen.link("Hub Marseille") == "/spaces/hub-marseille"
    assert "3 spaces in 3 countries" in seen["p"]


async def test_open_now_is_read_in_each_spaces_own_time_zone(world: World) -> None:
    paris = world.space("Paris Desk", "Paris", "FR", "Europe/Paris")
    athens = world.space("Stoa", "Athens", "GR", "Europe/Athens")
    for space in (paris, athens):  # 09:00 UTC is 10:00 in Paris, 11:00 in Athens
        configure(world, space, opening_hours="Mo-Su 11:00-12:00")
    spaces = [item for item in (await page(world, "/"))["li"] if "here now" in item]
    assert spaces == ["Paris Desk, Paris Closed now 0 people here now", "Stoa, Athens Open now 0 people here now"]
    world.clock.advance(hours=1)
    spaces = [item for item in (await page(world, "/"))["li"] if "here now" in item]
    assert spaces == ["Paris Desk, Paris Open now 0 people here now", "Stoa, Athens Closed now 0 people here now"]


async def test_only_current_check_ins_count(world: World) -> None:
    spaces = await network_world(world)
    await world.say("ben", "/checkout", space=spaces["hub"])
    world.member("cleo", spaces["hub"])
    await world.say("cleo", "/checkin for 1h", space=spaces["hub"])
    assert "Now Open now 2 people here now · 40 desks" in (await page(world, "/spaces/hub-marseille")).text
    world.clock.advance(hours=2)  # Cleo's hour is over; Ana stays until closing time
    assert "Now Open now 1 person here now · 40 desks" in (await page(world, "/spaces/hub-marseille")).text


async def test_the_visitors_language_comes_from_accept_language_and_lang_overrides_it(world: World) -> None:
    await network_world(world)
    status, headers, body = await fetch(world, "/", **{"Accept-Language": "nl-BE, de-AT;q=0.9, fr;q=0.8"})
    seen = read_page(body)
    assert (status, seen.lang, headers["Content-Language"]) == (200, "de", "de")
    assert "Accept-Language" in headers["Vary"] and headers["Cache-Control"] == "public, max-age=60"
    assert seen["h1"] == ["Die Spaces des Netzwerks"]
    assert seen["h2"][:3] == ["Frankreich (1 Space)", "Griechenland (1 Space)", "Kroatien (1 Space)"]
    assert "Hub Marseille, Marseille Jetzt geöffnet 2 Personen gerade vor Ort · 40 Arbeitsplätze" in seen["li"]
    # q-values, not the order written; "*" and unknown languages fall back to the network's default.
    assert (await page(world, "/", **{"Accept-Language": "de;q=0.5, el;q=0.9"})).lang == "el"
    assert (await page(world, "/", **{"Accept-Language": "ja, *;q=0.5"})).lang == "en"
    assert (await page(world, "/", **{"Accept-Language": "hr;q=0, sl"})).lang == "sl"
    chosen = await page(world, "/?lang=hr", **{"Accept-Language": "de"})
    assert chosen.lang == "hr" and chosen["h1"] == ["Prostori mreže"]
    # The visitor's choice stays on the page's own links.
    assert chosen.link("Hub Marseille") == "/spaces/hub-marseille?lang=hr"
    assert (await page(world, "/?lang=xx", **{"Accept-Language": "it"})).lang == "it"


async def test_the_switcher_lists_the_eight_languages_in_their_own_names(world: World) -> None:
    await network_world(world)
    seen = await page(world, "/spaces/hub-marseille", **{"Accept-Language": "sl"})
    switcher = [(href, text, attrs.get("hreflang"), attrs.get("aria-current")) for href, text, attrs in seen.links
                if "hreflang" in attrs]
    assert switcher == [
        ("/spaces/hub-marseille?lang=en", "English", "en", None),
        ("/spaces/hub-marseille?lang=fr", "français", "fr", None),
        ("/spaces/hub-marseille?lang=it", "italiano", "it", None),
        ("/spaces/hub-marseille?lang=es", "español", "es", None),
        ("/spaces/hub-marseille?lang=el", "Ελληνικά", "el", None),
        ("/spaces/hub-marseille?lang=hr", "hrvatski", "hr", None),
        ("/spaces/hub-marseille?lang=de", "Deutsch", "de", None),
        ("/spaces/hub-marseille?lang=sl", "slovenščina", "sl", "true"),
    ]


async def test_every_language_renders_both_pages(world: World) -> None:
    await network_world(world)
    headings = set()
    for lang in ("en", "fr", "it", "es", "el", "hr", "de", "sl"):
        for path in ("/", "/spaces/hub-marseille"):
            seen = await page(world, f"{path}?lang={lang}")
            assert seen.lang == lang and len(seen["h1"]) == 1
            headings.add(seen["h2"][-1])
    assert len(headings) == 16  # every language its own words, on both pages


async def test_upcoming_network_events_with_subscribe_links(world: World) -> None:
    spaces = await network_world(world)
    await world.create_event("max", "/event Demo night | friday 18:00-20:00 | Room 1 | network", spaces["hub"])
    await world.create_event("max", "/event Members only lunch | thursday 12:00", spaces["hub"])
    cancelled = await world.create_event("max", "/event Old party | saturday 20:00 | | network", spaces["hub"])
    await world.say("max", f"/cancel_event {cancelled}", space=spaces["hub"])
    seen = await page(world, "/")
    events = [item for item in seen["li"] if "Europe/" in item]
    assert events == ["Demo night Friday, 27 November 2026, 18:00 – 20:00 (Europe/Paris) "
                      "At Hub Marseille, Marseille Where: Room 1"]
    feed = seen.link("Subscribe to the network calendar")
    assert feed.startswith("/ical/network-") and feed.endswith(".ics")
    assert "Open in a calendar app" not in seen.text  # webcal:// needs an address to give: PUBLIC_URL
    settings = replace(world.settings, public_url="https://cowork.example.org")
    _, _, body = await fetch(world, "/", settings=settings, **{"Accept-Language": "fr"})
    french = read_page(body)
    assert french.link("S’abonner au calendrier du réseau") == "https://cowork.example.org" + feed
    assert french.link("Ouvrir dans une application d’agenda") == "webcal://cowork.example.org" + feed
    assert french.link("Hub Marseille") == "https://cowork.example.org/spaces/hub-marseille"
    assert [item for item in french["li"] if "Europe/" in item] == [
        "Demo night vendredi 27 novembre 2026, 18:00 – 20:00 (Europe/Paris) Chez Hub Marseille, Marseille Où : Room 1"]


async def test_the_soonest_network_events_are_listed_and_the_rest_counted(world: World) -> None:
    hub = world.space("Hub Marseille", "Marseille", "FR", "Europe/Paris")
    now = world.clock.now
    with world.sessions() as session:
        # A weekly event that began in summer time, 19:00 in Paris, comes at its next Wednesday, 19:00 in Paris.
        session.add(Event(space_id=hub.id, title="Weekly standup", starts_at=now - timedelta(weeks=5, hours=-8),
                          rrule="FREQ=WEEKLY;BYDAY=WE", network=True, status="confirmed"))
        for n in range(31):
            session.add(Event(space_id=hub.id, title=f"Talk {n:02d}", starts_at=now + timedelta(days=n + 1),
                              network=True, status="confirmed"))
        session.add(Event(space_id=hub.id, title="Yesterday", starts_at=now - timedelta(days=1), network=True,
                          status="confirmed"))
        session.commit()
    seen = await page(world, "/")
    events = [item for item in seen["li"] if "Europe/" in item]
    assert len(events) == 30
    assert events[0].startswith("Weekly standup Wednesday, 25 November 2026, 19:00 (Europe/Paris) weekly (Wednesday)")
    assert events[1].startswith("Talk 00 Thursday, 26 November 2026, 10:00") and events[-1].startswith("Talk 28 ")
    assert "2 more upcoming events are in the calendar." in seen["p"]
    assert "Yesterday" not in seen.text


async def test_a_space_page_shows_its_place_hours_count_and_own_events(world: World) -> None:
    spaces = await network_world(world)
    world.member("zora", spaces["zagreb"], manager=True)
    await world.create_event("max", "/event Yoga | every monday 9:00", spaces["hub"])
    await world.create_event("zora", "/event Zagreb meetup | friday 18:00 | | network", spaces["zagreb"])
    seen = await page(world, "/spaces/hub-marseille")
    assert seen["title"] == ["Hub Marseille · Coworking network"]
    assert seen["h1"] == ["Hub Marseille"]
    assert seen["h2"] == ["Opening hours", "Upcoming events"]
    assert seen["dd"] == ["Marseille, France", "12 Rue de la Paix", "Open now 2 people here now · 40 desks"]
    assert seen["caption"] == ["Times are in the space's time zone, Europe/Paris."]
    assert seen["tr"] == ["Day Hours", "Monday 08:00–19:00", "Tuesday 08:00–19:00", "Wednesday 08:00–19:00",
                          "Thursday 08:00–19:00", "Friday 08:00–19:00", "Saturday 09:00–13:00", "Sunday Closed"]
    assert [item for item in seen["li"] if "Europe/" in item] == [
        "Yoga Monday, 30 November 2026, 09:00 (Europe/Paris) weekly (Monday)"]
    assert seen.link("All spaces of the network") == "/"
    zagreb = await page(world, "/spaces/impact-zagreb?lang=hr")
    assert zagreb["dd"] == ["Zagreb, Hrvatska", "Sada zatvoreno 0 prisutnih osoba · 1 radno mjesto"]
    assert [item for item in zagreb["li"] if "Europe/" in item] == [
        "Zagreb meetup petak, 27. studenoga 2026., 18:00 (Europe/Zagreb) Otvoreno za cijelu mrežu"]
    athens = await page(world, "/spaces/stoa")
    assert "Opening hours not given" in athens["p"] and "No upcoming events at Stoa." in athens["p"]


async def test_an_unknown_space_is_a_404_page_in_the_visitors_language(world: World) -> None:
    await network_world(world)
    status, headers, body = await fetch(world, "/spaces/nowhere<b>", **{"Accept-Language": "it"})
    seen = read_page(body)
    assert (status, seen.lang, headers["Content-Type"]) == (404, "it", "text/html; charset=utf-8")
    assert seen["h1"] == ["Spazio non trovato"]
    assert "La rete non ha nessuno spazio “nowhere<b>”." in seen["p"]
    assert "<b>" not in body and seen.link("Tutti gli spazi della rete") == "/"


async def test_names_are_escaped_and_the_page_has_no_script(world: World) -> None:
    evil = world.space("<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "FR", "Europe/Paris")
    world.member("max", evil, manager=True)
    await world.create_event("max", '/event <script>alert(3)</script> | friday 18:00 | "><i>x</i> | network', evil)
    for path in ("/", f"/spaces/{evil.slug}", "/spaces/<script>"):
        status, _, body = await fetch(world, path)
        seen = read_page(body)
        assert seen.scripts == 0 and "<img" not in body and "<i>" not in body, path
        assert "&lt;script&gt;" in body, path
    spaces = await page(world, "/")
    assert "<script>alert(1)</script>, <img src=x onerror=alert(2)> 0 people here now" in spaces["li"]


async def test_no_personal_data_is_shown(world: World) -> None:
    spaces = await network_world(world)
    hub = spaces["hub"]
    world.member("secretive", hub, lang="fr")
    await world.say("secretive", "/checkin working on my divorce papers", space=hub)
    await world.say("secretive", "/skills add accounting", space=hub)
    event = await world.create_event("max", "/event Demo night | friday 18:00 | Room 1 | network", hub)
    await world.say("secretive", f"/rsvp {event} yes", space=hub)
    with world.sessions() as session:
        link_chat(session, ChatRef("matrix", "!roomsecret:example.org"), session.get(Space, hub.id))
        private_feed = space_feed_path(session, session.get(Space, hub.id))
        session.commit()
        names = [(m.display_name, m.user_id, m.handle) for m in session.exec(select(Member)).all()]
    personal = ["divorce", "accounting", "roomsecret", private_feed, "going", "attendee", "Secretive"]
    personal += [word for name in names for word in name if word]
    for path in ("/", "/spaces/hub-marseille", "/?lang=fr", "/spaces/hub-marseille?lang=de"):
        body = (await fetch(world, path))[2]
        shown = re.sub(r"<style>.*</style>", "", body, flags=re.S)  # CSS words (max-width) are not names
        assert [word for word in personal if re.search(rf"\b{re.escape(word)}\b", shown, re.I)] == [], path
    assert "Demo night" in body and "3 Personen gerade vor Ort" in read_page(body).text


async def test_pages_answer_503_until_the_database_opens(world: World) -> None:
    context = web_context(world.settings, None)
    async with web_client(context) as client:
        for path in ("/", "/spaces/hub"):
            response = await client.get(path, headers={"Accept-Language": "es"})
            seen = read_page(await response.text())
            assert (response.status, seen.lang, response.headers["Retry-After"]) == (503, "es", "10")
            assert seen["h1"] == ["La página se está iniciando"]


async def test_the_pages_need_no_script_and_load_nothing_from_elsewhere(world: World) -> None:
    await network_world(world)
    for path in ("/", "/spaces/hub-marseille", "/spaces/nowhere"):
        seen = read_page((await fetch(world, path))[2])
        assert seen.scripts == 0 and not [tag for tag, attrs in seen.elements if "src" in attrs or tag == "link"]
        assert all(attrs["href"].startswith(("/", "#")) for tag, attrs in seen.elements if "href" in attrs), path
        assert [tag for tag, _ in seen.elements if tag in ("header", "nav", "main", "footer")] == [
            "header", "nav", "main", "footer"]
        assert seen.links[0][0] == "#main" and ("main", {"id": "main", "tabindex": "-1"}) in seen.elements
