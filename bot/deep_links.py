"""Links that open a chat with the bot with something to do, and the ``/start`` payloads they carry.

``https://t.me/<bot>?start=checkin-<slug>`` opens the bot on Telegram and sends
``/start checkin-<slug>``: the member is checked in at that space (a QR code of
it hangs at the door, see :mod:`bot.qr`); ``?start=home-<slug>`` makes it their
home space. The same payloads typed on any platform (``!start checkin-hub``)
do the same.

The core knows the bot's Telegram username only because the Telegram adapter
records it at start (:func:`record_bot_username`, a ``SyncState`` row): the
core reads that and imports no adapter. A Matrix room's link needs nothing
from the adapter: the linked chat's id is the room id.
"""
from __future__ import annotations

import re
from urllib.parse import quote

from sqlmodel import Session

from bot import checkins, members
from bot.context import Context, UserError
from bot.messages import Reply
from bot.spaces import space_by_slug
from storage.db import SessionFactory
from storage.models import SyncState
from storage.state import save_state

BOT_USERNAME_KEY = "telegram:bot_username"
#: Telegram allows A-Z a-z 0-9 _ - in a start payload, 64 characters at most; slugs fit.
PAYLOAD = re.compile(r"^(checkin|home)-([a-z0-9][a-z0-9-]{0,55})$")


def record_bot_username(sessions: SessionFactory, username: str) -> None:
    """What the Telegram adapter says at start: the bot's @username, for the links the core builds."""
    save_state(sessions, BOT_USERNAME_KEY, username)


def telegram_username(session: Session) -> str | None:
    row = session.get(SyncState, BOT_USERNAME_KEY)
    return row.value if row is not None and row.value else None


def telegram_start_link(username: str, action: str, slug: str) -> str:
    """``https://t.me/coworkbot?start=checkin-hub``: opens the bot, which receives ``/start checkin-hub``."""
    return f"https://t.me/{username}?start={action}-{slug}"


def matrix_room_link(room: str) -> str:
    """A matrix.to link to a room id (with the server to join through) or an alias."""
    link = f"https://matrix.to/#/{quote(room, safe='!#:@')}"
    if room.startswith("!") and ":" in room:
        link += f"?via={quote(room.split(':', 1)[1], safe='')}"
    return link


def start_command(ctx: Context, args: str) -> Reply:
    """/start [checkin-SLUG | home-SLUG | the onboarding's own choices] (see :func:`bot.members.start`)."""
    match = PAYLOAD.match(args.strip())
    if match is None:
        return members.start(ctx, args)
    action, slug = match.groups()
    try:
        space = space_by_slug(ctx.session, slug)
    except UserError:
        raise UserError("This link names a space that does not exist (any more): {slug}. See {p}spaces.",
                        slug=slug) from None
    if action == "home":
        return members.start(ctx, f"home {space.slug}")
    ctx.space = space  # the check-in is at the space the link names, wherever the member speaks from
    return checkins.checkin(ctx, "")
