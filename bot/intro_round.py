"""One introduction round (weekly, or ``/intros run``): load who is in, pair them, store the
introductions, queue every DM.

Who meets whom is bot/intro_pairing.py. This module is the round's I/O, done in
bulk (plain rows in, rows streamed out through storage.bulk): a round over
100,000 members must take seconds, not minutes, and bounded memory.
Members who paused (``/intro pause 2w``) sit it out; whoever it leaves
without a partner is marked, so the next round pairs them first.
"""
from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import or_, update
from sqlmodel import Session, col, func, select

from bot.config import Settings
from bot.context import Context, UserError, translator_for
from bot.escalation import typed_need_tags
from bot.i18n import N_, Translator
from bot.intro_pairing import Person, pair_people
from bot.intros import round_invitation
from bot.messages import Button, ChatRef, Reply
from bot.outbox import outbox_values
from bot.scheduler import Scheduler
from bot.skills import vocabulary
from bot.vocabulary import FREE_PREFIX
from storage.bulk import chunks, insert_rows
from storage.db import SessionFactory
from storage.models import Introduction, IntroRound, Member, MemberSkill, NeedRequest, OutboxMessage, Space
from storage.types import utcnow

log = logging.getLogger(__name__)

RECENT = timedelta(days=90)
CATCH_UP = timedelta(days=1)  # a round missed by more than this waits for next Monday
RERUN_WITHIN = timedelta(hours=24)  # a second round this soon re-invites everyone: asked to confirm


@dataclass(frozen=True)
class RoundResult:
    round_id: int
    pairs: int
    unmatched: int
    messages: int


class Reader(NamedTuple):
    """The columns of an opted-in member a round needs (plain rows: 20,000 ORM objects are slow)."""

    id: int
    platform: str
    user_id: str
    display_name: str
    language: str | None
    platform_language: str | None
    home_space_id: int | None


def load_people(session: Session, now: datetime) -> tuple[list[Person], dict[int, Reader], dict[int, dict[str, str]]]:
    """Opted-in members not on a pause, with their skills and the tags of their open requests.

    Also returns, per member, their free need tags as they typed them (few members have any).
    """
    taking_part = (col(Member.consent_intros).is_(True)
                   & or_(col(Member.intros_paused_until).is_(None), col(Member.intros_paused_until) <= now))
    connection = session.connection()  # Core rows: the ORM's result machinery is slow for 100,000 rows
    query = select(Member.id, Member.platform, Member.user_id, Member.display_name, Member.language,
                   Member.platform_language, Member.home_space_id).where(taking_part)
    readers = {row[0]: Reader(*row) for row in connection.execute(query)}
    left_out = set(connection.execute(select(Member.id).where(
        taking_part, col(Member.intro_left_out_at).is_not(None))).scalars())
    skills: dict[int, set[str]] = defaultdict(set)
    same: dict[str, str] = {}  # one string object per tag, not one per row
    rows = connection.execute(select(MemberSkill.member_id, MemberSkill.tag)
                              .join(Member, col(Member.id) == col(MemberSkill.member_id)).where(taking_part))
    for member_id, tag in rows:
        skills[member_id].add(same.setdefault(tag, tag))
    needs: dict[int, set[str]] = defaultdict(set)
    typed: dict[int, dict[str, str]] = {}
    rows = connection.execute(select(NeedRequest.requester_id, NeedRequest.tags, NeedRequest.text)
                              .join(Member, col(Member.id) == col(NeedRequest.requester_id))
                              .where(NeedRequest.status == "open", taking_part))
    for member_id, tags, text in rows:
        needs[member_id].update(tags)
        if any(tag.startswith(FREE_PREFIX) for tag in tags):
            typed.setdefault(member_id, {}).update(typed_need_tags(text))
    empty: frozenset[str] = frozenset()
    people = [Person(i, r.home_space_id, frozenset(skills[i]) if i in skills else empty,
                     frozenset(needs[i]) if i in needs else empty, i in left_out) for i, r in readers.items()]
    return people, readers, typed


def recent_pairs(session: Session, now: datetime) -> set[tuple[int, int]]:
    """(low id, high id) of every pair introduced, or proposed, in the last 90 days."""
    rows = session.exec(select(Introduction.member_a_id, Introduction.member_b_id)
                        .where(Introduction.created_at >= now - RECENT))
    return {(min(a, b), max(a, b)) for a, b in rows if a is not None and b is not None}


