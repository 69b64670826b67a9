"""Telegram's command menus (setMyCommands), one per kind of chat, language and role.

- Direct chats (``all_private_chats``): the members' menu, with the commands
  for direct chats (``/start``, ``/lang``, ``/mydata``, ``/forgetme``).
- Groups (``all_group_chats``, and ``default`` for anything else): the members'
  menu without them; chat admins (``all_chat_administrators``) the managers'.
- Managers appointed with ``/manager add``: the managers' menu in each chat of
  their space (``chat_member`` scope, in their language). The scopes set are
  remembered in the database, so one that is no longer right (a manager
  removed, a chat unlinked) is deleted, also after a restart.

Menus are a comfort: a failure is a log line, never a reason to stop.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from telegram import (BotCommand, BotCommandScopeAllChatAdministrators, BotCommandScopeAllGroupChats,
                      BotCommandScopeAllPrivateChats, BotCommandScopeChatMember, BotCommandScopeDefault)
from telegram.error import NetworkError, RetryAfter, TelegramError

from bot.command_menus import ManagerMenu, appointed_manager_menus, may_change_managers
from bot.commands import menu
from bot.config import LANGUAGES, Settings
from bot.context import Role
from bot.i18n import translator
from bot.messages import html_to_plain
from storage.db import SessionFactory
from storage.state import load_json, save_json

log = logging.getLogger("adapters.telegram")


def commands(lang: str, role: Role, *, direct: bool) -> list[BotCommand]:
    return [BotCommand(name, html_to_plain(text)[:256])
            for name, text in menu(translator(lang), role, direct=direct) if text.strip()]


class CommandMenus:
    """Sets the menus of one bot; ``bot`` gives the running bot."""

    def __init__(self, bot: Callable[[], Any], settings: Settings, sessions: SessionFactory | None) -> None:
        self.bot = bot
        self.settings = settings
        self.sessions = sessions
        self.key = ""  # set at start, once the bot's id is known
        self._sync: asyncio.Task[None] | None = None
        self._again = False

    async def set_all(self, bot_id: int) -> None:
        """The menus of every scope and language, then the appointed managers' (at start)."""
        self.key = f"telegram:{bot_id}:manager_menus"
        scopes: list[tuple[Any, Role, bool]] = [
            (BotCommandScopeDefault(), Role.MEMBER, False),
            (BotCommandScopeAllPrivateChats(), Role.MEMBER, True),
            (BotCommandScopeAllGroupChats(), Role.MEMBER, False),
            (BotCommandScopeAllChatAdministrators(), Role.MANAGER, False),
        ]
        calls = [self.bot().set_my_commands(commands(lang or self.settings.default_language, role, direct=direct),
                                            scope=scope, language_code=lang or None)
                 for scope, role, direct in scopes for lang in ("", *LANGUAGES)]
        failed = [r for r in await asyncio.gather(*calls, return_exceptions=True) if isinstance(r, BaseException)]
        if failed:
            log.warning("telegram: could not set command menus: %s", failed[0])
        await self.sync_managers()

    def after_command(self, text: str) -> None:
        """A command was handled: if it may have changed who manages what, update the menus soon."""
        if may_change_managers(text):
            self.request_sync()

    def request_sync(self) -> None:
        """Update the appointed managers' menus in the background (one run at a time, the last request wins)."""
        if self._sync is not None and not self._sync.done():
            self._again = True
            return
        self._sync = asyncio.create_task(self._sync_until_settled())

    async def _sync_until_settled(self) -> None:
        self._again = True
        while self._again:
            self._again = False
            await self.sync_managers()

    async def stop(self) -> None:
        if self._sync is not None:
            self._sync.cancel()
            await asyncio.gather(self._sync, return_exceptions=True)

    async def sync_managers(self) -> None:
        """Give each appointed manager the managers' menu in their space's chats; take back the others."""
        if self.sessions is None or not self.key:
            return
        try:
            wanted = self._wanted()
            before = {ManagerMenu(*entry) for entry in (load_json(self.sessions, self.key) or [])}
        except Exception:  # noqa: BLE001 - the database will be back; menus can wait
            log.exception("telegram: could not read the appointed managers")
            return
        done = set(before)
        for entry in sorted(before - wanted):
            if await self._call(entry, None):
                done.discard(entry)
        for entry in sorted(wanted - before):
            items = commands(entry.language, Role.MANAGER, direct=False)
            if await self._call(entry, items):
                done.add(entry)
        if done != before:
            save_json(self.sessions, self.key, [[e.chat_id, e.user_id, e.language] for e in sorted(done)])

    def _wanted(self) -> set[ManagerMenu]:
        assert self.sessions is not None
        with self.sessions() as session:
            return set(appointed_manager_menus(session, "telegram", self.settings))

    async def _call(self, entry: ManagerMenu, items: list[BotCommand] | None) -> bool:
        """Set (``items``) or delete (None) one manager's menu in one chat; False if Telegram said no."""
        scope = BotCommandScopeChatMember(int(entry.chat_id), int(entry.user_id))
        try:
            if items is None:
                await self.bot().delete_my_commands(scope=scope)
            else:
                await self.bot().set_my_commands(items, scope=scope)
        except (NetworkError, RetryAfter) as exc:  # (TimedOut is a NetworkError) try again next time
            log.info("telegram: manager menu in %s not updated for now: %s", entry.chat_id, exc)
            return False
        except TelegramError as exc:  # the chat is gone, the bot was removed: nothing left to set or delete
            log.info("telegram: manager menu in %s not %s: %s", entry.chat_id, "set" if items else "removed", exc)
            return items is None
        return True
