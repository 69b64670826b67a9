"""The records of the emulated world: chats, uploaded files, sent messages, calls.

These are plain dataclasses so tests can inspect what the bot did
(``SentMessage``, ``ApiCall``, ``StoredFile``) without going through HTTP, and
so the method modules share one definition of a chat and its messages.
``fill_user`` turns a test's short user dict into a Bot API User.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from tests.integration.telegram_emulator.params import JSON


@dataclass
class StoredFile:
    """An uploaded file, downloadable again through ``base_file_url``."""

    file_id: str
    file_unique_id: str
    file_path: str
    file_name: str | None
    mime_type: str | None
    content: bytes
    width: int = 0
    height: int = 0

    def document_json(self) -> JSON:
        doc: JSON = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
        }
        if self.file_name:
            doc["file_name"] = self.file_name
        if self.mime_type:
            doc["mime_type"] = self.mime_type
        return doc

    def photo_json(self) -> list[JSON]:
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "file_size": len(self.content),
                "width": self.width,
                "height": self.height,
            }
        ]


@dataclass
class SentMessage:
    """A message the bot delivered, as tests inspect it (edits update it in place).

    ``text``/``caption`` are what users see (entities parsed out);
    ``raw_text``/``raw_caption`` are exactly what the bot sent.
    """

    chat_id: int
    method: str
    message_id: int = 0  # set on delivery
    date: int = 0
    text: str | None = None
    raw_text: str | None = None
    entities: list[JSON] = field(default_factory=list)
    caption: str | None = None
    raw_caption: str | None = None
    caption_entities: list[JSON] = field(default_factory=list)
    parse_mode: str | None = None
    reply_markup: JSON | None = None
    reply_to: int | None = None
    document: StoredFile | None = None
    photo: StoredFile | None = None
    edit_count: int = 0
    edit_date: int | None = None
    params: JSON = field(default_factory=dict)

    @property
    def button_data(self) -> list[str]:
        """callback_data of every inline button, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


@dataclass
class ApiCall:
    """One HTTP request the bot made (file contents left out)."""

    method: str
    params: JSON
    status: int
    description: str | None = None


@dataclass
class WebhookPost:
    """One push of an update to the webhook: the bot's status (0: none) and the error Telegram recorded."""

    update_id: int
    status: int
    error: str | None = None


@dataclass
class Chat:
    """A chat as the emulator stores it, with the messages the bot and users sent."""

    id: int
    type: str
    title: str | None
    username: str | None
    user: JSON | None  # the other party of a private chat
    admins: list[int]
    creator: int | None
    members: set[int]
    bot_present: bool = True
    migrated_to: int | None = None  # a group upgraded to a supergroup: its new id
    message_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    bot_messages: dict[int, SentMessage] = field(default_factory=dict)
    user_messages: dict[int, JSON] = field(default_factory=dict)
    actions: list[str] = field(default_factory=list)


def fill_user(user: JSON) -> JSON:
    """A Bot API User from a test's short dict (id and first_name are enough)."""
    if "id" not in user:
        raise ValueError(f"a user needs an id: {user!r}")
    return {"is_bot": False, "first_name": f"User {user['id']}", **user}
