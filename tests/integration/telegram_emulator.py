"""An in-process Telegram Bot API server for integration tests.

The Telegram adapter is tested over real HTTP: python-telegram-bot is pointed
at this server with ``base_url`` and cannot tell it from Telegram for the
methods coworkbot uses. Behaviour follows the Bot API documentation and, where
the documentation is vague, what the real server does (error texts, HTML
parsing, flood limits), so a test failing here points at a bug that would
fail in production too.

Typical use::

    async with TelegramEmulator("123456:TEST") as emu:
        emu.add_chat(-100, type="supergroup", title="Hub Brussels", admins=[7])
        bot = telegram.Bot("123456:TEST", base_url=emu.base_url,
                           base_file_url=emu.base_file_url)
        emu.user_sends(-100, {"id": 7, "first_name": "Ana"}, "/here")
        ...                                      # the adapter polls and replies
        [reply] = await emu.wait_for_sent(-100, count=1)

Everything test-side is a plain method or coroutine; only the bot talks HTTP.
All tokens given to the constructor address the same bot (handy for testing a
token rotation); use two emulators for two bots. Start, use and stop an
emulator within one event loop (a function-scoped async fixture does that).

Known simplifications: MarkdownV2/Markdown texts are stored unparsed; privacy
mode is off (the bot sees every group message); only the 30/s overall and
20/min per group flood limits exist, and they count sendMessage, sendDocument
and sendPhoto (not edits or chat actions).
"""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import math
import re
import socket
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web

