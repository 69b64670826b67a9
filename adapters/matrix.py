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

The Matrix manners live beside it: answers are replies to the command
(:mod:`adapters.matrix_replies`), RSVPs are reactions
(:mod:`adapters.matrix_reactions`), invites come from staff only
(:mod:`adapters.matrix_invites`), and a lost encryption store means a new
device (:mod:`adapters.matrix_login`).
"""
from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from nio import (
    AsyncClient, AsyncClientConfig, MatrixRoom, MegolmEvent, ReactionEvent, RedactionEvent, RoomEncryptionEvent,
    RoomGetStateEventError, RoomMessageNotice, RoomMessageText, SyncError, SyncResponse, UnknownAccountDataEvent,
    UnknownEvent,
)
from nio.crypto import ENCRYPTION_ENABLED

from adapters.matrix_content import reaction_commands, reply_content, typed_as_command
from adapters.matrix_direct import DirectRooms
from adapters.matrix_edit import edit_txn, replacement
from adapters.matrix_invites import InvitePolicy, answer_invites
from adapters.matrix_login import NETWORK_ERRORS, answer_error, http_status, log_in, network_error, set_display_name
from adapters.matrix_reactions import ReactionRsvp, reaction_of
from adapters.matrix_replies import DeferredOrigins, Origin, addressed
from adapters.matrix_send import RoomSender, txn
from adapters.matrix_state import ADMIN_LEVEL, is_room_admin
from adapters.matrix_sync import SYNC_FILTER, SyncFailed, crypto_housekeeping, keep_syncing, since_joined
from bot.config import Settings
from bot.health import Heartbeat
from bot.i18n import translator
from bot.messages import ChatRef, DeliveryError, Message, MessageHandler, Reply, RetryAfter, Sender, SentRef
from bot.pacer import SendPacer
from bot.staff import StaffCheck, staff_check
from storage.db import SessionFactory
from storage.state import load_state, save_state

log = logging.getLogger(__name__)
STOP_GRACE = 10.0  # seconds a stop waits for the sync batch in hand (its commands, replies and token)

class MatrixAdapter:
    platform = "matrix"
    direct: DirectRooms  # set at start, once logged in
    sender: RoomSender

    def __init__(self, settings: Settings, sessions: SessionFactory, *, encryption: bool | None = None,
                 store_path: str | None = None, sync_timeout_ms: int = 30_000,
                 is_staff: StaffCheck | None = None) -> None:
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
        self.heartbeat = Heartbeat(sync_timeout_ms / 1000 + 30)  # each sync answered (see bot.health)
        self.client: AsyncClient | None = None
        self._handle: MessageHandler | None = None
        self._task: asyncio.Task[None] | None = None
        self._batch: asyncio.Future[None] | None = None  # the sync being handled
        self._since: str | None = None
        self._synced = asyncio.Event()
        self._warned_rooms: set[str] = set()
        #: Matrix has no published limits; a homeserver says M_LIMIT_EXCEEDED and the
        #: delivery worker pauses that chat for retry_after_ms (see bot.outbox).
        self.pacer = SendPacer(overall=(10, 1.0), per_chat=None)
        #: Only coordinators, managers and MATRIX_ALLOWED_INVITERS pull the bot into a room.
        self.invites = InvitePolicy(settings.matrix_allowed_inviters, is_staff or staff_check(sessions, settings))
        self.reactions = ReactionRsvp(sessions, self._key(""))
        self.deferred = DeferredOrigins(sessions, self._key(""))

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
        self.direct = DirectRooms(self.client, self.sessions)
        self.sender = RoomSender(self.client, self._synced)
        self._since = load_state(self.sessions, self._key("next_batch"))
        try:
            encryption = await log_in(self.client, self.settings, self.sessions, encryption=self.encryption,
                                      store_path=self.store_path)
            if encryption and self.client.olm is None:
                log.warning("matrix: no encryption store could be loaded from %s; encrypted rooms are off",
                            self.store_path)
            self.encryption = encryption and self.client.olm is not None
            await set_display_name(self.client, self.settings.matrix_display_name)
            await self.direct.load_listed()
            await self._sync_once(first=True)
        except NETWORK_ERRORS as exc:
            await self.client.close()
            raise network_error(self.settings, exc) from None
        except Exception:
            await self.client.close()
            raise
        self._task = asyncio.create_task(keep_syncing(self._sync_once, self.settings))
        log.info("matrix: logged in as %s (device %s)", self.client.user_id, self.client.device_id)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - stopping anyway
                pass
        if self._batch is not None and not self._batch.done():  # the batch in hand is finished first
            await asyncio.wait({self._batch}, timeout=STOP_GRACE)
        if self.client is not None:
            await self.client.close()

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
        # A stop waits for the batch (see stop): cut off between a reply and the saved token, a
        # restart would handle its commands again.
        self._batch = asyncio.ensure_future(self._take(client, response))
        await asyncio.shield(self._batch)

    async def _take(self, client: AsyncClient, response: SyncResponse) -> None:
        """Everything a sync brought, handled, then its token saved: the next run starts after it."""
        if self.encryption:
            await crypto_housekeeping(client)
        for event in response.account_data_events:  # another device or client changed our direct chats
            if isinstance(event, UnknownAccountDataEvent) and event.type == "m.direct":
                self.direct.take_account_data(event.content)
        if self._since is None:
            await self._accept_invites(response)  # first start ever: history is not news
        else:
            await self._process(response)
        save_state(self.sessions, self._key("next_batch"), response.next_batch)
        self._since = response.next_batch
        self.heartbeat.beat()
        self._synced.set()
        self._synced.clear()

    # -- incoming -------------------------------------------------------------------
    async def _process(self, response: SyncResponse) -> None:
        await self._accept_invites(response)
        assert self.client is not None
        for room_id, info in response.rooms.join.items():
            room = self.client.rooms.get(room_id)
            if room is None:
                continue
            for event in since_joined(info.timeline.events, self.user_id):
                try:
                    await self._on_event(room, event)
                except Exception:  # noqa: BLE001 - one bad event must not block the others
                    log.exception("matrix: event %s in %s failed", getattr(event, "event_id", "?"), room_id)

    async def _accept_invites(self, response: SyncResponse) -> None:
        assert self.client is not None
        for room_id in await answer_invites(self.client, response, self.invites, self.direct):
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
            text, direct = typed_as_command(event.body, self.prefix), self._is_direct(room)
            if text is None and not (direct and not is_notice):
                return
            origin = Origin.of(event.source, room.user_name(event.sender) or event.sender, in_room=not direct)
            await self._dispatch(room, event.sender, text or event.body, is_bot=is_notice, origin=origin)
        elif isinstance(event, (ReactionEvent, UnknownEvent, RedactionEvent)):
            # A 👍/🤔/👎 on an announcement runs its button as the reacting user; taking it back withdraws.
            reaction = None if isinstance(event, RedactionEvent) else reaction_of(event)
            command = (self.reactions.on_redaction(event.redacts, event.sender) if isinstance(event, RedactionEvent)
                       else reaction and self.reactions.on_reaction(event.event_id, event.sender, *reaction))
            if command:
                await self._dispatch(room, event.sender, command, by_reaction=True)
        elif isinstance(event, (MegolmEvent, RoomEncryptionEvent)):
            await self._warn_no_encryption(room.room_id)
            if isinstance(event, MegolmEvent):
                log.warning("matrix: could not decrypt %s in %s", event.event_id, room.room_id)

    async def is_chat_admin(self, chat_id: str, user_id: str) -> bool:
        """Power level >= 50 in the room now (the core re-checks manager rights with it)."""
        assert self.client is not None
        return await is_room_admin(self.client, chat_id, user_id)

    def _is_direct(self, room: MatrixRoom) -> bool:
        """A room we were invited to as a DM (``is_direct``), opened as one, or listed in our m.direct.

        Never the room's size: an unnamed room of a coordinator and the bot is a room to link.
        """
        return self.direct.is_direct_room(room.room_id)

    async def _dispatch(self, room: MatrixRoom, user_id: str, text: str, is_bot: bool = False,
                        origin: Origin | None = None, by_reaction: bool = False) -> None:
        assert self._handle is not None
        direct = self._is_direct(room)
        if direct and not is_bot:
            self.direct.remember(user_id, room.room_id)
        chat = ChatRef(self.platform, user_id if direct else room.room_id, is_direct=direct)
        sender = Sender(self.platform, user_id, display_name=room.user_name(user_id) or user_id,
                        handle=user_id.lstrip("@"), is_bot=is_bot)
        admin = not direct and room.power_levels.get_user_level(user_id) >= ADMIN_LEVEL
        message = Message(chat, sender, text, sender_is_chat_admin=admin, prefix=self.prefix)
        replies = await self._handle(message)
        if by_reaction:
            await self._answer_reaction(user_id, replies)
            return
        for reply in replies:
            try:
                await self._send_reply(room.room_id, reply, chat, origin)
            except DeliveryError as exc:
                # Not lost: the outbox retries it, honouring the server's rate limit, still as a reply.
                log.warning("matrix: reply to %s deferred to the outbox: %s", room.room_id, exc.reason)
                self._defer(chat, reply, sender, exc)
                self.deferred.remember(chat, reply, origin)

    async def _answer_reaction(self, user_id: str, replies: list[Reply]) -> None:
        """A reaction is answered by the announcement's live counts, not by a message in the room.

        Only a refusal (the event has started, was cancelled) is worth telling, and only
        in a direct chat we already have: a reaction must not open rooms nor fill one.
        """
        room_id = self.direct.by_user.get(user_id)
        for reply in replies:
            if not reply.error or room_id is None:
                log.debug("matrix: answer to a reaction not sent (%s)", "ok" if not reply.error else "no direct chat")
                continue
            try:
                await self._send_reply(room_id, reply, ChatRef(self.platform, user_id, is_direct=True))
            except DeliveryError as exc:
                log.warning("matrix: could not tell %s about their reaction: %s", room_id, exc.reason)

    def _defer(self, chat: ChatRef, reply: Reply, sender: Sender | None = None,
               error: DeliveryError | None = None) -> None:
        """To the outbox: after the wait M_LIMIT_EXCEEDED asked for, without the parts already sent."""
        from bot.outbox import store_for_retry

        store_for_retry(self.sessions, chat, reply, sender, error)

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
        origin = await self.deferred.find(self.client, room_id, chat, reply)  # an answer sent late is still a reply
        sent = await self._send_reply(room_id, reply, chat, origin)
        if origin is not None:
            self.deferred.sent(chat, reply)
        return sent

    async def _send_reply(self, room_id: str, reply: Reply, chat: ChatRef, origin: Origin | None = None) -> SentRef:
        release = await self.pacer.acquire(chat)
        parts_sent = reply.parts_sent  # the parts: the file (if any), then the text
        try:
            if reply.file is not None and parts_sent < 1:
                await self.sender.file(room_id, reply, origin)
                parts_sent = 1
            content = addressed(reply_content(reply, self.prefix), origin)
            event_id = await self._room_send(room_id, content, txn(reply, "text"))
        except DeliveryError as exc:
            exc.parts_sent = max(exc.parts_sent, parts_sent)  # a retry does not post the file again
            if isinstance(exc, RetryAfter):
                self.pacer.pause(chat, exc.seconds)
            raise
        finally:
            release()
        reactions = reaction_commands(reply)
        if reactions:
            self.reactions.remember(event_id, reactions)
            await self.reactions.pre_react(self.sender.paced(self.pacer, room_id, chat), event_id, reactions,
                                           txn(reply, "text"))
        return SentRef(self.platform, room_id, event_id)

    async def edit(self, message: SentRef, reply: Reply) -> SentRef:
        """Replace a message the bot sent by ``reply`` (an ``m.replace``, see :mod:`adapters.matrix_edit`)."""
        chat = ChatRef(self.platform, message.chat_id)
        release = await self.pacer.acquire(chat)
        try:
            content = replacement(reply_content(reply, self.prefix), message.message_id)
            await self._room_send(message.chat_id, content, edit_txn(reply, message.message_id))
        except RetryAfter as exc:
            self.pacer.pause(chat, exc.seconds)
            raise
        finally:
            release()
        return message

    async def _room_send(self, room_id: str, content: dict[str, Any], txn_id: str | None = None, *,
                         event_type: str = "m.room.message") -> str:
        """Send one event (see :meth:`RoomSender.event`)."""
        return await self.sender.event(room_id, content, txn_id, event_type=event_type)


def create(runtime: Any) -> MatrixAdapter:
    """The registry's factory (``coworkbot.adapters`` entry point)."""
    return MatrixAdapter(runtime.settings, runtime.sessions, is_staff=staff_check(runtime.sessions, runtime.settings))


async def probe(settings: Settings, sessions: SessionFactory | None) -> str:
    """whoami, for ``coworkbot check``."""
    from adapters.matrix_login import probe as whoami

    return await whoami(settings, sessions)
