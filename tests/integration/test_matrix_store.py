"""A lost encryption store (a wiped MATRIX_STORE_PATH, a container without a volume).

With a password the bot logs in again as a new device and encrypted rooms keep working; with
only an access token it says so in one line at start, and ``coworkbot check`` says so too.
"""
from __future__ import annotations

import asyncio
import logging
import shutil
import uuid
from pathlib import Path

import pytest
from nio import AsyncClient, AsyncClientConfig, RoomMessageNotice
from nio.crypto import ENCRYPTION_ENABLED

from adapters.matrix_login import probe
from tests.integration.conftest import BotStarter
from tests.integration.matrix_homeserver import RegisteredUser, SynapseServer
from tests.integration.test_matrix_e2e import wait_until

pytestmark = pytest.mark.skipif(not ENCRYPTION_ENABLED, reason="needs the e2e extra: pip install 'matrix-nio[e2e]'")


async def test_a_lost_store_means_a_new_device_and_encrypted_rooms_keep_working(
        start_matrix_bot: BotStarter, synapse_server: SynapseServer, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    store = tmp_path / "bot-store"
    bot = await start_matrix_bot(encryption=True, matrix_store_path=str(store))
    bot_id, first_device = bot.matrix.user_id, bot.matrix.client.device_id

    registered = await synapse_server.register_user(f"kim-e2e-{uuid.uuid4().hex[:6]}")
    (tmp_path / "kim-store").mkdir()
    kim = AsyncClient(synapse_server.base_url, registered.user_id, store_path=str(tmp_path / "kim-store"),
                      config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False))
    kim.restore_login(registered.user_id, registered.device_id, registered.access_token)
    notices: list[RoomMessageNotice] = []

    async def on_notice(room: object, event: RoomMessageNotice) -> None:
        notices.append(event)

    kim.add_event_callback(on_notice, RoomMessageNotice)
    syncing = asyncio.create_task(kim.sync_forever(timeout=1000, full_state=True))
    try:
        created = await kim.room_create(is_direct=True, invite=[bot_id], initial_state=[
            {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}])
        room_id = created.room_id
        await wait_until(lambda: room_id in kim.rooms and bot_id in kim.rooms[room_id].users, 15)
        await kim.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": "!help"},
                            ignore_unverified_devices=True)
        await wait_until(lambda: any("What I can do" in n.body for n in notices), 30)

        await bot.stop()
        shutil.rmtree(store)  # the container was recreated without its volume
        caplog.set_level(logging.INFO)
        bot = await start_matrix_bot(encryption=True, matrix_store_path=str(store))
        assert bot.matrix.encryption and bot.matrix.client.device_id != first_device
        [line] = [r.getMessage() for r in caplog.records if "encryption store" in r.getMessage()]
        assert f"device {first_device} is missing from {store}" in line and bot.matrix.client.device_id in line

        notices.clear()
        await kim.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": "!spaces"},
                            ignore_unverified_devices=True)
        await wait_until(lambda: any("No spaces yet" in n.body for n in notices), 30)
        reply = next(n for n in notices if "No spaces yet" in n.body)
        assert reply.sender == bot_id and reply.decrypted
    finally:
        syncing.cancel()
        await kim.close()


async def test_a_lost_store_with_only_an_access_token_is_said_in_one_line(
        start_matrix_bot: BotStarter, bot_account: RegisteredUser, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    store = tmp_path / "bot-store"
    token_only = {"matrix_password": None, "matrix_access_token": bot_account.access_token,
                  "matrix_store_path": str(store)}
    bot = await start_matrix_bot(encryption=True, **token_only)
    assert bot.matrix.encryption
    await wait_until(lambda: bot.matrix.client.olm.account.shared, 15)  # its keys are on the homeserver
    settings = bot.settings
    assert "WARNING" not in await probe(settings, None)
    await bot.stop()

    shutil.rmtree(store)
    caplog.set_level(logging.INFO)
    bot = await start_matrix_bot(encryption=True, **token_only)
    assert not bot.matrix.encryption  # encrypted rooms are told so, rather than met with silence
    lines = [r.getMessage() for r in caplog.records if "encryption store" in r.getMessage()]
    assert len(lines) == 1 and "encrypted rooms and direct chats will not work" in lines[0]
    assert "COWORKBOT_MATRIX_PASSWORD" in lines[0] and bot_account.access_token not in lines[0]
    assert not [r for r in caplog.records if "no encryption store could be loaded" in r.getMessage()]

    checked = await probe(settings, None)  # what `coworkbot check` prints after "logged in as"
    assert f"device {bot_account.device_id} (access token); WARNING: the encryption store" in checked
    assert "encrypted rooms will not work" in checked
