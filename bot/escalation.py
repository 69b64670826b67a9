"""Who is asked about a skill request, and when: the own space first, then the network.

Who is asked is found through the tag index (``MemberSkill.tag``), never by
scanning members: a request's tags are vocabulary ids, so one indexed lookup
finds every member with that skill whatever language they wrote it in. Each
ask is a ``NeedAsk`` row, which is what guarantees nobody is asked twice.

A request goes to the network when nobody in its space could be asked at all
(at once: waiting a day for nobody helps no one), or when nobody accepted an
introduction within ``NEED_ESCALATE_AFTER``. A declined or unanswered offer is
not help; only an introduction both sides said yes to is.
"""
from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import exists, func, or_
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.context import direct_chat, reader_translator
from bot.i18n import Translator
from bot.messages import Button, ChatRef, Reply
from bot.outbox import enqueue
from bot.scheduler import Scheduler
from bot.skills import tag_label
from bot.vocabulary import FREE_PREFIX, typed_forms
from storage.db import SessionFactory
from storage.models import Introduction, Member, MemberSkill, NeedAsk, NeedRequest, Space
from storage.types import utcnow

ASK_LIMIT = 25  # members asked per stage: enough to find help, not a mass mailing
MIN_CHECK_SECONDS = 60
Post = Callable[..., None]  # as Context.post: (chat, reply, kind=..., recipient=...) → queued in this transaction
_HASHTAG = re.compile(r"(?<![\w#])#(\w[\w-]*)")  # as bot.vocabulary reads a /need's tags


def typed_need_tags(text: str) -> dict[str, str]:
    """Free tag → as the requester typed it ("free:ιστοσελιδες" → "Ιστοσελίδες"), from a request's text.

    Read back from the text rather than stored: a forgotten member's request loses its text,
    and with it every word they typed.
    """
    return typed_forms(", ".join(_HASHTAG.findall(text))) if "#" in text else {}


def need_labels(tags: Iterable[str], lang: str, typed: Mapping[str, str]) -> str:
    """Tags for a reader of ``lang``: skills in their language, free tags as typed (plain text)."""
    return ", ".join(typed.get(tag) or tag_label(tag, lang) for tag in tags)


def request_labels(tags: Iterable[str], text: str, lang: str) -> str:
    """A request's tags for a reader of ``lang``, free tags as the requester typed them."""
    tags = list(tags)
    return need_labels(tags, lang, typed_need_tags(text) if any(t.startswith(FREE_PREFIX) for t in tags) else {})


def matching_members(session: Session, request: NeedRequest, *, same_space: bool,
                     limit: int = ASK_LIMIT) -> list[Member]:
    """Members with at least one of the request's tags, not yet asked, willing to be asked.

    Best matches (most tags in common) and recently active members first. Whoever already
    offered help on it is not asked again.
    """
    if not request.tags:
        return []
    asked = select(NeedAsk.member_id).where(NeedAsk.request_id == request.id)
    offered = select(Introduction.member_b_id).where(Introduction.request_id == request.id,
                                                     col(Introduction.member_b_id).is_not(None))
    query = (
        select(Member)
        .join(MemberSkill, col(MemberSkill.member_id) == col(Member.id))
        .where(col(MemberSkill.tag).in_(request.tags), col(Member.consent_requests).is_(True))
        .where(col(Member.id).not_in(asked), col(Member.id).not_in(offered))
    )
    if request.requester_id is not None:
        query = query.where(Member.id != request.requester_id)
    if same_space:
        query = query.where(Member.home_space_id == request.space_id)
    else:
        query = query.where(or_(col(Member.home_space_id).is_(None), Member.home_space_id != request.space_id))
    query = query.group_by(col(Member.id)).order_by(
        func.count(col(MemberSkill.id)).desc(), col(Member.last_seen_at).desc(), col(Member.id)
    )
    return list(session.exec(query.limit(limit)))


def ask_members(session: Session, settings: Settings, request: NeedRequest, members: list[Member],
                now: datetime, post: Post) -> int:
    """DM each member an "I can help" request, in their language, and remember they were asked."""
    requester = session.get(Member, request.requester_id) if request.requester_id else None
    space = session.get(Space, request.space_id)
    for member in members:
        session.add(NeedAsk(request_id=request.id, member_id=member.id, asked_at=now))
        tr = reader_translator(session, settings, member)
        post(direct_chat(member), _ask_reply(tr, request, requester, space), kind="need",
             dedupe_key=f"need:{request.id}:{member.id}", subject=requester, recipient=member)
    return len(members)


