"""Double opt-in introductions: /intro on|off|pause|yes|no|msg.

An introduction (from a round, or from ``/help_with``) is shown to each side
with the other's space and skills and Yes/No buttons. Handles are shared only
once both said yes. When a handle would be useless (the other is on another
platform, or has no public username), the bot says so and relays messages
with ``/intro msg ID TEXT`` instead of pretending a contact exists.
"""
from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from markupsafe import Markup, escape
from sqlmodel import Session

from bot.context import Context, UserError
from bot.escalation import need_labels
from bot.i18n import N_, Translator
from bot.intro_pause import pause_command, pause_state
from bot.members import display
from bot.messages import Button, Reply
from bot.sanitize import parse_id
from bot.skills import labels, member_tags
from storage.models import Introduction, Member, NeedRequest, Space

MESSAGE_MAX = 1000
PLATFORM_NAMES = {"telegram": "Telegram", "matrix": "Matrix", "console": "Console"}
USAGE = N_("Usage: {p}intro on|off, {p}intro pause 2w|off, {p}intro yes|no ID, {p}intro msg ID TEXT")


def answer_buttons(tr: Translator, intro_id: int) -> list[list[Button]]:
    yes, no = _yes_no(tr)
    return [[Button(yes, f"/intro yes {intro_id}"), Button(no, f"/intro no {intro_id}")]]


@lru_cache(maxsize=64)
def _yes_no(tr: Translator) -> tuple[str, str]:
    """Button labels per reader language (a round builds thousands of invitations)."""
    return str(tr.t("Yes")), str(tr.t("No"))


@lru_cache(maxsize=64)
def _shared_only_on_two_yes(tr: Translator) -> str:
    return str(tr.t("Contacts are shared only if you both say yes."))


@lru_cache(maxsize=64)
def _invitation_lines(tr: Translator) -> tuple[str, str]:
    """The round's opening sentence and skills line in ``tr``'s language, placeholders kept.

    Each of a round's invitations then fills them with one ``str.format`` of escaped
    values: a Markup format per line is most of the cost of 100,000 invitations.
    """
    return (str(tr.t("<b>Introduction round</b>: would you like to meet {name} from {space}?",
                     name=Markup("{name}"), space=Markup("{space}"))),
            str(tr.t("Skills: {skills}", skills=Markup("{skills}"))))


def round_invitation(tr: Translator, intro_id: int, name: str, space: Space | None,
                     skills: list[str], needs: list[str], typed: Mapping[str, str] | None = None) -> Reply:
    """The DM a round sends each side: who the other is, their space and skills, Yes/No.

    ``typed``: the other's free need tags as they typed them (see bot.escalation).
    """
    header, skills_line = _invitation_lines(tr)
    lines = [header.format(name=escape(name), space=escape(_space_name(space)))]
    if skills:
        lines.append(skills_line.format(skills=escape(labels(skills, tr.lang))))
    if needs:
        lines.append(tr.t("Looking for: {skills}", skills=need_labels(needs, tr.lang, typed or {})))
    lines.append(_shared_only_on_two_yes(tr))
    return Reply("\n".join(lines), buttons=answer_buttons(tr, intro_id))


def ask_for_answer(ctx: Context, intro: Introduction, *, asked: Member, other: Member,
                   request: NeedRequest) -> None:
    """DM the requester that ``other`` offers help, with Yes/No buttons."""
    space = ctx.session.get(Space, other.home_space_id) if other.home_space_id else None
    skills = member_tags(ctx.session, other.id)

    def build(tr: Translator) -> Reply:
        lines = [tr.t("{name} from {space} offers to help with your request #{id}:\n{text}",
                      name=other.display_name, space=_space_name(space), id=request.id, text=request.text)]
        if skills:
            lines.append(tr.t("Skills: {skills}", skills=labels(skills, tr.lang)))
        lines.append(tr.t("Would you like to be introduced? Contacts are shared only if you both say yes."))
        return Reply("\n".join(lines), buttons=answer_buttons(tr, intro.id))

    ctx.post_to_member(asked, build, kind="intro", dedupe_key=f"intro:{intro.id}:{asked.id}", subject=other)


def intro_command(ctx: Context, args: str) -> Reply:
    """/intro [on|off] ; /intro yes|no ID ; /intro msg ID TEXT"""
    words = args.split(maxsplit=2)
    verb = words[0].lower() if words else ""
    if verb in ("on", "off"):
        ctx.member.consent_intros = verb == "on"
        ctx.member.intros_paused_until = None  # "on" means now; "off" needs no pause
        ctx.session.add(ctx.member)
        if verb == "on":
            return Reply(ctx.t("You are in the introduction rounds: every Monday I may introduce you to someone."))
        return Reply(ctx.t("You are out of the introduction rounds."))
    if verb == "pause":
        return pause_command(ctx, args.strip()[len(verb):])
    if not words:
        state = ctx.t("on") if ctx.member.consent_intros else ctx.t("off")
        lines = [ctx.t("Introduction rounds: {state}. Change with {p}intro on|off.", state=state)]
        paused = pause_state(ctx) if ctx.member.consent_intros else None
        return Reply("\n".join(lines + ([paused] if paused else [])))
    intro_id = parse_id(words[1]) if len(words) >= 2 else None
    if intro_id is None:
        raise UserError(USAGE)
    intro = _my_intro(ctx, intro_id, words[1])
    if verb in ("yes", "no") and len(words) == 2:
        return _answer(ctx, intro, verb)
    if verb == "msg" and len(words) == 3:
        return _relay(ctx, intro, words[2].strip())
    raise UserError(USAGE)


