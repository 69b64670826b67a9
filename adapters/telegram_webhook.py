"""Receiving Telegram updates by webhook: Telegram POSTs each update to ``TELEGRAM_WEBHOOK_URL``.

The route is the web application's (:mod:`bot.web.webhook`); it hands each
request to :meth:`WebhookReceiver.handle`, registered while this process leads.
Each start registers the webhook again with a fresh secret (setWebhook's
``secret_token``, which Telegram sends back in a header), so a standby taking
over makes the old leader's secret worthless, and anyone who is not Telegram
gets 403 without a byte of the body read.

An update is kept in the database before the 200 (the store of
:mod:`adapters.telegram_updates`, shared with polling): a failure to keep it is
a 503, so Telegram sends it again. Telegram also sends an update again when
our 200 was lost or late, so the ids seen are remembered and a re-send is
answered 200 without handling it twice. Handling runs in the background, in
chat order: the answer never waits for a command.

Stopping does not delete the webhook: Telegram keeps the updates and retries
while a standby takes over (the route answers 503 meanwhile). Readiness comes
from a getWebhookInfo every :data:`CHECK_EVERY` seconds (and each update
received); the delivery error Telegram reports there is logged once.
"""
from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from collections import OrderedDict
from datetime import datetime
from typing import Any

from aiohttp import web
from telegram import Bot
from telegram.error import TelegramError

from adapters.telegram_start import short_reason
from adapters.telegram_updates import ALLOWED_UPDATES, UpdateDispatcher, UpdateStore, parsed
from bot.health import Heartbeat
from bot.logs import redact, register_secret
from bot.web.context import Handler

# The operator reads these lines as the Telegram adapter's.
log = logging.getLogger("adapters.telegram")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CHECK_EVERY = 30.0  # seconds between getWebhookInfo calls (the heartbeat's timeout: stale after twice that)
REMEMBERED = 10_000  # update ids remembered to recognise a re-send (Telegram re-sends the latest ones)
UPDATE_MAX_BYTES = 1024 * 1024  # an update is a few kilobytes; refuse to buffer more


def fresh_secret() -> str:
    """A secret_token as Telegram accepts it: 1-256 characters of ``A-Z a-z 0-9 _ -``."""
    return secrets.token_urlsafe(32)


class WebhookReceiver:
    """Registers the webhook, answers Telegram's POSTs, and checks the webhook's state for readiness."""

    def __init__(self, bot: Bot, dispatcher: UpdateDispatcher, *, store: UpdateStore | None, url: str,
                 webhooks: dict[str, Handler], heartbeat: Heartbeat, check_every: float = CHECK_EVERY) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self.store = store  # None: nothing is kept (a bot without a database, in tests)
        self.url = url
        self.webhooks = webhooks
        self.heartbeat = heartbeat
        self.check_every = check_every
        self.secret = ""
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._error_date: datetime | None = None  # of the last delivery error Telegram reported
        self._reported: str | None = None  # the delivery error logged, until deliveries catch up
        self._ours = True  # the webhook Telegram reports is the one we set (said once when not)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Take the route, then tell Telegram to push here with a secret of our own."""
        self.secret = fresh_secret()
        register_secret(self.secret, self.url)  # neither is ever logged, whatever logs it
        self.webhooks["telegram"] = self.handle
        try:
            await self.bot.set_webhook(self.url, secret_token=self.secret, allowed_updates=ALLOWED_UPDATES,
                                       drop_pending_updates=False)
        except BaseException:
            self.webhooks.pop("telegram", None)
            raise
        self.heartbeat.beat()
        self._task = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        """Give the route back (503 until a leader takes it); the webhook stays set for that leader."""
        if self.webhooks.get("telegram") == self.handle:
            del self.webhooks["telegram"]
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """One update from Telegram: 403 without our secret, 400 if unreadable, 503 if not kept, else 200."""
        given = request.headers.get(SECRET_HEADER, "")
        if not self.secret or not hmac.compare_digest(given.encode(), self.secret.encode()):
            return web.Response(status=403, text="forbidden")
        if (request.content_length or 0) > UPDATE_MAX_BYTES:
            return web.Response(status=413, text="too large")
        try:
            data = await request.json()
        except ValueError:
            return web.Response(status=400, text="not JSON")
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400, text="not an update")
        try:
            parsed(data, self.bot)  # one that cannot be read is refused now, not kept to fail at each start
        except ValueError:
            return web.Response(status=400, text="not an update")
        self.heartbeat.beat()
        update_id: int = data["update_id"]
        if update_id in self._seen:
            return web.Response(text="ok")  # a re-send: kept, handled or being handled already
        self._remember(update_id)  # before the await: a re-send arriving meanwhile is not kept twice
        try:
            new = True if self.store is None else await asyncio.to_thread(self.store.pushed, data)
        except Exception as exc:  # noqa: BLE001 - not kept, so not confirmed: Telegram sends it again
            self._seen.pop(update_id, None)
            log.warning("telegram: could not keep a pushed update (%s); Telegram will send it again",
                        type(exc).__name__)
            return web.Response(status=503, text="try again", headers={"Retry-After": "5"})
        if new:
            self.dispatcher.dispatch(data)
        return web.Response(text="ok")

    def _remember(self, update_id: int) -> None:
        self._seen[update_id] = None
        while len(self._seen) > REMEMBERED:
            self._seen.popitem(last=False)

    async def _watch(self) -> None:
        """getWebhookInfo now and then: readiness, and what Telegram says when it cannot reach us."""
        while True:
            try:
                info = await self.bot.get_webhook_info()
            except TelegramError as exc:
                log.warning("telegram: getWebhookInfo failed (%s)", short_reason(exc))
            else:
                self.heartbeat.beat()
                self._report(info.url, info.pending_update_count, info.last_error_date, info.last_error_message)
            await asyncio.sleep(self.check_every)

    def _report(self, url: str, pending: int, error_date: Any, error: str | None) -> None:
        if (url == self.url) != self._ours:
            self._ours = url == self.url
            if not self._ours:
                log.warning("telegram: the webhook is no longer ours (another instance or bot set or deleted it)")
        if pending == 0:
            self._reported = None  # caught up: the next trouble is news
        if not error or error_date == self._error_date:
            return
        self._error_date = error_date
        if error != self._reported:  # the same error again and again is one line
            self._reported = error
            reason = redact(error.replace(self.url, "the webhook"))[:200]
            log.warning("telegram: Telegram could not deliver updates to the webhook: %s (%d waiting)",
                        reason, pending)
