"""Wiring: one process, one database, one scheduler, every configured adapter.

This is the one place that knows all the parts; adapters are imported only
when configured, so a console run never loads python-telegram-bot or nio.
"""
from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.config import LANGUAGES, Settings
from bot.core import Core
from bot.dates import warm_up
from bot.messages import Adapter
from bot.outbox import DeliveryWorker
from bot.scheduler import Scheduler
from storage.db import SessionFactory, create_db_engine, session_factory
from storage.migrate import upgrade

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """The running parts, for the adapters' factories and for tests."""

    settings: Settings
    sessions: SessionFactory
    core: Core
    worker: DeliveryWorker
    scheduler: Scheduler
    stop: asyncio.Event
    adapters: dict[str, Adapter] = field(default_factory=dict)
    delivery: asyncio.Task[None] | None = None


def open_database(settings: Settings) -> SessionFactory:
    """Engine for DATABASE_URL, schema migrated to the latest revision."""
    engine = create_db_engine(settings.database_url)
    upgrade(engine)
    return session_factory(engine)


def configured_adapters(settings: Settings) -> list[str]:
    """Platforms to start: Telegram if a token is set, Matrix if a homeserver is set, else console."""
    platforms = []
    if settings.telegram_token:
        platforms.append("telegram")
    if settings.matrix_homeserver:
        platforms.append("matrix")
    return platforms or ["console"]


def schedule_jobs(runtime: Runtime) -> None:
    """Every periodic job of the process, rebuilt from the database at each start."""
    from bot.reminders import schedule_reminders

    schedule_reminders(runtime)
    from bot.broadcasts import schedule_reports

    schedule_reports(runtime)
    from bot.intro_round import schedule_rounds
    from bot.requests import schedule_escalation

    schedule_rounds(runtime.scheduler, runtime.sessions, runtime.settings, runtime.worker.wakeup.set)
    schedule_escalation(runtime.scheduler, runtime.sessions, runtime.settings, runtime.worker.wakeup.set)


async def start(settings: Settings, make_adapters: Callable[[Runtime], list[Adapter]], *,
                sessions: SessionFactory | None = None, poll_seconds: float = 1.0) -> Runtime:
    """Core, outbox worker and adapters, listening: what every run shares (tests start this too)."""
    sessions = sessions or open_database(settings)
    adapters: dict[str, Adapter] = {}
    worker = DeliveryWorker(sessions, adapters)
    core = Core(settings, sessions, on_outbox=worker.wakeup.set)
    runtime = Runtime(settings, sessions, core, worker, Scheduler(), asyncio.Event(), adapters)
    for adapter in make_adapters(runtime):
        adapters[adapter.platform] = adapter
    for adapter in adapters.values():
        await adapter.start(core.handle)
    runtime.delivery = asyncio.create_task(worker.run(poll_seconds))
    return runtime


async def shutdown(runtime: Runtime, *, drain: bool = True) -> None:
    """Stop in order: deliver what is due (``drain``), then the worker, scheduler and adapters."""
    try:
        if drain:
            await runtime.worker.close()  # what the last commands queued still goes out, once
    finally:
        if runtime.delivery:
            runtime.delivery.cancel()
        runtime.scheduler.shutdown()
        for adapter in runtime.adapters.values():
            await adapter.stop()


async def serve(settings: Settings, make_adapters: Callable[[Runtime], list[Adapter]]) -> None:
    """Run until a signal, or until the console's input ends."""
    warm_up(LANGUAGES)  # dateparser's language data, so the first /event is not slow
    runtime = await start(settings, make_adapters)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, runtime.stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    schedule_jobs(runtime)
    runtime.scheduler.start()
    log.info("coworkbot running on %s", ", ".join(runtime.adapters))
    try:
        await runtime.stop.wait()
    finally:
        await shutdown(runtime)


def platform_adapters(runtime: Runtime) -> list[Adapter]:
    """The adapters for ``coworkbot run``."""
    adapters: list[Adapter] = []
    for platform in configured_adapters(runtime.settings):
        if platform == "console":
            adapters.append(console_adapter(runtime))
        elif platform == "telegram":
            from adapters.telegram import TelegramAdapter

            adapters.append(TelegramAdapter(runtime.settings, sessions=runtime.sessions))
        elif platform == "matrix":
            from adapters.matrix import MatrixAdapter

            adapters.append(MatrixAdapter(runtime.settings, runtime.sessions))
    return adapters


def console_adapter(runtime: Runtime, user: str = "me", space: str | None = None) -> Adapter:
    from adapters.console import LOBBY, ConsoleAdapter
    from bot.spaces import room_of_space

    async def find_room(slug: str) -> str | None:
        with runtime.sessions() as session:
            return room_of_space(session, "console", slug)

    room = LOBBY
    if space:
        with runtime.sessions() as session:
            room = room_of_space(session, "console", space) or LOBBY
    return ConsoleAdapter(user, room, find_room=find_room, on_quit=runtime.stop.set)
