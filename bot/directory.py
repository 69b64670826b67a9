"""/who SKILL: members of the whole network with a skill, or a related one, who agreed to be listed.

The skill may be typed in any of the bot's languages: it becomes vocabulary ids
like a /skills entry, so "/who grafica" finds a Greek "γραφίστας". Members with
the skill itself come first, then those with a skill the vocabulary relates to
it, then those with a skill of the same family (design, tech, agri-food…): a
requester who finds nobody with the exact skill still sees who is nearest.
Only members with ``consent_directory`` are ever listed, and only their name,
space and matching skills: a contact is made through /need, not harvested here.
"""
from __future__ import annotations

from sqlalchemy import case, func
from sqlmodel import col, select

from bot.context import Context, UserError
from bot.i18n import N_
from bot.messages import Reply
from bot.pages import Page, page_buttons, page_footer, page_window, split_page
from bot.skills import TAG_MAX, tag_label, vocabulary
from bot.vocabulary import canonical_tags, typed_forms
from storage.models import Member, MemberSkill, Space

SAME, RELATED, FAMILY = 0, 1, 2  # how near a member's skill is to the one asked for
USAGE = N_("Usage: {p}who SKILL, e.g. {p}who graphic design")


def nearby_skills(tags: list[str]) -> dict[str, int]:
    """Tag → SAME, RELATED or FAMILY for the tags asked for and the vocabulary's neighbours of them."""
    vocab = vocabulary()
    ranks = dict.fromkeys(tags, SAME)
    known = [tag for tag in tags if tag in vocab]
    for tag in known:
        for other in sorted(vocab.related(tag)):
            ranks.setdefault(other, RELATED)
    families = {vocab.family(tag) for tag in known}
    for other in vocab.ids():
        if vocab.family(other) in families:
            ranks.setdefault(other, FAMILY)
    return ranks


def who(ctx: Context, args: str) -> Reply:
    """/who SKILL [page]: listed members with that skill or a related one, with their space, nearest first."""
    typed, number = split_page(args)
    if len(typed) > TAG_MAX:
        raise UserError(N_("A skill is limited to {limit} characters."), limit=TAG_MAX)
    tags = canonical_tags(typed) if typed else []
    if not tags:
        raise UserError(USAGE)
    forms = typed_forms(typed)  # a free tag is shown as typed, not in its matching form
    asked = ", ".join(forms.get(tag) or tag_label(tag, ctx.lang) for tag in tags)
    ranks = nearby_skills(tags)
    rank = case(ranks, value=col(MemberSkill.tag))
    listed = (
        select(MemberSkill.member_id, func.min(rank).label("rank"))
        .join(Member, col(Member.id) == col(MemberSkill.member_id))
        .where(col(MemberSkill.tag).in_(list(ranks)), col(Member.consent_directory).is_(True))
        .group_by(col(MemberSkill.member_id))
        .subquery()
    )
    total = ctx.session.exec(select(func.count()).select_from(listed)).one()
    if not total:
        if not any(tag in vocabulary() for tag in tags):
            return Reply("\n".join([ctx.t("I don't know the skill \u201c{skill}\u201d, and nobody lists it.",
                                          skill=asked),
                                    ctx.t("Try another word for it, or post a request with {p}need: "
                                          "it is shown to the whole network.")]))
        return Reply("\n".join([ctx.t("Nobody in the directory lists {skill} or a related skill yet.", skill=asked),
                                ctx.t("Post a request with {p}need: members who have it are asked for you.")]))
    number, offset, limit = page_window(total, number)
    rows = ctx.session.exec(
        select(Member.id, Member.display_name, Space.name, Space.city)
        .join(listed, listed.c.member_id == col(Member.id))
        .join(Space, col(Space.id) == col(Member.home_space_id), isouter=True)
        .order_by(listed.c.rank, func.lower(Member.display_name), col(Member.id))
        .offset(offset).limit(limit)
    ).all()
    matched: dict[int, list[str]] = {row[0]: [] for row in rows}
    for member_id, tag in ctx.session.exec(
            select(MemberSkill.member_id, MemberSkill.tag)
            .where(col(MemberSkill.member_id).in_(list(matched)), col(MemberSkill.tag).in_(list(ranks)))
            .order_by(col(MemberSkill.id))):
        matched[member_id].append(tag)
    lines = [ctx.tn("<b>{n} member with {skill} or a related skill</b>",
                    "<b>{n} members with {skill} or a related skill</b>", total, skill=asked)]
    for member_id, name, space, city in rows:
        skills = ", ".join(forms.get(tag) or tag_label(tag, ctx.lang)
                           for tag in sorted(matched[member_id], key=ranks.__getitem__))
        where = f"{space}, {city}" if space else "—"
        lines.append(ctx.t("• {name} ({space}): {skills}", name=name, space=where, skills=skills))
    page = Page(rows, number, total)
    footer = page_footer(ctx.tr, page)
    lines += [footer] if footer else []
    lines.append(ctx.t("Only members who agreed to be listed are shown. To get in touch, post a request "
                       "with {p}need."))
    return Reply("\n".join(lines), buttons=page_buttons(ctx.tr, page, f"/who {typed}"))
