"""Events as members see them: /event then /confirm, /events, /rsvp with a waitlist, /cancel_event."""
from __future__ import annotations

import pytest
from sqlmodel import func, select

from storage.models import Event, Rsvp
from tests.world import World, plain


async def test_event_is_echoed_in_full_and_saved_only_after_confirmation(world: World) -> None:
    space = world.space("Make It Marseille", lang="fr")
    world.member("ana", space, lang="fr", manager=True)
    [reply] = await world.replies("ana", "/event Apéro | demain à 18h | Salle 2", space=space)
    text = plain(reply.text)
    assert "Apéro" in text
    assert "jeudi 26 novembre 2026, 18:00 (Europe/Paris)" in text
    assert "Salle 2" in text
    assert [b.label for b in reply.buttons[0]] == ["✅ Confirmer", "❌ Annuler"]
    await world.deliver()
    assert world.posts(space) == []  # nothing announced before the confirmation
    [done] = await world.say("ana", reply.buttons[0][0].command, space=space)
    assert "annoncé dans 1 discussion" in done
    await world.deliver()
    [announcement] = world.posts(space)
    assert "Apéro" in announcement and "jeudi 26 novembre 2026, 18:00" in announcement
    chat, sent = world.adapters["telegram"].sent[-1]
    assert [b.label[0] for b in sent.buttons[0]] == ["👍", "🤔", "👎"]
    assert [b.command for b in sent.buttons[0]].count(f"/rsvp {reply.buttons[0][0].command.split()[1]} yes") == 1


