"""Putting events into Matrix rooms: every refusal a :class:`DeliveryError`, files encrypted where rooms are.

Kept apart from the adapter's sync loop: this is the outgoing half, the one
place that calls nio's ``room_send`` and ``upload`` and turns their answers
into what the outbox understands (wait, give up, or retry later).
"""
from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from nio import AsyncClient, LocalProtocolError, RoomSendError, UploadError

from adapters.matrix_content import delivery_error, file_content
from adapters.matrix_replies import Origin, in_thread
from adapters.matrix_state import is_encrypted
from bot import metrics
from bot.messages import ChatRef, DeliveryError, Reply, RetryAfter
from bot.pacer import SendPacer

#: Sends one event (type, content, transaction id) and returns its event id.
SendEvent = Callable[[str, dict[str, Any], "str | None"], Awaitable[str]]


def txn(reply: Reply, part: str) -> str | None:
    """The transaction id of one part of a stored reply (None: a fresh one per send)."""
    return f"coworkbot-{reply.key}-{part}" if reply.key else None


def _refused(status_code: str | None, message: str | None, retry_after_ms: int | None) -> DeliveryError:
    """The homeserver's refusal as a DeliveryError; an M_LIMIT_EXCEEDED is counted (``/metrics``)."""
    error = delivery_error(status_code, message, retry_after_ms)
    if isinstance(error, RetryAfter):
        metrics.rate_limited("matrix")
    return error


class RoomSender:
    """Sends to the rooms of one logged-in client; ``synced`` is set after each sync."""

    def __init__(self, client: AsyncClient, synced: asyncio.Event) -> None:
        self.client = client
        self.synced = synced

    async def event(self, room_id: str, content: dict[str, Any], txn_id: str | None = None, *,
                    event_type: str = "m.room.message") -> str:
        """Send one event; every refusal becomes a DeliveryError the outbox understands.

        With a ``txn_id`` a second send of the same event (a retry after a crash
        or a timeout) is recognised by the homeserver and not posted again.
        """
        if self.client.olm and room_id not in self.client.rooms:
            await self._wait_for_room(room_id)
        try:
            response = await self.client.room_send(room_id, event_type, content, tx_id=txn_id,
                                                   ignore_unverified_devices=True)
        except LocalProtocolError as exc:  # nio: not a room we are in
            raise DeliveryError(str(exc), permanent=True) from None
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise DeliveryError(f"network: {type(exc).__name__}") from None
        if isinstance(response, RoomSendError):
            raise _refused(response.status_code, response.message, response.retry_after_ms)
        return str(response.event_id)

    async def file(self, room_id: str, reply: Reply, origin: Origin | None = None) -> None:
        """Upload the reply's file, then post it; in an encrypted room only ciphertext is uploaded.

        Encrypted rooms get an EncryptedFile whose keys travel inside the
        (encrypted) event; the upload then carries no file name either.
        """
        assert reply.file is not None
        file, data = reply.file, reply.file.data
        encrypt = await is_encrypted(self.client, room_id)
        try:
            uploaded, keys = await self.client.upload(io.BytesIO(data), content_type=file.mime_type,
                                                      filename=None if encrypt else file.name,
                                                      encrypt=encrypt, filesize=len(data))
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise DeliveryError(f"network: {type(exc).__name__}") from None
        if isinstance(uploaded, UploadError):
            raise _refused(uploaded.status_code, uploaded.message, uploaded.retry_after_ms)
        content = file_content(file.name, file.mime_type, len(data), uploaded.content_uri, keys if encrypt else None)
        await self.event(room_id, in_thread(content, origin), txn(reply, "file"))

    def paced(self, pacer: SendPacer, room_id: str, chat: ChatRef) -> SendEvent:
        """A sender of single events within the pacer's budget (the bot's own reactions)."""
        async def send(event_type: str, content: dict[str, Any], txn_id: str | None) -> str:
            release = await pacer.acquire(chat)
            try:
                return await self.event(room_id, content, txn_id, event_type=event_type)
            except RetryAfter as exc:
                pacer.pause(chat, exc.seconds)
                raise
            finally:
                release()
        return send

    async def _wait_for_room(self, room_id: str, timeout: float = 15.0) -> None:
        """A room we just created is known to nio (and can be encrypted for) after the next sync."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while room_id not in self.client.rooms and loop.time() < deadline:
            try:
                await asyncio.wait_for(self.synced.wait(), timeout=max(0.1, deadline - loop.time()))
            except asyncio.TimeoutError:
                break