from tests.integration import telegram_html as formatting

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# Without allowed_updates Telegram sends every update type except these.
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
BUTTON_ACTIONS = frozenset(  # an inline button needs exactly one of these besides its text
    {
        "callback_data",
        "url",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
ADMIN_RIGHTS = {
    **dict.fromkeys(
        {
            "can_manage_chat",
            "can_delete_messages",
            "can_manage_video_chats",
            "can_restrict_members",
            "can_change_info",
            "can_invite_users",
            "can_pin_messages",
        },
        True,
    ),
    **dict.fromkeys(
        {
            "can_be_edited",
            "is_anonymous",
            "can_promote_members",
            "can_post_stories",
            "can_edit_stories",
            "can_delete_stories",
        },
        False,
    ),
}
BOT_REMOVED = {
    "private": "Forbidden: bot was blocked by the user",
    "group": "Forbidden: bot was kicked from the group chat",
    "supergroup": "Forbidden: bot was kicked from the supergroup chat",
    "channel": "Forbidden: bot was kicked from the channel chat",
}
SERVER_ERRORS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Time-out",
}
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
UPLOAD_LIMIT = 50 * 1024 * 1024
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
NGINX_PAGE = (
    "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)

JSON = dict[str, Any]
Upload = tuple[str | None, str | None, bytes]  # file name, content type, content


class ApiError(Exception):
    """A Bot API error response: HTTP status, description and optional parameters."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


# ---------------------------------------------------------------- stored state


@dataclass
class StoredFile:
    """An uploaded file, downloadable again through ``base_file_url``."""

    file_id: str
    file_unique_id: str
    file_path: str
    file_name: str | None
    mime_type: str | None
    content: bytes
    width: int = 0
    height: int = 0

    def document_json(self) -> JSON:
        doc: JSON = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
        }
        if self.file_name:
            doc["file_name"] = self.file_name
        if self.mime_type:
            doc["mime_type"] = self.mime_type
        return doc

    def photo_json(self) -> list[JSON]:
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "file_size": len(self.content),
                "width": self.width,
                "height": self.height,
            }
        ]


@dataclass
class SentMessage:
    """A message the bot delivered, as tests inspect it (edits update it in place).

    ``text``/``caption`` are what users see (entities parsed out);
    ``raw_text``/``raw_caption`` are exactly what the bot sent.
    """

    chat_id: int
    method: str
    message_id: int = 0  # set on delivery
    date: int = 0
    text: str | None = None
    raw_text: str | None = None
    entities: list[JSON] = field(default_factory=list)
    caption: str | None = None
    raw_caption: str | None = None
    caption_entities: list[JSON] = field(default_factory=list)
    parse_mode: str | None = None
    reply_markup: JSON | None = None
    reply_to: int | None = None
    document: StoredFile | None = None
    photo: StoredFile | None = None
    edit_count: int = 0
    edit_date: int | None = None
    params: JSON = field(default_factory=dict)

    @property
    def button_data(self) -> list[str]:
        """callback_data of every inline button, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


@dataclass
class ApiCall:
    """One HTTP request the bot made (file contents left out)."""

    method: str
    params: JSON
    status: int
    description: str | None = None


@dataclass
class _Chat:
    id: int
    type: str
    title: str | None
    username: str | None
    user: JSON | None  # the other party of a private chat
    admins: list[int]
    creator: int | None
    members: set[int]
    bot_present: bool = True
    message_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    bot_messages: dict[int, SentMessage] = field(default_factory=dict)
    user_messages: dict[int, JSON] = field(default_factory=dict)
    actions: list[str] = field(default_factory=list)


class _Pulse:
    """Wakes every waiter each time something changes (new update, new sent message)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self._event.wait(), remaining)
            except TimeoutError:
                return predicate()
        return True


class _FloodControl:
    """Telegram's sliding-window send limits: N per window overall and per group chat."""

    def __init__(
        self,
        global_limit: int,
        global_window: float,
        group_limit: int,
        group_window: float,
        clock: Callable[[], float],
    ) -> None:
        self.global_limit, self.global_window = global_limit, global_window
        self.group_limit, self.group_window = group_limit, group_window
        self._clock = clock
        self._global: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}

    def retry_after(self, chat_id: int) -> int | None:
        """Seconds until a send to chat_id is allowed (rounded up, >= 1), or None if it is now."""
        now = self._clock()
        waits = [self._wait(self._global, self.global_limit, self.global_window, now)]
        if chat_id < 0:
            sent = self._groups.setdefault(chat_id, deque())
            waits.append(self._wait(sent, self.group_limit, self.group_window, now))
        longest = max(waits)
        return max(1, math.ceil(longest)) if longest > 0 else None

    def record(self, chat_id: int) -> None:
        now = self._clock()
        self._global.append(now)
        if chat_id < 0:
            self._groups.setdefault(chat_id, deque()).append(now)

    @staticmethod
    def _wait(sent: deque[float], limit: int, window: float, now: float) -> float:
        while sent and sent[0] <= now - window:
            sent.popleft()
        if len(sent) < limit:
            return 0.0
        return sent[len(sent) - limit] + window - now


class _Params:
    """Request parameters from the query string, a JSON body, a form or multipart."""

    def __init__(self, values: JSON, files: dict[str, Upload]) -> None:
        self.values = values
        self.files = files

    @classmethod
    async def read(cls, request: web.Request) -> _Params:
        values: JSON = dict(request.query)
        files: dict[str, Upload] = {}
        if request.method != "POST" or not request.body_exists:
            return cls(values, files)
        try:
            if request.content_type == "application/json":
                body = await request.json()
                if not isinstance(body, dict):
                    raise ApiError(400, "Bad Request: JSON object expected")
                values.update(body)
            else:
                for name, value in (await request.post()).items():
                    if isinstance(value, web.FileField):
                        files[name] = (value.filename, value.content_type, value.file.read())
                    else:
                        values[name] = value
        except web.HTTPRequestEntityTooLarge as exc:
            raise ApiError(413, "Request Entity Too Large") from exc
        except ValueError as exc:
            raise ApiError(400, "Bad Request: can't parse JSON object") from exc
        return cls(values, files)

    def raw(self, name: str) -> Any:
        value = self.values.get(name)
        return None if value == "" else value

    def text(self, name: str) -> str | None:
        value = self.raw(name)
        return None if value is None else str(value)

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self.raw(name)
        if value is None:
            if required:
                raise ApiError(400, f"Bad Request: {name} is empty")
            return None
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise ApiError(400, f"Bad Request: invalid {name} specified") from exc

    def number(self, name: str) -> float | None:
        value = self.raw(name)
        try:
            return None if value is None else float(value)
        except (TypeError, ValueError) as exc:
            raise ApiError(400, f"Bad Request: invalid {name} specified") from exc

    def flag(self, name: str) -> bool:
        return self.raw(name) in (True, 1, "true", "True", "1")

    def decoded(self, name: str, what: str | None = None) -> Any:
        """A JSON-serialized parameter (PTB sends lists and objects as JSON strings)."""
        value = self.raw(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ApiError(400, f"Bad Request: can't parse {what or name} JSON object") from exc

    def loggable(self) -> JSON:
        logged = dict(self.values)
        logged.update({k: f"<file {f[0]!r}, {len(f[2])} bytes>" for k, f in self.files.items()})
        return logged


def fill_user(user: JSON) -> JSON:
    """A Bot API User from a test's short dict (id and first_name are enough)."""
    if "id" not in user:
        raise ValueError(f"a user needs an id: {user!r}")
    return {"is_bot": False, "first_name": f"User {user['id']}", **user}


# ---------------------------------------------------------------- the emulator


class TelegramEmulator:
    """A Bot API server on 127.0.0.1 plus the test-side controls of its world."""

    def __init__(
        self,
        tokens: str | Sequence[str] = "123456:TEST-TOKEN",
        *,
        bot_username: str = "coworkbot_test_bot",
        bot_first_name: str = "Coworkbot",
        global_limit: int = 30,
        global_window: float = 1.0,
        group_limit: int = 20,
        group_window: float = 60.0,
        rate_limits: bool = True,
        strict_html: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Configure the bot and the world; nothing listens until start().

        The limits default to Telegram's (30 sends per second overall, 20 per
        minute per group); tests lower them, or pass a hand-moved ``clock``
        (seconds, like time.monotonic) to get exact ``retry_after`` values.
        ``strict_html`` rejects an unescaped ``&`` (see telegram_html).
        """
        token_list = [tokens] if isinstance(tokens, str) else list(tokens)
        if not token_list:
            raise ValueError("at least one token is needed")
        self.tokens = frozenset(token_list)
        prefix = token_list[0].split(":", 1)[0]  # a token starts with the bot's id
        bot_id = int(prefix) if prefix.isdigit() else 123456
        self.bot_user: JSON = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.rate_limits = rate_limits
        self.strict_html = strict_html
        self.flood = _FloodControl(global_limit, global_window, group_limit, group_window, clock)
        self.throttled = 0  # 429 responses given
        self.calls: list[ApiCall] = []
        self.callback_answers: dict[str, JSON] = {}
        self.base_url = ""
        self.base_file_url = ""
        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, JSON] = {}
        self._files: dict[str, StoredFile] = {}
        self._file_paths: dict[str, StoredFile] = {}
        self._sent: list[SentMessage] = []
        self._commands: dict[tuple[tuple[Any, ...], str], list[JSON]] = {}
        self._updates: list[JSON] = []
        self._allowed_updates: set[str] | None = None
        self._pending_queries: dict[str, int] = {}
        self._failures: list[tuple[int, frozenset[str] | None]] = []
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._poll_generation = 0
        self._closing = False
        self._updates_pulse = _Pulse()
        self._sent_pulse = _Pulse()
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, Callable[[_Params], Any]] = {
            "getme": self._get_me,
            "logout": self._ok,
            "close": self._ok,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "getupdates": self._get_updates,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "answercallbackquery": self._answer_callback_query,
            "senddocument": self._send_document,
            "sendphoto": self._send_photo,
            "getfile": self._get_file,
            "getchat": self._get_chat,
            "getchatmember": self._get_chat_member,
            "getchatadministrators": self._get_chat_administrators,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "sendchataction": self._send_chat_action,
        }

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1 and set base_url / base_file_url."""
        app = web.Application(client_max_size=UPLOAD_LIMIT + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_download)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        self._closing = False
        self.base_url = f"http://127.0.0.1:{port}/bot"
        self.base_file_url = f"http://127.0.0.1:{port}/file/bot"

    async def stop(self) -> None:
        """Release pending long polls, then close the server."""
        self._closing = True
        self._updates_pulse.fire()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ------------------------------------------------------------ test-side world

    def add_chat(
        self,
        chat_id: int,
        type: str = "group",  # the Bot API's own name
        title: str | None = None,
        *,
        username: str | None = None,
        admins: Iterable[int | JSON] = (),
        creator: int | JSON | None = None,
        members: Iterable[int | JSON] = (),
        user: JSON | None = None,
    ) -> JSON:
        """Create a chat the bot is in. Admins/members are ids or user dicts.

        A private chat (id > 0, the user's id) means the user has started the bot.
        """
        if chat_id in self._chats:
            raise ValueError(f"chat {chat_id} already exists")
        if type not in ("private", "group", "supergroup", "channel"):
            raise ValueError(f"unknown chat type {type!r}")
        if (type == "private") != (chat_id > 0):
            raise ValueError("private chats have positive ids (the user's), others negative")
        if type == "private":
            user = self._remember(user or {"id": chat_id})
            if user["id"] != chat_id:
                raise ValueError("a private chat's id is its user's id")
        admin_ids = [self._remember(a)["id"] for a in admins]
        creator_id = None if creator is None else self._remember(creator)["id"]
        member_ids = {self._remember(m)["id"] for m in members} | set(admin_ids)
        if creator_id is not None:
            member_ids.add(creator_id)
        chat = _Chat(
            id=chat_id,
            type=type,
            title=title or (None if type == "private" else f"Chat {chat_id}"),
            username=username,
            user=user,
            admins=admin_ids,
            creator=creator_id,
            members=member_ids,
        )
        self._chats[chat_id] = chat
        return self._chat_json(chat)

    def remove_bot_from(self, chat_id: int, *, by: JSON | None = None) -> None:
        """Kick the bot from a group, or have the user block it in a private chat.

        Sends then fail with 403 like Telegram, and a my_chat_member update is queued.
        """
        chat = self._known_chat(chat_id)
        chat.bot_present = False
        actor = fill_user(by) if by else chat.user or self._someone_in_charge(chat)
        new_status = "left" if chat.type == "group" else "kicked"
        new_member: JSON = {"user": self.bot_user, "status": new_status}
        if new_status == "kicked":
            new_member["until_date"] = 0
        self._queue_update(
            "my_chat_member",
            {
                "chat": self._chat_json(chat),
                "from": actor,
                "date": int(time.time()),
                "old_chat_member": {"user": self.bot_user, "status": "member"},
                "new_chat_member": new_member,
            },
        )

    def fail_next(
        self, n: int = 1, status: int = 500, methods: Iterable[str] | None = None
    ) -> None:
        """Answer the next n requests (optionally only of these methods) with a server error.

        500 comes as Telegram's JSON error; 502/503/504 as the HTML page of the
        nginx in front of it, which is what a client really has to cope with.
        """
        if status not in SERVER_ERRORS:
            raise ValueError(f"status must be one of {sorted(SERVER_ERRORS)}")
        only = None if methods is None else frozenset(m.lower() for m in methods)
        self._failures.extend([(status, only)] * n)

    def user_sends(
        self, chat_id: int, user: JSON, text: str, *, reply_to: int | None = None
    ) -> JSON:
        """A user writes in a chat; the bot gets a ``message`` update. Returns the Message.

        Writing to the bot in private creates (or unblocks) the private chat, as
        pressing Start does; group chats must exist (add_chat). If the bot was
        removed from a group it receives nothing, as in Telegram.
        """
        sender = self._remember(user)
        chat = self._chats.get(chat_id)
        if chat is None and chat_id == sender["id"]:
            self.add_chat(chat_id, "private", user=sender)
            chat = self._chats[chat_id]
        if chat is None:
            raise KeyError(f"no chat {chat_id}: call add_chat() first")
        if chat.type == "private":
            chat.bot_present = True
        else:
            chat.members.add(sender["id"])
        message: JSON = {
            "message_id": next(chat.message_ids),
            "from": dict(sender),
            "chat": self._chat_json(chat),
            "date": int(time.time()),
            "text": text,
        }
        entities = formatting.detect_entities(text)
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = self._message_json_by_id(chat, reply_to)
        chat.user_messages[message["message_id"]] = message
        if chat.bot_present:
            self._queue_update("message", message)
        return message

    def press_button(self, chat_id: int, user: JSON, message_id: int, callback_data: str) -> str:
        """A user presses an inline button; the bot gets a ``callback_query``. Returns its id."""
        chat = self._known_chat(chat_id)
        sent = chat.bot_messages.get(message_id)
        if sent is None or callback_data not in sent.button_data:
            shown = sent.button_data if sent else "no such bot message"
            raise ValueError(
                f"message {message_id} in {chat_id} has no button {callback_data!r}: {shown}"
            )
        query_id = str(4_000_000_000_000_000 + next(self._ids))
        self._pending_queries[query_id] = chat_id
        if not chat.bot_present:
            return query_id
        self._queue_update(
            "callback_query",
            {
                "id": query_id,
                "from": dict(self._remember(user)),
                "message": self._sent_json(sent),
                "chat_instance": str(abs(chat_id) * 7919),
                "data": callback_data,
            },
        )
        return query_id

    def sent(self, chat_id: int | None = None) -> list[SentMessage]:
        """Messages delivered to a chat (or to all chats), oldest first, edits applied."""
        return [m for m in self._sent if chat_id is None or m.chat_id == chat_id]

    async def wait_for_sent(
        self, chat_id: int | None, count: int = 1, timeout: float = 5.0
    ) -> list[SentMessage]:
        """Wait until at least count messages were delivered to chat_id; TimeoutError if not."""
        if not await self._sent_pulse.wait_until(lambda: len(self.sent(chat_id)) >= count, timeout):
            texts = [m.text or m.caption for m in self.sent(chat_id)]
            raise TimeoutError(
                f"expected {count} message(s) in chat {chat_id} within "
                f"{timeout}s, got {len(texts)}: {texts!r}"
            )
        return self.sent(chat_id)

    def commands(self, scope: str | JSON | None = None, language_code: str = "") -> list[JSON]:
        """The command list set for exactly this scope and language ([] if none)."""
        if scope is None or isinstance(scope, str):
            scope = {"type": scope or "default"}
        try:
            key = self._scope_key(scope)
        except ApiError as exc:
            raise ValueError(exc.description) from exc
        return [dict(c) for c in self._commands.get((key, language_code), [])]

    def chat_actions(self, chat_id: int) -> list[str]:
        """sendChatAction actions received for a chat, in order."""
        return list(self._known_chat(chat_id).actions)

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates queued and not yet confirmed by a getUpdates offset."""
        return list(self._updates)

    # ------------------------------------------------------------ HTTP plumbing

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] not in self.tokens:
            return self._error(method, {}, ApiError(401, "Unauthorized"))
        failure = self._take_failure(method)
        if failure is not None:
            return self._injected_failure(method, failure)
        handler = self._methods.get(method.lower())
        if handler is None:
            return self._error(method, {}, ApiError(404, "Not Found"))
        try:
            params = await _Params.read(request)
        except ApiError as exc:
            return self._error(method, {}, exc)
        try:
            result = handler(params)
            if asyncio.iscoroutine(result):
                result = await result
        except ApiError as exc:
            return self._error(method, params.loggable(), exc)
        self.calls.append(ApiCall(method, params.loggable(), 200))
        return web.json_response({"ok": True, "result": result})

    async def _handle_download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] not in self.tokens:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        stored = self._file_paths.get(request.match_info["path"])
        if stored is None:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )

    def _error(self, method: str, params: JSON, error: ApiError) -> web.Response:
        self.calls.append(ApiCall(method, params, error.code, error.description))
        return web.json_response(error.body(), status=error.code)

    def _take_failure(self, method: str) -> int | None:
        for index, (status, only) in enumerate(self._failures):
            if only is None or method.lower() in only:
                del self._failures[index]
                return status
        return None

    def _injected_failure(self, method: str, status: int) -> web.Response:
        reason = SERVER_ERRORS[status]
        self.calls.append(ApiCall(method, {}, status, reason))
        if status == 500:
            return web.json_response(ApiError(500, reason).body(), status=500)
        return web.Response(
            text=NGINX_PAGE.format(status=status, reason=reason),
            status=status,
            content_type="text/html",
        )

    # ------------------------------------------------------------ updates

    def _queue_update(self, kind: str, payload: JSON) -> None:
        allowed = (
            kind not in DEFAULT_EXCLUDED_UPDATES
            if self._allowed_updates is None
            else kind in self._allowed_updates
        )
        if allowed:  # Telegram does not store updates the bot did not ask for
            self._updates.append({"update_id": next(self._update_ids), kind: payload})
            self._updates_pulse.fire()

    async def _get_updates(self, p: _Params) -> list[JSON]:
        offset = p.integer("offset")
        limit = min(max(p.integer("limit") or 100, 1), 100)
        timeout = max(p.number("timeout") or 0.0, 0.0)
        allowed = p.decoded("allowed_updates")
        if allowed is not None:
            self._allowed_updates = set(allowed) or None  # [] means "the default set"
        if offset is not None and offset < 0:
            self._updates = self._updates[offset:]
        elif offset is not None:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        self._poll_generation += 1
        mine = self._poll_generation
        self._updates_pulse.fire()  # an older long poll learns it was superseded
        await self._updates_pulse.wait_until(
            lambda: bool(self._updates) or self._closing or self._poll_generation != mine, timeout
        )
        if self._poll_generation != mine:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        return self._updates[:limit]

    def _delete_webhook(self, p: _Params) -> bool:
        if p.flag("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, p: _Params) -> JSON:
        return {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    # ------------------------------------------------------------ sending

    def _send_message(self, p: _Params) -> JSON:
        chat = self._target_chat(p, sending=True)
        raw_text = p.text("text") or ""
        parse_mode = p.text("parse_mode")
        shown = self._format(raw_text, parse_mode, p.decoded("entities"))
        if not shown.text:
            raise ApiError(400, "Bad Request: message text is empty")
        if len(shown.text) > TEXT_LIMIT:  # Telegram counts code points here, not UTF-16
            raise ApiError(400, "Bad Request: message is too long")
        message = SentMessage(
            chat_id=chat.id,
            method="sendMessage",
            text=shown.text,
            raw_text=raw_text,
            entities=shown.entities,
            parse_mode=parse_mode,
        )
        return self._deliver(chat, message, p)

    def _send_document(self, p: _Params) -> JSON:
        return self._send_file(p, "document")

    def _send_photo(self, p: _Params) -> JSON:
        return self._send_file(p, "photo")

    def _send_file(self, p: _Params, kind: str) -> JSON:
        chat = self._target_chat(p, sending=True)
        stored = self._incoming_file(p, kind)
        raw_caption = p.text("caption")
        parse_mode = p.text("parse_mode")
        shown = self._format(raw_caption or "", parse_mode, p.decoded("caption_entities"))
        if len(shown.text) > CAPTION_LIMIT:
            raise ApiError(400, "Bad Request: message caption is too long")
        message = SentMessage(
            chat_id=chat.id,
            method="send" + kind.capitalize(),
            caption=shown.text or None,
            raw_caption=raw_caption,
            caption_entities=shown.entities,
            parse_mode=parse_mode,
            document=stored if kind == "document" else None,
            photo=stored if kind == "photo" else None,
        )
        return self._deliver(chat, message, p)

    def _deliver(self, chat: _Chat, message: SentMessage, p: _Params) -> JSON:
        """Shared end of every send*: markup, reply, flood control, then store."""
        message.reply_markup = self._reply_markup(p)
        message.reply_to = self._reply_target(chat, p)
        message.params = p.loggable()
        if self.rate_limits:
            retry = self.flood.retry_after(chat.id)
            if retry is not None:
                self.throttled += 1
                raise ApiError(
                    429, f"Too Many Requests: retry after {retry}", {"retry_after": retry}
                )
            self.flood.record(chat.id)
        message.message_id = next(chat.message_ids)
        message.date = int(time.time())
        chat.bot_messages[message.message_id] = message
        self._sent.append(message)
        self._sent_pulse.fire()
        return self._sent_json(message)

    def _format(self, raw: str, parse_mode: str | None, entities: Any) -> formatting.FormattedText:
        """Apply parse_mode (or explicit entities) and Telegram's trimming to a text."""
        if entities is not None:
            parsed = formatting.FormattedText(raw, list(entities))
        elif parse_mode is None or parse_mode.lower() in ("markdown", "markdownv2"):
            parsed = formatting.FormattedText(raw, [])
        elif parse_mode.lower() == "html":
            try:
                parsed = formatting.parse_html(raw, strict_ampersand=self.strict_html)
            except formatting.EntityParseError as exc:
                raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from exc
        else:
            raise ApiError(400, "Bad Request: unsupported parse_mode")
        trimmed = formatting.trim(parsed)
        found = formatting.detect_entities(trimmed.text, trimmed.entities)
        for entity in found:  # tg://user?id= links become mentions of the full user
            if entity["type"] == "text_mention":
                entity["user"] = self._users.get(entity["user"]["id"], entity["user"])
        return formatting.FormattedText(trimmed.text, found)

    def _reply_markup(self, p: _Params) -> JSON | None:
        markup = p.decoded("reply_markup", "reply keyboard markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is None:
            return markup  # reply keyboards, ForceReply, ReplyKeyboardRemove: stored as given
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise ApiError(400, 'Bad Request: field "inline_keyboard" must be an Array of Arrays')
        for button in (b for row in rows for b in row):
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise ApiError(
                    400, "Bad Request: can't parse inline keyboard button: Text must be a String"
                )
            if not BUTTON_ACTIONS & button.keys():
                raise ApiError(
                    400, "Bad Request: text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _reply_target(self, chat: _Chat, p: _Params) -> int | None:
        reply = p.decoded("reply_parameters")
        reply = reply if isinstance(reply, dict) else {}
        message_id = reply.get("message_id")
        if message_id is None:
            message_id = p.integer("reply_to_message_id")
        if message_id is None:
            return None
        if int(message_id) in chat.bot_messages or int(message_id) in chat.user_messages:
            return int(message_id)
        if reply.get("allow_sending_without_reply") or p.flag("allow_sending_without_reply"):
            return None
        raise ApiError(400, "Bad Request: message to be replied not found")

    def _incoming_file(self, p: _Params, kind: str) -> StoredFile:
        """The file of a send: a multipart upload, attach://name, a known file_id or a URL."""
        value = p.text(kind)
        upload = p.files.get(kind)
        if upload is None and value and value.startswith("attach://"):
            upload = p.files.get(value[len("attach://") :])
        if upload is None and value:
            if value in self._files:
                return self._files[value]
            if re.match(r"https?://", value):
                upload = (value.rsplit("/", 1)[-1] or None, None, b"")
            else:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if upload is None:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        filename, mime_type, content = upload
        if not content and not (value or "").startswith("http"):
            raise ApiError(400, "Bad Request: file must be non-empty")
        number = next(self._ids)
        stored = StoredFile(
            file_id=f"emu-{kind}-{number}",
            file_unique_id=f"emu-u{number}",
            file_path=f"{kind}s/file_{number}{_extension(filename)}",
            file_name=filename,
            mime_type=mime_type,
            content=content,
        )
        if kind == "photo":
            stored.width, stored.height = _image_size(content)
        self._files[stored.file_id] = stored
        self._file_paths[stored.file_path] = stored
        return stored

    def _get_file(self, p: _Params) -> JSON:
        stored = self._files.get(p.text("file_id") or "")
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    def _send_chat_action(self, p: _Params) -> bool:
        chat = self._target_chat(p, sending=True)
        action = p.text("action")
        if action not in CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        chat.actions.append(action)
        return True

    # ------------------------------------------------------------ editing and callbacks

    def _edit_message_text(self, p: _Params) -> JSON:
        message = self._message_to_edit(p)
        if message.text is None:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        raw_text = p.text("text") or ""
        shown = self._format(raw_text, p.text("parse_mode"), p.decoded("entities"))
        if not shown.text:
            raise ApiError(400, "Bad Request: message text is empty")
        if len(shown.text) > TEXT_LIMIT:
            raise ApiError(400, "Bad Request: message is too long")
        markup = self._reply_markup(p)  # omitting reply_markup removes the keyboard
        before = (message.text, message.entities, message.reply_markup)
        if (shown.text, shown.entities, markup) == before:
            raise ApiError(400, NOT_MODIFIED)
        message.text, message.raw_text, message.entities = shown.text, raw_text, shown.entities
        message.parse_mode, message.reply_markup = p.text("parse_mode"), markup
        return self._mark_edited(message)

    def _edit_message_reply_markup(self, p: _Params) -> JSON:
        message = self._message_to_edit(p)
        markup = self._reply_markup(p)
        if markup == message.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        message.reply_markup = markup
        return self._mark_edited(message)

    def _message_to_edit(self, p: _Params) -> SentMessage:
        if p.text("inline_message_id"):
            raise ApiError(400, "Bad Request: message to edit not found")
        chat = self._target_chat(p, sending=True)
        message_id = p.integer("message_id", required=True)
        if message_id in chat.user_messages:
            raise ApiError(400, "Bad Request: message can't be edited")
        if message_id not in chat.bot_messages:
            raise ApiError(400, "Bad Request: message to edit not found")
        return chat.bot_messages[message_id]

    def _mark_edited(self, message: SentMessage) -> JSON:
        message.edit_count += 1
        message.edit_date = int(time.time())
        self._sent_pulse.fire()
        return self._sent_json(message)

    def _answer_callback_query(self, p: _Params) -> bool:
        query_id = p.text("callback_query_id") or ""
        if self._pending_queries.pop(query_id, None) is None:
            raise ApiError(400, QUERY_INVALID)
        self.callback_answers[query_id] = {
            "text": p.text("text"),
            "show_alert": p.flag("show_alert"),
            "url": p.text("url"),
            "cache_time": p.integer("cache_time"),
        }
        return True

    # ------------------------------------------------------------ chats and members

    def _get_chat(self, p: _Params) -> JSON:
        chat = self._target_chat(p, sending=False)
        full = self._chat_json(chat)
        gift_kinds = "unlimited_gifts limited_gifts unique_gifts premium_subscription"
        full["accepted_gift_types"] = dict.fromkeys(
            (gift_kinds + " gifts_from_channels").split(), False
        )
        full.update(accent_color_id=0, max_reaction_count=11)  # required by ChatFullInfo
        return full

    def _get_chat_member(self, p: _Params) -> JSON:
        chat = self._target_chat(p, sending=False)
        user_id = p.integer("user_id", required=True)
        if user_id == self.bot_user["id"]:
            return {"status": "member", "user": self.bot_user}
        if user_id not in self._users:
            raise ApiError(400, "Bad Request: user not found")
        return self._member_json(chat, user_id)

    def _get_chat_administrators(self, p: _Params) -> list[JSON]:
        chat = self._target_chat(p, sending=False)
        if chat.type == "private":
            raise ApiError(400, "Bad Request: there are no administrators in the private chat")
        ids = ([chat.creator] if chat.creator is not None else []) + chat.admins
        return [self._member_json(chat, user_id) for user_id in dict.fromkeys(ids)]

    def _member_json(self, chat: _Chat, user_id: int) -> JSON:
        user = self._users[user_id]
        if chat.type == "private":
            return {"status": "member" if user_id == chat.id else "left", "user": user}
        if user_id == chat.creator:
            return {"status": "creator", "user": user, "is_anonymous": False}
        if user_id in chat.admins:
            return {"status": "administrator", "user": user, **ADMIN_RIGHTS}
        return {"status": "member" if user_id in chat.members else "left", "user": user}

    def _target_chat(self, p: _Params, *, sending: bool) -> _Chat:
        """Resolve chat_id like Telegram, with its 400 and 403 errors."""
        raw = p.text("chat_id")
        if raw is None:
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat: _Chat | None = None
        if raw.startswith("@"):
            wanted = raw[1:].lower()
            chat = next(
                (c for c in self._chats.values() if (c.username or "").lower() == wanted), None
            )
        elif re.fullmatch(r"-?\d+", raw):
            chat = self._chats.get(int(raw))
            if chat is None and sending and int(raw) in self._users:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if not chat.bot_present and (sending or chat.type != "private"):
            raise ApiError(403, BOT_REMOVED[chat.type])
        return chat

    # ------------------------------------------------------------ commands

    def _set_my_commands(self, p: _Params) -> bool:
        commands = p.decoded("commands")
        if not isinstance(commands, list) or not all(isinstance(c, dict) for c in commands):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:  # Telegram wants lowercase names and a short description
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._command_key(p)
        if commands:
            self._commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self._commands.pop(key, None)
        return True

    def _get_my_commands(self, p: _Params) -> list[JSON]:
        return [dict(c) for c in self._commands.get(self._command_key(p), [])]

    def _delete_my_commands(self, p: _Params) -> bool:
        self._commands.pop(self._command_key(p), None)
        return True

    def _command_key(self, p: _Params) -> tuple[tuple[Any, ...], str]:
        language = p.text("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            # Telegram wants a two-letter ISO 639-1 code; the exact wording is unverified
            raise ApiError(400, "Bad Request: invalid language code specified")
        scope = p.decoded("scope", "BotCommandScope") or {"type": "default"}
        return self._scope_key(scope), language

    def _scope_key(self, scope: Any) -> tuple[Any, ...]:
        """A hashable BotCommandScope, with chat_id resolved (also for "@username")."""
        if not isinstance(scope, dict) or scope.get("type") not in SCOPE_TYPES:
            raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        kind = scope["type"]
        if kind not in ("chat", "chat_administrators", "chat_member"):
            return (kind,)
        chat = self._target_chat(_Params({"chat_id": scope.get("chat_id")}, {}), sending=False)
        if kind != "chat_member":
            return kind, chat.id
        if scope.get("user_id") is None:
            raise ApiError(400, "Bad Request: user_id is empty")
        return kind, chat.id, int(scope["user_id"])

    def _get_me(self, p: _Params) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _ok(self, p: _Params) -> bool:
        return True

    # ------------------------------------------------------------ JSON views

    def _chat_json(self, chat: _Chat) -> JSON:
        if chat.type == "private" and chat.user is not None:
            names: JSON = {
                k: chat.user[k] for k in ("first_name", "last_name", "username") if k in chat.user
            }
            return {"id": chat.id, "type": "private", **names}
        result: JSON = {"id": chat.id, "type": chat.type, "title": chat.title}
        if chat.username:
            result["username"] = chat.username
        return result

    def _sent_json(self, message: SentMessage) -> JSON:
        chat = self._chats[message.chat_id]
        result: JSON = {
            "message_id": message.message_id,
            "from": self.bot_user,
            "chat": self._chat_json(chat),
            "date": message.date,
        }
        if message.text is not None:
            result["text"] = message.text
        if message.entities:
            result["entities"] = message.entities
        if message.caption:
            result["caption"] = message.caption
        if message.caption_entities:
            result["caption_entities"] = message.caption_entities
        if message.document:
            result["document"] = message.document.document_json()
        if message.photo:
            result["photo"] = message.photo.photo_json()
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            result["reply_markup"] = message.reply_markup  # Telegram echoes inline keyboards only
        if message.edit_date:
            result["edit_date"] = message.edit_date
        if message.reply_to is not None:
            result["reply_to_message"] = self._message_json_by_id(chat, message.reply_to)
        return result

    def _message_json_by_id(self, chat: _Chat, message_id: int) -> JSON:
        if message_id in chat.user_messages:
            return chat.user_messages[message_id]
        if message_id in chat.bot_messages:
            return self._sent_json(chat.bot_messages[message_id])
        raise KeyError(f"no message {message_id} in chat {chat.id}")

    # ------------------------------------------------------------ small helpers

    def _remember(self, user: int | JSON) -> JSON:
        """Register a user (id or dict); fields given later are merged in place."""
        if isinstance(user, int):
            return self._users.setdefault(user, fill_user({"id": user}))
        known = self._users.get(fill_user(user)["id"])
        if known is None:
            known = self._users[user["id"]] = fill_user(user)
        else:
            known.update(user)  # in place, so chats holding this dict see the new fields
        return known

    def _known_chat(self, chat_id: int) -> _Chat:
        if chat_id not in self._chats:
            raise KeyError(f"no chat {chat_id}: call add_chat() first")
        return self._chats[chat_id]

    def _someone_in_charge(self, chat: _Chat) -> JSON:
        for user_id in [chat.creator, *chat.admins]:
            if user_id is not None:
                return self._users[user_id]
        return fill_user({"id": 1, "first_name": "Group admin"})


def _extension(filename: str | None) -> str:
    """The extension Telegram keeps in file_path, so downloads have a sensible name."""
    if filename and "." in filename:
        return "." + filename.rsplit(".", 1)[1][:10]
    return ""


def _image_size(content: bytes) -> tuple[int, int]:
    """Width and height of an uploaded photo; Telegram refuses what is not an image."""
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:  # Pillow is optional; skip the check without it
        return 0, 0
    try:
        with Image.open(io.BytesIO(content)) as image:
            return image.size
    except (UnidentifiedImageError, OSError) as exc:
        raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED") from exc
