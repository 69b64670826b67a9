"""The Matrix adapter (matrix-nio): ``!commands`` in rooms and direct chats, RSVP by reaction.

We run our own sync loop rather than nio's ``sync_forever`` because the sync
token is saved in our database only *after* the batch's messages were
handled: a crash replays at most one batch and a restart loses nothing sent
meanwhile. The very first start drops the history it finds (events from
before the bot existed are not commands to it). Each start's first sync asks
for the full state, so power levels and members are right before any message.

Direct chats are addressed by the user id (``ChatRef(is_direct=True,
chat_id="@ana:example.org")``), like on Telegram; the adapter maps a user to
the room it talks to them in, and opens one when it needs to.
"""
from __future__ import annotations

import asyncio
import io
import logging
import os
from typing import Any

import aiohttp
from nio import (
    AsyncClient, AsyncClientConfig, InviteMemberEvent, JoinError, LocalProtocolError, LoginError,
    MatrixRoom, MegolmEvent, ReactionEvent, RoomEncryptionEvent, RoomGetStateEventError,
    RoomMemberEvent, RoomMessageNotice, RoomMessageText, RoomSendError, SyncError,
    SyncResponse, UnknownEvent, UploadError, WhoamiResponse,
)
from nio.crypto import ENCRYPTION_ENABLED

from adapters.matrix_content import (
    delivery_error, file_content, normalize_reaction, reaction_commands, reply_content, typed_as_command,
)
from adapters.matrix_direct import DirectRooms
from adapters.matrix_login import (
    NETWORK_ERRORS, answer_error, http_status, is_transient, load_saved_login, network_error,
)
from adapters.matrix_state import ADMIN_LEVEL, is_encrypted, is_room_admin
from bot.config import Settings
from bot.i18n import translator
from bot.logs import register_secret
from bot.messages import ChatRef, DeliveryError, Message, MessageHandler, Reply, RetryAfter, Sender, SentRef
from bot.outbox import SendPacer
from storage.db import SessionFactory
from storage.state import load_json, load_state, save_json, save_state

log = logging.getLogger(__name__)

# Large enough that a timeline is not cut ("limited") after a normal downtime.
SYNC_FILTER = {"room": {"timeline": {"limit": 200}}}


class SyncFailed(Exception):
    """The homeserver answered a sync with an error (a 5xx while it restarts, typically)."""


