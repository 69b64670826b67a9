"""One introduction round: who meets whom this week.

Pairing is greedy over *bounded* candidate lists. Candidates come from
buckets keyed by tag (people who have a skill, people who need it) and from a
shuffled pool of everyone (for a different-space partner when no tag fits).
Each bucket keeps a cursor past the people already paired, so the work is
linear in members times a constant breadth: 20,000 members never means
400 million comparisons. A perfect matching is not the goal; a good one that
runs in a second or two every Monday is.

Preferences, as scores: complementary (one's skills answer the other's open
needs) 4, a different space 2, related skills 2. Hard rules: no pair that met
(or was proposed) in the last 90 days, at most one introduction per member.
"""
from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlmodel import Session, col, func, select

from bot.config import Settings
from bot.context import translator_for
from bot.i18n import Translator
from bot.intros import round_invitation
from bot.messages import ChatRef, Reply
from bot.outbox import outbox_values
from bot.scheduler import Scheduler
from bot.skills import vocabulary
from storage.db import SessionFactory
from storage.models import Introduction, IntroRound, Member, MemberSkill, NeedRequest, OutboxMessage, Space
from storage.types import utcnow

log = logging.getLogger(__name__)

RECENT = timedelta(days=90)
CATCH_UP = timedelta(days=1)  # a round missed by more than this waits for next Monday
SCAN = 8  # entries looked at per bucket
BREADTH = 32  # candidates scored per person, at most (plus one pool scan)
NEED_SCORE, SPACE_SCORE, RELATED_SCORE = 4, 2, 2


@dataclass(frozen=True)
class Person:
    """What pairing needs to know of an opted-in member."""

    id: int
    space_id: int | None
    skills: frozenset[str]
    needs: frozenset[str]


@dataclass(frozen=True)
class RoundResult:
    round_id: int
    pairs: int
    unmatched: int
    messages: int


def pair_people(people: list[Person], recent: set[tuple[int, int]], related: Callable[[str], Iterable[str]],
                rng: Random) -> tuple[list[tuple[Person, Person]], list[Person]]:
    """Greedy pairs and the people left without one. Linear in ``len(people)``."""
    order = list(range(len(people)))
    rng.shuffle(order)
    by_skill: dict[str, list] = defaultdict(lambda: [[], 0])  # tag → [indices, cursor]
    by_need: dict[str, list] = defaultdict(lambda: [[], 0])
    for i in order:
        for tag in people[i].skills:
            by_skill[tag][0].append(i)
        for tag in people[i].needs:
            by_need[tag][0].append(i)
    pool: list = [order, 0]
    taken = [False] * len(people)
    related_of: dict[str, frozenset[str]] = {}

    def candidates(bucket: list, me: int) -> list[int]:
        """Up to SCAN free people of a bucket; the cursor skips the taken ones for good."""
        items, start = bucket
        while start < len(items) and taken[items[start]]:
            start += 1
        bucket[1] = start
        return [j for j in items[start:start + SCAN] if not taken[j] and j != me]

    pairs: list[tuple[Person, Person]] = []
    # Those with needs first, then those with skills: they have the most to gain from a good match.
    for i in sorted(order, key=lambda k: (not people[k].needs, not people[k].skills)):
        if taken[i]:
            continue
        me = people[i]
        rel: set[str] = set()
        for tag in me.skills:
            if tag not in related_of:
                related_of[tag] = frozenset(related(tag))
            rel |= related_of[tag]
        need_buckets = [by_skill[t] for t in me.needs if t in by_skill] + [by_need[t] for t in me.skills if t in by_need]
        related_buckets = [by_skill[t] for t in rel if t in by_skill]
        # The best score this person could get; reaching it ends the search early.
        ceiling = SPACE_SCORE + (NEED_SCORE if need_buckets else 0) + (RELATED_SCORE if related_buckets else 0)
        seen: set[int] = set()
        best, best_score = -1, -1
        for bucket in (*need_buckets, *related_buckets, pool):
            if best_score >= ceiling or (len(seen) >= BREADTH and bucket is not pool):
                continue
            for j in candidates(bucket, i):
                if j in seen:
                    continue
                seen.add(j)
                other = people[j]
                if (min(me.id, other.id), max(me.id, other.id)) in recent:
                    continue
                score = SPACE_SCORE if me.space_id is None or me.space_id != other.space_id else 0
                if me.needs & other.skills or other.needs & me.skills:
                    score += NEED_SCORE
                if rel & other.skills:
                    score += RELATED_SCORE
                if score > best_score:
                    best, best_score = j, score
        if best >= 0:
            taken[i] = taken[best] = True
            pairs.append((me, people[best]))
    return pairs, [people[i] for i in order if not taken[i]]


class Reader(NamedTuple):
    """The columns of an opted-in member a round needs (plain rows: 20,000 ORM objects are slow)."""

    id: int
    platform: str
    user_id: str
    display_name: str
    language: str | None
    platform_language: str | None
    home_space_id: int | None


