"""What a failed Bot API call means for a message: wait, retry later, or give up.

The outbox (:mod:`bot.outbox`) knows only :class:`~bot.messages.DeliveryError`
and :class:`~bot.messages.RetryAfter`; this is the one place that reads PTB's
errors for it, so replies and bulk sends judge a failure the same way.
"""
from __future__ import annotations

import warnings
from datetime import timedelta

from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, TelegramError, TimedOut
from telegram.error import RetryAfter as TgRetryAfter

from adapters.telegram_start import short_reason
from bot.messages import DeliveryError, RetryAfter

PERMANENT_BAD_REQUESTS = ("chat not found", "user not found", "peer_id_invalid", "group chat was upgraded",
                          "have no rights", "not enough rights", "chat_write_forbidden", "need administrator rights")


def delivery_error(exc: TelegramError) -> DeliveryError:
    """PTB's error as the outbox understands it: wait, retry later, or give up."""
    if isinstance(exc, TgRetryAfter):
        with warnings.catch_warnings():  # PTB 22 warns about int vs timedelta here
            warnings.simplefilter("ignore")
            seconds = exc.retry_after
        if isinstance(seconds, timedelta):
            seconds = seconds.total_seconds()
        return RetryAfter(float(seconds), f"Telegram flood control: retry after {seconds}s")
    if isinstance(exc, ChatMigrated):  # sent again to the new id (see TelegramAdapter._paced)
        return DeliveryError("the group was upgraded to a supergroup", permanent=False)
    if isinstance(exc, Forbidden):  # kicked from the group, blocked by the user
        return DeliveryError(exc.message, permanent=True)
    if isinstance(exc, BadRequest):
        permanent = any(p in exc.message.lower() for p in PERMANENT_BAD_REQUESTS)
        return DeliveryError(exc.message, permanent=permanent)
    if isinstance(exc, (TimedOut, NetworkError)):
        return DeliveryError(f"network: {short_reason(exc)}", permanent=False)  # not the nginx page it quotes
    return DeliveryError(short_reason(exc), permanent=False)