class MatrixAdapter:
    platform = "matrix"
    direct: DirectRooms  # set at start, once logged in

    def __init__(self, settings: Settings, sessions: SessionFactory, *, encryption: bool | None = None,
                 store_path: str | None = None, sync_timeout_ms: int = 30_000) -> None:
        if not settings.matrix_homeserver or not settings.matrix_user_id:
            raise ValueError("COWORKBOT_MATRIX_HOMESERVER and COWORKBOT_MATRIX_USER_ID are required")
        if not (settings.matrix_password or settings.matrix_access_token):
            raise ValueError("COWORKBOT_MATRIX_PASSWORD or COWORKBOT_MATRIX_ACCESS_TOKEN is required")
        self.settings = settings
        self.sessions = sessions
        self.prefix = settings.matrix_command_prefix
        #: End-to-end encryption needs the ``e2e`` extra (vodozemac); without it we say so in the room.
        self.encryption = ENCRYPTION_ENABLED if encryption is None else encryption and ENCRYPTION_ENABLED
        self.store_path = store_path or settings.matrix_store_path
        self.sync_timeout_ms = sync_timeout_ms
        self.client: AsyncClient | None = None
        self._handle: MessageHandler | None = None
        self._task: asyncio.Task[None] | None = None
        self._since: str | None = None
        self._synced = asyncio.Event()
        self._warned_rooms: set[str] = set()
        #: Matrix has no published limits; a homeserver says M_LIMIT_EXCEEDED and the
        #: delivery worker pauses that chat for retry_after_ms (see bot.outbox).
        self.pacer = SendPacer(overall=(10, 1.0), per_chat=None)

    def _key(self, what: str) -> str:
        return f"matrix:{self.settings.matrix_user_id}:{what}"

    @property
    def user_id(self) -> str:
        assert self.client is not None
        return self.client.user_id

    # -- lifecycle ------------------------------------------------------------------
    async def start(self, handle: MessageHandler) -> None:
        """Log in, do the first sync (handling what came while we were down), then keep syncing."""
        self._handle = handle
        if self.encryption:
            os.makedirs(self.store_path, exist_ok=True)
        # max_timeouts=0: a connection error comes back to us (one log line, our backoff) instead
        # of nio retrying it forever in silence.
        config = AsyncClientConfig(max_limit_exceeded=0, max_timeouts=0, encryption_enabled=self.encryption,
                                   store_sync_tokens=False, request_timeout=self.sync_timeout_ms / 1000 + 30)
        self.client = AsyncClient(self.settings.matrix_homeserver or "", self.settings.matrix_user_id or "",
                                  store_path=self.store_path, config=config)
        try:
            await self._login()
        except NETWORK_ERRORS as exc:
            await self.client.close()
            raise network_error(self.settings, exc) from None
        except Exception:
            await self.client.close()
            raise
        if self.encryption and self.client.olm is None:
            log.warning("matrix: no encryption store could be loaded from %s; encrypted rooms are off", self.store_path)
            self.encryption = False
        self.direct = DirectRooms(self.client, self.sessions)
        self._since = load_state(self.sessions, self._key("next_batch"))
        try:
            await self._sync_once(first=True)
        except NETWORK_ERRORS as exc:
            await self.client.close()
            raise network_error(self.settings, exc) from None
        except Exception:
            await self.client.close()
            raise
        self._task = asyncio.create_task(self._sync_loop())
        log.info("matrix: logged in as %s (device %s)", self.client.user_id, self.client.device_id)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - stopping anyway
                pass
        if self.client is not None:
            await self.client.close()

    async def _login(self) -> None:
        """Access token if configured; else the saved login, else a password login saved for next time.

        Saving the login keeps one device across restarts (and its encryption keys).
        """
        client = self.client
        assert client is not None
        token = self.settings.matrix_access_token
        if token:
            client.access_token = token
            who = await client.whoami()
            if not isinstance(who, WhoamiResponse):
                raise answer_error(self.settings, who, "MATRIX_ACCESS_TOKEN")
            client.restore_login(who.user_id, who.device_id or "", token)
            return
        saved = load_saved_login(self.sessions, self.settings)
        if saved:
            client.restore_login(self.settings.matrix_user_id or "", saved["device_id"], saved["access_token"])
            who = await client.whoami()
            if isinstance(who, WhoamiResponse):
                return
            if is_transient(who):  # a hiccup is no reason to drop the device (and its encryption keys)
                raise answer_error(self.settings, who, "MATRIX_HOMESERVER")
            client.access_token = ""
        response = await client.login(self.settings.matrix_password, device_name="coworkbot")
        if isinstance(response, LoginError):
            raise answer_error(self.settings, response, "MATRIX_PASSWORD")
        register_secret(response.access_token)
        save_json(self.sessions, self._key("login"),
                  {"device_id": response.device_id, "access_token": response.access_token})

    async def _sync_loop(self) -> None:
        failures = 0
        while True:
            try:
                await self._sync_once()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - a homeserver hiccup must not end the bot
                failures += 1
                delay = min(60, 2 ** failures)
                if isinstance(exc, (SyncFailed, *NETWORK_ERRORS)):  # the server's weather: one line, no traceback
                    reason = exc if isinstance(exc, SyncFailed) else network_error(self.settings, exc).reason
                    log.warning("matrix: sync failed (%s), retrying in %d s", reason, delay)
                else:
                    log.exception("matrix: sync failed (%s in a row)", failures)
                await asyncio.sleep(delay)

    async def _sync_once(self, first: bool = False) -> None:
        client = self.client
        assert client is not None
        response = await client.sync(timeout=0 if first else self.sync_timeout_ms, sync_filter=SYNC_FILTER,
                                     since=self._since, full_state=True if first else None)
        if isinstance(response, SyncError):
            if first:  # a refusal now is about our credential; later, a hiccup to wait out
                credential = "MATRIX_ACCESS_TOKEN" if self.settings.matrix_access_token else "MATRIX_PASSWORD"
                raise answer_error(self.settings, response, credential)
            status = http_status(response)
            raise SyncFailed(f"HTTP {status}" if status else str(response.status_code or response.message))
        if self.encryption:
            await self._crypto_housekeeping()
        if self._since is None:
            await self._accept_invites(response)  # first start ever: history is not news
        else:
            await self._process(response)
        save_state(self.sessions, self._key("next_batch"), response.next_batch)
        self._since = response.next_batch
        self._synced.set()
        self._synced.clear()

    async def _crypto_housekeeping(self) -> None:
        """What nio's sync_forever does between syncs for end-to-end encryption."""
        client = self.client
        assert client is not None
        await client.send_to_device_messages()
        if client.should_upload_keys:
            await client.keys_upload()
        if client.should_query_keys:
            await client.keys_query()
        if client.should_claim_keys:
            await client.keys_claim(client.get_users_for_key_claiming())

    # -- incoming -------------------------------------------------------------------
    async def _process(self, response: SyncResponse) -> None:
        await self._accept_invites(response)
        assert self.client is not None
        for room_id, info in response.rooms.join.items():
            room = self.client.rooms.get(room_id)
            if room is None:
                continue
            for event in self._since_joined(info.timeline.events):
                try:
                    await self._on_event(room, event)
                except Exception:  # noqa: BLE001 - one bad event must not block the others
                    log.exception("matrix: event %s in %s failed", getattr(event, "event_id", "?"), room_id)

    def _since_joined(self, events: list[Any]) -> list[Any]:
        """Drop the history a room shows when we have just joined it: it was not said to us.

        What was said after we were invited counts (someone who opens a direct
        chat and types at once expects an answer once we are in).
        """
        def ours(event: Any, membership: str) -> bool:
            return (isinstance(event, RoomMemberEvent) and event.state_key == self.user_id
                    and event.membership == membership)

        for index in range(len(events) - 1, -1, -1):
            if ours(events[index], "join") and events[index].prev_membership != "join":
                invited = [i for i in range(index) if ours(events[i], "invite")]
                return events[invited[-1] + 1:] if invited else events[index + 1:]
        return events

    async def _accept_invites(self, response: SyncResponse) -> None:
        assert self.client is not None
        for room_id, info in response.rooms.invite.items():
            inviter, direct = None, False
            for event in info.invite_state:
                if isinstance(event, InviteMemberEvent) and event.state_key == self.user_id:
                    inviter, direct = event.sender, bool(event.content.get("is_direct"))
            joined = await self.client.join(room_id)
            if isinstance(joined, JoinError):
                log.warning("matrix: could not join %s: %s", room_id, joined.message)
                continue
            if direct and inviter:
                self.direct.remember(inviter, room_id)
            state = await self.client.room_get_state_event(room_id, "m.room.encryption")
            if not isinstance(state, RoomGetStateEventError) and state.content.get("algorithm"):
                await self._warn_no_encryption(room_id)

    async def _on_event(self, room: MatrixRoom, event: Any) -> None:
        if getattr(event, "sender", None) == self.user_id:
            return
        if isinstance(event, (RoomMessageText, RoomMessageNotice)):
            # Matrix bots speak in m.notice and must never answer one (no bot loops): the
            # core drops messages from bots, so a notice is handed over marked as such.
            is_notice = isinstance(event, RoomMessageNotice)
            text = typed_as_command(event.body, self.prefix)
            if text is None and not (self._is_direct(room) and not is_notice):
                return
            await self._dispatch(room, event.sender, text or event.body, is_bot=is_notice)
        elif isinstance(event, (ReactionEvent, UnknownEvent)):
            await self._on_reaction(room, event)
        elif isinstance(event, (MegolmEvent, RoomEncryptionEvent)):
            await self._warn_no_encryption(room.room_id)
            if isinstance(event, MegolmEvent):
                log.warning("matrix: could not decrypt %s in %s", event.event_id, room.room_id)

    async def _on_reaction(self, room: MatrixRoom, event: ReactionEvent | UnknownEvent) -> None:
        """A 👍/🤔/👎 on an announcement runs that announcement's button as the reacting user."""
        if isinstance(event, ReactionEvent):
            target, key = event.reacts_to, event.key
        else:
            relates = event.source.get("content", {}).get("m.relates_to", {})
            if event.type != "m.reaction" or relates.get("rel_type") != "m.annotation":
                return
            target, key = relates.get("event_id", ""), relates.get("key", "")
        commands = load_json(self.sessions, self._key(f"reactions:{target}")) or {}
        command = commands.get(normalize_reaction(key))
        if command:
            await self._dispatch(room, event.sender, command)

    async def is_chat_admin(self, chat_id: str, user_id: str) -> bool:
        """Power level >= 50 in the room now (the core re-checks manager rights with it)."""
        assert self.client is not None
        return await is_room_admin(self.client, chat_id, user_id)

    def _is_direct(self, room: MatrixRoom) -> bool:
        """A room we were invited to as a DM or opened as one, or an unnamed room of two."""
        return self.direct.is_direct_room(room.room_id) or (room.is_group and room.member_count <= 2)

    async def _dispatch(self, room: MatrixRoom, user_id: str, text: str, is_bot: bool = False) -> None:
        assert self._handle is not None
        direct = self._is_direct(room)
        if direct and not is_bot:
            self.direct.remember(user_id, room.room_id)
        chat = ChatRef(self.platform, user_id if direct else room.room_id, is_direct=direct)
        sender = Sender(self.platform, user_id, display_name=room.user_name(user_id) or user_id,
                        handle=user_id.lstrip("@"), is_bot=is_bot)
        admin = not direct and room.power_levels.get_user_level(user_id) >= ADMIN_LEVEL
        message = Message(chat, sender, text, sender_is_chat_admin=admin, prefix=self.prefix)
        for reply in await self._handle(message):
            try:
                await self._send_reply(room.room_id, reply, chat)
            except DeliveryError as exc:
                # Not lost: the outbox retries it, honouring the server's rate limit.
                log.warning("matrix: reply to %s deferred to the outbox: %s", room.room_id, exc.reason)
                self._defer(chat, reply, sender)

    def _defer(self, chat: ChatRef, reply: Reply, sender: Sender | None = None) -> None:
        from bot.outbox import store_for_retry

        store_for_retry(self.sessions, chat, reply, sender)

    async def _warn_no_encryption(self, room_id: str) -> None:
        """Tell an encrypted room, once per run, that we cannot read it."""
        if self.encryption or room_id in self._warned_rooms:
            return
        self._warned_rooms.add(room_id)
        tr = translator(self.settings.default_language, self.prefix)
        text = tr.t("This room is encrypted, but end-to-end encryption is not enabled on this bot, "
                    "so I cannot read messages here. Talk to me in an unencrypted room, or ask the "
                    "operator to install coworkbot with the e2e extra.")
        try:
            await self._room_send(room_id, reply_content(Reply(text), self.prefix))
        except DeliveryError as exc:
            log.warning("matrix: could not warn %s about encryption: %s", room_id, exc.reason)

    # -- outgoing -------------------------------------------------------------------
    async def send(self, chat: ChatRef, reply: Reply) -> SentRef:
        """Send to a room, or to a user's direct room (opened if there is none)."""
        room_id = chat.chat_id
        if chat.is_direct and not room_id.startswith("!"):
            room_id = await self.direct.room_for(chat.chat_id)
        return await self._send_reply(room_id, reply, chat)

    async def _send_reply(self, room_id: str, reply: Reply, chat: ChatRef) -> SentRef:
        release = await self.pacer.acquire(chat)
        try:
            if reply.file is not None:
                await self._send_file(room_id, reply)
            event_id = await self._room_send(room_id, reply_content(reply, self.prefix), _txn(reply, "text"))
        except RetryAfter as exc:
            self.pacer.pause(chat, exc.seconds)
            raise
        finally:
            release()
        reactions = reaction_commands(reply)
        if reactions:
            save_json(self.sessions, self._key(f"reactions:{event_id}"), reactions)
        return SentRef(self.platform, room_id, event_id)

    async def _send_file(self, room_id: str, reply: Reply) -> None:
        """Upload the file, then post it; in an encrypted room only ciphertext is uploaded.

        Encrypted rooms get an EncryptedFile whose keys travel inside the
        (encrypted) event; the upload then carries no file name either.
        """
        assert self.client is not None and reply.file is not None
        file, data = reply.file, reply.file.data
        encrypt = await is_encrypted(self.client, room_id)
        try:
            uploaded, keys = await self.client.upload(io.BytesIO(data), content_type=file.mime_type,
                                                      filename=None if encrypt else file.name,
                                                      encrypt=encrypt, filesize=len(data))
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise DeliveryError(f"network: {type(exc).__name__}") from None
        if isinstance(uploaded, UploadError):
            raise delivery_error(uploaded.status_code, uploaded.message, uploaded.retry_after_ms)
        await self._room_send(room_id, file_content(file.name, file.mime_type, len(data), uploaded.content_uri,
                                                    keys if encrypt else None), _txn(reply, "file"))

    async def _room_send(self, room_id: str, content: dict[str, Any], txn_id: str | None = None) -> str:
        """Send one m.room.message; every refusal becomes a DeliveryError the outbox understands.

        With a ``txn_id`` a second send of the same event (a retry after a crash
        or a timeout) is recognised by the homeserver and not posted again.
        """
        assert self.client is not None
        if self.client.olm and room_id not in self.client.rooms:
            await self._wait_for_room(room_id)
        try:
            response = await self.client.room_send(room_id, "m.room.message", content, tx_id=txn_id,
                                                   ignore_unverified_devices=True)
        except LocalProtocolError as exc:  # nio: not a room we are in
            raise DeliveryError(str(exc), permanent=True) from None
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise DeliveryError(f"network: {type(exc).__name__}") from None
        if isinstance(response, RoomSendError):
            raise delivery_error(response.status_code, response.message, response.retry_after_ms)
        return response.event_id

    async def _wait_for_room(self, room_id: str, timeout: float = 15.0) -> None:
        """A room we just created is known to nio (and can be encrypted for) after the next sync."""
        assert self.client is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while room_id not in self.client.rooms and loop.time() < deadline:
            try:
                await asyncio.wait_for(self._synced.wait(), timeout=max(0.1, deadline - loop.time()))
            except asyncio.TimeoutError:
                break


def _txn(reply: Reply, part: str) -> str | None:
    """The transaction id of one part of a stored reply (None: a fresh one per send)."""
    return f"coworkbot-{reply.key}-{part}" if reply.key else None


def create(runtime: Any) -> MatrixAdapter:
    """The registry's factory (``coworkbot.adapters`` entry point)."""
    return MatrixAdapter(runtime.settings, runtime.sessions)


async def probe(settings: Settings, sessions: SessionFactory | None) -> str:
    """whoami, for ``coworkbot check``."""
    from adapters.matrix_login import probe as whoami

    return await whoami(settings, sessions)
