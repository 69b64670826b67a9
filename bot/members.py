"""Members: who they are, their language, home space and consents (/start, /lang)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, or_
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, func, select

from bot.config import LANGUAGES, Settings
from bot.context import Context, UserError, is_coordinator, managed_spaces  # noqa: F401  (re-exported)
from bot.i18n import N_
from bot.messages import Button, ChatRef, Reply, Sender
from storage.models import ChatLink, CheckIn, Manager, Member, Space

CONSENTS = {
    "directory": "consent_directory",
    "presence": "consent_presence",
    "intros": "consent_intros",
    "requests": "consent_requests",
}
CONSENT_LABELS = {
    "directory": N_("listed in the directory"),
    "presence": N_("visible in who is here"),
    "intros": N_("introduction rounds"),
    "requests": N_("asked when someone needs my skills"),
}


# Built once: the statements of the per-message path (statement construction
# costs more than SQLite's execution of them).
_OPEN_STAY = (  # the speaker's current check-in, so that /checkin needs no query of its own
    select(CheckIn.id)
    .where(CheckIn.member_id == Member.id, CheckIn.open_at(bindparam("now")))
    .order_by(col(CheckIn.id).desc()).limit(1)
    .correlate(Member).scalar_subquery()
)
_MEMBER = (
    select(Member, _OPEN_STAY)
    .where(Member.platform == bindparam("platform"), Member.user_id == bindparam("user_id"))
)
_CHAT_LINK = (  # a chat's space and the id of its link
    select(Space, ChatLink.id).join(ChatLink, ChatLink.space_id == Space.id)  # type: ignore[arg-type]
    .where(ChatLink.platform == bindparam("platform"), ChatLink.chat_id == bindparam("chat_id"))
)
LAST_SEEN_PRECISION = timedelta(minutes=10)  # fine enough for "active members", saves a write per command


_MANAGER_SOURCE = (  # how the speaker manages the chat's space, if they do
    select(Manager.source).where(Manager.member_id == Member.id, Manager.space_id == Space.id)
    .correlate(Member, Space).scalar_subquery()
)
_MEMBER_IN_CHAT = (  # the speaker and, in the same round trip, the chat's space and their role there
    select(Member, _OPEN_STAY, Space, _MANAGER_SOURCE, ChatLink.id)
    .select_from(Member)
    .outerjoin(ChatLink, (ChatLink.platform == bindparam("platform"))  # type: ignore[arg-type]
               & (ChatLink.chat_id == bindparam("chat_id")))
    .outerjoin(Space, Space.id == ChatLink.space_id)  # type: ignore[arg-type]
    .where(Member.platform == bindparam("platform"), Member.user_id == bindparam("user_id"))
)


@dataclass
class Speaker:
    """Who sent a message, read in one round trip: the member, the chat's space,
    how they manage it (``appointed``, ``chat_admin`` or None), the id of their
    current check-in, if any, and the id of the chat's link to its space."""

    member: Member
    space: Space | None
    manager_source: str | None
    checkin_id: int | None
    chat_link_id: int | None = None


def load_speaker(session: Session, sender: Sender, chat: ChatRef, now: datetime) -> Speaker:
    """The member behind ``sender`` (created on first contact) and what the core needs about them.

    The first member of an empty database on the console is a coordinator, so a
    local try-out can use every command. Unchanged profiles are not rewritten.
    """
    params = {"platform": sender.platform, "user_id": sender.user_id, "now": now}
    speaker = Speaker(None, None, None, None)  # type: ignore[arg-type]
    if chat.is_direct:
        row = session.exec(_MEMBER, params=params).first()
        if row:
            speaker.member, speaker.checkin_id = row
    else:
        row = session.exec(_MEMBER_IN_CHAT, params={**params, "chat_id": chat.chat_id}).first()
        if row:
            speaker.member, speaker.checkin_id, speaker.space, speaker.manager_source, speaker.chat_link_id = row
        else:
            linked = session.exec(_CHAT_LINK, params={"platform": chat.platform, "chat_id": chat.chat_id}).first()
            if linked:
                speaker.space, speaker.chat_link_id = linked
    member = speaker.member
    if member is None:
        member = speaker.member = _create_member(session, sender, now)
    name = (sender.display_name or sender.user_id)[:255]
    handle = sender.handle[:255] if sender.handle else None
    language = sender.language[:16] if sender.language else member.platform_language
    if (member.display_name, member.handle, member.platform_language) != (name, handle, language):
        member.display_name, member.handle, member.platform_language = name, handle, language
    if now - member.last_seen_at >= LAST_SEEN_PRECISION:
        member.last_seen_at = now
    return speaker