def run_round(session: Session, now: datetime, settings: Settings, seed: int | None = None) -> RoundResult:
    """Pair, store the introductions and queue every DM, in the caller's transaction.

    Rows are written with bulk INSERTs: building 200,000 ORM objects would take longer
    than the whole rest of the round.
    """
    people, members, typed = load_people(session, now)
    spaces = {s.id: s for s in session.exec(select(Space))}
    rng = Random(int(now.timestamp()) if seed is None else seed)
    pairs, alone = pair_people(people, recent_pairs(session, now), vocabulary().related, rng)
    record = IntroRound(ran_at=now, pairs=len(pairs))
    session.add(record)
    session.flush()
    connection = session.connection()
    # Core bulk inserts: the ORM's per-row bookkeeping would be most of the cost of 100,000 rows.
    insert_rows(connection, Introduction.__table__, (  # type: ignore[arg-type, attr-defined]
        {"member_a_id": a.id, "member_b_id": b.id, "kind": "round", "round_id": record.id, "created_at": now}
        for a, b in pairs))
    _mark_left_out(session, now, pairs, alone)
    # Read the ids back by member (one introduction per member per round) rather than with
    # RETURNING, which SQLite runs row by row when the order of the ids must be kept.
    intro_of = dict(session.exec(select(Introduction.member_a_id, Introduction.id)
                                 .where(Introduction.round_id == record.id)).all())
    translators: dict[tuple[object, ...], Translator] = {}
    space_language = {space_id: space.language for space_id, space in spaces.items()}

    def translator_of(reader: Reader) -> Translator:
        """The reader's translator; built once per distinct (language, platform, space's language)."""
        key = (reader.language, reader.platform_language, reader.platform, space_language.get(reader.home_space_id))
        found = translators.get(key)
        if found is None:
            stand_in = Member(platform=reader.platform, user_id=reader.user_id, language=reader.language,
                              platform_language=reader.platform_language)
            found = translators[key] = translator_for(stand_in, settings, spaces.get(reader.home_space_id))
        return found

    def invitations() -> Iterator[dict[str, Any]]:
        for a, b in pairs:
            intro_id = intro_of[a.id]
            for me, other in ((a, b), (b, a)):
                reader = members[me.id]
                reply = round_invitation(translator_of(reader), intro_id, members[other.id].display_name,
                                         spaces.get(other.space_id), sorted(other.skills), sorted(other.needs),
                                         typed.get(other.id))
                yield outbox_values(_dm(reader), reply, kind="intro", dedupe_key=f"intro:{intro_id}:{reader.id}",
                                    not_before=now, subject_id=other.id, recipient_id=reader.id)
        for person in alone:
            reader = members[person.id]
            reply = Reply(translator_of(reader).t("This week's introduction round found nobody new for you, sorry. "
                                                  "You stay in for the next round."))
            yield outbox_values(_dm(reader), reply, kind="intro", not_before=now, recipient_id=reader.id,
                                dedupe_key=f"intro-alone:{record.id}:{reader.id}")

    count = insert_rows(connection, OutboxMessage.__table__, invitations())  # type: ignore[arg-type, attr-defined]
    return RoundResult(record.id, len(pairs), len(alone), count)


def _mark_left_out(session: Session, now: datetime, pairs: list[tuple[Person, Person]], alone: list[Person]) -> None:
    """Remember who this round left without a partner (the next pairs them first); forget it for the paired."""
    member = Member.__table__  # type: ignore[attr-defined]
    connection = session.connection()
    for ids in chunks([p.id for pair in pairs for p in pair if p.left_out]):
        connection.execute(update(member).where(member.c.id.in_(ids)).values(intro_left_out_at=None))
    for ids in chunks([p.id for p in alone]):
        connection.execute(update(member).where(member.c.id.in_(ids)).values(intro_left_out_at=now))


def intros_command(ctx: Context, args: str) -> Reply:
    """/intros run: a coordinator runs an introduction round now."""
    words = args.lower().split()
    if words not in (["run"], ["run", "confirm"]):
        raise UserError(N_("Usage: {p}intros run"))
    last = ctx.session.exec(select(func.max(IntroRound.ran_at))).one()
    if words == ["run"] and last is not None and ctx.now - last < RERUN_WITHIN:
        return Reply("\n".join([
            ctx.t("An introduction round already ran on {when}.", when=ctx.tr.datetime(last, ctx.zone(), "medium")),
            ctx.t("Another one now sends everyone in the rounds a new invitation. Run it anyway?")]),
            buttons=[[Button(str(ctx.t("Run another round")), "/intros run confirm")]])
    result = run_round(ctx.session, ctx.now, ctx.settings)
    if result.messages:
        ctx.outbox.append(result.messages)  # wakes the delivery worker after the commit
    return Reply(ctx.tn("Introduction round done: {n} pair, {left} without a match.",
                        "Introduction round done: {n} pairs, {left} without a match.",
                        result.pairs, left=result.unmatched))


def _dm(reader: Reader) -> ChatRef:
    return ChatRef(reader.platform, reader.user_id, is_direct=True)  # as bot.context.direct_chat


def weekly_round(sessions: SessionFactory, now: datetime, settings: Settings) -> RoundResult:
    """The scheduled round (Monday 10:00, network time): one transaction."""
    with sessions() as session:
        result = run_round(session, now, settings)
        session.commit()
    return result


def last_due(now: datetime, settings: Settings) -> datetime:
    """The most recent Monday 10:00 in the network's time zone, at or before ``now``."""
    local = now.astimezone(ZoneInfo(settings.network_timezone))
    monday = (local - timedelta(days=local.weekday())).replace(hour=10, minute=0, second=0, microsecond=0)
    return monday if monday <= local else monday - timedelta(days=7)


def missed_round(session: Session, now: datetime, settings: Settings) -> bool:
    """Was this week's round due less than a day ago and never run (the bot was down)?"""
    due = last_due(now, settings)
    if now - due > CATCH_UP:
        return False
    last = session.exec(select(func.max(IntroRound.ran_at))).one()
    return last is None or last < due


def schedule_rounds(scheduler: Scheduler, sessions: SessionFactory, settings: Settings,
                    wake: Callable[[], None]) -> None:
    """Register the weekly round: Monday 10:00 in the network's time zone (DST-aware cron).

    Jobs live in memory, so a round due while the bot was down is caught up at start.
    """

    async def job() -> None:
        # In a thread: a round over thousands of members must not stall the adapters' loop.
        result = await asyncio.to_thread(weekly_round, sessions, utcnow(), settings)
        log.info("introduction round %s: %s pairs, %s unmatched", result.round_id, result.pairs, result.unmatched)
        wake()

    scheduler.cron("intro-round", job, timezone_name=settings.network_timezone, day_of_week="mon", hour=10, minute=0)
    now = utcnow()
    with sessions() as session:
        if missed_round(session, now, settings):
            scheduler.at("intro-round-catch-up", now, job)
