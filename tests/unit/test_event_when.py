"""/event with a WHEN that needs more than a plain reading: a bare hour, a range, a refusal.

The phrases themselves are tested in test_dates.py and test_date_phrases.py; here it is what
the manager sees: the question with buttons, the end shown and exported, and refusals that say
which part was wrong, in the manager's language.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlmodel import func, select

from storage.models import Event
from tests.world import World, plain

PARIS = ZoneInfo("Europe/Paris")


async def test_a_bare_hour_asks_which_one_and_the_button_completes_the_event(world: World) -> None:
    space = world.space("Make It Marseille", lang="fr")
    world.member("ana", space, lang="fr", manager=True)
    [question] = await world.replies("ana", "/event Apéro | demain à 6h | Salle 2", space=space)
    text = plain(question.text)
    assert "jeudi 26 novembre 2026 (Europe/Paris)" in text and "Salle 2" in text
    assert "À 06:00 ou à 18:00 ?" in text
    [times, discard] = question.buttons
    assert [b.label for b in times] == ["06:00", "18:00"]
    assert discard[0].label == "❌ Annuler"
    assert all(len(b.command.encode()) <= 64 for b in times)  # fits Telegram's callback data
    await world.deliver()
    assert world.posts(space) == []  # nothing announced while the question is open
    [done] = await world.say("ana", times[1].command, space=space)
    assert "annoncé dans 1 discussion" in done
    await world.deliver()
    [announcement] = world.posts(space)
    assert "jeudi 26 novembre 2026, 18:00" in announcement
    with world.sessions() as session:
        event = session.exec(select(Event)).one()
    assert (event.status, event.starts_at) == ("confirmed", datetime(2026, 11, 26, 18, 0, tzinfo=PARIS))


async def test_the_morning_button_keeps_the_morning_and_a_range_moves_whole(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    [question] = await world.replies("ana", "/event Run | every saturday from 7 to 8", space=space)
    assert "🔁 weekly (Saturday)" in plain(question.text)
    [morning, evening] = question.buttons[0]
    assert (plain(morning.label), plain(evening.label)) == ("07:00", "19:00")
    await world.say("ana", morning.command, space=space)
    with world.sessions() as session:
        event = session.exec(select(Event)).one()
    assert event.starts_at == datetime(2026, 11, 28, 7, 0, tzinfo=PARIS)
    assert event.ends_at == datetime(2026, 11, 28, 8, 0, tzinfo=PARIS)
    assert event.rrule == "FREQ=WEEKLY;BYDAY=SA"


async def test_a_range_is_shown_with_its_end_and_exported_as_dtend(world: World) -> None:
    space = world.space("Hub", lang="de")
    world.member("eva", space, lang="de", manager=True)
    [preview] = await world.replies("eva", "/event Stammtisch | morgen von 18 bis 20 Uhr", space=space)
    assert "📅 Donnerstag, 26. November 2026, 18:00 – 20:00 (Europe/Paris)" in plain(preview.text)
    await world.say("eva", preview.buttons[0][0].command, space=space)
    await world.deliver()
    [announcement] = world.posts(space)
    assert "Donnerstag, 26. November 2026, 18:00 – 20:00" in announcement
    [reply] = await world.replies("eva", "/ical", space=space)
    assert reply.file is not None
    [item] = Calendar.from_ical(reply.file.data).walk("VEVENT")
    assert item.decoded("dtstart") == datetime(2026, 11, 26, 18, 0, tzinfo=PARIS)
    assert item.decoded("dtend") == datetime(2026, 11, 26, 20, 0, tzinfo=PARIS)


async def test_recurrences_are_described_with_their_interval_and_weekday_of_the_month(world: World) -> None:
    space = world.space("Hub", lang="es")
    world.member("ana", space, lang="es", manager=True)
    [every_other] = await world.say("ana", "/event Club | cada dos martes a las 19", space=space)
    assert "cada dos semanas (martes)" in every_other
    [first_monday] = await world.say("ana", "/event Junta | el primer lunes de cada mes a las 18", space=space)
    assert "cada mes, el primer lunes" in first_monday and "lunes, 7 de diciembre de 2026, 18:00" in first_monday


@pytest.mark.parametrize(("lang", "when", "answer"), [
    ("en", "tomorrow", "“tomorrow” has a date but no time. Add one, for example “tomorrow 18:00”."),
    ("fr", "hier à 18h", "« hier à 18h » est dans le passé (mardi 24 novembre 2026). Donne une date et une heure à venir."),
    ("fr", "jeudi 15 à 8h", "Le 15 décembre 2026 est un mardi, pas un jeudi. Quel jour veux-tu dire ? Réécris-le, s'il te plaît."),
    ("it", "domani alle 3 20", "In «domani alle 3 20», 20 sono i minuti o il giorno? Scrivi l'ora con i due punti (3:20) o la data con il mese."),
    ("de", "morgen um 18 Uhr EST", "Uhrzeiten gelten in der Zeitzone des Space (Europe/Paris), und „est“ ist eine andere. "
                                   "Gib die Uhrzeit in Europe/Paris an."),
    ("hr", "sutra u 25 sati", "Ne mogu pročitati vrijeme u „sutra u 25 sati”. Pokušaj „18:00”, „u 18 sati” ili „u 6 popodne”."),
    ("sl", "32.13. ob 18h", "Datuma v »32.13. ob 18h« ne morem prebrati. Poskusi »petek 18:00«, »12.12. ob 18:00« ali "
                            "»vsak ponedeljek ob 9:00«."),
])
async def test_a_refusal_says_which_part_was_wrong(world: World, lang: str, when: str, answer: str) -> None:
    space = world.space("Hub", lang=lang)
    world.member("ana", space, lang=lang, manager=True)
    assert await world.say("ana", f"/event Quiz | {when}", space=space) == [answer]
    with world.sessions() as session:
        assert session.exec(select(func.count()).select_from(Event)).one() == 0


async def test_the_evening_reading_of_a_weekly_event_can_still_be_today(world: World) -> None:
    space = world.space("Hub")  # Wednesday 10:00: 06:00 is next week, 18:00 still today
    world.member("ana", space, manager=True)
    [question] = await world.replies("ana", "/event Run | every wednesday at 6", space=space)
    assert "At Wednesday, 2 December 2026, 06:00 or at Wednesday, 25 November 2026, 18:00?" in plain(
        question.text)
    await world.say("ana", question.buttons[0][1].command, space=space)
    with world.sessions() as session:
        event = session.exec(select(Event)).one()
    assert (event.starts_at, event.rrule) == (datetime(2026, 11, 25, 18, 0, tzinfo=PARIS), "FREQ=WEEKLY;BYDAY=WE")
