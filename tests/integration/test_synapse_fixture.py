"""Checks that the Synapse test harness does what the adapter tests rely on.

If these fail, a failing Matrix adapter test says nothing about the adapter.
"""

from __future__ import annotations

import pytest

from tests.integration.matrix_homeserver import (  # noqa: F401  (fixtures are found by name)
    MatrixRequestError,
    MatrixTestUser,
    SynapseServer,
    UserFactory,
    matrix_user_factory,
    rate_limited_synapse_server,
    synapse_server,
)


def test_server_answers_on_loopback(synapse_server: SynapseServer) -> None:
    assert synapse_server.base_url.startswith("http://127.0.0.1:")
    assert synapse_server.server_name == "localhost"
    assert synapse_server.startup_seconds is not None


@pytest.mark.asyncio
async def test_two_users_talk_react_and_change_power(
    matrix_user_factory: UserFactory,  # noqa: F811
) -> None:
    alice = await matrix_user_factory("alice")
    bob = await matrix_user_factory("bob")
    assert alice.user_id.endswith(":localhost")

    room_id = await alice.create_room("Front desk", invite=[bob.user_id])
    assert await bob.wait_for_invite() == room_id
    assert await bob.join(room_id) == room_id

    await alice.send_text(room_id, "hello bob")
    got = await bob.wait_for_message(room_id)
    assert (got["sender"], got["content"]["body"]) == (alice.user_id, "hello bob")

    # Two messages back: waiting for the second first must not lose the first.
    first_id = await bob.send_text(room_id, "hi alice")
    await bob.send_notice(room_id, "a notice")
    notice = await alice.wait_for_message(
        room_id, lambda e: e["content"].get("msgtype") == "m.notice")
    assert notice["content"]["body"] == "a notice"
    text = await alice.wait_for_message(room_id)
    assert (text["event_id"], text["content"]["body"]) == (first_id, "hi alice")

    await alice.react(room_id, first_id, "👍")
    reaction = await bob.wait_for_event(room_id, lambda e: e["type"] == "m.reaction")
    assert reaction["content"]["m.relates_to"] == {
        "rel_type": "m.annotation", "event_id": first_id, "key": "👍"}

    await alice.set_power_level(room_id, bob.user_id, 50)
    # Bob joined after creation, so the room's initial power levels are queued too.
    change = await bob.wait_for_event(
        room_id, lambda e: e["type"] == "m.room.power_levels"
        and bob.user_id in e["content"].get("users", {}))
    assert change["content"]["users"][bob.user_id] == 50

    bodies = [e["content"].get("body") for e in await bob.messages(room_id)
              if e["type"] == "m.room.message"]
    assert bodies == ["hello bob", "hi alice", "a notice"]


@pytest.mark.asyncio
async def test_direct_encrypted_room_and_admin_user(
    matrix_user_factory: UserFactory,  # noqa: F811
) -> None:
    admin = await matrix_user_factory("staff", admin=True)
    member = await matrix_user_factory("member")
    room_id = await admin.create_room(invite=[member.user_id], is_direct=True, encrypted=True)
    await member.join(room_id)
    state = await member.request("GET", f"/rooms/{room_id}/state/m.room.encryption/")
    assert state["algorithm"] == "m.megolm.v1.aes-sha2"
    whoami = await admin.request("GET", "/account/whoami")
    assert whoami["user_id"] == admin.user_id


@pytest.mark.asyncio
async def test_wait_for_message_times_out_with_context(
    matrix_user_factory: UserFactory,  # noqa: F811
) -> None:
    carol = await matrix_user_factory("carol")
    room_id = await carol.create_room("quiet")
    await carol.send_text(room_id, "talking to myself")
    with pytest.raises(TimeoutError, match="talking to myself"):
        await carol.wait_for_message(room_id, timeout=0.3)


@pytest.mark.asyncio
async def test_rate_limited_server_says_limit_exceeded(
    rate_limited_synapse_server: SynapseServer,  # noqa: F811
) -> None:
    server = rate_limited_synapse_server
    registered = await server.register_user("flooder", "pw")
    async with await MatrixTestUser.open(server.base_url, registered) as user:
        room_id = await user.create_room("flood")
        with pytest.raises(MatrixRequestError) as caught:
            for n in range(10):
                await user.send_text(room_id, f"spam {n}")
    assert caught.value.status == 429
    assert caught.value.errcode == "M_LIMIT_EXCEEDED"
    assert caught.value.retry_after_ms is not None and caught.value.retry_after_ms > 0
