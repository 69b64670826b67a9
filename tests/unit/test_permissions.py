"""The permission matrix: every command x role x (own space / other space).

Members may use member commands anywhere; a manager may use manager commands
in their own space only; coordinators may use everything everywhere. A refusal
is a localized "Only ..." reply flagged as an error; anything else is allowed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from bot.commands import BY_NAME
from bot.context import Role
from storage.models import Event, NeedRequest
from tests.world import World

# Arguments that a permitted user could use successfully (or get a non-refusal error).
SAMPLES = {
    "start": "", "help": "", "lang": "en", "checkin": "deep work", "checkout": "", "here": "",
    "visit": "beta", "skills": "add design", "need": "I need a translator #translation", "needs": "",
    "help_with": "{bea_request}", "resolve": "{bob_request}", "intro": "on", "intros": "run", "spaces": "",
    "space": "set capacity 30", "manager": "add @ana", "broadcast": "hello network",
    "stats": "", "mydata": "", "forgetme": "", "event": "Party | tomorrow at 18:00", "confirm": "999",
    "events": "", "rsvp": "{alpha_event} yes", "cancel_event": "{alpha_event}", "ical": "", "qr": "",
    "who": "design",
}
# Decided by whose object it is, not by the chat: see the two tests at the end.
OBJECT_LEVEL = {"resolve"}
ROLES = ("member", "manager", "coordinator")
SPEAKER = {"member": "ana", "manager": "max", "coordinator": "cora"}


@dataclass
class Network:
    world: World
    ids: dict[str, int]


@pytest.fixture
def network(world: World) -> Network:
    alpha = world.space("Alpha")
    beta = world.space("Beta", city="Rijeka", country="HR", tz="Europe/Zagreb")
    for name in ("ana", "bob"):
        world.member(name, alpha)
    world.member("max", alpha, manager=True)
    world.member("cora", alpha, coordinator=True)
    bea = world.member("bea", beta)
    bob = world._member("bob")
    start = world.clock.now + timedelta(days=3)
    with world.sessions() as session:
        rows = {
            "alpha_event": Event(space_id=alpha.id, title="Alpha talk", starts_at=start, status="confirmed"),
            "beta_event": Event(space_id=beta.id, title="Beta talk", starts_at=start, status="confirmed"),
            "bob_request": NeedRequest(space_id=alpha.id, requester_id=bob.id, text="need a designer",
                                       tags=["graphic-design"], created_at=world.clock.now),
            "bea_request": NeedRequest(space_id=beta.id, requester_id=bea.id, text="need a lawyer",
                                       tags=["legal-advice"], created_at=world.clock.now),
        }
        session.add_all(rows.values())
        session.commit()
        ids = {key: row.id for key, row in rows.items()}
    world.alpha, world.beta = alpha, beta  # type: ignore[attr-defined]
    return Network(world, ids)


async def outcome(network: Network, role: str, text: str, place: str) -> str:
    world = network.world
    space = world.alpha if place == "own" else world.beta  # type: ignore[attr-defined]
    replies = await world.replies(SPEAKER[role], text.format(**network.ids), space=space)
    assert replies, text
    first = replies[0]
    assert "Something went wrong" not in first.text, (role, text, place)
    return "refused" if first.error and first.text.startswith("Only ") else "allowed"


def expected(command_role: Role, role: str, place: str) -> str:
    if command_role <= Role.MEMBER or role == "coordinator":
        return "allowed"
    if command_role == Role.MANAGER and role == "manager" and place == "own":
        return "allowed"
    return "refused"


def test_every_command_is_in_the_matrix() -> None:
    assert set(SAMPLES) == set(BY_NAME)


@pytest.mark.parametrize("place", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(set(SAMPLES) - OBJECT_LEVEL))
async def test_command_role_and_place(network: Network, name: str, role: str, place: str) -> None:
    text = f"/{name} {SAMPLES[name]}".strip()
    # ``shown_to``: /space is a member's command whose ``set`` needs a manager of the space (and whose
    # create/link/unlink need a coordinator: see test_space_settings).
    assert await outcome(network, role, text, place) == expected(BY_NAME[name].shown_to, role, place)


@pytest.mark.parametrize("owner", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
async def test_cancelling_an_event_needs_a_manager_of_its_space(network: Network, role: str, owner: str) -> None:
    event = "{alpha_event}" if owner == "own" else "{beta_event}"
    allowed = role == "coordinator" or (role == "manager" and owner == "own")
    if role == "manager" and owner == "other":  # Beta's own event is not named to Alpha's manager: no such event
        world, beta_event = network.world, network.ids["beta_event"]
        reply = await world.say(SPEAKER[role], f"/cancel_event {beta_event}", space=world.alpha)  # type: ignore[attr-defined]
        assert reply == [f"There is no event #{beta_event}. See /events."]
        return
    assert await outcome(network, role, f"/cancel_event {event}", "own") == ("allowed" if allowed else "refused")


@pytest.mark.parametrize("owner", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
async def test_closing_a_request_needs_its_author_or_a_manager_of_its_space(network: Network, role: str,
                                                                             owner: str) -> None:
    request = "{bob_request}" if owner == "own" else "{bea_request}"
    allowed = role == "coordinator" or (role == "manager" and owner == "own")
    assert await outcome(network, role, f"/resolve {request}", "own") == ("allowed" if allowed else "refused")
