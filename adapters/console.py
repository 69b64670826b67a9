"""The console adapter: a local chat in the terminal, scriptable through stdin.

Meta lines: ``:as NAME`` speaks as another user, ``:in SLUG`` moves to that
space's room, ``:dm`` to the direct chat with the bot, ``:quit`` ends.
Replies print as plain text; buttons print with the command they run, which
can be typed as is. Messages the bot sends to other chats (DMs to other users,
announcements) print with an arrow naming the chat.
"""
from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TextIO

from bot.messages import ChatRef, Message, MessageHandler, Reply, Sender, SentRef, html_to_plain

LOBBY = "lobby"


class ConsoleAdapter:
    platform = "console"

    def __init__(self, user: str = "me", room: str = LOBBY, *,
                 find_room: Callable[[str], Awaitable[str | None]],
                 on_quit: Callable[[], None],
                 stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
        self.user = user
        self.chat = ChatRef(self.platform, room)
        self.find_room = find_room
        self.on_quit = on_quit
        self.stdin = stdin
        self.stdout = stdout
        self._task: asyncio.Task[None] | None = None
        self._sent = 0

    async def start(self, handle: MessageHandler) -> None:
        self._task = asyncio.create_task(self._read_loop(handle))

    async def _read_loop(self, handle: MessageHandler) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                line = await loop.run_in_executor(None, self.stdin.readline)
                if not line:
                    break
                line = line.rstrip("\n")
                if line.strip() == ":quit":
                    break
                if line.startswith(":"):
                    await self._meta(line)
                    continue
                if not line.strip():
                    continue
                message = Message(chat=self.chat, sender=self._sender(), text=line)
                for reply in await handle(message):
                    self._print(reply)
        finally:
            self.on_quit()

    async def _meta(self, line: str) -> None:
        verb, _, arg = line[1:].partition(" ")
        arg = arg.strip()
        if verb == "as" and arg:
            self.user = arg
            if self.chat.is_direct:
                self.chat = ChatRef(self.platform, arg, is_direct=True)
        elif verb == "in" and arg:
            room = await self.find_room(arg)
            if room is None:
                self._write(f"! no space {arg!r} (see /spaces)")
                return
            self.chat = ChatRef(self.platform, room)
        elif verb == "dm":
            self.chat = ChatRef(self.platform, self.user, is_direct=True)
        else:
            self._write("! meta lines: :as NAME, :in SLUG, :dm, :quit")

    def _sender(self) -> Sender:
        return Sender(self.platform, self.user, display_name=self.user, handle=self.user)

    def _print(self, reply: Reply, heading: str = "") -> None:
        self._write(heading + html_to_plain(reply.text).replace("\n", "\n  " if heading else "\n"))
        for row in reply.buttons:
            self._write("   " + "  ".join(f"[{b.label} → {b.command}]" for b in row))
        if reply.file:
            self._write(f"   (file {reply.file.name}, {len(reply.file.data)} bytes)")

    def _write(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    async def send(self, chat: ChatRef, reply: Reply) -> SentRef:
        """Messages to other chats: shown with the chat they went to."""
        where = f"@{chat.chat_id} (direct)" if chat.is_direct else f"#{chat.chat_id}"
        self._print(reply, heading=f"→ {where}: ")
        self._sent += 1
        return SentRef(self.platform, chat.chat_id, str(self._sent))

    async def edit(self, message: SentRef, reply: Reply) -> SentRef:
        """A message shown again in a new version (an announcement's live counts), marked as an edit."""
        self._print(reply, heading=f"✎ #{message.chat_id} (edited): ")
        return message

    async def stop(self) -> None:
        if self._task and not self._task.done():
            self._task.cancel()


def create(runtime: Any, user: str = "me", space: str | None = None) -> ConsoleAdapter:
    """The registry's factory (``coworkbot.adapters`` entry point): speak as ``user`` in ``space``'s room."""
    from bot.spaces import room_of_space

    async def find_room(slug: str) -> str | None:
        with runtime.sessions() as session:
            return room_of_space(session, "console", slug)

    room = LOBBY
    if space:
        with runtime.sessions() as session:
            room = room_of_space(session, "console", space) or LOBBY
    return ConsoleAdapter(user, room, find_room=find_room, on_quit=runtime.stop.set)
