"""Skill requests: /need, /needs, /help_with and /resolve.

Who is asked, and when the network is, is bot/escalation.py.
"""
from __future__ import annotations

from sqlalchemy import func, or_
from sqlmodel import col, select

from bot.context import Context, Refusal, UserError
from bot.escalation import ask_members, ask_network, matching_members, other_ways, request_labels
from bot.i18n import N_
from bot.messages import Button, Reply
from bot.pages import Page, page_buttons, page_footer, page_window, split_page
from bot.sanitize import parse_id
from bot.vocabulary import extract_need_tags
from storage.models import Introduction, Member, NeedRequest, Space

REQUEST_MAX = 1000
LIST_LIMIT = 15


def need(ctx: Context, args: str) -> Reply:
    """/need TEXT [#tag ...]: post a request and ask matching members of this space.

    With nobody to ask here, the other spaces are asked at once; with nobody anywhere,
    the requester hears what else they can do.
    """
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
    if not request.tags:
        lines.append(ctx.t("I found no skill I know in it: add #tags (e.g. #design) so I can find helpers."))
        return Reply("\n".join(lines + [_escalation_promise(ctx)]))
    lines.append(ctx.t("Skills: {skills}", skills=request_labels(request.tags, request.text, ctx.lang)))
    if asked:
        lines.append(ctx.tn("I asked {n} member of {space} who has these skills.",
                            "I asked {n} members of {space} who have these skills.", asked, space=space.name))
        return Reply("\n".join(lines + [_escalation_promise(ctx)]))
    network = ask_network(ctx.session, ctx.settings, request, ctx.now, ctx.post)
    if network:
        lines.append(ctx.tn("Nobody in {space} has these skills, so I asked {n} member of other spaces right away.",
                            "Nobody in {space} has these skills, so I asked {n} members of other spaces right away.",
                            network, space=space.name))
    else:
        lines.append(ctx.t("Nobody in the network lists these skills yet, so I could ask no one."))
        lines += other_ways(ctx.tr, request, space)
    return Reply("\n".join(lines))


def _escalation_promise(ctx: Context) -> str:
    hours = max(1, int(ctx.settings.need_escalate_after.total_seconds() // 3600))
    return ctx.tn("If nobody offers help within {n} hour, I will ask the other spaces of the network.",
                  "If nobody offers help within {n} hours, I will ask the other spaces of the network.", hours)


def needs(ctx: Context, args: str) -> Reply:
    """/needs: open requests of this space, and those open to the whole network."""
    where = col(NeedRequest.network).is_(True)
    if ctx.space is not None:
        where = or_(where, NeedRequest.space_id == ctx.space.id)
    total = ctx.session.exec(select(func.count()).select_from(NeedRequest).where(NeedRequest.status == "open", where)).one()
    number, offset, limit = page_window(total, split_page(args)[1])
    rows = ctx.session.exec(
        select(NeedRequest, Member, Space)
        .join(Space, col(Space.id) == col(NeedRequest.space_id))
        .join(Member, col(Member.id) == col(NeedRequest.requester_id), isouter=True)
        .where(NeedRequest.status == "open", where)
        .order_by(col(NeedRequest.created_at).desc(), col(NeedRequest.id).desc())
        .offset(offset).limit(limit)
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
            skills = request_labels(request.tags, request.text, ctx.lang)
            lines.append("   " + ctx.t("Skills: {skills}", skills=skills))
        if request.requester_id != ctx.member.id and len(buttons) < 5:
            buttons.append([Button(str(ctx.t("I can help with #{id}", id=request.id)), f"/help_with {request.id}")])
    lines.append(ctx.t("Offer help with {p}help_with ID."))
    page = Page(rows, number, total)
    footer = page_footer(ctx.tr, page)
    return Reply("\n".join(lines + ([footer] if footer else [])), buttons=buttons + page_buttons(ctx.tr, page, "/needs"))


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