def _create_member(session: Session, sender: Sender, now: datetime) -> Member:
    """A member's first message: an upsert on (platform, user_id), so two first messages
    at once (two instances, two threads) make one member and both get answered."""
    first = sender.platform == "console" and not session.exec(select(func.count()).select_from(Member)).one()
    table = Member.__table__  # type: ignore[attr-defined]
    insert = postgresql_insert if session.connection().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(table).values(platform=sender.platform, user_id=sender.user_id, is_coordinator=first,
                                         created_at=now, last_seen_at=now)
                    .on_conflict_do_nothing(index_elements=["platform", "user_id"]))
    return session.exec(select(Member).where(Member.platform == sender.platform,
                                             Member.user_id == sender.user_id)).one()


def sync_chat_admin(session: Session, member: Member, space: Space, is_admin: bool, source: str | None,
                    chat_link_id: int | None = None) -> None:
    """Record what the platform says about admin rights in a linked chat.

    Stored, so a manager keeps the role in direct chats with the bot; an admin
    who lost the right loses the role, an appointed manager keeps it.
    ``source`` is how the member manages ``space`` now (see :func:`load_speaker`).
    The right names the chat link that gave it: unlinking that chat deletes it
    (foreign key cascade), and only that chat (or a right recorded before links
    were kept) can take it back here; :mod:`bot.admin_rights` re-checks it elsewhere.
    """
    if is_admin and source is None:
        session.add(Manager(space_id=space.id, member_id=member.id, source="chat_admin", chat_link_id=chat_link_id))
    elif not is_admin and source == "chat_admin":
        session.execute(delete(Manager).where(
            Manager.space_id == space.id, Manager.member_id == member.id,  # type: ignore[arg-type]
            or_(Manager.chat_link_id == chat_link_id, Manager.chat_link_id.is_(None)),  # type: ignore[union-attr]
        ))


def display(member: Member) -> str:
    """How a member is shown to others: name, and handle where there is one."""
    if member.handle and member.handle.lstrip("@") != member.display_name:
        return f"{member.display_name} (@{member.handle.lstrip('@')})"
    return member.display_name


def set_language(ctx: Context, args: str) -> Reply:
    """/lang CODE"""
    code = args.strip().lower()
    if code not in LANGUAGES:
        raise UserError("Unknown language {code}. Choose one of: {codes}.", code=code or "?", codes=", ".join(LANGUAGES))
    ctx.member.language = code
    ctx.session.add(ctx.member)
    from bot.i18n import translator

    ctx.tr = translator(code, ctx.prefix)
    return Reply(ctx.t("I will speak {language} with you.", language=ctx.tr.language_name(code)))


def start(ctx: Context, args: str) -> Reply:
    """/start [lang CODE | home SLUG | presence on|off | directory on|off | intros on|off | requests on|off]

    Onboarding happens through buttons that run these sub-commands, so it works
    the same on every platform (Matrix users type them).
    """
    words = args.split()
    if not words:
        return _onboarding(ctx)
    _apply_start_choice(ctx, words)
    # A pressed choice edits the settings message it belongs to (Telegram), with a short "saved".
    reply = _onboarding(ctx)
    reply.on_button, reply.notice = "edit", str(ctx.t("✅ Saved."))
    return reply


def _apply_start_choice(ctx: Context, words: list[str]) -> None:
    key = words[0].lower()
    value = words[1].lower() if len(words) > 1 else ""
    if key == "lang" and value in LANGUAGES:
        from bot.i18n import translator

        ctx.member.language = value
        ctx.tr = translator(value, ctx.prefix)  # the new version of the settings speaks it at once
    elif key == "home" and value:
        space = ctx.session.exec(select(Space).where(Space.slug == value)).first()
        if space is None:
            raise UserError("There is no space called {slug}. See {p}spaces.", slug=value)
        ctx.member.home_space_id = space.id
    elif key in CONSENTS and value in ("on", "off"):
        setattr(ctx.member, CONSENTS[key], value == "on")
    else:
        raise UserError("I did not understand that choice. Send {p}start to see the options.")
    ctx.session.add(ctx.member)


