"""What an event's announcement says below its details: the live answer counts, how to answer.

The announcement is posted once per chat of the event's audience and then
edited in place on every answer (see :mod:`bot.announcement_edits`), so its
text is built here in one place for both. The counts are anonymous (how
many, never who) and need no plural forms: "👍 Going: 3".
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from sqlmodel import Session, func, select

from bot.i18n import Translator
from bot.messages import Reply
from bot.rsvp import rsvp_buttons, rsvp_hint
from storage.models import Event, Rsvp


@dataclass(frozen=True)
class Counts:
    """How many answered each way (``waiting``: "yes" beyond the capacity)."""

    going: int = 0
    maybe: int = 0
    not_going: int = 0
    waiting: int = 0


def answer_counts(session: Session, event_id: int) -> Counts:
    """The event's answers counted in one query."""
    rows = session.exec(select(Rsvp.status, func.count()).where(Rsvp.event_id == event_id)
                        .group_by(Rsvp.status)).all()
    by_status = {status: count for status, count in rows}
    return Counts(going=by_status.get("yes", 0), maybe=by_status.get("maybe", 0),
                  not_going=by_status.get("no", 0), waiting=by_status.get("waitlist", 0))


def count_line(tr: Translator, counts: Counts, capacity: int | None) -> Markup:
    """``👍 Going: 3/20 · 🤔 Maybe: 1 · 👎 Not going: 0 · ⏳ Waitlist: 0`` (capacity and waitlist where set)."""
    if capacity:
        going = tr.t("👍 Going: {n}/{capacity}", n=counts.going, capacity=capacity)
    else:
        going = tr.t("👍 Going: {n}", n=counts.going)
    parts = [going, tr.t("🤔 Maybe: {n}", n=counts.maybe), tr.t("👎 Not going: {n}", n=counts.not_going)]
    if capacity:
        parts.append(tr.t("⏳ Waitlist: {n}", n=counts.waiting))
    return Markup(" · ").join(parts)


def announcement_reply(tr: Translator, platform: str, event: Event, head: list[Markup], counts: Counts) -> Reply:
    """The announcement: ``head`` (headline and details), the counts, how to answer, the 👍 🤔 👎 buttons.

    A cancelled event's announcement says so at the top and loses its buttons
    and counts: there is nothing left to answer.
    """
    if event.status == "cancelled":
        return Reply(Markup("\n").join([tr.t("❌ <b>Cancelled</b>"), *head]))
    assert event.id is not None
    lines = [*head, count_line(tr, counts, event.capacity), rsvp_hint(tr, platform, event.id)]
    return Reply(Markup("\n").join(lines), rsvp_buttons(tr, event.id))
