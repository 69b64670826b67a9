"""The core: one neutral message in, replies out, one transaction per command."""
from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from bot import commands
from bot.config import Settings
from bot.context import Authority, Context, Role, UserError, member_language
from bot.i18n import N_, translator
from bot.members import load_speaker, sync_chat_admin
from bot.messages import Message, Reply
from storage.db import SessionFactory
from storage.models import Space
from storage.types import utcnow

log = logging.getLogger(__name__)

TEXT_MAX = 4000  # no command takes more; longer input is refused before parsing


class RateLimiter:
    """At most ``limit`` commands per user in any 60 seconds (flood protection)."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.clock = clock
        self._seen: dict[tuple[str, str], deque[float]] = {}

    def allow(self, key: tuple[str, str]) -> bool:
        now = self.clock()
        stamps = self._seen.setdefault(key, deque())
        while stamps and now - stamps[0] >= 60:
            stamps.popleft()
        if len(stamps) >= self.limit:
            return False
        stamps.append(now)
        return True


def parse_command(text: str) -> tuple[str, str] | None:
    """``/checkin@CoworkBot logo work`` → (``checkin``, ``logo work``); None for plain text."""
    if not text.startswith("/") or len(text) < 2 or text[1].isspace():
        return None
    head, args = (text[1:].split(maxsplit=1) + [""])[:2]
    return head.split("@", 1)[0].lower(), args.strip()


class Core:
    """Turns messages into replies. Adapters call :meth:`handle`; nothing else is shared.

    ``on_outbox`` is called after a commit that queued messages for other chats,
    so the delivery worker can wake up at once.
    """

    def __init__(self, settings: Settings, sessions: SessionFactory,
                 clock: Callable[[], datetime] = utcnow,
                 on_outbox: Callable[[], None] | None = None) -> None:
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self.on_outbox = on_outbox
        self.rate_limiter = RateLimiter(settings.rate_limit_per_minute)

    async def handle(self, message: Message) -> list[Reply]:
        """Answer one message. Never raises: errors become a localized reply."""
        if message.sender.is_bot:
            return []
        text = message.text.strip()
        parsed = parse_command(text)
        if parsed is None:
            return [self._hint(message)] if message.chat.is_direct and text else []
        if not self.rate_limiter.allow((message.sender.platform, message.sender.user_id)):
            return [Reply(self._tr(message).t("You are sending commands too fast. Please wait a minute."), error=True)]
        with self.sessions() as session:
            try:
                ctx = self._context(session, message)
            except Exception:
                session.rollback()
                log.exception("could not build the context of a message")
                return [Reply(self._tr(message).t("Something went wrong on my side. Please try again later."), error=True)]
            return self._run(ctx, *parsed, too_long=len(text) > TEXT_MAX)

    def _run(self, ctx: Context, name: str, args: str, too_long: bool) -> list[Reply]:
        command = commands.BY_NAME.get(name)
        try:
            if command is None:
                raise UserError("Unknown command {p}{name}. Send {p}help to see what I can do.", name=name[:50])
            if too_long:
                raise UserError("That message is too long ({length} characters).", length=len(ctx.message.text))
            if command.role > Role.MEMBER and command.role > ctx.role:
                raise UserError(_REFUSALS[command.role])
            result = command.handler(ctx, args)
            ctx.session.commit()
        except UserError as error:
            ctx.session.rollback()
            return [Reply(ctx.t(error.msgid, **error.kwargs), error=True)]
        except Exception:
            ctx.session.rollback()
            log.exception("command /%s failed", name)
            return [Reply(ctx.t("Something went wrong on my side. Please try again later."), error=True)]
        if ctx.outbox and self.on_outbox:
            self.on_outbox()
        return result if isinstance(result, list) else [result]

    def _context(self, session: Session, message: Message) -> Context:
        now = self.clock()
        speaker = load_speaker(session, message.sender, message.chat, now)
        member, linked = speaker.member, speaker.space
        if linked is not None:
            sync_chat_admin(session, member, linked, message.sender_is_chat_admin, speaker.manager_source)
            if member.home_space_id is None:
                member.home_space_id = linked.id  # first words in a space's chat: that is home until /start says otherwise
        space = linked or (session.get(Space, member.home_space_id) if member.home_space_id else None)
        lang = member_language(member, space, self.settings)
        return Context(
            session=session, settings=self.settings, message=message, member=member,
            chat_space=linked, space=space, now=now, tr=translator(lang, message.prefix),
            authority=Authority(session, member, space, self.settings),
            checkin_id=speaker.checkin_id,
        )

    def _tr(self, message: Message):  # noqa: ANN202 - a Translator
        """A translator before the member is loaded (flood and crash replies)."""
        lang = (message.sender.language or self.settings.default_language).split("-")[0]
        return translator(lang, message.prefix)

    def _hint(self, message: Message) -> Reply:
        return Reply(self._tr(message).t("I answer commands. Send {p}help to see them."))


_REFUSALS = {
    Role.MEMBER: N_("Only members can do that."),
    Role.MANAGER: N_("Only a manager of this space can do that."),
    Role.COORDINATOR: N_("Only a network coordinator can do that."),
}
