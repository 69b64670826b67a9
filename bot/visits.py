"""/visit SPACE [dates]: tell another space of the network who is coming.

The announcement goes to every chat linked to the host space, in the host
space's language (its readers), with the visitor's skills as labels of that
language. Dates stay free text: "12–14 March", "next week" and "jeudi" all
make sense to a human reader, and a wrong parse would be worse than none.
"""
from __future__ import annotations

from sqlmodel import col, func, select

from bot.context import Context, UserError, command_prefix
from bot.i18n import N_, translator
from bot.members import display
from bot.messages import ChatRef, Reply
from bot.skills import labels, member_tags
from bot.spaces import linked_chats
from storage.models import Space

DATES_MAX = 200
NAME_WORDS_MAX = 8  # longest space name tried, in words


def _lookup(ctx: Context, name: str) -> Space | None:
    """A space by slug, or by its name in any case."""
    wanted = name.strip().lower()
    space = ctx.session.exec(select(Space).where(Space.slug == wanted)).first()
    if space is None:
        space = ctx.session.exec(select(Space).where(func.lower(col(Space.name)) == wanted)).first()
    return space


def split_space(ctx: Context, text: str) -> tuple[Space, str]:
    """``Make It Marseille next week`` → (that space, ``next week``): the longest name that fits.

    ``NAME | dates`` is accepted too, for names that would be ambiguous.
    """
    if "|" in text:
        name, _, dates = text.partition("|")
        space = _lookup(ctx, name)
        words = [name.strip()]
    else:
        words = text.split()
        space, dates = None, ""
        for k in range(min(len(words), NAME_WORDS_MAX), 0, -1):
            space = _lookup(ctx, " ".join(words[:k]))
            if space is not None:
                dates = " ".join(words[k:])
                break
    if space is None:
        raise UserError(N_("There is no space called {slug}. See {p}spaces."), slug=words[0][:100] or "?")
    return space, dates.strip()


def visit(ctx: Context, args: str) -> Reply:
    """/visit SPACE [dates]: SPACE is a slug (see /spaces) or a space's name."""
    text = args.strip()
    if not text:
        raise UserError(N_("Usage: {p}visit SPACE [dates]"))
    host, dates = split_space(ctx, text)
    if len(dates) > DATES_MAX:
        raise UserError(N_("Dates are limited to {limit} characters (yours has {length})."),
                        limit=DATES_MAX, length=len(dates))
    home = ctx.space
    if home is not None and home.id == host.id:
        raise UserError(N_("{space} is your own space: no need to announce a visit."), space=host.name)
    chats = linked_chats(ctx.session, [host.id])
    if not chats:
        raise UserError(N_("{space} has no chat linked to it, so I cannot tell them you are coming."), space=host.name)
    skills = member_tags(ctx.session, ctx.member.id)
    for link in chats:
        tr = translator(host.language, command_prefix(link.platform, ctx.settings))
        name_kw = {"name": display(ctx.member), "space": home.name if home else "—"}
        if dates:
            line = tr.t("<b>{name}</b> from {space} is coming to visit: {dates}.", dates=dates, **name_kw)
        else:
            line = tr.t("<b>{name}</b> from {space} is coming to visit soon.", **name_kw)
        parts = [line]
        if skills:
            parts.append(tr.t("Skills: {skills}", skills=labels(skills, tr.lang)))
        parts.append(tr.t("Say hello when they arrive!"))
        ctx.post(ChatRef(link.platform, link.chat_id), Reply("\n".join(str(p) for p in parts)), kind="visit",
                 author=ctx.member)
    return Reply(ctx.t("I told {space} that you are coming. Enjoy your visit!", space=host.name))
