"""The one scheduler of the process (APScheduler 3.11, in the asyncio loop).

Jobs live in memory only: the database is the source of truth, and each
capability rebuilds its jobs from it at start (see :func:`bot.app.serve`).
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timezone
from typing import Any, Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.config import Settings
from storage.db import SessionFactory

Job = Callable[[], Awaitable[Any] | Any]


class Wakeable(Protocol):
    """The delivery worker, as jobs see it: the platforms it serves and its wake-up call."""

    adapters: Mapping[str, Any]
    wakeup: asyncio.Event


class JobWorld(Protocol):
    """What a periodic job needs of the running process (``bot.app.Runtime`` is one).

    A protocol rather than the Runtime itself, so that the capabilities do not
    import the composition root that imports them.
    """

    settings: Settings
    sessions: SessionFactory
    scheduler: "Scheduler"
    worker: Wakeable


class Scheduler:
    """A thin wrapper that names the three kinds of job we use."""

    def __init__(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone=timezone.utc)

    def every(self, job_id: str, seconds: float, job: Job) -> None:
        """Run ``job`` every ``seconds`` (one instance at a time)."""
        self._scheduler.add_job(job, IntervalTrigger(seconds=seconds), id=job_id,
                                replace_existing=True, max_instances=1, coalesce=True,
                                misfire_grace_time=max(1, int(seconds)))

    def cron(self, job_id: str, job: Job, *, timezone_name: str, **fields: Any) -> None:
        """Run ``job`` on a wall-clock schedule in ``timezone_name`` (e.g. Monday 10:00)."""
        # A busy loop may start a weekly job a few seconds late; it must still run.
        self._scheduler.add_job(job, CronTrigger(timezone=timezone_name, **fields), id=job_id,
                                replace_existing=True, max_instances=1, coalesce=True,
                                misfire_grace_time=3600)

    def at(self, job_id: str, when: datetime, job: Job) -> None:
        """Run ``job`` once at ``when`` (aware); a late start still runs it."""
        self._scheduler.add_job(job, DateTrigger(run_date=when), id=job_id, replace_existing=True,
                                misfire_grace_time=None)

    def cancel(self, job_id: str) -> None:
        if self._scheduler.get_job(job_id):
            self._scheduler.remove_job(job_id)

    def job_ids(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()]

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
