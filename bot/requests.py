"""Skill requests: /need, /needs, /help_with, /resolve and the escalation job.

Who is asked is found through the tag index (``MemberSkill.tag``), never by
scanning members: a request's tags are vocabulary ids, so one indexed lookup
finds every member with that skill whatever language they wrote it in. Each
ask is a ``NeedAsk`` row, which is what guarantees nobody is asked twice.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import exists, func, or_
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.context import Context, Refusal, UserError, direct_chat, reader_translator
from bot.i18n import N_, Translator
from bot.messages import Button, ChatRef, Reply
from bot.sanitize import parse_id
from bot.outbox import enqueue
from bot.scheduler import Scheduler
from bot.skills import labels
from bot.vocabulary import extract_need_tags
from storage.db import SessionFactory
from storage.models import Introduction, Member, MemberSkill, NeedAsk, NeedRequest, Space
from storage.types import utcnow

REQUEST_MAX = 1000
ASK_LIMIT = 25  # members asked per stage: enough to find help, not a mass mailing
LIST_LIMIT = 15
ESCALATION_CHECK_SECONDS = 300
Post = Callable[..., None]  # as Context.post: (chat, reply, kind=..., recipient=...) → queued in this transaction


def matching_members(session: Session, request: NeedRequest, *, same_space: bool,
                     limit: int = ASK_LIMIT) -> list[Member]:
    """Members with at least one of the request's tags, not yet asked, willing to be asked.

    Best matches (most tags in common) and recently active members first.
    """
    if not request.tags:
        return []
    asked = select(NeedAsk.member_id).where(NeedAsk.request_id == request.id)
    query = (
        select(Member)
        .join(MemberSkill, col(MemberSkill.member_id) == col(Member.id))
        .where(col(MemberSkill.tag).in_(request.tags), col(Member.consent_requests).is_(True))
        .where(col(Member.id).not_in(asked))
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
        text += "\n" + tr.t("Skills: {skills}", skills=labels(request.tags, tr.lang))
    return Reply(text, buttons=[[Button(str(tr.t("I can help")), f"/help_with {request.id}")]])


def need(ctx: Context, args: str) -> Reply:
    """/need TEXT [#tag ...]: post a request and ask matching members of this space."""
    space = ctx.require_space()
    text = args.strip()
    if not text:
        raise UserError(N_("Usage: {p}need TEXT [#tag ...]"))
    if len(text) > REQUEST_MAX:
        raise UserError(N_("A request is limited to {limit} characters (yours has {length})."),
                        limit=REQUEST_MAX, length=len(text))
    request = NeedRequest(space_id=space.id, requester_id=ctx.member.id, text=text,
                          tags=extract_need_tags(text), created_at=ctx.now)
    ctx.session.add(request)
    ctx.session.flush()
    asked = ask_members(ctx.session, ctx.settings, request,
                        matching_members(ctx.session, request, same_space=True), ctx.now, ctx.post)
    lines = [ctx.t("Request #{id} posted.", id=request.id)]
    if request.tags:
        lines.append(ctx.t("Skills: {skills}", skills=labels(request.tags, ctx.lang)))
    else:
        lines.append(ctx.t("I found no skill I know in it: add #tags (e.g. #design) so I can find helpers."))
    if asked:
        lines.append(ctx.tn("I asked {n} member of {space} who has these skills.",
                            "I asked {n} members of {space} who have these skills.", asked, space=space.name))
    hours = max(1, int(ctx.settings.need_escalate_after.total_seconds() // 3600))
    lines.append(ctx.tn("If nobody offers help within {n} hour, I will ask the other spaces of the network.",
                        "If nobody offers help within {n} hours, I will ask the other spaces of the network.",
                        hours))
    return Reply("\n".join(lines))


def escalate_due(sessions: SessionFactory, now: datetime, settings: Settings) -> int:
    """Ask other spaces about open requests nobody offered help on in time; returns how many."""
    helped = exists().where(Introduction.request_id == NeedRequest.id)
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
            members = matching_members(session, request, same_space=False)
            asked = ask_members(session, settings, request, members, now, post)
            request.escalated_at, request.network = now, True
            session.add(request)
            requester = session.get(Member, request.requester_id) if request.requester_id else None
            if requester is not None and asked:
                tr = reader_translator(session, settings, requester)
                post(direct_chat(requester), Reply(tr.tn(
                    "Nobody has offered help on request #{id} yet, so I asked {n} member of other spaces.",
                    "Nobody has offered help on request #{id} yet, so I asked {n} members of other spaces.",
                    asked, id=request.id)), kind="need", recipient=requester)
            count += 1
        session.commit()
    return count


def needs(ctx: Context, args: str) -> Reply:
    """/needs: open requests of this space, and those open to the whole network."""
    where = col(NeedRequest.network).is_(True)
    if ctx.space is not None:
        where = or_(where, NeedRequest.space_id == ctx.space.id)
    rows = ctx.session.exec(
        select(NeedRequest, Member, Space)
        .join(Space, col(Space.id) == col(NeedRequest.space_id))
        .join(Member, col(Member.id) == col(NeedRequest.requester_id), isouter=True)
        .where(NeedRequest.status == "open", where)
        .order_by(col(NeedRequest.created_at).desc(), col(NeedRequest.id).desc())
        .limit(LIST_LIMIT)
    ).all()
    if not rows:
        return Reply(ctx.t("No open requests right now. Post one with {p}need TEXT."))
    lines = [ctx.t("<b>Open requests</b>")]
    buttons = []
    for request, requester, space in rows:
        summary = request.text if len(request.text) <= 160 else request.text[:159] + "…"
        lines.append(ctx.t("#{id} · {name} ({space}): {text}", id=request.id,
                           name=requester.display_name if requester else "?", space=space.name, text=summary))
        if request.tags:
            lines.append("   " + ctx.t("Skills: {skills}", skills=labels(request.tags, ctx.lang)))
        if request.requester_id != ctx.member.id and len(buttons) < 5:
            buttons.append([Button(str(ctx.t("I can help with #{id}", id=request.id)), f"/help_with {request.id}")])
    lines.append(ctx.t("Offer help with {p}help_with ID."))
    return Reply("\n".join(lines), buttons=buttons)


def open_request(ctx: Context, args: str, usage: str) -> NeedRequest:
    """The open request whose id is ``args``, or a clear error."""
    text = args.strip().lstrip("#")
    request_id = parse_id(text)
    if request_id is None:
        raise UserError(usage)
    request = ctx.session.get(NeedRequest, request_id) if request_id else None
    if request is None or request.status != "open":
        raise UserError(N_("There is no open request #{id}."), id=text[:20])
    return request


def help_with(ctx: Context, args: str) -> Reply:
    """/help_with ID: offer help. Offering is the helper's yes; the requester is asked theirs."""
    from bot.intros import ask_for_answer

    request = open_request(ctx, args, N_("Usage: {p}help_with ID"))
    requester = ctx.session.get(Member, request.requester_id) if request.requester_id else None
    if requester is None:
        raise UserError(N_("There is no open request #{id}."), id=request.id)
    if requester.id == ctx.member.id:
        raise UserError(N_("That is your own request."))
    already = ctx.session.exec(select(Introduction).where(
        Introduction.request_id == request.id, Introduction.member_b_id == ctx.member.id)).first()
    if already is not None:
        raise UserError(N_("You already offered help on request #{id}."), id=request.id)
    intro = Introduction(member_a_id=requester.id, member_b_id=ctx.member.id, kind="help",
                         request_id=request.id, b_answer="yes", created_at=ctx.now)
    ctx.session.add(intro)
    ctx.session.flush()
    ask_for_answer(ctx, intro, asked=requester, other=ctx.member, request=request)
    return Reply(ctx.t("Thank you! I asked {name} whether they want to be introduced to you. "
                       "If they say yes, you will both get each other's contact.", name=requester.display_name))


def resolve(ctx: Context, args: str) -> Reply:
    """/resolve ID: the requester, or a manager of the request's space, closes it."""
    request = open_request(ctx, args, N_("Usage: {p}resolve ID"))
    if request.requester_id != ctx.member.id and not ctx.is_manager_of(request.space_id):
        raise Refusal(N_("Only the person who asked, or a manager of their space, can close request #{id}."),
                        id=request.id)
    request.status, request.resolved_at = "resolved", ctx.now
    ctx.session.add(request)
    return Reply(ctx.t("Request #{id} is closed. Thanks!", id=request.id))


def schedule_escalation(scheduler: Scheduler, sessions: SessionFactory, settings: Settings,
                        wake: Callable[[], None], every_seconds: float = ESCALATION_CHECK_SECONDS) -> None:
    """Check for requests to escalate every few minutes (the database says which are due)."""

    async def job() -> None:
        if await asyncio.to_thread(escalate_due, sessions, utcnow(), settings):
            wake()

    scheduler.every("need-escalation", every_seconds, job)
