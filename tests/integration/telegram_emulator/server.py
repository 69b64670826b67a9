"""The aiohttp side of the emulator: the app, its routes, and how responses look.

``BotApiServer`` listens on a free loopback port, checks the token, dispatches
``/bot<token>/<method>`` to the method mixins and turns their results and
``ApiError``s into Telegram's JSON bodies; it also serves uploaded files under
``/file/bot<token>/`` and answers injected failures the way the nginx in front
of Telegram does. Nothing here knows what a method does.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from functools import cached_property
from typing import Any, Self

from aiohttp import web

from tests.integration.telegram_emulator.chats import ChatMethods
from tests.integration.telegram_emulator.commands import CommandMethods
from tests.integration.telegram_emulator.editing import EditingMethods
from tests.integration.telegram_emulator.params import JSON, ApiError, Params
from tests.integration.telegram_emulator.records import ApiCall
from tests.integration.telegram_emulator.updates import UpdateMethods

SERVER_ERRORS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Time-out",
}
UPLOAD_LIMIT = 50 * 1024 * 1024
NGINX_PAGE = (
    "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)


class BotApiServer(UpdateMethods, EditingMethods, ChatMethods, CommandMethods):
    """The Bot API over HTTP: routing, method dispatch, errors and file downloads."""

    @cached_property
    def _methods(self) -> dict[str, Callable[[Params], Any]]:
        """Bot API method names, lowercased (Telegram ignores their case), to handlers."""
        return {
            "getme": self._get_me,
            "logout": self._ok,
            "close": self._ok,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "getupdates": self._get_updates,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "answercallbackquery": self._answer_callback_query,
            "senddocument": self._send_document,
            "sendphoto": self._send_photo,
            "getfile": self._get_file,
            "getchat": self._get_chat,
            "getchatmember": self._get_chat_member,
            "getchatadministrators": self._get_chat_administrators,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "sendchataction": self._send_chat_action,
        }

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1 and set base_url / base_file_url."""
        app = web.Application(client_max_size=UPLOAD_LIMIT + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_download)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        self._closing = False
        self.base_url = f"http://127.0.0.1:{port}/bot"
        self.base_file_url = f"http://127.0.0.1:{port}/file/bot"
        self._start_pushing()

    async def stop(self) -> None:
        """Release pending long polls, stop pushing to the webhook, then close the server."""
        self._closing = True
        self._updates_pulse.fire()
        await self._stop_pushing()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ------------------------------------------------------------ HTTP plumbing

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] not in self.tokens:
            return self._error(method, {}, ApiError(401, "Unauthorized"))
        failure = self._take_failure(method)
        if failure is not None:
            return self._injected_failure(method, failure)
        handler = self._methods.get(method.lower())
        if handler is None:
            return self._error(method, {}, ApiError(404, "Not Found"))
        try:
            params = await Params.read(request)
        except ApiError as exc:
            return self._error(method, {}, exc)
        try:
            result = handler(params)
            if asyncio.iscoroutine(result):
                result = await result
        except ApiError as exc:
            return self._error(method, params.loggable(), exc)
        self.calls.append(ApiCall(method, params.loggable(), 200))
        return web.json_response({"ok": True, "result": result})

    async def _handle_download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] not in self.tokens:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        stored = self._file_paths.get(request.match_info["path"])
        if stored is None:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )

    def _error(self, method: str, params: JSON, error: ApiError) -> web.Response:
        self.calls.append(ApiCall(method, params, error.code, error.description))
        return web.json_response(error.body(), status=error.code)

    def _take_failure(self, method: str) -> int | None:
        for index, (status, only) in enumerate(self._failures):
            if only is None or method.lower() in only:
                del self._failures[index]
                return status
        return None

    def _injected_failure(self, method: str, status: int) -> web.Response:
        reason = SERVER_ERRORS[status]
        self.calls.append(ApiCall(method, {}, status, reason))
        if status == 500:
            return web.json_response(ApiError(500, reason).body(), status=500)
        return web.Response(
            text=NGINX_PAGE.format(status=status, reason=reason),
            status=status,
            content_type="text/html",
        )
