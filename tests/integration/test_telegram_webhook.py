"""Telegram webhook mode: the real adapter, core and web application, with the emulator pushing updates.

With ``TELEGRAM_WEBHOOK_URL`` set, the bot registers the webhook with a fresh
secret at each start and never polls; the emulator POSTs each update to the
web application (its public https URL mapped to the server's loopback port),
and users get their replies as with polling. Everything here is what Telegram
or an operator would see: HTTP statuses, replies, Bot API calls, log lines.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
import pytest

from adapters import telegram
from adapters.telegram import TelegramAdapter
from bot import app
from bot.config import Settings
from bot.core import Core
from bot.messages import Message, Reply
from bot.web.server import WebServer
from storage.db import SessionFactory, create_db_engine, session_factory
from tests.integration.telegram_emulator import TelegramEmulator, fill_user
from tests.integration.test_telegram_adapter import ANA, BOB, TOKEN
from tests.web_client import web_client, web_context

URL = "https://public.example/telegram/hook"
PATH = "/telegram/hook"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def help_update(update_id: int, user: dict[str, Any]) -> dict[str, Any]:
    """A /help in the user's direct chat, as Telegram would push it."""
    chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    return {"update_id": update_id, "message": {"message_id": 1, "date": 0, "chat": chat, "from": fill_user(user),
                                                "text": "/help",
                                                "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}}


@dataclass
class Site:
    """The emulator, the web application on a free port, and the bot's database; bots start and stop on them."""

    emu: TelegramEmulator
    server: WebServer
    sessions: SessionFactory
    settings: Settings
    http: aiohttp.ClientSession

    async def start(self, **changes: Any) -> app.Runtime:
        """A bot as ``coworkbot run`` makes it (the registry's factory), its webhook on this web application."""
        settings = replace(self.settings, **changes)
        return await app.start(settings, lambda rt: [telegram.create(rt)], sessions=self.sessions,
                               poll_seconds=0.1, web=self.server.context)

    async def push(self, body: Any, secret: str | None) -> int:
        """POST to the webhook as someone (Telegram or not) would; the status."""
        headers = {HEADER: secret} if secret is not None else {}
        async with self.http.post(self.server.url + PATH, json=body, headers=headers) as response:
            return response.status

    async def say(self, user: dict[str, Any], text: str) -> list[str]:
        before = len(self.emu.sent(user["id"]))
        self.emu.user_sends(user["id"], user, text)
        sent = await self.emu.wait_for_sent(user["id"], before + 1, timeout=10)
        return [m.text or "" for m in sent[before:]]


@pytest.fixture
async def site(settings: Settings) -> AsyncIterator[Site]:
    async with TelegramEmulator(TOKEN) as emu:
        emu.webhook_backoff = (0.05, 0.5)
        settings = replace(settings, telegram_token=TOKEN, telegram_api_url=emu.base_url, telegram_webhook_url=URL)
        engine = create_db_engine(settings.database_url)
        server = WebServer(web_context(settings, session_factory(engine)))
        await server.start(host="127.0.0.1", port=0)
        emu.webhook_target = server.url  # https://public.example/... → the server's loopback address
        try:
            async with aiohttp.ClientSession() as http:
                yield Site(emu, server, session_factory(engine), settings, http)
        finally:
            await server.stop()
            engine.dispose()


@pytest.fixture
async def running(site: Site) -> AsyncIterator[app.Runtime]:
    runtime = await site.start()
    yield runtime
    await app.shutdown(runtime, drain=False)


async def test_a_pushed_command_is_answered_and_the_bot_never_polls(site: Site, running: app.Runtime) -> None:
    assert site.emu.webhook is not None and site.emu.webhook["url"] == URL
    [reply] = await site.say(ANA, "/lang fr")
    assert reply == "Je te parlerai en français."
    assert site.emu.webhook_posts[-1].status == 200
    assert site.emu.calls_to("getUpdates") == []
    [registered] = site.emu.calls_to("setWebhook")
    assert registered.params["url"] == URL and registered.params["secret_token"]
    async with site.http.get(site.server.url + "/readyz") as response:
        assert (await response.json())["checks"]["telegram"]["ok"] is True


async def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_handled(site: Site, running: app.Runtime) -> None:
    site.emu.add_chat(ANA["id"], "private", user=ANA)  # Ana has started the bot
    assert await site.push(help_update(900, ANA), secret=None) == 403
    assert await site.push(help_update(901, ANA), secret="not-the-secret") == 403
    assert await site.push(help_update(902, ANA), secret="") == 403
    secret = site.emu.webhook["secret_token"]  # type: ignore[index]
    async with site.http.post(site.server.url + PATH, data=b"{not json", headers={HEADER: secret}) as response:
        assert response.status == 400
    assert await site.push({"update_id": 904, "message": {"text": "/help"}}, secret=secret) == 400  # unreadable
    await asyncio.sleep(0.5)
    assert site.emu.sent(ANA["id"]) == []
    assert await site.push(help_update(903, ANA), secret=secret) == 200  # Telegram's own push
    await site.emu.wait_for_sent(ANA["id"], 1)


async def test_a_restart_registers_a_new_secret_and_the_old_one_is_refused(site: Site) -> None:
    first = await site.start()
    old = site.emu.webhook["secret_token"]  # type: ignore[index]
    await site.say(ANA, "/help")
    await app.shutdown(first, drain=False)
    assert site.emu.webhook is not None  # a stop keeps the webhook: Telegram waits for the next leader
    assert await site.push(help_update(900, BOB), secret=old) == 503  # nobody receiving: Telegram retries

    second = await site.start()
    try:
        new = site.emu.webhook["secret_token"]  # type: ignore[index]
        assert new != old
        assert await site.push(help_update(901, BOB), secret=old) == 403
        assert len(await site.say(BOB, "/help")) == 1
        assert len(site.emu.calls_to("setWebhook")) == 2 and site.emu.calls_to("deleteWebhook") == []
    finally:
        await app.shutdown(second, drain=False)


async def test_an_update_pushed_twice_is_answered_once(site: Site, running: app.Runtime) -> None:
    site.emu.lose_webhook_answers(1)  # the bot's 200 never reaches Telegram, which pushes the update again
    site.emu.user_sends(ANA["id"], ANA, "/help")
    posts = await site.emu.wait_for_pushes(2)
    assert [p.update_id for p in posts] == [posts[0].update_id] * 2
    await site.emu.wait_for_sent(ANA["id"], 1)
    await asyncio.sleep(0.5)
    assert len(site.emu.sent(ANA["id"])) == 1
    assert site.emu.pending_updates == []


async def test_an_update_kept_but_not_handled_before_a_stop_is_handled_after_the_restart(site: Site) -> None:
    core = Core(site.settings, site.sessions)
    stuck = asyncio.Event()

    async def hanging(message: Message) -> list[Reply]:
        """Bob's command hangs, as in a process about to stop."""
        if message.sender.user_id == str(BOB["id"]):
            stuck.set()
            await asyncio.Event().wait()
        return await core.handle(message)

    first = TelegramAdapter(site.settings, sessions=site.sessions, webhooks=site.server.context.webhooks)
    await first.start(hanging)
    site.emu.user_sends(BOB["id"], BOB, "/help")
    await asyncio.wait_for(stuck.wait(), 5)
    assert site.emu.pending_updates == []  # taken with a 200: only our database has it now
    await first.stop()  # cut off after the grace period

    second = TelegramAdapter(site.settings, sessions=site.sessions, webhooks=site.server.context.webhooks)
    await second.start(core.handle)
    try:
        await site.emu.wait_for_sent(BOB["id"], 1)
        await asyncio.sleep(0.3)
        assert len(site.emu.sent(BOB["id"])) == 1
    finally:
        await second.stop()


async def test_switching_back_to_polling_deletes_the_webhook(site: Site) -> None:
    webhook = await site.start()
    await app.shutdown(webhook, drain=False)
    site.emu.user_sends(ANA["id"], ANA, "/help")  # comes while no bot runs
    polling = await site.start(telegram_webhook_url=None)
    try:
        assert site.emu.webhook is None and len(site.emu.calls_to("deleteWebhook")) == 1
        await site.emu.wait_for_sent(ANA["id"], 1)  # kept by Telegram meanwhile, now polled
        assert site.emu.calls_to("getUpdates")
    finally:
        await app.shutdown(polling, drain=False)


async def test_delivery_errors_telegram_reports_are_logged_once_without_secrets(
        site: Site, caplog: pytest.LogCaptureFixture) -> None:
    adapter = TelegramAdapter(site.settings, sessions=site.sessions, webhooks=site.server.context.webhooks)
    adapter.updates.check_every = 0.1
    caplog.set_level(logging.INFO)
    await adapter.start(Core(site.settings, site.sessions).handle)
    try:
        site.emu.webhook_target = "http://127.0.0.1:9"  # the proxy in front of us is down
        site.emu.user_sends(ANA["id"], ANA, "/help")
        await site.emu.wait_for_pushes(2)
        await asyncio.sleep(0.5)  # several getWebhookInfo calls
        site.emu.webhook_target = site.server.url
        await site.emu.wait_for_sent(ANA["id"], 1, timeout=5)
    finally:
        await adapter.stop()
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("adapters")]
    assert [line for line in ours if "could not deliver" in line] == [
        "telegram: Telegram could not deliver updates to the webhook: Connection refused (1 waiting)"]
    secret = site.emu.webhook["secret_token"]  # type: ignore[index]
    assert not [line for line in ours if secret in line or "public.example" in line or TOKEN in line]


async def test_the_route_is_503_until_a_bot_receives_and_absent_without_a_webhook(settings: Settings) -> None:
    with_webhook = replace(settings, telegram_webhook_url=URL)
    async with web_client(web_context(with_webhook, None, leader=False)) as client:
        response = await client.post(PATH, json=help_update(1, ANA))  # a standby: Telegram tries again later
        assert response.status == 503
    async with web_client(web_context(settings, None)) as client:
        assert (await client.post(PATH, json=help_update(1, ANA))).status in (404, 405)

