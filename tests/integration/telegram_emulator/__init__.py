"""An in-process Telegram Bot API server for integration tests.

The Telegram adapter is tested over real HTTP: python-telegram-bot is pointed
at this server with ``base_url`` and cannot tell it from Telegram for the
methods coworkbot uses. Behaviour follows the Bot API documentation and, where
the documentation is vague, what the real server does (error texts, HTML
parsing, flood limits), so a test failing here points at a bug that would
fail in production too.

Typical use::

    async with TelegramEmulator("123456:TEST") as emu:
        emu.add_chat(-100, type="supergroup", title="Hub Brussels", admins=[7])
        bot = telegram.Bot("123456:TEST", base_url=emu.base_url,
                           base_file_url=emu.base_file_url)
        emu.user_sends(-100, {"id": 7, "first_name": "Ana"}, "/here")
        ...                                      # the adapter polls and replies
        [reply] = await emu.wait_for_sent(-100, count=1)

Everything test-side is a plain method or coroutine; only the bot talks HTTP.
All tokens given to the constructor address the same bot (handy for testing a
token rotation); use two emulators for two bots. Start, use and stop an
emulator within one event loop (a function-scoped async fixture does that).

Known simplifications: MarkdownV2/Markdown texts are stored unparsed; privacy
mode is off (the bot sees every group message); only the 30/s overall and
20/min per group flood limits exist, and they count sendMessage, sendDocument,
sendPhoto and edits (not chat actions); the webhook gets one update at a time
(``max_connections`` is stored, not used), its host is not resolved, and
certificates and ``ip_address`` are ignored.

The package keeps one concern per module: ``server`` (aiohttp app, routing,
responses), the Bot API method groups ``updates``, ``sending``, ``editing``,
``chats`` and ``commands`` (mixins over the shared ``state``), ``webhook``
(setWebhook and pushing updates to the bot's web application), ``control``
(the test-side world, where ``TelegramEmulator`` is assembled), ``membership``
(adding the bot to a group, a group's upgrade to a supergroup), ``flood``
(rate limits), ``records`` (chats, files, sent messages, calls), ``params``
(request parameters and ``ApiError``), ``pulse`` (waking waiters), and
``html``, ``html_tags`` and ``entities`` (Telegram's formatting rules). The
public names of the former single module are re-exported here, so
``from tests.integration.telegram_emulator import ...`` keeps working; the
HTML parser is imported from ``tests.integration.telegram_emulator.html``.
"""

from tests.integration.telegram_emulator.chats import ADMIN_RIGHTS
from tests.integration.telegram_emulator.commands import SCOPE_TYPES
from tests.integration.telegram_emulator.control import TelegramEmulator
from tests.integration.telegram_emulator.editing import NOT_MODIFIED, QUERY_INVALID
from tests.integration.telegram_emulator.params import JSON, ApiError, Upload
from tests.integration.telegram_emulator.records import (
    ApiCall,
    SentMessage,
    StoredFile,
    WebhookPost,
    fill_user,
)
from tests.integration.telegram_emulator.sending import (
    BUTTON_ACTIONS,
    CAPTION_LIMIT,
    CHAT_ACTIONS,
    TEXT_LIMIT,
)
from tests.integration.telegram_emulator.server import (
    NGINX_PAGE,
    SERVER_ERRORS,
    UPLOAD_LIMIT,
)
from tests.integration.telegram_emulator.state import (
    BOT_REMOVED,
    DEFAULT_EXCLUDED_UPDATES,
)

__all__ = [
    "ADMIN_RIGHTS",
    "BOT_REMOVED",
    "BUTTON_ACTIONS",
    "CAPTION_LIMIT",
    "CHAT_ACTIONS",
    "DEFAULT_EXCLUDED_UPDATES",
    "JSON",
    "NGINX_PAGE",
    "NOT_MODIFIED",
    "QUERY_INVALID",
    "SCOPE_TYPES",
    "SERVER_ERRORS",
    "TEXT_LIMIT",
    "UPLOAD_LIMIT",
    "ApiCall",
    "ApiError",
    "SentMessage",
    "StoredFile",
    "TelegramEmulator",
    "Upload",
    "WebhookPost",
    "fill_user",
]
