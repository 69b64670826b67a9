"""Presence: /checkin, /checkout, /here.

A member has at most one open check-in (not ended, not expired); checking in
again updates that row in place rather than adding one, so "who is here" never
shows a person twice. Expiry is computed in the space's time zone: the given
duration, else the day's closing (its opening hours, else its closing time), else
(after closing) midnight.
"""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from typing import Any

from sqlalchemy import bindparam, case, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, func, select

from bot.context import Context, UserError
from bot.members import display
from bot.messages import Reply
from bot.opening_hours import closing_on, stored_hours
from bot.pages import page_buttons, page_footer, page_of, split_page
from bot.sanitize import bounded_decimal, bounded_int
from storage.models import CheckIn, Member, Space

NOTE_MAX = 280
MAX_DURATION = timedelta(hours=16)
_READ_MINUTES_MAX = 10**6  # any duration beyond this is read as "too long", whatever its digits
_BEYOND = timedelta(minutes=_READ_MINUTES_MAX + 1)
# "for 3h" and its translations; the duration is 90m, 3h, 1h30 or 2.5h.
_FOR = r"(?:for|pour|per|por|για|za|für|fur)"
_DURATION = re.compile(
    rf"(?:^|\s){_FOR}\s+(?:(\d+(?:[.,]\d+)?)\s*h(?:ours?|rs?)?\s*(?:(\d+)\s*(?:m|min)?)?|(\d+)\s*(?:m|min|minutes?))\s*$",
    re.IGNORECASE,
)


