"""The bot's command menus (setMyCommands and friends), getMe, and no-op methods.

Command lists are stored per scope and language exactly as Telegram keys them
(a chat scope resolved to the chat's id, also for "@username"), with its
validation of names and descriptions, so tests can assert on the menus the
bot registered through ``TelegramEmulator.commands``.
"""

from __future__ import annotations

import re
from typing import Any

from tests.integration.telegram_emulator.params import JSON, ApiError, Params
from tests.integration.telegram_emulator.state import EmulatorState

SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)


class CommandMethods(EmulatorState):
    """setMyCommands, getMyCommands, deleteMyCommands, getMe, logOut and close."""

    def _set_my_commands(self, p: Params) -> bool:
        commands = p.decoded("commands")
        if not isinstance(commands, list) or not all(isinstance(c, dict) for c in commands):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:  # Telegram wants lowercase names and a short description
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._command_key(p)
        if commands:
            self._commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self._commands.pop(key, None)
        return True

    def _get_my_commands(self, p: Params) -> list[JSON]:
        return [dict(c) for c in self._commands.get(self._command_key(p), [])]

    def _delete_my_commands(self, p: Params) -> bool:
        self._commands.pop(self._command_key(p), None)
        return True

    def _command_key(self, p: Params) -> tuple[tuple[Any, ...], str]:
        language = p.text("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            # Telegram wants a two-letter ISO 639-1 code; the exact wording is unverified
            raise ApiError(400, "Bad Request: invalid language code specified")
        scope = p.decoded("scope", "BotCommandScope") or {"type": "default"}
        return self._scope_key(scope), language

    def _scope_key(self, scope: Any) -> tuple[Any, ...]:
        """A hashable BotCommandScope, with chat_id resolved (also for "@username")."""
        if not isinstance(scope, dict) or scope.get("type") not in SCOPE_TYPES:
            raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        kind = scope["type"]
        if kind not in ("chat", "chat_administrators", "chat_member"):
            return (kind,)
        chat = self._target_chat(Params({"chat_id": scope.get("chat_id")}, {}), sending=False)
        if kind != "chat_member":
            return kind, chat.id
        if scope.get("user_id") is None:
            raise ApiError(400, "Bad Request: user_id is empty")
        return kind, chat.id, int(scope["user_id"])

    def _get_me(self, p: Params) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _ok(self, p: Params) -> bool:
        return True
