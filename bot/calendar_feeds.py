"""Addresses of the calendar feeds: ``/ical/SLUG-SECRET.ics`` per space, ``/ical/network-SECRET.ics``.

A feed's address is its key: calendar apps cannot log in, so whoever has the
link can read the feed. Each space's secret is handed to its members by
``/ical``; the network's feed holds only network events, which the public page
lists anyway. A manager who sees a link go too far rotates the secret, and the
old address stops working at once. Secrets are ``SyncState`` rows, made on
first use; hex digits only, so the slug and the secret split at the last ``-``.
"""
from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.config import Settings
from storage.models import Space, SyncState
from storage.types import utcnow

NETWORK = "network"  # the network feed's name in its address (a space with that slug: its secret tells them apart)
_SECRET_BYTES = 16
_HEX = re.compile(r"[0-9a-f]{1,128}")


def _key(scope: str) -> str:
    return f"calendar.secret.{scope}"


def space_scope(space: Space) -> str:
    return f"space.{space.id}"


def feed_secret(session: Session, scope: str) -> str:
    """The scope's secret, made (and committed in a savepoint) the first time it is asked for."""
    row = session.get(SyncState, _key(scope))
    if row is not None:
        return row.value
    try:
        with session.begin_nested():  # two first uses at once: one secret wins, the other reads it
            session.add(SyncState(key=_key(scope), value=secrets.token_hex(_SECRET_BYTES)))
    except IntegrityError:
        pass
    row = session.get(SyncState, _key(scope))
    assert row is not None
    return row.value


def rotate_secret(session: Session, scope: str) -> str:
    """A new secret for the scope: its old feed address stops working."""
    row = session.get(SyncState, _key(scope)) or SyncState(key=_key(scope), value="")
    row.value, row.updated_at = secrets.token_hex(_SECRET_BYTES), utcnow()
    session.add(row)
    return row.value


def secret_matches(session: Session, scope: str, given: str) -> bool:
    """``given`` is the scope's current secret (compared in constant time; never creates one)."""
    row = session.get(SyncState, _key(scope))
    return row is not None and hmac.compare_digest(row.value.encode(), given.encode())


def feed_path(name: str, secret: str) -> str:
    """``/ical/NAME-SECRET.ics``, ``name`` being a space's slug or :data:`NETWORK`."""
    return f"/ical/{name}-{secret}.ics"


def space_feed_path(session: Session, space: Space) -> str:
    return feed_path(space.slug, feed_secret(session, space_scope(space)))


def network_feed_path(session: Session) -> str:
    return feed_path(NETWORK, feed_secret(session, NETWORK))


@dataclass(frozen=True)
class Feed:
    """Whose feed an address is: a space's, or the network's (``space`` None)."""

    space: Space | None


def find_feed(session: Session, file_name: str) -> Feed | None:
    """The feed ``SLUG-SECRET.ics`` names, or None (an unknown slug and a wrong secret look alike).

    Only the current secret opens a feed: a rotated one is as unknown as a guessed one.
    A space whose slug happens to be ``network`` still has its own feed: its secret differs.
    """
    stem, dot, extension = file_name.rpartition(".")
    name, dash, secret = stem.rpartition("-")
    if not (dot and dash and name and extension == "ics" and _HEX.fullmatch(secret)):
        return None
    if name == NETWORK and secret_matches(session, NETWORK, secret):
        return Feed(None)
    space = session.exec(select(Space).where(Space.slug == name)).first()
    if space is not None and secret_matches(session, space_scope(space), secret):
        return Feed(space)
    return None


def subscribe_links(settings: Settings, path: str) -> tuple[str, str] | None:
    """(https://…, webcal://…) for ``path`` under ``PUBLIC_URL``; None without one (no address to give)."""
    if not settings.public_url:
        return None
    https = settings.public_url + path
    return https, "webcal://" + https.split("://", 1)[1]
