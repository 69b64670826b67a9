"""A small world of spaces and members around the real core, for tests.

The core runs for real (real commands, real SQLite or PostgreSQL, real
outbox); only the platforms are fakes that record what they were sent.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlmodel import select

from bot.config import Settings
from bot.core import Core
from bot.messages import ChatRef, Message, Reply, Sender, SentRef, html_to_plain
from bot.outbox import DeliveryWorker
from storage.db import SessionFactory
from storage.models import ChatLink, Manager, Member, Space


def plain(text: str) -> str:
    """What a reader sees, with CLDR's narrow/no-break spaces as plain spaces (easier asserts)."""
    return html_to_plain(text).replace("\u202f", " ").replace("\xa0", " ")


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class FakeAdapter:
    """Records every message the outbox delivers; can be told to fail."""

    platform: str
    sent: list[tuple[ChatRef, Reply]] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)
    edited: list[tuple[SentRef, Reply]] = field(default_factory=list)
    edit_failures: list[Exception] = field(default_factory=list)

    async def start(self, handle) -> None:  # noqa: ANN001
        self.handle = handle

    async def send(self, chat: ChatRef, reply: Reply) -> SentRef:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((chat, reply))
        return SentRef(self.platform, chat.chat_id, str(len(self.sent)))

    async def edit(self, message: SentRef, reply: Reply) -> SentRef:
        """Message ids are positions in ``sent`` (from 1); each edit is recorded."""
        if self.edit_failures:
            raise self.edit_failures.pop(0)
        self.edited.append((message, reply))
        return message

    def shown(self, message_id: str) -> Reply:
        """What a sent message says now: its latest edit, else as sent."""
        edits = [reply for ref, reply in self.edited if ref.message_id == message_id]
        return edits[-1] if edits else self.sent[int(message_id) - 1][1]

    async def stop(self) -> None:
        pass


class World:
    """Spaces, members and chats in a few lines; ``say`` drives the real core."""

    def __init__(self, sessions: SessionFactory, settings: Settings, clock: FakeClock) -> None:
        self.sessions = sessions
        self.settings = settings
        self.clock = clock
        self.adapters = {p: FakeAdapter(p) for p in ("telegram", "matrix", "console")}
        self.worker = DeliveryWorker(sessions, self.adapters, clock=clock)
        self.core = Core(settings, sessions, clock=clock)

    # -- building -------------------------------------------------------------
    def space(self, name: str, city: str = "Marseille", country: str = "FR", tz: str = "Europe/Paris",
              lang: str = "en", platform: str = "telegram") -> Space:
        """A space with one linked group chat whose id is the space's slug."""
        from bot.spaces import create_space, link_chat

        with self.sessions() as session:
            space = create_space(session, [name, city, country, tz, lang])
            link_chat(session, ChatRef(platform, space.slug), space)
            session.commit()
            return space

    def member(self, name: str, space: Space | None = None, *, lang: str | None = None,
               platform: str = "telegram", coordinator: bool = False, manager: bool = False,
               **consents: bool) -> Member:
        with self.sessions() as session:
            member = Member(platform=platform, user_id=name, display_name=name.capitalize(), handle=name,
                            language=lang, home_space_id=space.id if space else None,
                            is_coordinator=coordinator, **{f"consent_{k}": v for k, v in consents.items()})
            session.add(member)
            session.flush()
            if manager and space:
                session.add(Manager(space_id=space.id, member_id=member.id))
            session.commit()
            return member

    # -- talking --------------------------------------------------------------
    async def say(self, who: str | Member, text: str, *, space: Space | None = None,
                  chat: ChatRef | None = None, admin: bool = False) -> list[str]:
        """``who`` types ``text`` in ``space``'s group (or ``chat``, default: their DM); replies as plain text."""
        replies = await self.replies(who, text, space=space, chat=chat, admin=admin)
        return [plain(r.text) for r in replies]

    async def replies(self, who: str | Member, text: str, *, space: Space | None = None,
                      chat: ChatRef | None = None, admin: bool = False) -> list[Reply]:
        member = self._member(who)
        platform = member.platform if member else "telegram"
        user_id = member.user_id if member else str(who)
        if chat is None:
            chat = self.chat_of(space, platform) if space else ChatRef(platform, user_id, is_direct=True)
        sender = Sender(platform, user_id, display_name=member.display_name if member else str(who),
                        handle=member.handle if member else str(who))
        prefix = self.settings.matrix_command_prefix if platform == "matrix" else "/"
        return await self.core.handle(Message(chat, sender, text, sender_is_chat_admin=admin, prefix=prefix))

    async def create_event(self, who: str, text: str, space: Space) -> int:
        """``who`` sends ``/event ...`` and presses the confirm button; returns the event's id."""
        [reply] = await self.replies(who, text, space=space)
        confirm = reply.buttons[0][0].command
        await self.say(who, confirm, space=space)
        return int(confirm.split()[1])

    def chat_of(self, space: Space, platform: str = "telegram") -> ChatRef:
        with self.sessions() as session:
            link = session.exec(select(ChatLink).where(ChatLink.space_id == space.id, ChatLink.platform == platform)).first()
        return ChatRef(platform, link.chat_id if link else space.slug)

    def _member(self, who: str | Member) -> Member | None:
        if isinstance(who, Member):
            return who
        with self.sessions() as session:
            return session.exec(select(Member).where(Member.user_id == who)).first()

    # -- what others received ---------------------------------------------------
    async def deliver(self) -> None:
        """Run the outbox until nothing is due."""
        while await self.worker.deliver_due():
            pass

    def inbox(self, who: str | Member) -> list[str]:
        """Plain texts delivered to ``who``'s direct chat."""
        member = self._member(who)
        assert member is not None, who
        return [plain(r.text) for c, r in self.adapters[member.platform].sent
                if c.is_direct and c.chat_id == member.user_id]

    def posts(self, space: Space, platform: str = "telegram") -> list[str]:
        """Plain texts delivered to ``space``'s group chat."""
        chat = self.chat_of(space, platform)
        return [plain(r.text) for c, r in self.adapters[platform].sent if c == chat]

    def shown(self, space: Space, platform: str = "telegram") -> list[str]:
        """Plain texts of the messages in ``space``'s group chat as they read now (edits applied)."""
        chat, adapter = self.chat_of(space, platform), self.adapters[platform]
        return [plain(adapter.shown(str(n)).text) for n, (c, _) in enumerate(adapter.sent, 1) if c == chat]

    def reload(self, row):  # noqa: ANN001, ANN201
        with self.sessions() as session:
            return session.get(type(row), row.id)


BASE_TIME = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)  # a Wednesday, 10:00 in Paris
