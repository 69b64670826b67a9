"""Occupancy and activity statistics for managers (/stats) and network reports (CSV).

Everything here is counts: no name, handle or text leaves this module, so the
CSV export is safe to share across the network and survives /forgetme.
"""
from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from bot.context import Context, UserError
from bot.messages import Attachment, Reply
from storage.models import CheckIn, Event, NeedRequest, Rsvp, Space

PERIODS = {"week": 7, "month": 30}


@dataclass
class SpaceStats:
    """Anonymous counts for one space over a period."""

    start: datetime
    end: datetime
    checkins: int = 0
    members: int = 0
    events: int = 0
    attendees: int = 0
    requests_solved: int = 0
    #: (weekday 0=Monday, hour) → person-hours present, in the space's local time
    occupancy: Counter[tuple[int, int]] = field(default_factory=Counter)
    #: local date → check-ins started that day
    daily_checkins: Counter[date] = field(default_factory=Counter)


def compute(session: Session, space: Space, start: datetime, end: datetime) -> SpaceStats:
    """Counts for ``space`` between ``start`` and ``end`` (aware)."""
    zone = ZoneInfo(space.timezone)
    stats = SpaceStats(start, end)
    rows = session.exec(
        select(CheckIn).where(CheckIn.space_id == space.id, CheckIn.started_at < end, CheckIn.expires_at > start)
    ).all()
    people = set()
    for row in rows:
        if start <= row.started_at < end:
            stats.checkins += 1
            stats.daily_checkins[row.started_at.astimezone(zone).date()] += 1
            people.add(row.member_id if row.member_id is not None else f"anon-{row.id}")
        _add_hours(stats.occupancy, row, zone, start, end)
    stats.members = len(people)
    events = session.exec(
        select(Event.id).where(Event.space_id == space.id, Event.status == "confirmed",
                               Event.starts_at >= start, Event.starts_at < end)
    ).all()
    stats.events = len(events)
    if events:
        stats.attendees = session.exec(
            select(func.count()).select_from(Rsvp).where(col(Rsvp.event_id).in_(events), Rsvp.status == "yes")
        ).one()
    stats.requests_solved = session.exec(
        select(func.count()).select_from(NeedRequest).where(
            NeedRequest.space_id == space.id, NeedRequest.status == "resolved",
            NeedRequest.resolved_at >= start, NeedRequest.resolved_at < end)  # type: ignore[operator]
    ).one()
    return stats


def _add_hours(grid: Counter[tuple[int, int]], row: CheckIn, zone: ZoneInfo, start: datetime, end: datetime) -> None:
    """Count each started hour a check-in covers, in local time."""
    begin = max(row.started_at, start)
    finish = min(row.ended_at or row.expires_at, row.expires_at, end)
    cursor = begin.astimezone(zone).replace(minute=0, second=0, microsecond=0)
    while cursor < finish:
        grid[(cursor.weekday(), cursor.hour)] += 1
        cursor = (cursor + timedelta(hours=1)).astimezone(zone)


def chart(stats: SpaceStats, title: str, day_names: list[str]) -> bytes:
    """A weekday × hour heat map as PNG (matplotlib's Agg canvas, no pyplot state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    grid = [[stats.occupancy.get((day, hour), 0) for hour in range(24)] for day in range(7)]
    figure = Figure(figsize=(9, 3.4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    image = axes.imshow(grid, aspect="auto", cmap="YlOrRd", interpolation="nearest")
    axes.set_yticks(range(7), labels=day_names)
    axes.set_xticks(range(0, 24, 2), labels=[f"{h:02d}" for h in range(0, 24, 2)])
    axes.set_title(title)
    figure.colorbar(image, ax=axes)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def stats_command(ctx: Context, args: str) -> Reply:
    """/stats [week|month]: a summary and a PNG chart for the managers of this space."""
    from babel.dates import get_day_names

    space = ctx.require_space()
    ctx.require_manager(space)
    period = (args.strip().lower() or "week")
    if period not in PERIODS:
        raise UserError("Usage: {p}stats [week|month]")
    stats = compute(ctx.session, space, ctx.now - timedelta(days=PERIODS[period]), ctx.now)
    zone = ctx.zone(space)
    names = get_day_names("abbreviated", locale=ctx.lang)
    days = [names[i] for i in range(7)]
    lines = [ctx.t("<b>{space}</b>: statistics from {start} to {end}", space=space.name,
                   start=ctx.tr.date(stats.start, zone), end=ctx.tr.date(stats.end, zone))]
    lines.append(ctx.tn("{n} check-in", "{n} check-ins", stats.checkins))
    lines.append(ctx.tn("{n} different member", "{n} different members", stats.members))
    lines.append(ctx.tn("{n} event", "{n} events", stats.events) + ", " +
                 ctx.tn("{n} attendee", "{n} attendees", stats.attendees))
    lines.append(ctx.tn("{n} request solved", "{n} requests solved", stats.requests_solved))
    if stats.occupancy:
        (day, hour), _count = stats.occupancy.most_common(1)[0]
        lines.append(ctx.t("Busiest: {day} at {hour}:00", day=days[day], hour=str(hour).zfill(2)))
    png = chart(stats, str(ctx.t("Occupancy by weekday and hour")), days)
    return Reply("\n".join(lines), file=Attachment(f"stats-{space.slug}-{period}.png", png, "image/png"))


def export_csv(session: Session, slug: str, days: int, now: datetime) -> str:
    """Daily anonymous counts of a space as CSV text (``coworkbot stats export``)."""
    space = session.exec(select(Space).where(Space.slug == slug)).first()
    if space is None:
        raise LookupError(f"no space {slug!r}")
    zone = ZoneInfo(space.timezone)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "space", "checkins", "members", "person_hours", "events", "attendees", "requests_solved"])
    today = now.astimezone(zone).date()
    for offset in range(days - 1, -1, -1):
        day = today - timedelta(days=offset)
        start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
        stats = compute(session, space, start, start + timedelta(days=1))
        writer.writerow([day.isoformat(), space.slug, stats.checkins, stats.members,
                         sum(stats.occupancy.values()), stats.events, stats.attendees, stats.requests_solved])
    return out.getvalue()