def _onboarding(ctx: Context) -> Reply:
    member = ctx.member
    home = ctx.session.get(Space, member.home_space_id) if member.home_space_id else None
    lines = [ctx.t("<b>Welcome to the coworking network, {name}!</b>", name=member.display_name)]
    lines.append(ctx.t("Language: {language}", language=ctx.tr.language_name(ctx.lang)))
    lines.append(ctx.t("Home space: {space}", space=home.name if home else "—"))
    for key, attribute in CONSENTS.items():
        # The colon is in the message, so that French puts its space before it.
        state = ctx.pt("consent state", "yes") if getattr(member, attribute) else ctx.pt("consent state", "no")
        lines.append(ctx.t("• {choice}: {state}", choice=ctx.t(CONSENT_LABELS[key]), state=state))
    lines.append(ctx.t("Use the buttons, or {p}lang CODE, {p}start home SLUG, {p}start presence on|off. {p}help lists everything."))
    buttons = [[Button(ctx.tr.language_name(code), f"/start lang {code}") for code in LANGUAGES[i:i + 4]]
               for i in (0, 4)]
    spaces = ctx.session.exec(select(Space).order_by(Space.name).limit(12)).all()
    for i in range(0, len(spaces), 3):
        buttons.append([Button(s.name, f"/start home {s.slug}") for s in spaces[i:i + 3]])
    toggles = []
    for key, attribute in CONSENTS.items():
        target = "off" if getattr(member, attribute) else "on"
        # "on"/"off" on a button say what it does (turn on, turn off): the "button" context keeps
        # them apart from the same words used as states.
        switch = ctx.pt("button", "off") if target == "off" else ctx.pt("button", "on")
        label = ctx.t("{choice}: {switch}", choice=ctx.t(CONSENT_LABELS[key]), switch=switch)
        toggles.append(Button(str(label), f"/start {key} {target}"))
    buttons += [toggles[:2], toggles[2:]]
    return Reply("\n".join(lines), buttons=buttons)


def chat_space(session: Session, platform: str, chat_id: str) -> Space | None:
    """The space a chat is linked to, if any."""
    row = session.exec(_CHAT_LINK, params={"platform": platform, "chat_id": chat_id}).first()
    return row[0] if row else None


def find_member(session: Session, platform: str, who: str) -> Member:
    """A member named as ``@handle``, Matrix id or platform user id, on ``platform``."""
    who = who.strip()
    handle = who.lstrip("@")
    member = session.exec(
        select(Member).where(Member.platform == platform)
        .where((Member.user_id == who) | (Member.handle == handle) | (Member.handle == who))
    ).first()
    if member is None:
        raise UserError("I don't know {who} yet: they need to talk to me once.", who=who or "?")
    return member


def manager_command(ctx: Context, args: str) -> Reply:
    """/manager add|remove @user: appoint or remove a manager of this chat's space."""
    verb, _, who = args.strip().partition(" ")
    if verb.lower() not in ("add", "remove") or not who.strip():
        raise UserError("Usage: {p}manager add|remove @user")
    space = ctx.require_space()
    member = find_member(ctx.session, ctx.message.chat.platform, who)
    row = ctx.session.exec(
        select(Manager).where(Manager.space_id == space.id, Manager.member_id == member.id)
    ).first()
    if verb.lower() == "add":
        if row is None:
            ctx.session.add(Manager(space_id=space.id, member_id=member.id, source="appointed"))
        elif row.source != "appointed":
            row.source = "appointed"
            ctx.session.add(row)
        return Reply(ctx.t("{name} now manages <b>{space}</b>.", name=display(member), space=space.name))
    if row is None:
        raise UserError("{name} is not a manager of {space}.", name=display(member), space=space.name)
    ctx.session.delete(row)
    return Reply(ctx.t("{name} no longer manages <b>{space}</b>.", name=display(member), space=space.name))
