"""/qr: what a space's managers print for the door, so members check in without typing.

On Telegram, a PNG QR code (segno) of the deep link that checks the scanner in
at the space (:func:`bot.deep_links.telegram_start_link`), sent as a photo
with the link in its caption. On Matrix, where a link cannot carry a command,
a matrix.to link to the space's room with the hint to send ``!checkin`` there.
Elsewhere (the console), both links, as far as they are known.
"""
from __future__ import annotations

import io

from sqlmodel import select

from bot.context import Context, UserError
from bot.deep_links import matrix_room_link, telegram_start_link, telegram_username
from bot.messages import Attachment, Reply
from bot.spaces import space_by_slug
from storage.models import ChatLink, Space

QR_SCALE = 10  # pixels per module: about 5 cm wide at 300 dpi, sharp when printed
QR_BORDER = 4  # the quiet zone the QR standard asks for


def qr_png(data: str) -> bytes:
    """``data`` as a QR code PNG (error correction M: still read with a scratch or a reflection)."""
    import segno  # only when a code is made

    buffer = io.BytesIO()
    segno.make(data, error="m", micro=False).save(buffer, kind="png", scale=QR_SCALE, border=QR_BORDER)
    return buffer.getvalue()


def matrix_room(ctx: Context, space: Space) -> str | None:
    """The first Matrix room linked to ``space``, if any."""
    return ctx.session.exec(select(ChatLink.chat_id).where(ChatLink.space_id == space.id, ChatLink.platform == "matrix")
                            .order_by(ChatLink.id)).first()  # type: ignore[arg-type]


def qr_command(ctx: Context, args: str) -> Reply:
    """/qr [SLUG]: the door's check-in code of this space (managers of that space)."""
    space = space_by_slug(ctx.session, args) if args.strip() else ctx.require_space()
    ctx.require_manager(space)
    platform = ctx.message.chat.platform
    username = telegram_username(ctx.session)
    room = matrix_room(ctx, space)
    if platform == "telegram":
        if username is None:
            raise UserError("I do not know my Telegram name yet. Try again in a minute.")
        link = telegram_start_link(username, "checkin", space.slug)
        caption = ctx.t("<b>{space}</b>: print this for the door. Members who scan it are checked in here "
                        "in one tap: {link}", space=space.name, link=link)
        home = ctx.t("To make {space} their home space: {link}", space=space.name,
                     link=telegram_start_link(username, "home", space.slug))
        return Reply(f"{caption}\n{home}", file=Attachment(f"checkin-{space.slug}.png", qr_png(link), "image/png"))
    if platform == "matrix":
        if room is None:
            raise UserError("{space} has no Matrix room linked yet. A coordinator links one with {p}space link "
                            "{slug} in that room.", space=space.name, slug=space.slug)
        return Reply(_matrix_hint(ctx, space, room))
    lines = []
    if username is not None:
        lines.append(ctx.t("Telegram: members who open {link} are checked in at <b>{space}</b>.",
                           link=telegram_start_link(username, "checkin", space.slug), space=space.name))
    if room is not None:
        lines.append(_matrix_hint(ctx, space, room))
    if not lines:
        raise UserError("{space} has no Telegram or Matrix check-in link yet.", space=space.name)
    return Reply("\n".join(lines))


def _matrix_hint(ctx: Context, space: Space, room: str) -> str:
    # The hint shows the Matrix prefix whatever platform asks: it is what members type in that room.
    command = ctx.settings.matrix_command_prefix + "checkin"
    return str(ctx.t("The room of <b>{space}</b>: {link}\nMembers join it and send {command} there to check in.",
                     space=space.name, link=matrix_room_link(room), command=command))
