"""Which Matrix invites the bot accepts: from the network's staff and the operator's allow-list.

Anyone on a federated homeserver can invite the bot into a room, and a bot
that joins every room it is invited to answers commands wherever a stranger
wants it to. So an invite is accepted only from a coordinator, a manager of a
space (asked of the core through a :data:`~bot.staff.StaffCheck`, so no SQL
here), or a user or homeserver listed in ``MATRIX_ALLOWED_INVITERS``; any
other invite is declined (we leave the room) with one log line naming the
inviter, which the operator needs to decide whether to allow them.

An invite flagged ``is_direct`` is a direct chat with its inviter: that, and
not the room's size, is how we know a private chat (see
:mod:`adapters.matrix_direct`).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from nio import AsyncClient, InviteMemberEvent, JoinError, RoomLeaveError, SyncResponse

from adapters.matrix_direct import DirectRooms
from bot.config import PREFIX
from bot.staff import StaffCheck

log = logging.getLogger(__name__)


class InvitePolicy:
    """Who may invite the bot: staff, and ``MATRIX_ALLOWED_INVITERS`` (``@user:server``, ``:server``)."""

    def __init__(self, allowed: tuple[str, ...], is_staff: StaffCheck) -> None:
        self.users = {item for item in allowed if item.startswith("@")}
        self.servers = {item[1:].lower() for item in allowed if item.startswith(":")}
        self.is_staff = is_staff

    def allows(self, inviter: str) -> bool:
        server = inviter.partition(":")[2].lower()
        return inviter in self.users or server in self.servers or self.is_staff("matrix", inviter)


@dataclass(frozen=True)
class Invite:
    room_id: str
    inviter: str | None
    is_direct: bool


def invites_in(response: SyncResponse, user_id: str) -> list[Invite]:
    """The invites of a sync, with who sent each and whether it is for a direct chat."""
    found = []
    for room_id, info in response.rooms.invite.items():
        inviter, direct = None, False
        for event in info.invite_state:
            if isinstance(event, InviteMemberEvent) and event.state_key == user_id:
                inviter, direct = event.sender, bool(event.content.get("is_direct"))
        found.append(Invite(room_id, inviter, direct))
    return found


async def answer_invites(client: AsyncClient, response: SyncResponse, policy: InvitePolicy,
                         direct: DirectRooms) -> list[str]:
    """Join the rooms we were invited to by someone allowed, decline the others; returns the joined rooms."""
    joined = []
    for invite in invites_in(response, client.user_id):
        if invite.inviter is None or not policy.allows(invite.inviter):
            left = await client.room_leave(invite.room_id)
            outcome = f"could not decline it: {left.message}" if isinstance(left, RoomLeaveError) else "declined"
            log.warning("matrix: invite to %s from %s %s: not a coordinator, a manager or in %sMATRIX_ALLOWED_INVITERS",
                        invite.room_id, invite.inviter or "an unknown user", outcome, PREFIX)
            continue
        result = await client.join(invite.room_id)
        if isinstance(result, JoinError):
            log.warning("matrix: could not join %s: %s", invite.room_id, result.message)
            continue
        if invite.is_direct:
            await direct.remember_invited(invite.inviter, invite.room_id)
        joined.append(invite.room_id)
    return joined