def split_duration(args: str) -> tuple[str, timedelta | None]:
    """``logo work for 3h`` → (``logo work``, 3 hours).

    A duration beyond what is ever read (``for 99999999999h``) comes back as
    ``_BEYOND``, which the caller's limit refuses like any too long stay.
    """
    match = _DURATION.search(args)
    if not match:
        return args.strip(), None
    hours, minutes, only_minutes = match.groups()
    if only_minutes:
        total = bounded_int(only_minutes, _READ_MINUTES_MAX)
    else:
        whole_hours = bounded_decimal(hours, _READ_MINUTES_MAX // 60)
        extra = bounded_int(minutes or "0", _READ_MINUTES_MAX)
        total = None if whole_hours is None or extra is None else whole_hours * 60 + extra
    delta = _BEYOND if total is None or total > _READ_MINUTES_MAX else timedelta(minutes=total)
    return args[: match.start()].strip(), delta


def closing_at(space: Space, now: datetime) -> datetime:
    """Today's closing in the space's zone; after closing, the coming midnight.

    Today's closing is the end of the day's last opening hours; on a day the hours leave
    closed (or with no hours set) it is the space's ``closing_time``.
    """
    zone = ZoneInfo(space.timezone)
    local = now.astimezone(zone)
    week = stored_hours(space.opening_hours)
    closing = closing_on(week, local) if week is not None else None
    if closing is None:
        hour, minute = (int(part) for part in space.closing_time.split(":"))
        closing = datetime.combine(local.date(), time(hour, minute), tzinfo=zone)
    if closing <= local:
        closing = datetime.combine(local.date() + timedelta(days=1), time(0, 0), tzinfo=zone)
    return closing


# Statements built once, run on the session's connection (no ORM): /checkin is the
# command members send most. One upsert on the "one open check-in" index starts a
# stay or updates the open one in place, whoever wrote first; moving to another
# space starts a new stay (SQL reads the old space_id on the right-hand side). An
# open row that merely expired is left alone (no row changes): it is ended, and
# the upsert runs again.
_TABLE = CheckIn.__table__  # type: ignore[attr-defined]


def _upsert(insert: Any) -> Any:
    statement = insert(_TABLE)
    return statement.on_conflict_do_update(
        index_elements=[_TABLE.c.member_id], index_where=_TABLE.c.ended_at.is_(None),
        set_={"note": statement.excluded.note, "expires_at": statement.excluded.expires_at,
              "space_id": statement.excluded.space_id,
              "started_at": case((_TABLE.c.space_id == statement.excluded.space_id, _TABLE.c.started_at),
                                 else_=statement.excluded.started_at)},
        where=_TABLE.c.expires_at > statement.excluded.started_at,
    )


_UPSERT = {"sqlite": _upsert(sqlite_insert), "postgresql": _upsert(postgresql_insert)}
_END_EXPIRED = (
    update(_TABLE).where(_TABLE.c.member_id == bindparam("member"), _TABLE.c.ended_at.is_(None),
                         _TABLE.c.expires_at <= bindparam("now"))
    .values(ended_at=_TABLE.c.expires_at)
)


def present(session: Session, space_id: int, now: datetime) -> list[tuple[CheckIn, Member]]:
    """Who is checked in at a space now, earliest first."""
    rows = session.exec(
        select(CheckIn, Member)
        .join(Member, Member.id == CheckIn.member_id)  # type: ignore[arg-type]
        .where(CheckIn.space_id == space_id, CheckIn.open_at(now))
        .order_by(CheckIn.started_at)
    )
    return list(rows.all())


def present_counts(session: Session, now: datetime) -> dict[int, int]:
    """Space id → how many are checked in now (for the directory)."""
    rows = session.exec(
        select(CheckIn.space_id, func.count())
        .where(CheckIn.open_at(now))
        .group_by(CheckIn.space_id)
    )
    return dict(rows.all())


def checkin(ctx: Context, args: str) -> Reply:
    """/checkin [note] [for 3h]"""
    space = ctx.require_space()
    note, duration = split_duration(args)
    if len(note) > NOTE_MAX:
        raise UserError("A note is limited to {limit} characters (yours has {length}).", limit=NOTE_MAX, length=len(note))
    if duration is not None and not timedelta(minutes=1) <= duration <= MAX_DURATION:
        raise UserError("A check-in lasts between 1 minute and {hours} hours.", hours=int(MAX_DURATION.total_seconds() // 3600))
    expires = ctx.now + duration if duration else closing_at(space, ctx.now)
    connection = ctx.session.connection()
    upsert = _UPSERT[connection.dialect.name]
    values = {"note": note, "expires_at": expires, "space_id": space.id, "member_id": ctx.member.id,
              "started_at": ctx.now}
    if connection.execute(upsert, values).rowcount == 0:  # the open row had expired
        connection.execute(_END_EXPIRED, {"member": ctx.member.id, "now": ctx.now})
        connection.execute(upsert, values)
    if ctx.member.home_space_id is None:
        ctx.member.home_space_id = space.id  # the first check-in chooses the home space
        ctx.session.add(ctx.member)
    until = ctx.tr.time(expires, ctx.zone(space))
    return Reply(ctx.t("Checked in at <b>{space}</b> until {time}. Welcome!", space=space.name, time=until))


def checkout(ctx: Context, args: str) -> Reply:
    """/checkout"""
    row = ctx.session.get(CheckIn, ctx.checkin_id) if ctx.checkin_id is not None else None
    if row is None:
        raise UserError("You are not checked in anywhere.")
    row.ended_at = ctx.now
    space = ctx.session.get(Space, row.space_id)
    return Reply(ctx.t("Checked out of <b>{space}</b>. See you soon!", space=space.name if space else "?"))


def here(ctx: Context, args: str) -> Reply:
    """/here: who is in now; those who keep presence private are only counted."""
    space = ctx.require_space()
    rows = present(ctx.session, space.id, ctx.now)
    if not rows:
        return Reply(ctx.t("Nobody is checked in at <b>{space}</b> right now.", space=space.name))
    zone = ctx.zone(space)
    visible = [(c, m) for c, m in rows if m.consent_presence]
    hidden = len(rows) - len(visible)
    if space.capacity:
        lines = [ctx.tn("<b>{space}</b>: {n} / {capacity} person here now", "<b>{space}</b>: {n} / {capacity} people here now",
                        len(rows), space=space.name, capacity=space.capacity)]
    else:
        lines = [ctx.tn("<b>{space}</b>: {n} person here now", "<b>{space}</b>: {n} people here now", len(rows), space=space.name)]
    page = page_of(visible, split_page(args)[1])
    for check, member in page.items:
        since = ctx.tr.time(check.started_at, zone)
        if check.note:
            lines.append(ctx.t("• {name}, since {time}: {note}", name=display(member), time=since, note=check.note))
        else:
            lines.append(ctx.t("• {name}, since {time}", name=display(member), time=since))
    if hidden:
        lines.append(ctx.tn("+{n} other", "+{n} others", hidden))
    footer = page_footer(ctx.tr, page)
    return Reply("\n".join(lines + ([footer] if footer else [])), buttons=page_buttons(ctx.tr, page, "/here"))
