"""The one command table: name, least role, handler, help text.

``/help`` and the platforms' command menus are generated from it, so a
command exists in exactly one place.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot import (announcement_edits, broadcasts, checkins, deep_links, directory, events, ical, intro_round, intros,
                 members, privacy, qr, requests, skills, space_directory, space_settings, stats, visits)
from bot.context import Context, Role
from bot.i18n import N_, Translator
from bot.messages import Reply

Handler = Callable[[Context, str], Reply | list[Reply]]


@dataclass(frozen=True)
class Command:
    name: str
    role: Role
    handler: Handler
    summary: str  # msgid, translated when shown
    usage: str = ""  # argument syntax, shown as typed (not translated)
    #: A member's command whose handler may still use manager rights (``/resolve`` of another's request).
    manager_rights: bool = False
    #: The least role that sees it in /help and menus, when that is not ``role`` (``/space``: managers
    #: may ``set``, while its handler keeps the other verbs for coordinators).
    listed: Role | None = None
    #: A command for direct chats (it concerns the speaker alone): listed only in direct chats' menus.
    direct: bool = False

    @property
    def shown_to(self) -> Role:
        return self.role if self.listed is None else self.listed

    @property
    def uses_manager_rights(self) -> bool:
        """Whether chat-admin manager rights are re-checked with the platform before it runs."""
        return self.role == Role.MANAGER or self.manager_rights


def help_command(ctx: Context, args: str) -> Reply:
    """/help: the commands this user may use here, in their language."""
    lines = [ctx.t("<b>What I can do for you</b>")]
    for command in TABLE:
        if command.shown_to <= ctx.role:
            # Usages are translated too: their placeholders (NAME, [note], [for 3h]) are words.
            usage = f" {ctx.t(command.usage)}" if command.usage else ""
            lines.append(f"<code>{ctx.prefix}{command.name}{usage}</code> — {ctx.t(command.summary)}")
    return Reply("\n".join(lines))


# i18n: in the usages below (command arguments), translate only the placeholders (capital words,
# "note", "dates", "tag", "page", "for 3h"); keep sub-commands and keywords (create, link, add|remove,
# on|off, yes|no, pause, msg, set, hours, capacity, lang, address, run, week|month, network, max) as
# they are: people type them.
TABLE: tuple[Command, ...] = (
    Command("start", Role.ALL, deep_links.start_command, N_("set your language, home space and privacy choices"),
            direct=True),
    Command("help", Role.ALL, help_command, N_("list the commands you can use")),
    Command("lang", Role.ALL, members.set_language, N_("choose your language"), N_("CODE"), direct=True),
    Command("checkin", Role.MEMBER, checkins.checkin, N_("check in at this space"), N_("[note] [for 3h]")),
    Command("checkout", Role.MEMBER, checkins.checkout, N_("end your check-in")),
    Command("here", Role.MEMBER, checkins.here, N_("who is here now")),
    Command("visit", Role.MEMBER, visits.visit, N_("tell another space you are coming"), N_("SPACE [dates]")),
    Command("skills", Role.MEMBER, skills.skills_command, N_("show or edit your skills"), N_("[add|remove] tag, tag")),
    Command("need", Role.MEMBER, requests.need, N_("ask the network for a skill you need"), N_("TEXT [#tag ...]")),
    Command("needs", Role.MEMBER, requests.needs, N_("open requests here and in the network")),
    Command("help_with", Role.MEMBER, requests.help_with, N_("offer help on a request"), "ID"),
    Command("resolve", Role.MEMBER, requests.resolve, N_("close a request"), "ID", manager_rights=True),
    Command("who", Role.MEMBER, directory.who, N_("members of the network with a skill"), N_("SKILL")),
    Command("intro", Role.MEMBER, intros.intro_command,
            N_("join, leave or pause the introduction rounds; answer an introduction"),
            N_("on|off · pause 2w|off · yes|no ID · msg ID TEXT")),
    Command("intros", Role.COORDINATOR, intro_round.intros_command, N_("run an introduction round now"), "run"),
    Command("spaces", Role.ALL, space_directory.spaces_directory, N_("the spaces of the network"),
            N_("[COUNTRY|NAME] [page]")),
    Command("space", Role.MEMBER, space_settings.space_command,
            N_("create, link or unlink a space; set its opening hours, capacity, language or address"),
            N_("create NAME | CITY | COUNTRY | TIMEZONE [| LANG] · link SLUG · unlink · "
               "set [SLUG] hours|capacity|lang|address VALUE"), manager_rights=True, listed=Role.MANAGER),
    Command("manager", Role.COORDINATOR, members.manager_command, N_("appoint or remove a space manager"), N_("add|remove @user")),
    Command("broadcast", Role.COORDINATOR, broadcasts.broadcast_command, N_("send a message to every linked chat of the network"),
            N_("[country:XX] [space:SLUG] TEXT")),
    Command("stats", Role.MANAGER, stats.stats_command, N_("occupancy, events and requests of this space"), N_("[week|month]")),
    Command("mydata", Role.MEMBER, privacy.mydata, N_("everything stored about you, as a file"), direct=True),
    Command("forgetme", Role.MEMBER, announcement_edits.forget_command, N_("delete your personal data"), direct=True),
    Command("event", Role.MANAGER, events.create_event, N_("create an event (you confirm the date first)"), events.USAGE),
    Command("confirm", Role.MANAGER, events.confirm_event, N_("confirm or discard an event you created"), N_("ID [no]")),
    Command("events", Role.MEMBER, events.list_events, N_("upcoming events here and in the network")),
    Command("rsvp", Role.MEMBER, announcement_edits.rsvp_command, N_("answer an event: yes, no or maybe"), N_("ID [yes|no|maybe]")),
    Command("cancel_event", Role.MANAGER, announcement_edits.cancel_command, N_("cancel an event and tell its attendees"), "ID"),
    Command("ical", Role.MEMBER, ical.ical, N_("this space's events for your calendar app"),
            "[rotate [network|SLUG]]", manager_rights=True),
    Command("qr", Role.MANAGER, qr.qr_command, N_("the check-in QR code or link to print for the door"), N_("[SLUG]")),
)
BY_NAME: dict[str, Command] = {command.name: command for command in TABLE}


def menu(tr: Translator, role: Role = Role.MEMBER, *, direct: bool = True) -> list[tuple[str, str]]:
    """(name, description) pairs for a platform's command menu, in ``tr``'s language.

    ``direct=False``: the menu of group chats, without the commands for direct chats.
    """
    return [(c.name, str(tr.t(c.summary))) for c in TABLE if c.shown_to <= role and (direct or not c.direct)]
