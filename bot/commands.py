"""The one command table: name, least role, handler, help text.

``/help`` and the platforms' command menus are generated from it, so a
command exists in exactly one place.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot import broadcasts, checkins, events, ical, intros, members, privacy, requests, rsvp, skills, spaces, stats, visits
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

    @property
    def uses_manager_rights(self) -> bool:
        """Whether chat-admin manager rights are re-checked with the platform before it runs."""
        return self.role == Role.MANAGER or self.manager_rights


def help_command(ctx: Context, args: str) -> Reply:
    """/help: the commands this user may use here, in their language."""
    lines = [ctx.t("<b>What I can do for you</b>")]
    for command in TABLE:
        if command.role <= ctx.role:
            usage = f" {command.usage}" if command.usage else ""
            lines.append(f"<code>{ctx.prefix}{command.name}{usage}</code> — {ctx.t(command.summary)}")
    return Reply("\n".join(lines))


TABLE: tuple[Command, ...] = (
    Command("start", Role.ALL, members.start, N_("set your language, home space and privacy choices")),
    Command("help", Role.ALL, help_command, N_("list the commands you can use")),
    Command("lang", Role.ALL, members.set_language, N_("choose your language"), "CODE"),
    Command("checkin", Role.MEMBER, checkins.checkin, N_("check in at this space"), "[note] [for 3h]"),
    Command("checkout", Role.MEMBER, checkins.checkout, N_("end your check-in")),
    Command("here", Role.MEMBER, checkins.here, N_("who is here now")),
    Command("visit", Role.MEMBER, visits.visit, N_("tell another space you are coming"), "SPACE [dates]"),
    Command("skills", Role.MEMBER, skills.skills_command, N_("show or edit your skills"), "[add|remove] tag, tag"),
    Command("need", Role.MEMBER, requests.need, N_("ask the network for a skill you need"), "TEXT [#tag ...]"),
    Command("needs", Role.MEMBER, requests.needs, N_("open requests here and in the network")),
    Command("help_with", Role.MEMBER, requests.help_with, N_("offer help on a request"), "ID"),
    Command("resolve", Role.MEMBER, requests.resolve, N_("close a request"), "ID", manager_rights=True),
    Command("intro", Role.MEMBER, intros.intro_command, N_("join or leave the introduction rounds; answer an introduction"),
            "on|off · yes|no ID · msg ID TEXT"),
    Command("intros", Role.COORDINATOR, intros.intros_command, N_("run an introduction round now"), "run"),
    Command("spaces", Role.ALL, spaces.spaces_directory, N_("the spaces of the network")),
    Command("space", Role.COORDINATOR, spaces.space_command, N_("create, link or unlink a space"),
            "create NAME | CITY | COUNTRY | TIMEZONE [| LANG] · link SLUG · unlink"),
    Command("manager", Role.COORDINATOR, members.manager_command, N_("appoint or remove a space manager"), "add|remove @user"),
    Command("broadcast", Role.COORDINATOR, broadcasts.broadcast_command, N_("send a message to every linked chat of the network"),
            "[country:XX] [space:SLUG] TEXT"),
    Command("stats", Role.MANAGER, stats.stats_command, N_("occupancy, events and requests of this space"), "[week|month]"),
    Command("mydata", Role.MEMBER, privacy.mydata, N_("everything stored about you, as a file")),
    Command("forgetme", Role.MEMBER, privacy.forgetme, N_("delete your personal data")),
    Command("event", Role.MANAGER, events.create_event, N_("create an event (you confirm the date first)"), events.USAGE),
    Command("confirm", Role.MANAGER, events.confirm_event, N_("confirm or discard an event you created"), "ID [no]"),
    Command("events", Role.MEMBER, events.list_events, N_("upcoming events here and in the network")),
    Command("rsvp", Role.MEMBER, rsvp.rsvp, N_("answer an event: yes, no or maybe"), "ID [yes|no|maybe]"),
    Command("cancel_event", Role.MANAGER, events.cancel_event, N_("cancel an event and tell its attendees"), "ID"),
    Command("ical", Role.MEMBER, ical.ical, N_("this space's events as a calendar file")),
)
BY_NAME: dict[str, Command] = {command.name: command for command in TABLE}


def menu(tr: Translator, role: Role = Role.MEMBER) -> list[tuple[str, str]]:
    """(name, description) pairs for a platform's command menu, in ``tr``'s language."""
    return [(c.name, str(tr.t(c.summary))) for c in TABLE if c.role <= role]
