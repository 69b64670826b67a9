"""/intro pause 2w: skip introduction rounds for a while, without leaving them.

Leaving (``/intro off``) is easy to forget to undo; a pause ends by itself. The
duration is a number and a unit as people abbreviate it: ``3d``, ``2w``, ``1m``
(a month, never minutes: nobody pauses a weekly round for minutes), or the
unit's word in one of the bot's languages (``2 semaines``, ``3 Wochen``).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from markupsafe import Markup

from bot.context import Context, UserError
from bot.i18n import N_
from bot.messages import Reply
from bot.skill_words import normalize_tag

PAUSE_MAX = timedelta(days=365)
PAUSE_USAGE = N_("Usage: {p}intro pause 3d|2w|1m, or {p}intro pause off")
_DURATION = re.compile(r"(\d{1,6})\s*([^\W\d_]+)\.?")
_DAYS_PER_UNIT = {
    1: ("d", "day", "days", "j", "jour", "jours", "g", "giorno", "giorni", "dia", "dias", "t", "tag", "tage",
        "tagen", "dan", "dana", "dni", "ημ", "ημερα", "ημερες"),
    7: ("w", "wk", "week", "weeks", "sem", "semaine", "semaines", "sett", "settimana", "settimane", "semana",
        "semanas", "woche", "wochen", "tj", "tjedan", "tjedna", "tjedana", "teden", "tedna", "tedne", "tednov",
        "εβδ", "εβδομαδα", "εβδομαδες"),
    30: ("m", "mo", "month", "months", "mois", "mese", "mesi", "mes", "meses", "monat", "monate", "monaten",
         "mj", "mjesec", "mjeseca", "mjeseci", "mesec", "meseca", "meseci", "mesecev", "μην", "μηνα",
         "μηνες"),
}
_UNITS = {word: days for days, words in _DAYS_PER_UNIT.items() for word in words}


def pause_length(text: str) -> timedelta | None:
    """``2w`` → 14 days; ``3 jours`` → 3 days; ``1m`` → 30 days. None when it is not a duration."""
    match = _DURATION.fullmatch(normalize_tag(text))
    if match is None or match.group(2) not in _UNITS:
        return None
    return timedelta(days=int(match.group(1)) * _UNITS[match.group(2)])


def pause_command(ctx: Context, args: str) -> Reply:
    """/intro pause 2w ; /intro pause off."""
    if args.strip().lower() == "off":
        was_paused = paused_until(ctx) is not None
        ctx.member.intros_paused_until = None
        ctx.session.add(ctx.member)
        if not was_paused:
            return Reply(ctx.t("Your introduction rounds are not paused."))
        return Reply(ctx.t("Your pause is over: you are in the next introduction round."))
    length = pause_length(args)
    if length is None or not length:
        raise UserError(PAUSE_USAGE)
    if length > PAUSE_MAX:
        raise UserError(N_("A pause is limited to a year. To leave the rounds, send {p}intro off."))
    if not ctx.member.consent_intros:
        raise UserError(N_("You are not in the introduction rounds. Join them with {p}intro on."))
    ctx.member.intros_paused_until = ctx.now + length
    ctx.session.add(ctx.member)
    return Reply("\n".join([ctx.t("No introduction rounds for you until {date}.", date=_until(ctx)),
                            ctx.t("To end the pause sooner, send {p}intro pause off.")]))


def paused_until(ctx: Context) -> datetime | None:
    """The end of the speaker's pause, if it has not ended yet."""
    until = ctx.member.intros_paused_until
    return until if until is not None and until > ctx.now else None


def pause_state(ctx: Context) -> Markup | None:
    """"Paused until 9 December 2026." for /intro, or None."""
    if paused_until(ctx) is None:
        return None
    return ctx.t("Paused until {date} ({p}intro pause off ends it).", date=_until(ctx))


def _until(ctx: Context) -> str:
    until = ctx.member.intros_paused_until
    assert until is not None
    return ctx.tr.date(until, ctx.zone(), "long")
