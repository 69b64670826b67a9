"""End-to-end encryption: with the ``e2e`` extra the bot reads and answers in an encrypted room.

The human side must encrypt too, which the raw-HTTP test client cannot do, so
here it is a second nio client with its own device and key store. (Without the
extra, the "encryption is not enabled" notice is tested in test_matrix_adapter.)
"""
from __future__ import annotations

import asyncio
import json
import os
import uuid
from pathlib import Path

import pytest
from nio import (AsyncClient, AsyncClientConfig, MegolmEvent, RoomEncryptedFile, RoomEncryptedImage,
                 RoomMessageNotice)
from nio.crypto import ENCRYPTION_ENABLED
from nio.crypto.attachments import decrypt_attachment
from nio.events.room_events import RoomEncryptedMedia

from bot.messages import Attachment, ChatRef, Reply
from tests.integration.conftest import BotStarter
from tests.integration.matrix_homeserver import MatrixTestUser, SynapseServer

pytestmark = pytest.mark.skipif(not ENCRYPTION_ENABLED, reason="needs the e2e extra: pip install 'matrix-nio[e2e]'")


async def test_the_bot_reads_and_answers_in_an_encrypted_room(
        start_matrix_bot: BotStarter, synapse_server: SynapseServer, tmp_path: Path) -> None:
    bot = await start_matrix_bot(encryption=True, matrix_store_path=str(tmp_path / "bot-store"))
    assert bot.matrix.encryption and bot.matrix.client.olm is not None
    bot_id = bot.matrix.user_id

    registered = await synapse_server.register_user(f"ivy-e2e-{uuid.uuid4().hex[:6]}")  # server outlives the test
    (tmp_path / "ivy-store").mkdir()
    ivy = AsyncClient(synapse_server.base_url, registered.user_id, store_path=str(tmp_path / "ivy-store"),
                      config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False))
    ivy.restore_login(registered.user_id, registered.device_id, registered.access_token)
    notices: list[RoomMessageNotice] = []
    undecrypted: list[MegolmEvent] = []

    async def on_notice(room: object, event: RoomMessageNotice) -> None:
        notices.append(event)

    async def on_megolm(room: object, event: MegolmEvent) -> None:
        undecrypted.append(event)

    ivy.add_event_callback(on_notice, RoomMessageNotice)
    ivy.add_event_callback(on_megolm, MegolmEvent)
    syncing = asyncio.create_task(ivy.sync_forever(timeout=1000, full_state=True))
    try:
        created = await ivy.room_create(name="private desk", invite=[bot_id], initial_state=[
            {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}])
        room_id = created.room_id
        await wait_until(lambda: room_id in ivy.rooms and bot_id in ivy.rooms[room_id].users, 15)
        await ivy.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": "!help"},
                            ignore_unverified_devices=True)
        await wait_until(lambda: any("What I can do" in n.body for n in notices), 30)
        reply = next(n for n in notices if "What I can do" in n.body)
        assert reply.sender == bot_id
        assert reply.decrypted  # it came encrypted, and ivy could read it
        assert "!checkin" in reply.body
        assert not any("not enabled" in n.body for n in notices)
    finally:
        syncing.cancel()
        await ivy.close()


async def wait_until(condition: object, timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():  # type: ignore[operator]
        if loop.time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.1)


async def test_files_in_an_encrypted_room_are_uploaded_encrypted(
        start_matrix_bot: BotStarter, synapse_server: SynapseServer, tmp_path: Path) -> None:
    bot = await start_matrix_bot(encryption=True, matrix_store_path=str(tmp_path / "bot-store"))
    bot_id = bot.matrix.user_id
    registered = await synapse_server.register_user(f"jude-e2e-{uuid.uuid4().hex[:6]}")
    (tmp_path / "jude-store").mkdir()
    jude = AsyncClient(synapse_server.base_url, registered.user_id, store_path=str(tmp_path / "jude-store"),
                       config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False))
    jude.restore_login(registered.user_id, registered.device_id, registered.access_token)
    media = MatrixTestUser(synapse_server.base_url, registered)  # plain HTTP, for the media store
    files: list[RoomEncryptedMedia] = []

    async def on_file(room: object, event: RoomEncryptedMedia) -> None:
        files.append(event)

    jude.add_event_callback(on_file, (RoomEncryptedFile, RoomEncryptedImage))
    syncing = asyncio.create_task(jude.sync_forever(timeout=1000, full_state=True))
    try:
        created = await jude.room_create(is_direct=True, invite=[bot_id], initial_state=[
            {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}])
        room_id = created.room_id
        await wait_until(lambda: room_id in jude.rooms and bot_id in jude.rooms[room_id].users, 15)
        await jude.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": "!mydata"},
                             ignore_unverified_devices=True)
        await wait_until(lambda: files, 30)
        export = files.pop()
        assert export.sender == bot_id and export.decrypted and export.body == "mydata.json"
        content = export.source["content"]
        assert "url" not in content and set(content["file"]) >= {"url", "key", "iv", "hashes", "v"}
        stored = await media.download(export.url)  # what anyone with the link gets
        assert registered.user_id.encode() not in stored and b'"member"' not in stored
        plain = decrypt_attachment(stored, export.key["k"], export.hashes["sha256"], export.iv)
        assert json.loads(plain)["member"]["user_id"] == registered.user_id

        original = os.urandom(2048)  # exactly these bytes, through the adapter
        await bot.matrix.send(ChatRef("matrix", room_id), Reply("chart", file=Attachment("chart.png", original, "image/png")))
        await wait_until(lambda: files, 30)
        chart = files.pop()
        assert isinstance(chart, RoomEncryptedImage) and "url" not in chart.source["content"]
        stored = await media.download(chart.url)
        assert stored != original
        assert decrypt_attachment(stored, chart.key["k"], chart.hashes["sha256"], chart.iv) == original
    finally:
        syncing.cancel()
        await media.close()
        await jude.close()
