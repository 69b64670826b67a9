"""The emulator's webhook is as strict as Telegram's, driven by a real python-telegram-bot ``Bot``.

The webhook here is a small aiohttp app on loopback that records what it is
sent and answers what the test says, so the emulator's side (validation,
the 409 for getUpdates, the secret header, order, retries) is tested alone.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
import pytest_asyncio
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, Conflict

from tests.integration.telegram_emulator import TelegramEmulator

TOKEN = "123456:TEST-TOKEN"
URL = "https://public.example/telegram/hook"
ANA = {"id": 11, "first_name": "Ana"}
BOB = {"id": 12, "first_name": "Bob"}


@dataclass
class Receiver:
    """A webhook that answers ``status`` and records each request's path, secret header and update."""

    status: int = 200
    received: list[tuple[str, str | None, dict]] = field(default_factory=list)  # type: ignore[type-arg]
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((request.path, request.headers.get("X-Telegram-Bot-Api-Secret-Token"),
                              json.loads(await request.read())))
        return web.Response(status=self.status)

    def texts(self) -> list[str]:
        return [update["message"]["text"] for _, _, update in self.received]


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    app = web.Application()
    app.router.add_post("/{path:.*}", hook.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    hook.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield hook
    await runner.cleanup()


@pytest_asyncio.fixture
async def emu(receiver: Receiver) -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(TOKEN, webhook_target=receiver.url) as emulator:
        emulator.webhook_backoff = (0.05, 0.2)
        yield emulator


@pytest_asyncio.fixture
async def bot(emu: TelegramEmulator) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=emu.base_url) as client:
        yield client


@pytest.mark.parametrize(("url", "description"), [
    ("http://public.example/hook", "An HTTPS URL must be provided for webhook"),
    ("https://public.example:8080/hook", "Webhook can be set up only on ports 80, 88, 443 or 8443"),
])
async def test_set_webhook_needs_https_on_telegrams_ports(bot: Bot, emu: TelegramEmulator, url: str,
                                                          description: str) -> None:
    with pytest.raises(BadRequest, match=f"(?i){description}"):  # PTB recases the text
        await bot.set_webhook(url)
    assert emu.webhook is None
    for port in (443, 80, 88, 8443):
        assert await bot.set_webhook(f"https://public.example:{port}/hook")


@pytest.mark.parametrize(("secret", "description"), [
    ("not:allowed", "secret token contains unallowed characters"),
    ("spaces are not allowed", "secret token contains unallowed characters"),
    ("a" * 257, "secret token is too long"),
])
async def test_set_webhook_checks_the_secret_token(bot: Bot, emu: TelegramEmulator, secret: str,
                                                   description: str) -> None:
    with pytest.raises(BadRequest, match=f"(?i){description}"):  # PTB recases the text
        await bot.set_webhook(URL, secret_token=secret)
    assert emu.webhook is None
    assert await bot.set_webhook(URL, secret_token="A-z_0-9" + "x" * 249)  # 256 of the allowed characters


async def test_get_updates_is_refused_while_a_webhook_is_set(bot: Bot, emu: TelegramEmulator) -> None:
    await bot.set_webhook(URL, secret_token="s3cret")
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active; "
                                       "use deleteWebhook to delete the webhook first"):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert await bot.get_updates() == ()
    assert (await bot.get_webhook_info()).url == ""


async def test_a_long_poll_waiting_when_the_webhook_is_set_ends_in_conflict(bot: Bot, emu: TelegramEmulator) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    async with Bot(TOKEN, base_url=emu.base_url) as other:
        await other.set_webhook(URL)
    with pytest.raises(Conflict, match="webhook is active"):
        await asyncio.wait_for(poll, 2)


async def test_updates_are_pushed_in_order_with_the_secret_header(bot: Bot, emu: TelegramEmulator,
                                                                  receiver: Receiver) -> None:
    emu.user_sends(ANA["id"], ANA, "before the webhook")  # queued: pushed once the webhook is set
    await bot.set_webhook(URL + "?x=1", secret_token="s3cret", allowed_updates=["message"])
    for n in range(3):
        emu.user_sends(BOB["id"], BOB, f"message {n}")
    await emu.wait_for_pushes(4)
    assert receiver.texts() == ["before the webhook", "message 0", "message 1", "message 2"]
    assert {(path, secret) for path, secret, _ in receiver.received} == {("/telegram/hook", "s3cret")}
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count, info.last_error_message) == (URL + "?x=1", 0, None)
    assert info.allowed_updates == ("message",)


async def test_no_secret_no_header(bot: Bot, emu: TelegramEmulator, receiver: Receiver) -> None:
    await bot.set_webhook(URL)
    emu.user_sends(ANA["id"], ANA, "hello")
    await emu.wait_for_pushes(1)
    assert receiver.received[0][1] is None


async def test_a_refused_push_is_retried_in_order_and_reported(bot: Bot, emu: TelegramEmulator,
                                                               receiver: Receiver) -> None:
    receiver.status = 503
    await bot.set_webhook(URL, secret_token="s3cret")
    emu.user_sends(ANA["id"], ANA, "first")
    emu.user_sends(BOB["id"], BOB, "second")
    await emu.wait_for_pushes(3)  # 0.05 s, then 0.1 s later
    info = await bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 503 Service Unavailable"
    assert info.last_error_date is not None
    assert info.pending_update_count == 2
    assert set(receiver.texts()) == {"first"}  # the second waits for the first to be taken

    emu.webhook_backoff = (30.0, 30.0)
    await emu.wait_for_pushes(4)  # now waiting 30 s before the next try ...
    receiver.status = 200
    await bot.set_webhook(URL, secret_token="other")  # ... but a new registration is tried at once
    await emu.wait_for_pushes(6, timeout=2)
    assert receiver.texts()[-2:] == ["first", "second"]
    assert [secret for _, secret, _ in receiver.received[-2:]] == ["other", "other"]
    assert (await bot.get_webhook_info()).pending_update_count == 0


async def test_an_unreachable_webhook_and_a_lost_answer_are_retried(bot: Bot, emu: TelegramEmulator,
                                                                    receiver: Receiver) -> None:
    emu.webhook_target = "http://127.0.0.1:9"  # nothing listens there
    await bot.set_webhook(URL)
    emu.user_sends(ANA["id"], ANA, "hello")
    await emu.wait_for_pushes(1)
    assert (await bot.get_webhook_info()).last_error_message == "Connection refused"
    emu.webhook_target = receiver.url
    emu.lose_webhook_answers(1)  # taken, but Telegram never hears the 200: it sends it again
    await emu.wait_for_pushes(3, timeout=5)
    assert receiver.texts() == ["hello", "hello"]
    assert [p.error for p in emu.webhook_posts[1:]] == ["Read timeout expired", None]


async def test_delete_webhook_stops_pushing_and_keeps_or_drops_the_queue(bot: Bot, emu: TelegramEmulator,
                                                                         receiver: Receiver) -> None:
    receiver.status = 500
    await bot.set_webhook(URL)
    emu.user_sends(ANA["id"], ANA, "kept")
    await emu.wait_for_pushes(1)
    await bot.delete_webhook()
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.text == "kept"
    await bot.set_webhook(URL)
    await bot.delete_webhook(drop_pending_updates=True)
    assert emu.pending_updates == [] and (await bot.get_webhook_info()).url == ""
