"""Members' skills (/skills) and the tag lookups that requests, intros and visits share.

A skill is stored as a tag: a vocabulary id (``graphic_design``) when the words
map to the shared multilingual vocabulary, else ``free:<normalized text>``.
Storing ids rather than words is what lets a Greek "γραφίστας" need find an
Italian "grafica" member: both normalize to the same id. Labels are rendered
in the *reader's* language, never the writer's.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from sqlmodel import Session, col, select

from bot.context import Context, UserError
from bot.i18n import N_
from bot.messages import Reply
from bot.vocabulary import Vocabulary, canonical_tags, load_vocabulary
from storage.models import MemberSkill

SKILLS_MAX = 30  # per member; enough for a profile, not a keyword dump
TAG_MAX = 60  # characters of one tag as typed
FREE = "free:"
_SEPARATORS = re.compile(r"[,;\n]+")


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The shared vocabulary, loaded once on first use (never at import)."""
    return load_vocabulary()


@lru_cache(maxsize=4096)
def tag_label(tag: str, lang: str) -> str:
    """A tag as a reader of ``lang`` sees it; free tags are shown as typed (normalized)."""
    if tag.startswith(FREE):
        return tag[len(FREE):]
    return vocabulary().label(tag, lang) or tag


def labels(tags: Iterable[str], lang: str) -> str:
    """Tags as one comma-separated line in ``lang`` (plain text; the caller escapes it)."""
    return ", ".join(tag_label(tag, lang) for tag in tags)


def parse_tags(text: str) -> list[str]:
    """``Grafica, traduction; #python`` → vocabulary ids / free tags, in order, no duplicates.

    Each comma-separated piece is one tag, so "web design" stays one skill.
    """
    tags: list[str] = []
    for piece in _SEPARATORS.split(text):
        piece = piece.strip().lstrip("#").strip()
        if not piece:
            continue
        if len(piece) > TAG_MAX:
            raise UserError(N_("A skill is limited to {limit} characters."), limit=TAG_MAX)
        for tag in canonical_tags(piece):
            if tag not in tags and tag != FREE:
                tags.append(tag)
    return tags


def member_tags(session: Session, member_id: int) -> list[str]:
    """One member's tags, in the order they were added."""
    query = select(MemberSkill.tag).where(MemberSkill.member_id == member_id).order_by(col(MemberSkill.id))
    return list(session.exec(query))


def tags_of_members(session: Session, member_ids: Iterable[int]) -> dict[int, list[str]]:
    """Member id → tags, for a handful of members at once."""
    ids = list(set(member_ids))
    found: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        query = select(MemberSkill.member_id, MemberSkill.tag).where(col(MemberSkill.member_id).in_(ids))
        for member_id, tag in session.exec(query.order_by(col(MemberSkill.id))):
            found[member_id].append(tag)
    return found


def skills_command(ctx: Context, args: str) -> Reply:
    """/skills ; /skills add tag, tag ; /skills remove tag, tag ; /skills tag, tag (= add)."""
    verb, _, rest = args.strip().partition(" ")
    if verb.lower() in ("add", "remove"):
        if not rest.strip():
            raise UserError(N_("Usage: {p}skills [add|remove] tag, tag"))
        tags = parse_tags(rest)
    else:
        verb, tags = "add", parse_tags(args)
    current = member_tags(ctx.session, ctx.member.id)
    if not args.strip():
        return _show(ctx, current)
    if verb.lower() == "remove":
        missing = [t for t in tags if t not in current]
        if missing:
            raise UserError(N_("You don't list {skills} among your skills."), skills=labels(missing, ctx.lang))
        rows = ctx.session.exec(
            select(MemberSkill).where(MemberSkill.member_id == ctx.member.id, col(MemberSkill.tag).in_(tags))
        )
        for row in rows:
            ctx.session.delete(row)
        return _show(ctx, [t for t in current if t not in tags])
    new = [t for t in tags if t not in current]
    if len(current) + len(new) > SKILLS_MAX:
        raise UserError(N_("You can list at most {limit} skills."), limit=SKILLS_MAX)
    for tag in new:
        ctx.session.add(MemberSkill(member_id=ctx.member.id, tag=tag))
    return _show(ctx, current + new, free=[t for t in new if t.startswith(FREE)])


def _show(ctx: Context, tags: list[str], free: list[str] | None = None) -> Reply:
    if not tags:
        return Reply(ctx.t("You have not listed any skills yet. Add some with {p}skills add design, translation."))
    lines = [ctx.t("<b>Your skills</b>: {skills}", skills=labels(tags, ctx.lang))]
    if free:
        lines.append(ctx.t("Not in the shared vocabulary, kept as you wrote them: {skills}",
                           skills=labels(free, ctx.lang)))
    return Reply("\n".join(lines))
