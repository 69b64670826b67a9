"""Small named values that an adapter must keep across restarts (``SyncState`` rows).

The Matrix adapter keeps its sync token, its login and the reaction map of
the announcements it sent here, so it holds no SQL of its own. Each call is
its own short transaction: a value is durable as soon as ``save_state`` returns.
"""
from __future__ import annotations

import json
from typing import Any

from sqlmodel import col, select

from storage.db import SessionFactory
from storage.models import SyncState
from storage.types import utcnow


def load_state(sessions: SessionFactory, key: str) -> str | None:
    """The value saved under ``key``, or None if there is none."""
    with sessions() as session:
        row = session.get(SyncState, key)
        return row.value if row is not None else None


def save_state(sessions: SessionFactory, key: str, value: str) -> None:
    """Save ``value`` under ``key``, replacing what was there, and commit."""
    with sessions() as session:
        row = session.get(SyncState, key)
        if row is None:
            row = SyncState(key=key, value=value)
        row.value, row.updated_at = value, utcnow()
        session.add(row)
        session.commit()


def load_json(sessions: SessionFactory, key: str) -> Any:
    """A JSON value saved with :func:`save_json`, or None."""
    raw = load_state(sessions, key)
    return json.loads(raw) if raw is not None else None


def save_json(sessions: SessionFactory, key: str, value: Any) -> None:
    save_state(sessions, key, json.dumps(value, ensure_ascii=False))


def delete_state(sessions: SessionFactory, key: str) -> None:
    """Forget the value saved under ``key`` (nothing happens if there is none), and commit."""
    with sessions() as session:
        row = session.get(SyncState, key)
        if row is not None:
            session.delete(row)
            session.commit()


def save_states(sessions: SessionFactory, values: dict[str, str]) -> None:
    """Save several values in one transaction: all of them are durable, or none."""
    if not values:
        return
    with sessions() as session:
        now = utcnow()
        for key, value in values.items():
            row = session.get(SyncState, key) or SyncState(key=key, value=value)
            row.value, row.updated_at = value, now
            session.add(row)
        session.commit()


def load_prefixed(sessions: SessionFactory, prefix: str) -> dict[str, str]:
    """Every value whose key starts with ``prefix``, by key, in key order."""
    with sessions() as session:
        rows = session.exec(select(SyncState).where(col(SyncState.key).startswith(prefix, autoescape=True))
                            .order_by(col(SyncState.key)))
        return {row.key: row.value for row in rows}