def _my_intro(ctx: Context, intro_id: int, typed: str) -> Introduction:
    intro = ctx.session.get(Introduction, intro_id) if intro_id else None
    if intro is None or ctx.member.id not in (intro.member_a_id, intro.member_b_id):
        raise UserError(N_("You have no introduction #{id}."), id=typed.lstrip("#")[:20])
    return intro


def _other(session: Session, intro: Introduction, me: Member) -> Member:
    other_id = intro.member_b_id if intro.member_a_id == me.id else intro.member_a_id
    other = session.get(Member, other_id) if other_id else None
    if other is None:
        raise UserError(N_("This introduction is no longer possible: the other person left."))
    return other


def _answer(ctx: Context, intro: Introduction, answer: str) -> Reply:
    if intro.completed_at is not None:
        raise UserError(N_("You have both said yes to introduction #{id} already."), id=intro.id)
    if "no" in (intro.a_answer, intro.b_answer):
        raise UserError(N_("Introduction #{id} will not go ahead: one of you said no."), id=intro.id)
    other = _other(ctx.session, intro, ctx.member)
    mine, theirs = ("a_answer", "b_answer") if intro.member_a_id == ctx.member.id else ("b_answer", "a_answer")
    setattr(intro, mine, answer)
    ctx.session.add(intro)
    if answer == "no":
        if getattr(intro, theirs) == "yes":
            ctx.post_to_member(other, lambda tr: Reply(tr.t(
                "The introduction with {name} will not go ahead this time. Thank you!",
                name=ctx.member.display_name)), kind="intro", subject=ctx.member)
        return Reply(ctx.t("All right, I will not introduce you to {name}.", name=other.display_name))
    if getattr(intro, theirs) != "yes":
        return Reply(ctx.t("Thanks! I will share your contacts as soon as {name} says yes too.",
                           name=other.display_name))
    intro.completed_at = ctx.now
    request = ctx.session.get(NeedRequest, intro.request_id) if intro.request_id else None
    open_request = request if request is not None and request.status == "open" else None
    ctx.post_to_member(other, lambda tr: _done(tr, intro, reader=other, other=ctx.member, request=open_request),
                       kind="intro", dedupe_key=f"intro-done:{intro.id}:{other.id}", subject=ctx.member)
    return _done(ctx.tr, intro, reader=ctx.member, other=other, request=open_request)


def _done(tr: Translator, intro: Introduction, *, reader: Member, other: Member,
          request: NeedRequest | None = None) -> Reply:
    """Both said yes: how ``reader`` can reach ``other`` — directly, or through the bot.

    The requester of an open request is offered to close it: an accepted offer of help
    is the moment it may be solved, and an open request keeps inviting offers.
    """
    lines = [tr.t("<b>You and {name} both said yes!</b>", name=other.display_name), _contact(tr, intro, reader, other)]
    if request is None or request.requester_id != reader.id:
        return Reply("\n".join(str(line) for line in lines))
    lines.append(tr.t("Once you have the help you needed, close request #{id}: {p}resolve {id}.", id=request.id))
    return Reply("\n".join(str(line) for line in lines),
                 buttons=[[Button(str(tr.t("Resolved? Close #{id}", id=request.id)), f"/resolve {request.id}")]])


def public_handle(member: Member) -> str | None:
    """What another user can type to find ``member`` on their platform, if anything."""
    if member.platform == "matrix":
        return member.user_id  # a Matrix id is public by design: @alice:example.org
    if member.handle:
        return "@" + member.handle.lstrip("@")
    return None


def _contact(tr: Translator, intro: Introduction, reader: Member, other: Member) -> Markup:
    handle = public_handle(other)
    if handle and other.platform == reader.platform:
        return tr.t("You can write to {name} directly: {handle}", name=other.display_name, handle=handle)
    relay = tr.t("Send {p}intro msg {id} TEXT and I will pass your message on.", id=intro.id)
    platform = PLATFORM_NAMES.get(other.platform, other.platform)
    if handle:
        return tr.t("{name} is on {platform} ({handle}), not on the same platform as you.",
                    name=other.display_name, platform=platform, handle=handle) + " " + relay
    return tr.t("{name} has no public username on {platform}.", name=other.display_name,
                platform=platform) + " " + relay


def _relay(ctx: Context, intro: Introduction, text: str) -> Reply:
    """/intro msg ID TEXT: pass a message on, only within a completed introduction."""
    if intro.completed_at is None:
        raise UserError(N_("I can pass messages on only once you have both said yes to introduction #{id}."),
                        id=intro.id)
    if len(text) > MESSAGE_MAX:
        raise UserError(N_("A message is limited to {limit} characters (yours has {length})."),
                        limit=MESSAGE_MAX, length=len(text))
    other = _other(ctx.session, intro, ctx.member)
    ctx.post_to_member(other, lambda tr: _relayed(tr, intro, ctx.member, text), kind="relay", author=ctx.member)
    return Reply(ctx.t("Sent to {name}.", name=other.display_name))


def _relayed(tr: Translator, intro: Introduction, sender: Member, text: str) -> Reply:
    return Reply("\n".join([
        str(tr.t("<b>Message from {name}</b> (introduction #{id}):", name=display(sender), id=intro.id)),
        str(escape(text)),
        str(tr.t("Answer with {p}intro msg {id} TEXT.", id=intro.id)),
    ]))


def _space_name(space: Space | None) -> str:
    return f"{space.name}, {space.city}" if space else "—"
