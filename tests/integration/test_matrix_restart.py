"""Restarts: the sync token lives in the database, so nothing is handled twice or lost.

Two adapter instances over the same SQLite file play two runs of the process.
"""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.integration.conftest import BotStarter
from tests.integration.matrix_helpers import SPACE_CREATE, ask, bot_bodies, bot_joined, from_bot, space_room
from tests.integration.matrix_homeserver import MatrixTestUser, RegisteredUser, SynapseServer, UserFactory


async def test_messages_sent_while_down_are_handled_once_after_restart(
        start_matrix_bot: BotStarter, matrix_user_factory: UserFactory) -> None:
    alice = await matrix_user_factory("alice")
    bob = await matrix_user_factory("bob")
    first = await start_matrix_bot(coordinators=[alice.user_id])
    bot_id = first.matrix.user_id
    room = await space_room(alice, bot_id, [bob])
    await ask(bob, room, bot_id, "!checkin before the break", "Checked in")
    await first.stop()

    await alice.send_text(room, "!checkin while you were out")
    await bob.send_text(room, "!checkout")
    await alice.send_text(room, "!here")

    second = await start_matrix_bot(coordinators=[alice.user_id])
    assert second.matrix.user_id == bot_id
    here = await alice.wait_for_message(room, from_bot(bot_id, "here now"), timeout=20)
    assert "1 person here now" in here["content"]["body"]
    assert "while you were out" in here["content"]["body"]
    await ask(alice, room, bot_id, "!spaces", "Spaces of the network")  # the new run is live

    bodies = bot_bodies(await alice.messages(room), bot_id)
    assert sum(b.startswith("Checked in at") for b in bodies) == 2  # bob once, alice once
    assert sum(b.startswith("Checked out of") for b in bodies) == 1
    assert sum(b.startswith("Make It Marseille: ") for b in bodies) == 1  # the /here reply
    assert sum("Spaces of the network" in b for b in bodies) == 1


async def test_the_first_start_ignores_what_was_said_before(
        start_matrix_bot: BotStarter, matrix_user_factory: UserFactory,
        synapse_server: SynapseServer, bot_account: RegisteredUser) -> None:
    gina = await matrix_user_factory("gina")
    room = await gina.create_room("early", invite=[bot_account.user_id])
    async with await MatrixTestUser.open(synapse_server.base_url, bot_account) as bot_as_user:
        await bot_as_user.join(room)  # the account was in the room before the bot ever ran
    await bot_joined(gina, room, bot_account.user_id)
    await gina.send_text(room, "!help")

    await start_matrix_bot()
    reply = await ask(gina, room, bot_account.user_id, "!spaces", "No spaces yet")
    assert reply["content"]["msgtype"] == "m.notice"
    await asyncio.sleep(0.5)
    assert not any("What I can do" in b for b in bot_bodies(await gina.messages(room), bot_account.user_id))


async def test_a_restart_keeps_the_same_device(start_matrix_bot: BotStarter, matrix_user_factory: UserFactory) -> None:
    first = await start_matrix_bot()
    device = first.matrix.client.device_id
    await first.stop()
    second = await start_matrix_bot()
    assert second.matrix.client.device_id == device
    hank = await matrix_user_factory("hank")
    dm = await hank.create_room(invite=[second.matrix.user_id], is_direct=True)
    await ask(hank, dm, second.matrix.user_id, "!help", "What I can do")


def run_process(tmp_path: Path, server: SynapseServer, account: RegisteredUser,
                coordinator: str) -> subprocess.Popen[bytes]:
    """``coworkbot run`` as an operator starts it: configured by environment variables only."""
    env = {**os.environ, "COWORKBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
           "COWORKBOT_MATRIX_HOMESERVER": server.base_url, "COWORKBOT_MATRIX_USER_ID": account.user_id,
           "COWORKBOT_MATRIX_PASSWORD": account.password, "COWORKBOT_COORDINATORS": coordinator}
    log = open(tmp_path / "bot.log", "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=tmp_path, env=env,
                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)


def stop_process(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


async def test_coworkbot_run_answers_stops_and_catches_up(
        matrix_user_factory: UserFactory, synapse_server: SynapseServer, bot_account: RegisteredUser,
        tmp_path: Path) -> None:
    jo = await matrix_user_factory("jo")
    process = run_process(tmp_path, synapse_server, bot_account, jo.user_id)
    try:
        room = await jo.create_room("Hub desk", invite=[bot_account.user_id])
        await bot_joined(jo, room, bot_account.user_id, timeout=60)
        await ask(jo, room, bot_account.user_id, SPACE_CREATE, "created", timeout=30)
    finally:
        assert stop_process(process) == 0, (tmp_path / "bot.log").read_text()

    await jo.send_text(room, "!checkin while it was down")
    await jo.send_text(room, "!here")
    process = run_process(tmp_path, synapse_server, bot_account, jo.user_id)
    try:
        here = await jo.wait_for_message(room, from_bot(bot_account.user_id, "here now"), timeout=60)
        assert "while it was down" in here["content"]["body"]
        await ask(jo, room, bot_account.user_id, "!checkout", "Checked out")
    finally:
        assert stop_process(process) == 0, (tmp_path / "bot.log").read_text()
    bodies = bot_bodies(await jo.messages(room), bot_account.user_id)
    assert sum(b.startswith("Checked in at") for b in bodies) == 1
    assert sum(b.startswith("Make It Marseille: ") for b in bodies) == 1
    log = (tmp_path / "bot.log").read_text()
    assert bot_account.password not in log
    assert log.count("matrix: logged in") == 2


async def test_a_resend_after_a_crash_is_dropped_by_the_homeserver(
        start_matrix_bot: BotStarter, matrix_user_factory: UserFactory) -> None:
    """The process died after Synapse took an outbox message but before it was marked sent.

    The restarted bot sends the row again with the same transaction id (the
    row's), and the homeserver answers with the first event instead of
    posting a second one: the room shows the message once.
    """
    from sqlalchemy import update

    from bot.messages import ChatRef, Reply
    from bot.outbox import enqueue
    from storage.models import OutboxMessage

    alice = await matrix_user_factory("alice")
    first = await start_matrix_bot(coordinators=[alice.user_id])
    bot_id = first.matrix.user_id
    room = await space_room(alice, bot_id, [])
    with first.core.sessions() as session:
        row = enqueue(session, ChatRef("matrix", room), Reply("📢 Sent exactly once"))
        session.commit()
        row_id = row.id
    first.worker.wakeup.set()
    await alice.wait_for_message(room, from_bot(bot_id, "Sent exactly once"), timeout=20)
    await first.stop()
    with first.core.sessions() as session:  # as if the commit after the send had never happened,
        session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id)  # and its lease is over
                        .values(status="pending", sent_at=None, next_attempt_at=row.created_at))
        session.commit()

    second = await start_matrix_bot(coordinators=[alice.user_id])
    for _ in range(100):
        with second.core.sessions() as session:
            if session.get(OutboxMessage, row_id).status == "sent":
                break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the row was never sent again")
    await ask(alice, room, bot_id, "!spaces", "Spaces of the network")  # later messages do arrive
    bodies = bot_bodies(await alice.messages(room), bot_id)
    assert sum("Sent exactly once" in b for b in bodies) == 1, bodies
