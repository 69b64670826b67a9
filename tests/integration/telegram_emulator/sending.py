"""The send methods: sendMessage, sendDocument, sendPhoto, sendChatAction, getFile.

Every send goes through the same path as in Telegram (resolve the chat, apply
parse_mode and trimming, check the inline keyboard and the reply target, then
the flood limits) before the message is stored for tests to inspect; the
formatting and markup checks are reused by the edit methods.
"""

from __future__ import annotations

import io
import re
import time
from typing import Any

from tests.integration.telegram_emulator.entities import (
    FormattedText,
    detect_entities,
    trim,
)
from tests.integration.telegram_emulator.html import EntityParseError, parse_html
from tests.integration.telegram_emulator.params import JSON, ApiError, Params
from tests.integration.telegram_emulator.records import Chat, SentMessage, StoredFile
from tests.integration.telegram_emulator.state import EmulatorState

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
BUTTON_ACTIONS = frozenset(  # an inline button needs exactly one of these besides its text
    {
        "callback_data",
        "url",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


class SendingMethods(EmulatorState):
    """Bot API methods that deliver something to a chat, and their shared checks."""

    def _send_message(self, p: Params) -> JSON:
        chat = self._target_chat(p, sending=True)
        raw_text = p.text("text") or ""
        parse_mode = p.text("parse_mode")
        shown = self._format(raw_text, parse_mode, p.decoded("entities"))
        if not shown.text:
            raise ApiError(400, "Bad Request: message text is empty")
        if len(shown.text) > TEXT_LIMIT:  # Telegram counts code points here, not UTF-16
            raise ApiError(400, "Bad Request: message is too long")
        message = SentMessage(
            chat_id=chat.id,
            method="sendMessage",
            text=shown.text,
            raw_text=raw_text,
            entities=shown.entities,
            parse_mode=parse_mode,
        )
        return self._deliver(chat, message, p)

    def _send_document(self, p: Params) -> JSON:
        return self._send_file(p, "document")

    def _send_photo(self, p: Params) -> JSON:
        return self._send_file(p, "photo")

    def _send_file(self, p: Params, kind: str) -> JSON:
        chat = self._target_chat(p, sending=True)
        stored = self._incoming_file(p, kind)
        raw_caption = p.text("caption")
        parse_mode = p.text("parse_mode")
        shown = self._format(raw_caption or "", parse_mode, p.decoded("caption_entities"))
        if len(shown.text) > CAPTION_LIMIT:
            raise ApiError(400, "Bad Request: message caption is too long")
        message = SentMessage(
            chat_id=chat.id,
            method="send" + kind.capitalize(),
            caption=shown.text or None,
            raw_caption=raw_caption,
            caption_entities=shown.entities,
            parse_mode=parse_mode,
            document=stored if kind == "document" else None,
            photo=stored if kind == "photo" else None,
        )
        return self._deliver(chat, message, p)

    def _deliver(self, chat: Chat, message: SentMessage, p: Params) -> JSON:
        """Shared end of every send*: markup, reply, flood control, then store."""
        message.reply_markup = self._reply_markup(p)
        message.reply_to = self._reply_target(chat, p)
        message.params = p.loggable()
        if self.rate_limits:
            retry = self.flood.retry_after(chat.id)
            if retry is not None:
                self.throttled += 1
                raise ApiError(
                    429, f"Too Many Requests: retry after {retry}", {"retry_after": retry}
                )
            self.flood.record(chat.id)
        message.message_id = next(chat.message_ids)
        message.date = int(time.time())
        chat.bot_messages[message.message_id] = message
        self._sent.append(message)
        self._sent_pulse.fire()
        return self._sent_json(message)

    def _format(self, raw: str, parse_mode: str | None, entities: Any) -> FormattedText:
        """Apply parse_mode (or explicit entities) and Telegram's trimming to a text."""
        if entities is not None:
            parsed = FormattedText(raw, list(entities))
        elif parse_mode is None or parse_mode.lower() in ("markdown", "markdownv2"):
            parsed = FormattedText(raw, [])
        elif parse_mode.lower() == "html":
            try:
                parsed = parse_html(raw, strict_ampersand=self.strict_html)
            except EntityParseError as exc:
                raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from exc
        else:
            raise ApiError(400, "Bad Request: unsupported parse_mode")
        trimmed = trim(parsed)
        found = detect_entities(trimmed.text, trimmed.entities)
        for entity in found:  # tg://user?id= links become mentions of the full user
            if entity["type"] == "text_mention":
                entity["user"] = self._users.get(entity["user"]["id"], entity["user"])
        return FormattedText(trimmed.text, found)

    def _reply_markup(self, p: Params) -> JSON | None:
        markup = p.decoded("reply_markup", "reply keyboard markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is None:
            return markup  # reply keyboards, ForceReply, ReplyKeyboardRemove: stored as given
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise ApiError(400, 'Bad Request: field "inline_keyboard" must be an Array of Arrays')
        for button in (b for row in rows for b in row):
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise ApiError(
                    400, "Bad Request: can't parse inline keyboard button: Text must be a String"
                )
            if not BUTTON_ACTIONS & button.keys():
                raise ApiError(
                    400, "Bad Request: text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _reply_target(self, chat: Chat, p: Params) -> int | None:
        reply = p.decoded("reply_parameters")
        reply = reply if isinstance(reply, dict) else {}
        message_id = reply.get("message_id")
        if message_id is None:
            message_id = p.integer("reply_to_message_id")
        if message_id is None:
            return None
        if int(message_id) in chat.bot_messages or int(message_id) in chat.user_messages:
            return int(message_id)
        if reply.get("allow_sending_without_reply") or p.flag("allow_sending_without_reply"):
            return None
        raise ApiError(400, "Bad Request: message to be replied not found")

    def _incoming_file(self, p: Params, kind: str) -> StoredFile:
        """The file of a send: a multipart upload, attach://name, a known file_id or a URL."""
        value = p.text(kind)
        upload = p.files.get(kind)
        if upload is None and value and value.startswith("attach://"):
            upload = p.files.get(value[len("attach://") :])
        if upload is None and value:
            if value in self._files:
                return self._files[value]
            if re.match(r"https?://", value):
                upload = (value.rsplit("/", 1)[-1] or None, None, b"")
            else:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if upload is None:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        filename, mime_type, content = upload
        if not content and not (value or "").startswith("http"):
            raise ApiError(400, "Bad Request: file must be non-empty")
        number = next(self._ids)
        stored = StoredFile(
            file_id=f"emu-{kind}-{number}",
            file_unique_id=f"emu-u{number}",
            file_path=f"{kind}s/file_{number}{_extension(filename)}",
            file_name=filename,
            mime_type=mime_type,
            content=content,
        )
        if kind == "photo":
            stored.width, stored.height = _image_size(content)
        self._files[stored.file_id] = stored
        self._file_paths[stored.file_path] = stored
        return stored

    def _get_file(self, p: Params) -> JSON:
        stored = self._files.get(p.text("file_id") or "")
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    def _send_chat_action(self, p: Params) -> bool:
        chat = self._target_chat(p, sending=True)
        action = p.text("action")
        if action not in CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        chat.actions.append(action)
        return True


def _extension(filename: str | None) -> str:
    """The extension Telegram keeps in file_path, so downloads have a sensible name."""
    if filename and "." in filename:
        return "." + filename.rsplit(".", 1)[1][:10]
    return ""


def _image_size(content: bytes) -> tuple[int, int]:
    """Width and height of an uploaded photo; Telegram refuses what is not an image."""
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:  # Pillow is optional; skip the check without it
        return 0, 0
    try:
        with Image.open(io.BytesIO(content)) as image:
            return image.size
    except (UnidentifiedImageError, OSError) as exc:
        raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED") from exc
