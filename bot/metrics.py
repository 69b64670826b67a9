"""The process's Prometheus metrics, in a registry of their own (served at ``/metrics``).

Labels never carry personal data: platforms, command names, outcomes, outbox
statuses and space slugs only, never a user id, a chat id, a name or a text.
Scraped series are kept for months by whoever runs Prometheus, out of reach of
``/forgetme``; and a label per member would also grow without bound.

Two kinds of figures: counters moved where things happen (a command answered,
a platform saying "too many", a reminder sent or skipped), and gauges read at
scrape time (the leader lock, how long each platform has been silent, and, from
the database, the outbox by platform and status and the open check-ins by
space). The database's figures are read by :func:`read_database`, which blocks:
the web layer runs it, and the rendering, in a thread.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from prometheus_client import (CollectorRegistry, Counter, GCCollector, Histogram, PlatformCollector,
                               ProcessCollector, generate_latest)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import and_, func
from sqlmodel import col, select

from bot.health import ProcessState
from storage.db import SessionFactory
from storage.models import CheckIn, OutboxMessage, Space

REGISTRY = CollectorRegistry(auto_describe=True)
# process_start_time_seconds, memory, CPU, open files; python_info; garbage collections.
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

COMMANDS = Counter("coworkbot_commands", "Commands handled, by platform, command and outcome",
                   ["platform", "command", "outcome"], registry=REGISTRY)
COMMAND_SECONDS = Histogram("coworkbot_command_seconds", "Time to answer a command, by platform",
                            ["platform"], registry=REGISTRY,
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
RATE_LIMITED = Counter("coworkbot_platform_rate_limited",
                       "Calls a platform refused as too many (Telegram 429 retry_after, Matrix M_LIMIT_EXCEEDED)",
                       ["platform"], registry=REGISTRY)
REMINDERS = Counter("coworkbot_reminders", "Event reminders handled: sent (on_time, late) or skipped "
                    "(cancelled, superseded by a closer one, started)", ["outcome", "reason"], registry=REGISTRY)

#: The statuses an outbox row goes through; each is reported for every platform, 0 included.
OUTBOX_STATUSES = ("pending", "sent", "failed")
REMINDER_OUTCOMES = {"sent": ("on_time", "late"), "skipped": ("cancelled", "superseded", "started")}

# Series that exist from the start read 0 rather than missing: rate() and alerts see the first one.
for _platform in ("telegram", "matrix"):
    RATE_LIMITED.labels(_platform)
for _outcome, _reasons in REMINDER_OUTCOMES.items():
    for _reason in _reasons:
        REMINDERS.labels(_outcome, _reason)


def command_handled(platform: str, command: str, outcome: str, seconds: float) -> None:
    """One command answered (``command`` is a known command's name or ``unknown``)."""
    COMMANDS.labels(platform, command, outcome).inc()
    COMMAND_SECONDS.labels(platform).observe(seconds)


def rate_limited(platform: str) -> None:
    """The platform refused a call as one too many and said how long to wait."""
    RATE_LIMITED.labels(platform).inc()


def reminder_done(outcome: str, reason: str) -> None:
    """One reminder claimed: ``sent`` (``on_time``/``late``) or ``skipped`` (why, see :mod:`bot.reminders`)."""
    REMINDERS.labels(outcome, reason).inc()


def reminders_skipped(reason: str, count: int) -> None:
    """Reminders that will not go out, decided outside the reminder pass (an event's cancellation)."""
    REMINDERS.labels("skipped", reason).inc(count)


@dataclass(frozen=True)
class DatabaseFigures:
    """What a scrape reports from the database."""

    #: (platform, status) → outbox rows.
    outbox: dict[tuple[str, str], int]
    #: How long the pending message due longest ago has been due (0: none is due).
    oldest_due_seconds: float
    #: Space slug → check-ins open now (every space, 0 included).
    checkins: dict[str, int]


def read_database(sessions: SessionFactory, now: datetime) -> DatabaseFigures:
    """Three aggregate queries, each one pass over an index or a table without reading texts.

    Blocking: call it in a thread. Sent rows stay ``OUTBOX_RETENTION`` (30
    days), so the outbox may hold 100,000 rows after a few broadcasts: it is
    counted with a GROUP BY, never loaded.
    """
    with sessions() as session:
        outbox = session.exec(
            select(OutboxMessage.platform, OutboxMessage.status, func.count())
            .group_by(col(OutboxMessage.platform), col(OutboxMessage.status))).all()
        oldest = session.exec(select(func.min(OutboxMessage.next_attempt_at))
                              .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)).one()
        checkins = session.exec(
            select(Space.slug, func.count(col(CheckIn.id))).select_from(Space)
            .outerjoin(CheckIn, and_(col(CheckIn.space_id) == Space.id, CheckIn.open_at(now)))
            .group_by(col(Space.slug))).all()
    waited = max(timedelta(0), now - oldest) if oldest is not None else timedelta(0)
    return DatabaseFigures(outbox={(platform, status): count for platform, status, count in outbox},
                           oldest_due_seconds=waited.total_seconds(),
                           checkins={slug: count for slug, count in checkins})


