"""Edits in place on Matrix: an ``m.replace`` of a message the bot sent (an announcement's live counts).

Clients show the latest ``m.new_content`` in place of the original, marked
"(edited)"; clients without edits show the fallback ``body`` ("* new text") as
a message of its own. Nobody is notified by an edit (empty ``m.mentions``,
outside and inside the new content). Each edit's transaction id depends on its
content: a resend of the same edit after a crash is dropped by the homeserver,
while a newer version of the same announcement is never mistaken for it.
"""
from __future__ import annotations

import hashlib
from typing import Any

from bot.messages import Reply


def replacement(content: dict[str, Any], event_id: str) -> dict[str, Any]:
    """The ``m.replace`` event that turns ``event_id`` into ``content`` (an ``m.notice``, see matrix_content)."""
    new = {**content, "m.mentions": {}}
    edit: dict[str, Any] = {"msgtype": new["msgtype"], "body": f"* {new['body']}",
                            "m.new_content": new, "m.mentions": {},
                            "m.relates_to": {"rel_type": "m.replace", "event_id": event_id}}
    if "formatted_body" in new:
        edit["format"] = new["format"]
        edit["formatted_body"] = f"* {new['formatted_body']}"
    return edit


def edit_txn(reply: Reply, event_id: str) -> str | None:
    """The transaction id of one version of an edit of ``event_id`` (None: a fresh one per send)."""
    if not reply.key:
        return None
    digest = hashlib.sha256(f"{event_id}\n{reply.text}\n{reply.buttons!r}".encode()).hexdigest()[:16]
    return f"coworkbot-{reply.key}-edit-{digest}"
