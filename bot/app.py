"""Wiring: one process, one database, one scheduler, every configured adapter.

This is the one place that knows all the parts; adapters are imported only
when configured, so a console run never loads python-telegram-bot or nio.
"""
from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.config import LANGUAGES, Settings
from bot.admin_rights import ChatAdminCheck
from bot.core import Core
from bot.dates import warm_up
from bot.messages import Adapter, MessageHandler
from bot.outbox import DeliveryWorker
from bot.registry import platform_module
from bot.scheduler import Scheduler
from bot.logs import loop_exception_handler
from bot.startup import keep_trying, open_engine
from bot.web.context import WebContext
from bot.web.server import WebServer
from storage.db import SessionFactory, session_factory
from storage.leader import LeaderLock

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
    #: The web application's shared state (None without a web server): adapters add webhooks to it.
    web: WebContext | None = None


def open_database(settings: Settings) -> SessionFactory:
    """Engine for DATABASE_URL, writable, schema migrated to the latest revision (else a StartupError)."""
    return session_factory(open_engine(settings.database_url))


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
    from bot.escalation import schedule_escalation

    schedule_rounds(runtime.scheduler, runtime.sessions, runtime.settings, runtime.worker.wakeup.set)
    schedule_escalation(runtime.scheduler, runtime.sessions, runtime.settings, runtime.worker.wakeup.set)
    from bot.privacy import schedule_retention

    schedule_retention(runtime.scheduler, runtime.sessions, runtime.settings.outbox_retention)


async def start(settings: Settings, make_adapters: Callable[[Runtime], list[Adapter]], *,
                sessions: SessionFactory | None = None, poll_seconds: float = 1.0,
                stop: asyncio.Event | None = None, web: WebContext | None = None) -> Runtime:
    """Core, outbox worker and adapters, listening: what every run shares (tests start this too)."""
    sessions = sessions or open_database(settings)
    adapters: dict[str, Adapter] = {}
    admin_checks: dict[str, ChatAdminCheck] = {}
    worker = DeliveryWorker(sessions, adapters)
    core = Core(settings, sessions, on_outbox=worker.wakeup.set, chat_admin_checks=admin_checks)
    runtime = Runtime(settings, sessions, core, worker, Scheduler(), stop or asyncio.Event(), adapters, web=web)
    for adapter in make_adapters(runtime):
        adapters[adapter.platform] = adapter
        check = getattr(adapter, "is_chat_admin", None)  # platforms with chat admins (not the console)
        if check is not None:
            admin_checks[adapter.platform] = check
    await _start_adapters(list(adapters.values()), core.handle, runtime.stop)
    if web is not None:
        web.sessions = sessions
        web.state.heartbeats = {name: getattr(adapter, "heartbeat", None) for name, adapter in adapters.items()}
    runtime.delivery = asyncio.create_task(worker.run(poll_seconds))
    return runtime


