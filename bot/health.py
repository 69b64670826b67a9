"""Is this process alive, and ready to serve? What ``/healthz`` and ``/readyz`` report.

A hung Matrix sync keeps the process alive, so ``Restart=on-failure`` never
fires; readiness therefore asks each platform when it last answered our poll or
sync, not merely whether a task exists. No aiohttp here: the checks are plain
functions over the runtime's parts, and the web layer only renders them.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, text
from sqlmodel import select

from storage.db import SessionFactory
from storage.models import OutboxMessage
from storage.types import utcnow

#: A message due longer than this and still not sent means delivery is stuck.
OUTBOX_STALE = timedelta(minutes=10)


@dataclass
class Heartbeat:
    """When a platform last answered a poll or sync (monotonic seconds), and how long one may take."""

    timeout: float
    last_ok: float | None = None

    def beat(self) -> None:
        self.last_ok = time.monotonic()

    def age(self) -> float | None:
        """Seconds since the platform last answered; None: not yet."""
        return None if self.last_ok is None else time.monotonic() - self.last_ok

    def fresh(self) -> bool:
        """Answered within twice the time one poll may take."""
        age = self.age()
        return age is not None and age < 2 * self.timeout


class LoopWatch:
    """How late the event loop wakes a task that asked to sleep ``interval``: its longest stall.

    Anything that blocks the loop (a query run in it, a slow render) delays
    every platform, every reply and ``/readyz`` alike; this measures it.
    """

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.longest = 0.0  # seconds, since start or the last reset
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.longest = max(self.longest, time.perf_counter() - asked - self.interval)

    def reset(self) -> float:
        """The longest stall so far, and start measuring afresh."""
        longest, self.longest = self.longest, 0.0
        return longest

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None


@dataclass
class Check:
    """One line of the readiness report."""

    ok: bool
    detail: dict[str, Any] = field(default_factory=dict)


class DatabaseProbe:
    """:func:`database_checks` at most once per ``ttl`` seconds, never waited for by a probe.

    A probe every few milliseconds (several load balancers, a tight Kubernetes
    period) would otherwise be a query each, competing with the commands. While
    a fresh answer is being fetched, probes get the last one; one that takes
    longer than ``patience`` makes the database "not answering" (a hung
    database must not hang its probes).
    """

    def __init__(self, ttl: float = 1.0, patience: float = 5.0) -> None:
        self.ttl = ttl
        self.patience = patience
        self._checked_at = float("-inf")
        self._checks: dict[str, Check] = {}
        self._asked_at = 0.0
        self._asking: asyncio.Task[None] | None = None

    async def checks(self, sessions: SessionFactory | None) -> dict[str, Check]:
        if sessions is None:
            return database_checks(None, utcnow())
        now = time.monotonic()
        if now - self._checked_at >= self.ttl and self._asking is None:
            self._asked_at = now
            self._asking = asyncio.create_task(self._ask(sessions))
        if self._asking is not None and not self._checks:
            await asyncio.wait({self._asking}, timeout=self.patience)  # the very first answer
        if self._asking is not None and time.monotonic() - self._asked_at > self.patience:
            waited = round(time.monotonic() - self._asked_at)
            return {"database": Check(False, {"error": f"no answer for {waited} s"}),
                    "outbox": Check(False, {"error": "database not answering"})}
        return dict(self._checks)

    async def _ask(self, sessions: SessionFactory) -> None:
        try:
            self._checks = await asyncio.to_thread(database_checks, sessions, utcnow())
            self._checked_at = time.monotonic()
        finally:
            self._asking = None


@dataclass
class ProcessState:
    """What the web layer reads of the running process: its role and its platforms."""

    started: float = field(default_factory=time.monotonic)
    #: Holds the database's leader lock (a standby is alive but not ready: it sends nothing).
    leader: bool = False
    #: Platform name → the adapter's heartbeat (adapters without one, the console, are always connected).
    heartbeats: dict[str, Heartbeat | None] = field(default_factory=dict)
    loop: LoopWatch = field(default_factory=LoopWatch)
    database: DatabaseProbe = field(default_factory=DatabaseProbe)


def database_checks(sessions: SessionFactory | None, now: datetime) -> dict[str, Check]:
    """The database answers, and no due message has waited longer than :data:`OUTBOX_STALE`.

    Blocking: call it in a thread.
    """
    if sessions is None:
        return {"database": Check(False, {"error": "not open yet"}),
                "outbox": Check(False, {"error": "database not open yet"})}
    try:
        with sessions() as session:
            session.exec(text("SELECT 1"))  # type: ignore[call-overload]
            oldest = session.exec(select(func.min(OutboxMessage.next_attempt_at)).where(
                OutboxMessage.status == "pending")).one()
    except Exception as exc:  # noqa: BLE001 - the report says what failed, by its class (never a URL or secret)
        return {"database": Check(False, {"error": type(exc).__name__}),
                "outbox": Check(False, {"error": "database unreachable"})}
    waited = max(timedelta(0), now - oldest) if oldest is not None else timedelta(0)
    return {"database": Check(True),
            "outbox": Check(waited <= OUTBOX_STALE, {"oldest_due_seconds": round(waited.total_seconds()),
                                                      "limit_seconds": int(OUTBOX_STALE.total_seconds())})}


def platform_checks(state: ProcessState) -> dict[str, Check]:
    """Each configured platform answered its last poll or sync recently (a standby has none running)."""
    checks = {"leader": Check(state.leader)}
    for platform, heartbeat in state.heartbeats.items():
        if heartbeat is None:
            checks[platform] = Check(True)
            continue
        age = heartbeat.age()
        checks[platform] = Check(heartbeat.fresh(), {
            "last_answer_seconds": None if age is None else round(age, 1),
            "limit_seconds": 2 * heartbeat.timeout})
    return checks


def report(checks: Mapping[str, Check]) -> tuple[bool, dict[str, Any]]:
    """(ready, the JSON body): every check with its verdict and figures."""
    ready = all(check.ok for check in checks.values())
    body = {"status": "ready" if ready else "not ready",
            "checks": {name: {"ok": check.ok, **check.detail} for name, check in checks.items()}}
    return ready, body
