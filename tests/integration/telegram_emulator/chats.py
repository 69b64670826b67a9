"""getChat, getChatMember and getChatAdministrators: what the bot can ask about a chat.

The bot learns who administers a group through these, so the answers carry
the statuses and admin rights Telegram returns (creator, administrator,
member, left), built from the chats and users the test set up.
"""

from __future__ import annotations

from tests.integration.telegram_emulator.params import JSON, ApiError, Params
from tests.integration.telegram_emulator.records import Chat
from tests.integration.telegram_emulator.state import EmulatorState

ADMIN_RIGHTS = {
    **dict.fromkeys(
        {
            "can_manage_chat",
            "can_delete_messages",
            "can_manage_video_chats",
            "can_restrict_members",
            "can_change_info",
            "can_invite_users",
            "can_pin_messages",
        },
        True,
    ),
    **dict.fromkeys(
        {
            "can_be_edited",
            "is_anonymous",
            "can_promote_members",
            "can_post_stories",
            "can_edit_stories",
            "can_delete_stories",
        },
        False,
    ),
}


class ChatMethods(EmulatorState):
    """Bot API methods that read chats and their members."""

    def _get_chat(self, p: Params) -> JSON:
        chat = self._target_chat(p, sending=False)
        full = self._chat_json(chat)
        gift_kinds = "unlimited_gifts limited_gifts unique_gifts premium_subscription"
        full["accepted_gift_types"] = dict.fromkeys(
            (gift_kinds + " gifts_from_channels").split(), False
        )
        full.update(accent_color_id=0, max_reaction_count=11)  # required by ChatFullInfo
        return full

    def _get_chat_member(self, p: Params) -> JSON:
        chat = self._target_chat(p, sending=False)
        user_id = p.integer("user_id", required=True)
        if user_id == self.bot_user["id"]:
            return {"status": "member", "user": self.bot_user}
        if user_id not in self._users:
            raise ApiError(400, "Bad Request: user not found")
        return self._member_json(chat, user_id)

    def _get_chat_administrators(self, p: Params) -> list[JSON]:
        chat = self._target_chat(p, sending=False)
        if chat.type == "private":
            raise ApiError(400, "Bad Request: there are no administrators in the private chat")
        ids = ([chat.creator] if chat.creator is not None else []) + chat.admins
        return [self._member_json(chat, user_id) for user_id in dict.fromkeys(ids)]

    def _member_json(self, chat: Chat, user_id: int) -> JSON:
        user = self._users[user_id]
        if chat.type == "private":
            return {"status": "member" if user_id == chat.id else "left", "user": user}
        if user_id == chat.creator:
            return {"status": "creator", "user": user, "is_anonymous": False}
        if user_id in chat.admins:
            return {"status": "administrator", "user": user, **ADMIN_RIGHTS}
        return {"status": "member" if user_id in chat.members else "left", "user": user}
