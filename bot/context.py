"""What a command handler gets: one transaction, the speaker, their space and language."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy import bindparam
from sqlmodel import Session, select

from bot.config import Settings
from bot.i18n import Translator, translator
from bot.messages import ChatRef, Message, Reply
from storage.models import Manager, Member, Space


class Role(IntEnum):
    """Roles in increasing power; a command names the least role that may use it."""

    ALL = 0
    MEMBER = 1
    MANAGER = 2
    COORDINATOR = 3


class UserError(Exception):
    """Bad input or a refusal: the transaction is rolled back, the user gets the message.

    ``msgid`` is translated in the reader's language with ``kwargs`` (escaped).
    """

    def __init__(self, msgid: str, **kwargs: Any) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.kwargs = kwargs


class Refusal(UserError):
    """The speaker may not do this (their role): logged as ``refused`` rather than ``error``."""


@dataclass
class Context:
    """One command's world. Handlers read and write through ``session`` only.

    ``chat_space`` is the space the chat is linked to (None in a direct chat or
    an unlinked group); ``space`` is that, or the member's home space in a DM.
    """

    session: Session
    settings: Settings
    message: Message
    member: Member
    chat_space: Space | None
    space: Space | None
    now: datetime
    tr: Translator
    authority: "Authority"
    #: The speaker's current check-in when the message arrived, if any.
    checkin_id: int | None = None
    outbox: list[Any] = field(default_factory=list)

    @property
    def role(self) -> Role:
        """The speaker's role here (looked up on first use)."""
        return self.authority.role

    def is_manager_of(self, space_id: int) -> bool:
        """Does the speaker manage that space (coordinators manage every space)?"""
        return self.authority.is_manager_of(space_id)

    @property
    def lang(self) -> str:
        return self.tr.lang

    @property
    def prefix(self) -> str:
        """How this user types commands (``/`` or ``!``)."""
        return self.message.prefix

    def t(self, msgid: str, **kwargs: Any) -> Markup:
        return self.tr.t(msgid, **kwargs)

    def pt(self, context: str, msgid: str, **kwargs: Any) -> Markup:
        return self.tr.pt(context, msgid, **kwargs)

    def tn(self, singular: str, plural: str, n: int, **kwargs: Any) -> Markup:
        return self.tr.tn(singular, plural, n, **kwargs)


    def require_space(self) -> Space:
        """The space this command is about, or a clear error saying how to get one."""
        if self.space is None:
            if self.message.chat.is_direct:
                raise UserError("You have no home space yet. Check in once in your space's chat, or choose one with {p}start.")
            raise UserError("This chat is not linked to a space yet. A coordinator can link it with {p}space link SLUG.")
        return self.space

    def require_manager(self, space: Space) -> None:
        """Refuse unless the speaker manages ``space`` (coordinators manage every space)."""
        if space.id is None or not self.is_manager_of(space.id):
            raise Refusal("Only a manager of {space} can do that.", space=space.name)

    def zone(self, space: Space | None = None) -> ZoneInfo:
        """The time zone of ``space`` (default: this context's), else the network's."""
        space = space or self.space
        return ZoneInfo(space.timezone if space else self.settings.network_timezone)

    def translator_for(self, member: Member) -> Translator:
        """The translator of another member, for messages they will read."""
        return reader_translator(self.session, self.settings, member)

    def post(self, chat: ChatRef, reply: Reply, *, kind: str = "message",
             batch_id: int | None = None, dedupe_key: str | None = None,
             author: Member | None = None, subject: Member | None = None,
             recipient: Member | None = None, event_id: int | None = None) -> None:
        """Send ``reply`` to another chat through the outbox, in this transaction.

        ``author`` (who wrote or caused it), ``subject`` (who it is about) and
        ``recipient`` (whose direct chat it goes to) are the members it
        concerns: /forgetme deletes it with any of them, /mydata shows it.
        ``event_id``: the message announces that event, and is edited with its live counts.
        """
        from bot.outbox import enqueue

        enqueue(self.session, chat, reply, kind=kind, batch_id=batch_id, dedupe_key=dedupe_key,
                not_before=self.now, author_id=author.id if author else None,
                subject_id=subject.id if subject else None, recipient_id=recipient.id if recipient else None,
                event_id=event_id)
        self.outbox.append(chat)

    def post_to_member(self, member: Member, build: Callable[[Translator], Reply], *,
                       kind: str = "dm", dedupe_key: str | None = None, about: Space | None = None,
                       author: Member | None = None, subject: Member | None = None) -> None:
        """DM another member (the row's recipient), built in *their* language.

        ``about`` is the space the message is about: its language is the
        fallback for a member with no language and no home space.
        """
        tr = reader_translator(self.session, self.settings, member, about)
        self.post(direct_chat(member), build(tr), kind=kind, dedupe_key=dedupe_key,
                  author=author, subject=subject, recipient=member)


