"""The neutral types that cross the port between the core and the platforms.

Adapters turn each platform event into a :class:`Message` and render each
:class:`Reply`; the core never sees a platform object.

Reply text is a small HTML subset (``<b> <i> <code> <a href>``), which Telegram
takes as is, Matrix as ``formatted_body`` and the console strips. Every piece
of user text in it has been escaped by the core (see :mod:`bot.i18n`).
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class ChatRef:
    """Where a message goes. For a direct chat not yet opened, ``chat_id`` is the user id."""

    platform: str
    chat_id: str
    is_direct: bool = False


@dataclass(frozen=True)
class Sender:
    """Who wrote a message, as the platform tells it."""

    platform: str
    user_id: str
    display_name: str = ""
    handle: str | None = None
    language: str | None = None
    is_bot: bool = False


@dataclass(frozen=True)
class Message:
    """One incoming command or text, whatever the platform.

    ``sender_is_chat_admin`` is the platform's word (Telegram chat admin,
    Matrix power level >= 50): admins of a linked chat manage its space.
    ``prefix`` is the command prefix the user typed (``/`` or ``!``), so that
    help and hints show commands the way this user types them.
    """

    chat: ChatRef
    sender: Sender
    text: str
    sender_is_chat_admin: bool = False
    prefix: str = "/"


@dataclass(frozen=True)
class Button:
    """A button that, when pressed, runs ``command`` as if the user typed it."""

    label: str
    command: str


@dataclass(frozen=True)
class Attachment:
    """A file sent with a reply (an .ics, a PNG chart, a JSON export)."""

    name: str
    data: bytes
    mime_type: str = "application/octet-stream"


@dataclass
class Reply:
    """What the core answers: HTML text, rows of buttons, maybe a file."""

    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    file: Attachment | None = None
    #: True when the command was refused or its input rejected (nothing changed).
    error: bool = False
    #: The same for every attempt to send this reply (the outbox row's id), so a platform
    #: with idempotent sends (Matrix transaction ids) drops a resend after a crash.
    key: str | None = None
    #: A short plain text for the member who pressed a button (Telegram's callback answer, a
    #: toast); None: the platform shows the first line of ``text``.
    notice: str | None = None
    #: What this reply is when it answers a pressed button (a typed command always gets a new
    #: message): ``"message"`` a new message; ``"edit"`` the new version of the message whose
    #: button was pressed (edited in place, its buttons replaced by ``buttons``, so used ones
    #: go); ``"notice"`` the notice alone, because the change shows elsewhere (an announcement's
    #: live counts). An ``error`` reply to a button is always the notice alone.
    on_button: str = "message"
    #: How many parts of this reply (split text, caption, file: the adapter's order) a platform
    #: already took: a retry sends only the rest, so nobody reads a part twice.
    parts_sent: int = 0


@dataclass(frozen=True)
class SentRef:
    """The platform's id for a message the bot sent (e.g. to edit or react to it)."""

    platform: str
    chat_id: str
    message_id: str


class DeliveryError(Exception):
    """A send failed. ``permanent`` ones (bot removed from the group) are not retried.

    ``parts_sent``: of a reply in several parts, how many the platform has taken in
    all (see :attr:`Reply.parts_sent`), so a retry resumes after them.
    """

    def __init__(self, reason: str, *, permanent: bool = False, parts_sent: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.parts_sent = parts_sent


class RetryAfter(DeliveryError):
    """The platform asked us to wait (Telegram 429, Matrix M_LIMIT_EXCEEDED)."""

    def __init__(self, seconds: float, reason: str = "rate limited") -> None:
        super().__init__(reason)
        self.seconds = seconds


class Adapter(Protocol):
    """A platform connection: listen, hand messages to the core, send replies."""

    platform: str

    async def start(self, handle: "MessageHandler") -> None: ...

    async def send(self, chat: ChatRef, reply: Reply) -> SentRef: ...

    async def edit(self, message: SentRef, reply: Reply) -> SentRef:
        """Replace a message the bot sent by ``reply`` (text and buttons), in place.

        Nothing to change is success; a message that can no longer be edited
        (deleted, too old, not a text) is a permanent :class:`DeliveryError`.
        """
        ...

    async def stop(self) -> None: ...


class MessageHandler(Protocol):
    """What an adapter calls for each incoming message: the core's ``handle``."""

    async def __call__(self, message: Message) -> list[Reply]: ...


_TAG = re.compile(r"<[^>]+>")


def html_to_plain(text: str) -> str:
    """Plain text for platforms or logs without HTML: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", text.replace("<br>", "\n")))