def load_people(session: Session) -> tuple[list[Person], dict[int, Reader]]:
    """Opted-in members with their skills and the tags of their open requests."""
    opted_in = col(Member.consent_intros).is_(True)
    query = select(Member.id, Member.platform, Member.user_id, Member.display_name, Member.language,
                   Member.platform_language, Member.home_space_id).where(opted_in)
    readers = {row[0]: Reader(*row) for row in session.exec(query)}
    skills: dict[int, set[str]] = defaultdict(set)
    rows = session.exec(select(MemberSkill.member_id, MemberSkill.tag)
                        .join(Member, col(Member.id) == col(MemberSkill.member_id)).where(opted_in))
    for member_id, tag in rows:
        skills[member_id].add(tag)
    needs: dict[int, set[str]] = defaultdict(set)
    rows = session.exec(select(NeedRequest.requester_id, NeedRequest.tags)
                        .join(Member, col(Member.id) == col(NeedRequest.requester_id))
                        .where(NeedRequest.status == "open", opted_in))
    for member_id, tags in rows:
        needs[member_id].update(tags)
    people = [Person(r.id, r.home_space_id, frozenset(skills.get(r.id, ())), frozenset(needs.get(r.id, ())))
              for r in readers.values()]
    return people, readers


def recent_pairs(session: Session, now: datetime) -> set[tuple[int, int]]:
    """(low id, high id) of every pair introduced, or proposed, in the last 90 days."""
    rows = session.exec(select(Introduction.member_a_id, Introduction.member_b_id)
                        .where(Introduction.created_at >= now - RECENT))
    return {(min(a, b), max(a, b)) for a, b in rows if a is not None and b is not None}


def run_round(session: Session, now: datetime, settings: Settings, seed: int | None = None) -> RoundResult:
    """Pair, store the introductions and queue every DM, in the caller's transaction.

    Rows are written with bulk INSERTs: building 30,000 ORM objects would take longer
    than the whole rest of the round.
    """
    people, members = load_people(session)
    spaces = {s.id: s for s in session.exec(select(Space))}
    rng = Random(int(now.timestamp()) if seed is None else seed)
    pairs, alone = pair_people(people, recent_pairs(session, now), vocabulary().related, rng)
    record = IntroRound(ran_at=now, pairs=len(pairs))
    session.add(record)
    session.flush()
    if pairs:
        rows = [{"member_a_id": a.id, "member_b_id": b.id, "kind": "round", "round_id": record.id,
                 "created_at": now} for a, b in pairs]
        session.connection().execute(insert(Introduction.__table__), rows)  # type: ignore[attr-defined]
    # Read the ids back by member (one introduction per member per round) rather than with
    # RETURNING, which SQLite runs row by row when the order of the ids must be kept.
    intro_of = dict(session.exec(select(Introduction.member_a_id, Introduction.id)
                                 .where(Introduction.round_id == record.id)).all())
    ids = [intro_of[a.id] for a, _ in pairs]
    messages: list[dict[str, object]] = []
    translators: dict[tuple[object, ...], Translator] = {}

    def translator_of(reader: Reader) -> Translator:
        """The reader's translator; built once per distinct (language, platform, space)."""
        space = spaces.get(reader.home_space_id)
        key = (reader.language, reader.platform_language, reader.platform, space.language if space else None)
        if key not in translators:
            stand_in = Member(platform=reader.platform, user_id=reader.user_id, language=reader.language,
                              platform_language=reader.platform_language)
            translators[key] = translator_for(stand_in, settings, space)
        return translators[key]

    for intro_id, (a, b) in zip(ids, pairs):
        for me, other in ((a, b), (b, a)):
            reader = members[me.id]
            reply = round_invitation(translator_of(reader), intro_id, members[other.id].display_name,
                                     spaces.get(other.space_id), sorted(other.skills), sorted(other.needs))
            messages.append(outbox_values(_dm(reader), reply, kind="intro", dedupe_key=f"intro:{intro_id}:{reader.id}",
                                          not_before=now, subject_id=other.id, recipient_id=reader.id))
    for person in alone:
        reader = members[person.id]
        reply = Reply(translator_of(reader).t("This week's introduction round found nobody new for you, sorry. "
                                              "You stay in for the next round."))
        messages.append(outbox_values(_dm(reader), reply, kind="intro", not_before=now, recipient_id=reader.id,
                                      dedupe_key=f"intro-alone:{record.id}:{reader.id}"))
    if messages:
        # Core insert: the ORM's per-row bookkeeping is most of the cost of 20,000 rows.
        session.connection().execute(insert(OutboxMessage.__table__), messages)  # type: ignore[attr-defined]
    return RoundResult(record.id, len(pairs), len(alone), len(messages))


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