async def _start_adapters(adapters: list[Adapter], handle: MessageHandler, stop: asyncio.Event) -> None:
    """Start every adapter at once, each waiting for its platform while it does not answer.

    A platform that refuses us (a bad token) stops the start: the others are stopped and the error
    propagates. Set ``stop`` to give up waiting.
    """
    async def start_one(adapter: Adapter) -> None:
        await keep_trying(lambda: adapter.start(handle), stop)  # a failed start leaves nothing open

    tasks = [asyncio.create_task(start_one(adapter)) for adapter in adapters]
    if not tasks:
        return
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    failed = [task for task in done if task.exception() is not None]
    if failed:
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for adapter in adapters:
            try:
                await adapter.stop()
            except Exception:  # noqa: BLE001 - stopping what did start; the first error is the story
                log.debug("stopping %s after a failed start", adapter.platform, exc_info=True)
        raise failed[0].exception()  # type: ignore[misc]


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
    """Run until a signal, or until the console's input ends.

    Only the leader of the database runs (see :mod:`storage.leader`): a standby
    waits for the lock, then migrates and starts, so it resumes where the old
    leader stopped. A leader that loses its lock stops at once. The web server
    (``HTTP_PORT`` not 0) listens from the first moment, standbys included.
    """
    lock = LeaderLock(settings.database_url)
    stop = asyncio.Event()
    web = WebContext(settings) if settings.http_port else None
    server = WebServer(web) if web is not None else None
    standby_engine = None  # the web's reads before this process leads
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(loop_exception_handler)  # an unawaited task's error is logged, redacted
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    try:
        if server is not None:
            await server.start()
        # Before the leader lock, so a wrong DATABASE_URL is one line and a server still starting is waited for.
        if not await keep_trying(lambda: asyncio.to_thread(_usable_database, settings.database_url), stop):
            return
        if web is not None:
            # Reading only (feeds, pages, readiness), on a standby too: the leader migrates.
            standby_engine = await asyncio.to_thread(open_engine, settings.database_url, migrate=False,
                                                     writable=False)
            web.sessions = session_factory(standby_engine)
        if not await _first(lock.acquire(), stop.wait()):
            return  # told to stop while standing by
        if web is not None:
            web.state.leader = True
        runtime = await start(settings, make_adapters, stop=stop, web=web)
        if standby_engine is not None:
            standby_engine.dispose()  # the web reads through the leader's sessions now
        # dateparser's language data (about 2 s), so that a rare phrase in a first /event is not
        # slow either; in a thread, after the adapters listen: start-up never waits for it.
        warming = asyncio.ensure_future(asyncio.to_thread(warm_up, LANGUAGES))
        warming.add_done_callback(lambda _: keep_out_of_collections())
        keep_out_of_collections()
        schedule_jobs(runtime)
        runtime.scheduler.start()
        log.info("coworkbot running on %s", ", ".join(runtime.adapters))
        try:
            if not await _first(stop.wait(), lock.watch()):
                raise LostLeadership("lost the leader lock")
        finally:
            warming.cancel()
            await shutdown(runtime, drain=stop.is_set())  # a lost lock: send nothing more
            log.info("coworkbot stopped")
    finally:
        if web is not None:
            web.state.leader = False
        lock.release()
        if server is not None:
            await server.stop()


def keep_out_of_collections() -> None:
    """Exempt what start-up loaded (modules, catalogues, vocabularies) from the garbage collector.

    A full collection walks every live object while holding the GIL: with all
    of start-up's objects in it, one took 145 ms in the middle of a broadcast
    (tests/perf/web.py), a stall of everything in the event loop. They live as
    long as the process, so scanning them is wasted.
    """
    gc.collect()
    gc.freeze()


def _usable_database(url: str) -> bool:
    """The database opens and takes writes (migrations wait for the leader lock)."""
    open_engine(url, migrate=False).dispose()
    return True


class LostLeadership(RuntimeError):
    """Another instance may lead now: this one must not send anything more."""


async def _first(main: Awaitable[object], other: Awaitable[object]) -> bool:
    """Wait for whichever ends first; True when it was ``main``. The other is cancelled."""
    tasks = [asyncio.ensure_future(main), asyncio.ensure_future(other)]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    for task in done:
        task.result()  # re-raise a failure (e.g. a second SQLite instance)
    return tasks[0] in done


def platform_adapters(runtime: Runtime) -> list[Adapter]:
    """The adapters for ``coworkbot run``, found by name in the registry."""
    return [platform_module(platform).create(runtime) for platform in configured_adapters(runtime.settings)]


async def probe_platform(platform: str, settings: Settings, sessions: SessionFactory | None) -> str:
    """Who the platform says the bot is (Telegram getMe, Matrix whoami), for ``coworkbot check``.

    Raises :class:`~bot.startup.StartupError` (``Unreachable``, ``Refused``) with the reason.
    """
    result: str = await platform_module(platform).probe(settings, sessions)
    return result


def console_adapter(runtime: Runtime, user: str = "me", space: str | None = None) -> Adapter:
    """The console adapter, speaking as ``user`` in ``space``'s room (``coworkbot console``)."""
    adapter: Adapter = platform_module("console").create(runtime, user=user, space=space)
    return adapter
