"""The core: one neutral message in, replies out, one transaction per command."""
from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from datetime import datetime

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, select

from bot import commands, metrics
from bot.admin_rights import ADMIN_CHECK_TTL, ChatAdminCheck, ChatAdminRights
from bot.config import Settings
from bot.context import Authority, Context, Refusal, Role, UserError, member_language
from bot.i18n import N_, translator
from bot.members import load_speaker, sync_chat_admin
from bot.messages import Message, Reply
from bot.sanitize import clean_message
from storage.db import SessionFactory
from storage.models import Member, Space
from storage.types import utcnow

log = logging.getLogger(__name__)

TEXT_MAX = 4000  # no command takes more; longer input is refused before parsing
#: What became of the command being handled, for its log line (set where it is decided).
_OUTCOME: ContextVar[str] = ContextVar("command_outcome", default="ok")
#: Which command it was (None: not a command), read once where the message is parsed.
_COMMAND: ContextVar[str | None] = ContextVar("command_name", default=None)
#: Errors that mean "someone else wrote first": the whole message is handled again.
CONFLICTS = (IntegrityError, OperationalError)
CONFLICT_ATTEMPTS = 4
#: Commands handled at once (each holds a database connection while it runs).
COMMAND_THREADS = 4


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
    so the delivery worker can wake up at once. ``chat_admin_checks`` (platform →
    the adapter's ``is_chat_admin``) re-check manager rights that came from chat
    admin status before a command uses them (see :mod:`bot.admin_rights`).
    """

    def __init__(self, settings: Settings, sessions: SessionFactory,
                 clock: Callable[[], datetime] = utcnow,
                 on_outbox: Callable[[], None] | None = None,
                 chat_admin_checks: Mapping[str, ChatAdminCheck] | None = None,
                 admin_check_ttl: float = ADMIN_CHECK_TTL) -> None:
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self.on_outbox = on_outbox
        self.rate_limiter = RateLimiter(settings.rate_limit_per_minute)
        #: Commands run here, off the event loop (a pool of its own: jobs and probes never queue behind them).
        self._threads = ThreadPoolExecutor(max_workers=COMMAND_THREADS, thread_name_prefix="command")
        self.admin_rights = ChatAdminRights(sessions, {} if chat_admin_checks is None else chat_admin_checks,
                                            ttl=admin_check_ttl)

    async def handle(self, message: Message) -> list[Reply]:
        """Answer one message. Never raises: errors become a localized reply.

        Each command is one INFO line: platform, command, outcome, latency. Never the text, a
        name or an id: the log is kept longer than /forgetme reaches.
        """
        started = time.perf_counter()
        _OUTCOME.set("ok")
        _COMMAND.set(None)
        replies = await self._answer(message)
        name = _COMMAND.get()
        if name is not None:
            outcome = _OUTCOME.get()
            if outcome == "ok" and any(reply.error for reply in replies):
                outcome = "error"
            seconds = time.perf_counter() - started
            metrics.command_handled(message.chat.platform, name, outcome, seconds)
            latency = round(seconds * 1000)
            log.info("%s /%s %s %d ms", message.chat.platform, name, outcome, latency,
                     extra={"platform": message.chat.platform, "command": name, "outcome": outcome,
                            "latency_ms": latency})
        return replies

    async def _answer(self, message: Message) -> list[Reply]:
        message = clean_message(message)  # before anything reads it: no NUL or control characters, NFC
        if message.sender.is_bot:
            return []
        text = message.text.strip()
        parsed = parse_command(text)
        if parsed is None:
            return [self._hint(message)] if message.chat.is_direct and text else []
        _COMMAND.set(parsed[0] if parsed[0] in commands.BY_NAME else "unknown")
        if not self.rate_limiter.allow((message.sender.platform, message.sender.user_id)):
            _OUTCOME.set("refused")
            return [Reply(self._tr(message).t("You are sending commands too fast. Please wait a minute."), error=True)]
        command = commands.BY_NAME.get(parsed[0])
        if command is not None and command.uses_manager_rights:
            await self._recheck_admin_rights(message)
        # The command's database work runs in a thread: the event loop keeps answering the
        # platforms (and /readyz) while a big /broadcast or /stats is written or read.
        replies, outcome, queued = await asyncio.get_running_loop().run_in_executor(
            self._threads, self._transaction, message, parsed, len(text) > TEXT_MAX)
        _OUTCOME.set(outcome)
        if queued and self.on_outbox:
            self.on_outbox()  # in the loop: the worker's wake-up event is not thread-safe
        return replies

    def _transaction(self, message: Message, parsed: tuple[str, str], too_long: bool) -> tuple[list[Reply], str, bool]:
        """(replies, outcome, whether messages were queued): the command in one transaction, run again
        after a write conflict. Blocking; runs in a worker thread."""
        _OUTCOME.set("ok")  # the thread's own context: what the last command there left is not ours
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            with self.sessions() as session:
                try:
                    ctx = self._context(session, message)
                    replies = self._run(ctx, *parsed, too_long=too_long)
                    return replies, _OUTCOME.get(), bool(ctx.outbox)
                except CONFLICTS as exc:
                    # Another instance or thread wrote the same row first (a member's first two
                    # messages, two check-ins at once): the database said no, so run it again.
                    session.rollback()
                    log.info("command retried after a write conflict (%s, attempt %d)", type(exc).__name__, attempt)
                except Exception:
                    session.rollback()
                    log.exception("could not build the context of a message")
                    break
        failed = Reply(self._tr(message).t("Something went wrong on my side. Please try again later."), error=True)
        return [failed], _OUTCOME.get(), False

    def _run(self, ctx: Context, name: str, args: str, too_long: bool) -> list[Reply]:
        """Run one command in the context's transaction; a write conflict propagates (to be retried)."""
        command = commands.BY_NAME.get(name)
        try:
            if command is None:
                raise UserError("Unknown command {p}{name}. Send {p}help to see what I can do.", name=name[:50])
            if too_long:
                raise UserError("That message is too long ({length} characters).", length=len(ctx.message.text))
            if command.role > Role.MEMBER and command.role > ctx.role:
                raise Refusal(_REFUSALS[command.role])
            result = command.handler(ctx, args)
            ctx.session.commit()
        except UserError as error:
            ctx.session.rollback()
            _OUTCOME.set("refused" if isinstance(error, Refusal) else "error")
            return [Reply(ctx.t(error.msgid, **error.kwargs), error=True)]
        except CONFLICTS:
            raise
        except Exception:
            ctx.session.rollback()
            log.exception("command /%s failed", name)
            return [Reply(ctx.t("Something went wrong on my side. Please try again later."), error=True)]
        return result if isinstance(result, list) else [result]

    def _context(self, session: Session, message: Message) -> Context:
        now = self.clock()
        speaker = load_speaker(session, message.sender, message.chat, now)
        member, linked = speaker.member, speaker.space
        if linked is not None:
            sync_chat_admin(session, member, linked, message.sender_is_chat_admin, speaker.manager_source,
                            speaker.chat_link_id)
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

    async def _recheck_admin_rights(self, message: Message) -> None:
        """Before manager rights are used: drop those the platform no longer grants."""
        try:
            await self.admin_rights.recheck(message)
        except Exception:  # noqa: BLE001 - the command still runs, on the rights as stored
            log.exception("could not re-check chat admin rights")

    def _tr(self, message: Message):  # noqa: ANN202 - a Translator
        """A translator outside a command's context (flood and crash replies, hints).

        The member's own choice (/lang) when they have made one, else the
        platform's language, else the default: one small query, on these
        rare paths only.
        """
        lang = None
        try:
            with self.sessions() as session:
                lang = session.exec(select(Member.language).where(
                    Member.platform == message.sender.platform, Member.user_id == message.sender.user_id)).first()
        except Exception:  # noqa: BLE001 - the database may be why we are here: the platform's language then
            log.debug("no member language for a reply outside a command", exc_info=True)
        lang = lang or (message.sender.language or self.settings.default_language).split("-")[0]
        return translator(lang, message.prefix)

    def _hint(self, message: Message) -> Reply:
        return Reply(self._tr(message).t("I answer commands. Send {p}help to see them."))


_REFUSALS = {
    Role.MEMBER: N_("Only members can do that."),
    Role.MANAGER: N_("Only a manager of this space can do that."),
    Role.COORDINATOR: N_("Only a network coordinator can do that."),
}