class Authority:
    """Who the speaker is in the network, looked up only when a command asks.

    Most commands are for every member, so the manager rows are not read for
    them: a query saved on the path every message takes.
    """

    def __init__(self, session: Session, member: Member, space: Space | None, settings: Settings) -> None:
        self._session = session
        self._member = member
        self._space = space
        self._settings = settings
        self._managed: dict[int, str] | None = None

    @cached_property
    def coordinator(self) -> bool:
        return is_coordinator(self._member, self._settings)

    @property
    def managed(self) -> dict[int, str]:
        """Space id → how the speaker manages it."""
        if self._managed is None:
            self._managed = managed_spaces(self._session, self._member)
        return self._managed

    def is_manager_of(self, space_id: int) -> bool:
        return self.coordinator or space_id in self.managed

    @cached_property
    def role(self) -> Role:
        if self.coordinator:
            return Role.COORDINATOR
        if self._space is not None and self._space.id in self.managed:
            return Role.MANAGER
        return Role.MEMBER


def direct_chat(member: Member) -> ChatRef:
    """The direct chat with a member (adapters open it if needed)."""
    return ChatRef(member.platform, member.user_id, is_direct=True)


def command_prefix(platform: str, settings: Settings) -> str:
    """How users of ``platform`` type commands."""
    return settings.matrix_command_prefix if platform == "matrix" else "/"


def translator_for(member: Member, settings: Settings, space: Space | None = None) -> Translator:
    """The translator for a member who will read a message: their language and prefix."""
    return translator(member_language(member, space, settings), command_prefix(member.platform, settings))


def reader_translator(session: Session, settings: Settings, member: Member,
                      about: Space | None = None) -> Translator:
    """The translator for a member reading a DM.

    Without a language of their own (or their platform's), a member reads their
    home space's language, else that of the space the message is ``about``,
    not the network default.
    """
    home = session.get(Space, member.home_space_id) if member.home_space_id else None
    return translator_for(member, settings, home or about)


def member_language(member: Member, space: Space | None, settings: Settings) -> str:
    """Personal choice, then the platform's language, then the space's, then the default."""
    from bot.config import LANGUAGES

    if member.language in LANGUAGES:
        return member.language
    platform = (member.platform_language or "").split("-")[0].lower()
    if platform in LANGUAGES:
        return platform
    if space is not None and space.language in LANGUAGES:
        return space.language
    return settings.default_language


# Read on first use of a manager right only (see Authority).
_MANAGED = select(Manager.space_id, Manager.source).where(Manager.member_id == bindparam("member_id"))


def is_coordinator(member: Member, settings: Settings) -> bool:
    """Coordinators are listed in COORDINATORS (``tg:123``, ``@alice:example.org``, ``console:ana``)."""
    if member.is_coordinator:
        return True
    prefix = {"telegram": "tg:", "console": "console:"}.get(member.platform, "")
    return f"{prefix}{member.user_id}" in settings.coordinators


def managed_spaces(session: Session, member: Member) -> dict[int, str]:
    """Space id → how the member manages it (``appointed`` or ``chat_admin``)."""
    return dict(session.exec(_MANAGED, params={"member_id": member.id}).all())
