"""Matrix message content: how a core :class:`Reply` looks in a room, and back.

Matrix has no buttons. A reply's buttons become one line listing the
commands as the user would type them, and the RSVP buttons (labels starting
with 👍, 🤔 or 👎) also become reactions: reacting to the announcement with
that emoji runs the button's command. Kept apart from the adapter so that
the pure parts can be read (and reasoned about) without nio's I/O.
"""
from __future__ import annotations

from typing import Any

from markupsafe import escape

from bot.messages import Button, DeliveryError, Reply, RetryAfter, html_to_plain

HTML_FORMAT = "org.matrix.custom.html"
REACTION_KEYS = ("👍", "🤔", "👎")
# Errors after which sending to that room again cannot succeed.
PERMANENT_ERRORS = {"M_FORBIDDEN", "M_NOT_FOUND", "M_BAD_JSON", "M_TOO_LARGE"}


def command_as_typed(command: str, prefix: str) -> str:
    """``/rsvp 3 yes`` → ``!rsvp 3 yes`` for a Matrix user."""
    return prefix + command[1:] if command.startswith("/") else command


def typed_as_command(body: str, prefix: str) -> str | None:
    """``!here`` → ``/here``; None when the body is not a command for us."""
    text = body.strip()
    if not prefix or not text.startswith(prefix) or len(text) <= len(prefix):
        return None
    return "/" + text[len(prefix):]


def reply_content(reply: Reply, prefix: str) -> dict[str, Any]:
    """An ``m.notice`` with an HTML ``formatted_body``, a plain ``body`` and no one mentioned.

    The reply text is already safe HTML (the core escapes user text); button
    labels may hold user text (a space's name), so they are escaped here.
    """
    html = str(reply.text).replace("\n", "<br>")
    lines = [_buttons_line(row, prefix) for row in reply.buttons]
    if lines:
        html += "<br>" + "<br>".join(lines)
    # m.mentions, even empty: nobody is notified because a name happens to be in the text (an answer
    # to a command names its sender there, see adapters.matrix_replies).
    return {"msgtype": "m.notice", "body": html_to_plain(html), "format": HTML_FORMAT, "formatted_body": html,
            "m.mentions": {}}


def _buttons_line(row: list[Button], prefix: str) -> str:
    return " · ".join(
        f"{escape(b.label)}: <code>{escape(command_as_typed(b.command, prefix))}</code>" for b in row
    )


def reaction_commands(reply: Reply) -> dict[str, str]:
    """Emoji → command for the reply's RSVP-style buttons (empty if there are none)."""
    found: dict[str, str] = {}
    for row in reply.buttons:
        for button in row:
            for key in REACTION_KEYS:
                if str(button.label).startswith(key) and key not in found:
                    found[key] = button.command
    return found


def normalize_reaction(key: str) -> str:
    """Clients add variation selectors or skin tones to the emoji; compare the base."""
    return "".join(ch for ch in key if ch not in "\ufe0f\ufe0e" and not "\U0001f3fb" <= ch <= "\U0001f3ff")


def file_content(name: str, mime_type: str, size: int, url: str,
                 keys: dict[str, Any] | None = None) -> dict[str, Any]:
    """An ``m.file`` (``m.image``) message for an uploaded file.

    With ``keys`` (what nio's ``upload(encrypt=True)`` returns) the media is
    ciphertext and the message carries an EncryptedFile (``file``: url, key,
    iv, hashes, v) instead of ``url``: the keys travel only inside the
    encrypted event, so the homeserver's media store never holds the plain file.
    """
    msgtype = "m.image" if mime_type.startswith("image/") else "m.file"
    content: dict[str, Any] = {"msgtype": msgtype, "body": name, "filename": name,
                               "info": {"mimetype": mime_type, "size": size}}
    if keys is None:
        content["url"] = url
    else:
        content["file"] = {"url": url, "key": keys["key"], "iv": keys["iv"], "hashes": keys["hashes"],
                           "v": keys.get("v", "v2")}
    return content


def delivery_error(status_code: str | None, message: str | None, retry_after_ms: int | None) -> DeliveryError:
    """What the outbox should do with a refused send: wait, give up, or retry later."""
    reason = f"{status_code or 'error'}: {message or ''}".strip()
    if status_code == "M_LIMIT_EXCEEDED":
        return RetryAfter((retry_after_ms or 5000) / 1000, reason)
    return DeliveryError(reason, permanent=status_code in PERMANENT_ERRORS)