async def test_discarded_event_is_never_announced(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    [reply] = await world.replies("ana", "/event Quiz | tomorrow at 6pm", space=space)
    assert await world.say("ana", reply.buttons[0][1].command, space=space) == ["Discarded: Quiz was not created."]
    assert await world.say("ana", "/events", space=space) == [
        "No upcoming events at Hub. A manager can create one with /event."]


async def test_recurring_event_is_described_in_the_users_language(world: World) -> None:
    space = world.space("Atelier", city="Split", country="HR", tz="Europe/Zagreb", lang="hr")
    world.member("iva", space, lang="hr", manager=True)
    [text] = await world.say("iva", "/event Doručak | svaki petak u 9 sati", space=space)
    assert "petak, 27. studenoga 2026." in text and "09:00" in text
    assert "tjedno (petak)" in text


async def test_bad_input_is_refused_and_changes_nothing(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    world.member("bob", space)
    assert await world.say("bob", "/event Quiz | tomorrow at 6pm", space=space) == [
        "Only a manager of this space can do that."]
    [reply] = await world.say("ana", "/event Quiz | someday maybe", space=space)
    assert reply.startswith("I could not read “someday maybe” as a future date and time.")
    [reply] = await world.say("ana", "/event " + "x" * 201 + " | tomorrow at 6pm", space=space)
    assert reply == "A title is limited to 200 characters (yours has 201)."
    [reply] = await world.say("ana", "/event Quiz", space=space)
    assert reply.startswith("Usage: /event TITLE | WHEN")
    with world.sessions() as session:
        assert session.exec(select(func.count()).select_from(Event)).one() == 0


async def test_events_lists_own_and_network_events_in_the_readers_language(world: World) -> None:
    paris = world.space("Paris Hub", lang="fr")
    athens = world.space("Athens Loft", city="Athens", country="GR", tz="Europe/Athens", lang="el")
    world.member("ana", paris, manager=True)
    world.member("nikos", athens, lang="el", manager=True)
    world.member("eva", paris, lang="de")
    await world.create_event("ana", "/event Apéro | tomorrow at 6pm | Salle 2", paris)
    await world.create_event("nikos", "/event Meetup | αύριο στις 19:00 | | network", athens)
    await world.create_event("nikos", "/event Local | αύριο στις 20:00", athens)
    [text] = await world.say("eva", "/events", space=paris)
    assert text.startswith("Anstehende Veranstaltungen bei Paris Hub")
    assert text.index("Apéro") < text.index("Meetup bei Athens Loft")  # same instant: then by number
    assert "Donnerstag, 26. November 2026, 18:00" in text
    assert "Donnerstag, 26. November 2026, 19:00 (Europe/Athens)" in text  # another zone is named
    assert "Local" not in text
    assert "#1 Apéro · 0 dabei" in text


async def test_rsvp_over_capacity_goes_to_the_waitlist_and_a_no_promotes(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    for name in ("bob", "cai", "dan"):
        world.member(name, space)
    world.member("eli", space, lang="it")
    event_id = await world.create_event("ana", "/event Workshop | tomorrow at 6pm | Room 1 | max 2", space)
    assert (await world.say("bob", f"/rsvp {event_id} yes", space=space))[0].startswith("👍 You are going to Workshop")
    await world.say("cai", f"/rsvp {event_id} yes", space=space)
    [full] = await world.say("dan", f"/rsvp {event_id} yes", space=space)
    assert full == ("Workshop is full (2 places). You are on the waitlist, number 1; "
                    "I will tell you if a place opens up.")
    [second] = await world.say("eli", f"/rsvp {event_id} sì", space=space)
    assert "numero 2" in second
    await world.say("dan", f"/rsvp {event_id} yes", space=space)  # asking again keeps the place in line
    assert await world.say("cai", f"/rsvp {event_id} no", space=space) == ["👎 Noted: you are not going to Workshop."]
    await world.deliver()
    assert world.inbox("dan") == ["🎉 A place opened up: you are now going to Workshop, Thursday, 26 November 2026, 18:00."]
    assert world.inbox("eli") == []
    with world.sessions() as session:
        statuses = dict(session.exec(select(Rsvp.member_id, Rsvp.status)).all())
    assert sorted(statuses.values()) == ["no", "waitlist", "yes", "yes"]


async def test_rsvp_to_unknown_event_or_with_a_bad_answer(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    world.member("bob", space)
    event_id = await world.create_event("ana", "/event Quiz | tomorrow at 6pm", space)
    assert await world.say("bob", "/rsvp 999 yes", space=space) == ["There is no event #999. See /events."]
    assert await world.say("bob", f"/rsvp {event_id} perhaps", space=space) == [
        f"Answer yes, no or maybe, e.g. /rsvp {event_id} yes."]
    with world.sessions() as session:
        assert session.exec(select(func.count()).select_from(Rsvp)).one() == 0


async def test_cancel_event_tells_attendees_and_the_chat(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    world.member("bob", space, lang="fr")
    world.member("cai", space)
    world.member("dan", space)
    event_id = await world.create_event("ana", "/event Quiz | tomorrow at 6pm", space)
    await world.say("bob", f"/rsvp {event_id} yes", space=space)
    await world.say("cai", f"/rsvp {event_id} maybe", space=space)
    await world.say("dan", f"/rsvp {event_id} no", space=space)
    assert await world.say("cai", f"/cancel_event {event_id}", space=space) == [
        "Only a manager of this space can do that."]
    [done] = await world.say("ana", f"/cancel_event {event_id}", space=space)
    assert done == "Quiz is cancelled; 2 attendees were told."
    await world.deliver()
    assert world.inbox("bob") == ["❌ Annulé : Quiz chez Hub, jeudi 26 novembre 2026, 18:00."]
    assert world.inbox("cai") == ["❌ Cancelled: Quiz at Hub, Thursday, 26 November 2026, 18:00."]
    assert world.inbox("dan") == []
    assert world.posts(space)[-1] == "❌ Cancelled: Quiz at Hub, Thursday, 26 November 2026, 18:00."
    assert await world.say("cai", f"/rsvp {event_id} yes", space=space) == ["Quiz was cancelled."]


ECHOES = [  # (language, WHEN as typed, the date echoed in that language, stored RRULE)
    ("en", "tomorrow at 6pm", "Thursday, 26 November 2026, 18:00", None),
    ("fr", "demain à 18h", "jeudi 26 novembre 2026, 18:00", None),
    ("it", "domani alle 18", "giovedì 26 novembre 2026, 18:00", None),
    ("es", "mañana a las 18:00", "jueves, 26 de noviembre de 2026, 18:00", None),
    ("el", "αύριο στις 18:00", "Πέμπτη 26 Νοεμβρίου 2026, 6:00 μ.μ.", None),
    ("hr", "sutra u 18 sati", "četvrtak, 26. studenoga 2026., 18:00", None),
    ("de", "morgen um 18 Uhr", "Donnerstag, 26. November 2026, 18:00", None),
    ("sl", "jutri ob 18:00", "četrtek, 26. november 2026, 18:00", None),
    ("en", "next friday 9:30", "Friday, 27 November 2026, 09:30", None),
    ("en", "every friday 9:00", "Friday, 27 November 2026, 09:00", "FREQ=WEEKLY;BYDAY=FR"),
    ("fr", "chaque vendredi 9h", "vendredi 27 novembre 2026, 09:00", "FREQ=WEEKLY;BYDAY=FR"),
    ("it", "ogni venerdì alle 9", "venerdì 27 novembre 2026, 09:00", "FREQ=WEEKLY;BYDAY=FR"),
    ("es", "cada viernes a las 9:00", "viernes, 27 de noviembre de 2026, 9:00", "FREQ=WEEKLY;BYDAY=FR"),
    ("el", "κάθε Παρασκευή στις 9:00", "Παρασκευή 27 Νοεμβρίου 2026, 9:00 π.μ.", "FREQ=WEEKLY;BYDAY=FR"),
    ("hr", "svaki petak u 9 sati", "petak, 27. studenoga 2026., 09:00", "FREQ=WEEKLY;BYDAY=FR"),
    ("de", "jeden Freitag um 9 Uhr", "Freitag, 27. November 2026, 09:00", "FREQ=WEEKLY;BYDAY=FR"),
    ("sl", "vsak petek ob 9:00", "petek, 27. november 2026, 09:00", "FREQ=WEEKLY;BYDAY=FR"),
]


@pytest.mark.parametrize(("lang", "when", "echo", "rrule"), ECHOES, ids=[e[1] for e in ECHOES])
async def test_when_is_read_in_each_language_and_echoed_in_full(
        world: World, lang: str, when: str, echo: str, rrule: str | None) -> None:
    space = world.space("Hub", lang=lang)
    world.member("ana", space, lang=lang, manager=True)
    [reply] = await world.replies("ana", f"/event Meetup | {when}", space=space)
    assert f"📅 {echo} (Europe/Paris)" in plain(reply.text)
    await world.say("ana", reply.buttons[0][0].command, space=space)
    with world.sessions() as session:
        event = session.exec(select(Event)).one()
    assert (event.status, event.rrule) == ("confirmed", rrule)


async def test_when_may_be_in_the_spaces_language_rather_than_the_users(world: World) -> None:
    space = world.space("Roma Hub", city="Roma", country="IT", tz="Europe/Rome", lang="it")
    world.member("eva", space, lang="de", manager=True)
    [text] = await world.say("eva", "/event Aperitivo | domani alle 18", space=space)
    assert "📅 Donnerstag, 26. November 2026, 18:00 (Europe/Rome)" in text


async def test_a_member_without_a_language_reads_dms_in_their_space_language(world: World) -> None:
    space = world.space("Lyon Hub", city="Lyon", lang="fr")
    world.member("ana", space, lang="en", manager=True)
    world.member("bob", space)  # no language of their own, none from the platform
    world.member("cai", space)
    event_id = await world.create_event("ana", "/event Quiz | tomorrow at 6pm | | max 1", space)
    await world.say("bob", f"/rsvp {event_id} yes", space=space)
    [waiting] = await world.say("cai", f"/rsvp {event_id} yes", space=space)
    assert waiting.startswith("Quiz est complet (1 place). Tu es sur la liste d'attente, en position 1")
    await world.say("bob", f"/rsvp {event_id} no", space=space)
    await world.deliver()
    assert world.inbox("cai") == [
        "🎉 Une place s'est libérée : tu participes maintenant à Quiz, jeudi 26 novembre 2026, 18:00."]