def _ask_reply(tr: Translator, request: NeedRequest, requester: Member | None, space: Space | None) -> Reply:
    text = tr.t("<b>{name}</b> from {space} needs help (request #{id}):\n{text}",
                name=requester.display_name if requester else "?", space=space.name if space else "?",
                id=request.id, text=request.text)
    if request.tags:
        text += "\n" + tr.t("Skills: {skills}", skills=request_labels(request.tags, request.text, tr.lang))
    return Reply(text, buttons=[[Button(str(tr.t("I can help")), f"/help_with {request.id}")]])


def ask_network(session: Session, settings: Settings, request: NeedRequest, now: datetime, post: Post) -> int:
    """Ask matching members of the other spaces and show the request to the whole network; how many were asked."""
    asked = ask_members(session, settings, request, matching_members(session, request, same_space=False), now, post)
    request.escalated_at, request.network = now, True
    session.add(request)
    return asked


def other_ways(tr: Translator, request: NeedRequest, space: Space | None) -> list[Markup]:
    """What a requester can still do when nobody in the network lists the skills asked for."""
    lines = [tr.t("Your request stays listed for every space in {p}needs, where anyone can offer help."),
             tr.t("A manager of {space} may know someone.", space=space.name if space else "—")]
    known = next((tag for tag in request.tags if not tag.startswith(FREE_PREFIX)), None)
    if known is not None:
        lines.append(tr.t("{p}who {skill} lists members with this skill or a related one.",
                          skill=tag_label(known, tr.lang)))
    return lines


def escalate_due(sessions: SessionFactory, now: datetime, settings: Settings) -> int:
    """Ask other spaces about open requests nobody was introduced on in time; returns how many."""
    helped = exists().where(Introduction.request_id == NeedRequest.id, col(Introduction.completed_at).is_not(None))
    query = (
        select(NeedRequest)
        .where(NeedRequest.status == "open", col(NeedRequest.escalated_at).is_(None))
        .where(NeedRequest.created_at <= now - settings.need_escalate_after, ~helped)
        .order_by(col(NeedRequest.id))
    )
    count = 0
    with sessions() as session:

        def post(chat: ChatRef, reply: Reply, *, subject: Member | None = None, recipient: Member | None = None,
                 **kwargs: object) -> None:
            enqueue(session, chat, reply, not_before=now,  # type: ignore[arg-type]
                    subject_id=subject.id if subject else None, recipient_id=recipient.id if recipient else None,
                    **kwargs)

        for request in session.exec(query).all():
            asked = ask_network(session, settings, request, now, post)
            requester = session.get(Member, request.requester_id) if request.requester_id else None
            if requester is not None:
                tr = reader_translator(session, settings, requester)
                post(direct_chat(requester), _escalated(tr, request, asked, session.get(Space, request.space_id)),
                     kind="need", recipient=requester)
            count += 1
        session.commit()
    return count


def _escalated(tr: Translator, request: NeedRequest, asked: int, space: Space | None) -> Reply:
    if asked:
        return Reply(tr.tn(
            "Nobody has offered help on request #{id} yet, so I asked {n} member of other spaces.",
            "Nobody has offered help on request #{id} yet, so I asked {n} members of other spaces.",
            asked, id=request.id))
    lines = [tr.t("Nobody has offered help on request #{id} yet, and nobody in the other spaces lists "
                  "the skills it asks for.", id=request.id)]
    return Reply("\n".join(lines + other_ways(tr, request, space)))


def escalation_period(settings: Settings) -> float:
    """How often to look for requests to escalate: a tenth of ``NEED_ESCALATE_AFTER``, at least a minute.

    A request then goes to the network at most 10% later than promised, for a
    query every few hours with the default of 24 h rather than every five minutes.
    """
    return max(MIN_CHECK_SECONDS, settings.need_escalate_after.total_seconds() / 10)


def schedule_escalation(scheduler: Scheduler, sessions: SessionFactory, settings: Settings,
                        wake: Callable[[], None]) -> None:
    """Check for requests to escalate periodically (the database says which are due)."""

    async def job() -> None:
        if await asyncio.to_thread(escalate_due, sessions, utcnow(), settings):
            wake()

    scheduler.every("need-escalation", escalation_period(settings), job)