class ScrapeTime(Collector):
    """The gauges of one scrape: the process's role and platforms, and the database's figures if read.

    ``database`` is None before the database opens, or when it did not answer:
    ``coworkbot_database_up`` then says 0 and its gauges are left out (a
    missing series, rather than a zero that looks like an empty outbox).
    """

    def __init__(self, state: ProcessState, database: DatabaseFigures | None) -> None:
        self.state = state
        self.database = database

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily("coworkbot_leader", "1 if this process holds the leader lock (sends, schedules), "
                                "0 on a standby", value=int(self.state.leader))
        silent = GaugeMetricFamily(
            "coworkbot_platform_last_answer_age_seconds",
            "Seconds since the platform last answered a poll or sync (Matrix: the sync lag); +Inf: never yet",
            labels=["platform"])
        for platform, heartbeat in sorted(self.state.heartbeats.items()):
            if heartbeat is not None:  # the console has no heartbeat: it is always there
                age = heartbeat.age()
                silent.add_metric([platform], math.inf if age is None else age)
        yield silent
        yield GaugeMetricFamily("coworkbot_event_loop_longest_stall_seconds",
                                "The longest the event loop was late to wake a task since the process started "
                                "(a blocked loop delays every platform and probe)", value=self.state.loop.longest)
        yield GaugeMetricFamily("coworkbot_database_up", "1 if the database answered this scrape's queries",
                                value=int(self.database is not None))
        if self.database is not None:
            yield from _database_gauges(self.database, self.state.heartbeats)


def _database_gauges(figures: DatabaseFigures, platforms: Iterable[str]) -> Iterator[Metric]:
    outbox = GaugeMetricFamily("coworkbot_outbox_messages", "Outbox rows by platform and status "
                               "(sent rows are kept OUTBOX_RETENTION)", labels=["platform", "status"])
    for platform in sorted({p for p, _ in figures.outbox} | set(platforms)):
        for status in sorted({s for p, s in figures.outbox if p == platform} | set(OUTBOX_STATUSES)):
            outbox.add_metric([platform, status], figures.outbox.get((platform, status), 0))
    yield outbox
    yield GaugeMetricFamily("coworkbot_outbox_oldest_due_seconds",
                            "How long the pending message due longest ago has waited (0: none due)",
                            value=figures.oldest_due_seconds)
    checkins = GaugeMetricFamily("coworkbot_checkins_open", "Check-ins open now, by space", labels=["space"])
    for slug, count in sorted(figures.checkins.items()):
        checkins.add_metric([slug], count)
    yield checkins


class _Both(Collector):
    """The process-wide registry followed by one scrape's gauges (what :func:`generate_latest` reads)."""

    def __init__(self, *collectors: Collector) -> None:
        self.collectors = collectors

    def collect(self) -> Iterator[Metric]:
        for collector in self.collectors:
            yield from collector.collect()


def exposition(state: ProcessState, database: DatabaseFigures | None) -> bytes:
    """The text format of every metric (blocking on the process collector's reads of /proc)."""
    return generate_latest(_Both(REGISTRY, ScrapeTime(state, database)))
