"""What the Bot API's answer at start means: wait for it, or stop; and ``coworkbot check``'s getMe.

A 5xx, a timeout or a refused connection may pass; a token the server
rejects (401/404, or 403) will not. PTB puts the token into the message of
the error it raises for a rejected token, so messages here never quote it.
"""
from __future__ import annotations

from telegram import Bot
from telegram.error import Forbidden, InvalidToken, NetworkError, TelegramError, TimedOut

from bot.config import PREFIX, Settings
from bot.logs import redact
from bot.startup import Refused, StartupError, Unreachable

DEFAULT_API_URL = "https://api.telegram.org/bot"


def api_url(settings: Settings) -> str:
    """The Bot API base URL as shown in messages (the token is appended only in requests)."""
    return settings.telegram_api_url or DEFAULT_API_URL


def short_reason(exc: TelegramError) -> str:
    """``Bad Gateway (502)`` rather than PTB's message with the nginx page quoted in it."""
    return redact(exc.message.split(". Parsing the server response")[0])[:200]


def start_error(settings: Settings, exc: TelegramError) -> StartupError:
    """The start-up error for a failed Bot API call."""
    if isinstance(exc, (InvalidToken, Forbidden)):
        return Refused(f"{PREFIX}TELEGRAM_TOKEN: rejected by {api_url(settings)} (Unauthorized)")
    if isinstance(exc, (NetworkError, TimedOut)):  # PTB's NetworkError covers 5xx and refused connections
        return Unreachable("TELEGRAM_API_URL", api_url(settings), short_reason(exc))
    return StartupError(f"{PREFIX}TELEGRAM_API_URL: {api_url(settings)} answered: {short_reason(exc)}")


async def probe(settings: Settings) -> str:
    """getMe: the bot's @username, or the reason why not (for ``coworkbot check``)."""
    bot = Bot(settings.telegram_token or "", base_url=api_url(settings))
    try:
        async with bot:  # initialize() is the getMe call
            return f"@{bot.username}"
    except TelegramError as exc:
        raise start_error(settings, exc) from None
