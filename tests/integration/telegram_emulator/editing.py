"""Changing what was sent: editMessageText, editMessageReplyMarkup, answerCallbackQuery.

Edits follow Telegram's refusals exactly ("message is not modified", a user's
message "can't be edited", an unknown, already answered or too old callback
query, a toast over 200 characters), because an adapter that retries or
ignores these in the wrong way loses button presses in production. Edits count
against the flood limits like sends: a bot editing a group's message on every
button press gets 429 there too.
"""

from __future__ import annotations

import time

from tests.integration.telegram_emulator.params import JSON, ApiError, Params
from tests.integration.telegram_emulator.records import SentMessage
from tests.integration.telegram_emulator.sending import TEXT_LIMIT, SendingMethods

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
TOAST_LIMIT = 200  # characters (UTF-16 code units) of a callback answer's text


class EditingMethods(SendingMethods):
    """Edits of the bot's own messages and answers to button presses."""

    #: Seconds after a press within which its query can be answered (Telegram: about 15).
    callback_timeout: float = 15.0

    def _edit_message_text(self, p: Params) -> JSON:
        message = self._message_to_edit(p)
        if message.text is None:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        raw_text = p.text("text") or ""
        shown = self._format(raw_text, p.text("parse_mode"), p.decoded("entities"))
        if not shown.text:
            raise ApiError(400, "Bad Request: message text is empty")
        if len(shown.text) > TEXT_LIMIT:
            raise ApiError(400, "Bad Request: message is too long")
        markup = self._reply_markup(p)  # omitting reply_markup removes the keyboard
        before = (message.text, message.entities, message.reply_markup)
        if (shown.text, shown.entities, markup) == before:
            raise ApiError(400, NOT_MODIFIED)
        self._count_edit(message.chat_id)
        message.text, message.raw_text, message.entities = shown.text, raw_text, shown.entities
        message.parse_mode, message.reply_markup = p.text("parse_mode"), markup
        return self._mark_edited(message)

    def _edit_message_reply_markup(self, p: Params) -> JSON:
        message = self._message_to_edit(p)
        markup = self._reply_markup(p)
        if markup == message.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        self._count_edit(message.chat_id)
        message.reply_markup = markup
        return self._mark_edited(message)

    def _message_to_edit(self, p: Params) -> SentMessage:
        if p.text("inline_message_id"):
            raise ApiError(400, "Bad Request: message to edit not found")
        chat = self._target_chat(p, sending=True)
        message_id = p.integer("message_id", required=True)
        if message_id in chat.user_messages:
            raise ApiError(400, "Bad Request: message can't be edited")
        if message_id not in chat.bot_messages:
            raise ApiError(400, "Bad Request: message to edit not found")
        return chat.bot_messages[message_id]

    def _count_edit(self, chat_id: int) -> None:
        """An edit uses the chat's send budget (429 with retry_after when it is spent)."""
        if not self.rate_limits:
            return
        retry = self.flood.retry_after(chat_id)
        if retry is not None:
            self.throttled += 1
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        self.flood.record(chat_id)

    def _mark_edited(self, message: SentMessage) -> JSON:
        message.edit_count += 1
        message.edit_date = int(time.time())
        self._sent_pulse.fire()
        return self._sent_json(message)

    def _answer_callback_query(self, p: Params) -> bool:
        query_id = p.text("callback_query_id") or ""
        pressed_at = self._query_times.get(query_id, time.monotonic())
        if query_id in self._pending_queries and time.monotonic() - pressed_at > self.callback_timeout:
            del self._pending_queries[query_id]  # expired: Telegram forgets it
        chat_id = self._pending_queries.pop(query_id, None)
        if chat_id is None:
            raise ApiError(400, QUERY_INVALID)
        text = p.text("text") or ""
        if len(text.encode("utf-16-le")) // 2 > TOAST_LIMIT:
            self._pending_queries[query_id] = chat_id  # refused: the query can still be answered
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = {
            "text": p.text("text"),
            "show_alert": p.flag("show_alert"),
            "url": p.text("url"),
            "cache_time": p.integer("cache_time"),
        }
        return True
