"""Announcements with live counts, edited in place on every answer; replies that a button press edits."""
from __future__ import annotations

from types import SimpleNamespace

from sqlmodel import col, select

from bot.messages import DeliveryError, Reply, SentRef
from storage.models import OutboxMessage, PostedMessage
from tests.world import World, plain


async def announced(world: World, space, manager: str = "ana", text: str = "/event Quiz | tomorrow at 6pm") -> int:  # noqa: ANN001
    event_id = await world.create_event(manager, text, space)
    await world.deliver()
    return event_id


def edit_rows(world: World) -> list[OutboxMessage]:
    with world.sessions() as session:
        return list(session.exec(select(OutboxMessage).where(col(OutboxMessage.edit_message_id).is_not(None))
                                 .order_by(col(OutboxMessage.id))))


async def test_an_answer_edits_the_announcement_with_the_new_counts(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    world.member("bob", space)
    event_id = await announced(world, space)
    [announcement] = world.posts(space)
    assert "👍 Going: 0 · 🤔 Maybe: 0 · 👎 Not going: 0" in announcement
    with world.sessions() as session:
        [posted] = session.exec(select(PostedMessage)).all()
    assert (posted.event_id, posted.platform, posted.chat_id) == (event_id, "telegram", space.slug)

    [reply] = await world.replies("bob", f"/rsvp {event_id} yes", space=space)
    assert reply.on_button == "notice"  # a button press is answered by the edit, and a toast
    assert plain(reply.text).startswith("👍 You are going to Quiz")
    await world.deliver()
    assert len(world.posts(space)) == 1  # no new message in the group
    [(ref, edited)] = world.adapters["telegram"].edited
    assert ref == SentRef("telegram", space.slug, posted.message_id)
    assert "👍 Going: 1 · 🤔 Maybe: 0 · 👎 Not going: 0" in plain(edited.text)
    assert [b.command for b in edited.buttons[0]] == [f"/rsvp {event_id} yes", f"/rsvp {event_id} maybe",
                                                      f"/rsvp {event_id} no"]

    await world.say("bob", f"/rsvp {event_id} maybe", space=space)
    await world.deliver()
    [shown] = world.shown(space)
    assert "👍 Going: 0 · 🤔 Maybe: 1 · 👎 Not going: 0" in shown


async def test_a_burst_of_answers_makes_one_edit_per_message(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    event_id = await announced(world, space)
    for n in range(12):
        world.member(f"m{n}", space)
        await world.say(f"m{n}", f"/rsvp {event_id} {'no' if n % 4 == 0 else 'yes'}", space=space)
    [row] = edit_rows(world)  # rewritten by each answer, never joined by another
    assert row.status == "pending" and row.kind == "edit"
    await world.deliver()
    [(_, edited)] = world.adapters["telegram"].edited
    assert "👍 Going: 9 · 🤔 Maybe: 0 · 👎 Not going: 3" in plain(edited.text)


async def test_the_same_answer_again_queues_no_edit(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    world.member("bob", space)
    event_id = await announced(world, space)
    await world.say("bob", f"/rsvp {event_id} yes", space=space)
    await world.deliver()
    await world.say("bob", f"/rsvp {event_id} yes", space=space)
    assert [row.status for row in edit_rows(world)] == ["sent"]


async def test_every_chat_shows_the_counts_in_its_own_language(world: World) -> None:
    paris = world.space("Paris Hub", lang="fr")
    split = world.space("Split Hub", city="Split", country="HR", tz="Europe/Zagreb", lang="hr", platform="matrix")
    world.member("ana", paris, manager=True)
    world.member("iva", split, platform="matrix")
    event_id = await announced(world, paris, text="/event Apéro | tomorrow at 6pm | network | max 2")
    await world.say("iva", f"/rsvp {event_id} yes", space=split)
    await world.deliver()
    [(_, french)] = world.adapters["telegram"].edited
    [(matrix_ref, croatian)] = world.adapters["matrix"].edited
    assert "👍 Participent : 1/2 · 🤔 Peut-être : 0 · 👎 Ne viennent pas : 0 · ⏳ Liste d'attente : 0" in plain(french.text)
    assert "👍 Dolaze: 1/2 · 🤔 Možda: 0 · 👎 Ne dolaze: 0 · ⏳ Lista čekanja: 0" in plain(croatian.text)
    assert matrix_ref.chat_id == split.slug


async def test_the_waitlist_shows_on_the_announcement(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    event_id = await announced(world, space, text="/event Workshop | tomorrow at 6pm | max 1")
    for name in ("bob", "cleo", "dan"):
        world.member(name, space)
        await world.say(name, f"/rsvp {event_id} yes", space=space)
    await world.deliver()
    [shown] = world.shown(space)
    assert "👍 Going: 1/1 · 🤔 Maybe: 0 · 👎 Not going: 0 · ⏳ Waitlist: 2" in shown
    await world.say("bob", f"/rsvp {event_id} no", space=space)  # cleo gets the place
    await world.deliver()
    assert "👍 Going: 1/1 · 🤔 Maybe: 0 · 👎 Not going: 1 · ⏳ Waitlist: 1" in world.shown(space)[0]


async def test_an_answer_while_the_edit_goes_out_is_sent_after_it(world: World) -> None:
    """The pending edit row is rewritten while the worker sends its old text: it goes again, with the new."""
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    world.member("bob", space)
    world.member("cleo", space)
    event_id = await announced(world, space)
    adapter = world.adapters["telegram"]
    plain_edit = adapter.edit

    async def edit_while_cleo_answers(message: SentRef, reply: Reply) -> SentRef:
        if not adapter.edited:
            await world.say("cleo", f"/rsvp {event_id} yes", space=space)
        return await plain_edit(message, reply)

    adapter.edit = edit_while_cleo_answers  # type: ignore[method-assign]
    await world.say("bob", f"/rsvp {event_id} yes", space=space)
    await world.deliver()
    texts = [plain(reply.text) for _, reply in adapter.edited]
    assert len(texts) == 2 and "👍 Going: 1 ·" in texts[0] and "👍 Going: 2 ·" in texts[1]
    assert [row.status for row in edit_rows(world)] == ["sent"]


async def test_an_answer_before_the_announcement_went_out_is_in_it(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    world.member("bob", space)
    event_id = await world.create_event("ana", "/event Quiz | tomorrow at 6pm", space)
    await world.say("bob", f"/rsvp {event_id} yes", space=space)
    await world.deliver()
    [announcement] = world.posts(space)
    assert "👍 Going: 1 ·" in announcement
    assert world.adapters["telegram"].edited == []


async def test_a_message_that_cannot_be_edited_is_forgotten(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    world.member("bob", space)
    event_id = await announced(world, space)
    world.adapters["telegram"].edit_failures.append(DeliveryError("message to edit not found", permanent=True))
    await world.say("bob", f"/rsvp {event_id} yes", space=space)
    await world.deliver()
    [row] = edit_rows(world)
    assert (row.status, row.attempts) == ("failed", 1)  # not retried
    with world.sessions() as session:
        assert session.exec(select(PostedMessage)).all() == []
    await world.say("bob", f"/rsvp {event_id} no", space=space)
    assert len(edit_rows(world)) == 1  # nothing more is queued for it


async def test_a_transient_edit_failure_is_retried(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    world.member("bob", space)
    event_id = await announced(world, space)
    world.adapters["telegram"].edit_failures.append(DeliveryError("network: TimedOut"))
    await world.say("bob", f"/rsvp {event_id} yes", space=space)
    await world.deliver()
    assert world.adapters["telegram"].edited == []
    world.clock.advance(seconds=5)
    await world.deliver()
    assert "👍 Going: 1 ·" in world.shown(space)[0]


async def test_a_cancelled_event_keeps_its_announcement_marked_and_without_buttons(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    event_id = await announced(world, space)
    await world.say("ana", f"/cancel_event {event_id}", space=space)
    await world.deliver()
    [(_, edited)] = world.adapters["telegram"].edited
    assert plain(edited.text).startswith("❌ Cancelled\n📣 New event at Hub: Quiz")
    assert edited.buttons == [] and "Going" not in plain(edited.text)


async def test_a_chat_without_edits_keeps_the_counts_it_was_posted_with(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    world.member("bob", space)
    event_id = await announced(world, space)
    world.adapters["telegram"] = SimpleNamespace(platform="telegram", send=world.adapters["telegram"].send)
    await world.say("bob", f"/rsvp {event_id} yes", space=space)
    await world.deliver()
    assert [row.status for row in edit_rows(world)] == ["sent"]


async def test_settings_choices_and_event_confirmation_are_new_versions_of_the_pressed_message(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    [toggled] = await world.replies("ana", "/start presence off")
    assert (toggled.on_button, toggled.notice) == ("edit", "✅ Saved.")
    assert "• visible in who is here: no" in plain(toggled.text)
    [french] = await world.replies("ana", "/start lang fr")
    assert french.notice == "✅ Enregistré." and plain(french.text).startswith("Bienvenue")
    assert "/start lang de" in [b.command for row in french.buttons for b in row]
    [plain_start] = await world.replies("ana", "/start")
    assert plain_start.on_button == "message"
    [question] = await world.replies("ana", "/event Quiz | demain à 18h", space=space)
    [confirmed] = await world.replies("ana", question.buttons[0][0].command, space=space)
    assert confirmed.on_button == "edit" and confirmed.buttons == []
    [again] = await world.replies("ana", question.buttons[0][0].command, space=space)
    assert again.error  # a stale button: on Telegram a toast, never a group message



async def test_forgetting_a_member_takes_their_answer_off_the_announcement(world: World) -> None:
    space = world.space("Hub")
    world.member("ana", space, manager=True)
    world.member("bob", space)
    event_id = await announced(world, space)
    await world.say("bob", f"/rsvp {event_id} yes", space=space)
    await world.deliver()
    assert "👍 Going: 1 ·" in world.shown(space)[0]
    [done] = await world.replies("bob", "/forgetme confirm")
    assert done.on_button == "edit"  # pressed, it replaces the question and its button
    await world.deliver()
    assert "👍 Going: 0 ·" in world.shown(space)[0]
