"""How the adapter receives updates: pushed to the webhook when ``TELEGRAM_WEBHOOK_URL`` is set, else polled.

Both ways share what matters for not losing an update: the store that keeps
each update until handled, and the dispatcher that handles them in chat order
(:mod:`adapters.telegram_updates`). Before anything new arrives, the updates an
earlier run kept and did not handle are handled, whichever way that run
received them, so switching modes loses nothing either.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Bot, Update

from adapters.telegram_polling import UpdatePoller
from adapters.telegram_updates import UpdateDispatcher, UpdateStore
from adapters.telegram_webhook import CHECK_EVERY, WebhookReceiver
from bot.config import Settings
from bot.health import Heartbeat
from bot.web.context import Handler
from storage.db import SessionFactory


def receiving_heartbeat(settings: Settings, poll_timeout: int) -> Heartbeat:
    """Each getUpdates answered; or, by webhook, each getWebhookInfo and pushed update (see bot.health)."""
    return Heartbeat(CHECK_EVERY if settings.telegram_webhook_url else poll_timeout + 10.0)


class UpdateReceiver:
    """The dispatcher plus where updates come from (a poller or a webhook), started and stopped together."""

    def __init__(self, settings: Settings, sessions: SessionFactory | None, *, webhooks: dict[str, Handler] | None,
                 heartbeat: Heartbeat, poll_timeout: int) -> None:
        if settings.telegram_webhook_url and webhooks is None:
            raise ValueError("COWORKBOT_TELEGRAM_WEBHOOK_URL needs the web server")
        self.settings = settings
        self.sessions = sessions
        self.webhooks = webhooks
        self.heartbeat = heartbeat
        self.poll_timeout = poll_timeout
        self.check_every = CHECK_EVERY  # seconds between getWebhookInfo calls (tests shorten it)
        self.dispatcher: UpdateDispatcher | None = None
        self.source: UpdatePoller | WebhookReceiver | None = None

    @property
    def by_webhook(self) -> bool:
        return bool(self.settings.telegram_webhook_url)

    async def start(self, bot: Bot, process: Callable[[Update], Awaitable[None]]) -> None:
        """What an earlier run kept and did not handle, then new updates."""
        store = UpdateStore(self.sessions, bot.id) if self.sessions is not None else None
        self.dispatcher = UpdateDispatcher(bot, process, store=store)
        self.dispatcher.resume()
        url = self.settings.telegram_webhook_url
        if url and self.webhooks is not None:
            self.source = WebhookReceiver(bot, self.dispatcher, store=store, url=url, webhooks=self.webhooks,
                                          heartbeat=self.heartbeat, check_every=self.check_every)
        else:
            self.source = UpdatePoller(bot, self.dispatcher, store=store, timeout=self.poll_timeout,
                                       heartbeat=self.heartbeat)
        await self.source.start()

    async def stop(self) -> None:
        """No new updates; the ones being handled get a moment (cut off, they are handled at the next start)."""
        source, self.source = self.source, None
        if source is not None:
            await source.stop()
        dispatcher, self.dispatcher = self.dispatcher, None
        if dispatcher is not None:
            await dispatcher.stop()
