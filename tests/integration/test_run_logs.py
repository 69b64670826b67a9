"""The log of a real ``coworkbot run``, as an operator (or a log collector) reads it.

At INFO: a line per command (no text, no names), start and stop, no library
chatter, one WARNING without traceback for a transient platform error. At
DEBUG, with both platforms and a rejected token: not one secret anywhere.
"""
from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

from aiohttp import ClientSession, ClientTimeout, web
from sqlalchemy import create_engine, text

from tests.integration.cli_process import BotProcess, clean_env
from tests.integration.matrix_helpers import bot_joined, from_bot
from tests.integration.matrix_homeserver import SynapseServer, UserFactory
from tests.integration.telegram_emulator import TelegramEmulator

TOKEN = "987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
ANA = {"id": 7001, "first_name": "Anastasia", "username": "ana_x", "language_code": "en"}
COMMAND_LINE = re.compile(r" INFO bot\.core: telegram /(\w+) (ok|error|refused) \d+ ms$")


async def short_session(emu: TelegramEmulator, bot: BotProcess) -> None:
    """Anastasia tries a few commands; then the Bot API has a hiccup (502) while the bot polls."""
    await bot.wait_for_line("coworkbot running on telegram")
    for index, command in enumerate(["/help", "/checkin secret plans", "/frobnicate my diary", "/broadcast hi all"]):
        emu.user_sends(ANA["id"], ANA, command)
        await emu.wait_for_sent(ANA["id"], index + 1, timeout=30)
    emu.fail_next(1, 502, methods=["getUpdates"])
    await bot.wait_for_line("getUpdates failed", timeout=30)
    await asyncio.sleep(6)  # the broadcast-report job runs every 5 s: its lines would be here by now
    emu.fail_next(1, 502, methods=["sendMessage"])
    emu.user_sends(ANA["id"], ANA, "/help")  # its reply meets a 502, then goes out through the outbox
    await emu.wait_for_sent(ANA["id"], 5, timeout=30)


async def test_info_log_has_a_line_per_command_and_no_chatter(tmp_path: Path) -> None:
    async with TelegramEmulator(TOKEN) as emu:
        env = clean_env(database_url=f"sqlite:///{tmp_path}/bot.db", telegram_api_url=emu.base_url,
                        telegram_token=TOKEN)
        bot = await BotProcess.start("run", env=env)
        try:
            await short_session(emu, bot)
        finally:
            assert await bot.stop() == 0
    lines = bot.stderr_lines
    commands = [match.groups() for line in lines if (match := COMMAND_LINE.search(line))]
    assert commands == [("help", "ok"), ("checkin", "error"), ("unknown", "error"), ("broadcast", "refused"),
                        ("help", "ok")]
    assert any(line.endswith("INFO bot.app: coworkbot running on telegram") for line in lines)
    assert lines[-1].endswith("INFO bot.app: coworkbot stopped")
    [polling, sending] = [line for line in lines if " WARNING " in line]
    assert polling.endswith("WARNING adapters.telegram: telegram: getUpdates failed (Bad Gateway (502)), retrying")
    assert sending.endswith("telegram: reply to a direct chat deferred to the outbox: network: Bad Gateway (502)")
    assert "Traceback" not in bot.stderr
    for chatter in ("apscheduler", "httpx", "HTTP Request", "telegram.ext", "Job ", "nio"):
        assert chatter not in bot.stderr, chatter
    for private in ("Anastasia", "ana_x", "7001", "secret plans", "frobnicate", "my diary", "hi all"):
        assert private not in bot.stderr, private


async def test_json_log_lines_parse(tmp_path: Path) -> None:
    async with TelegramEmulator(TOKEN) as emu:
        env = clean_env(database_url=f"sqlite:///{tmp_path}/bot.db", telegram_api_url=emu.base_url,
                        telegram_token=TOKEN, log_format="json")
        bot = await BotProcess.start("run", env=env)
        try:
            await bot.wait_for_line("coworkbot running on telegram")
            emu.user_sends(ANA["id"], ANA, "/help")
            await emu.wait_for_sent(ANA["id"], 1, timeout=30)
            emu.fail_next(1, 502, methods=["getUpdates"])
            await bot.wait_for_line("getUpdates failed", timeout=30)
        finally:
            assert await bot.stop() == 0
    entries = [json.loads(line) for line in bot.stderr_lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(entry) for entry in entries)
    [command] = [entry for entry in entries if entry["logger"] == "bot.core"]
    assert command["level"] == "INFO" and command["command"] == "help" and command["outcome"] == "ok"
    assert command["platform"] == "telegram" and isinstance(command["latency_ms"], int)
    assert [entry["level"] for entry in entries if "getUpdates failed" in entry["message"]] == ["WARNING"]
    assert not any("exc" in entry for entry in entries)


def saved_access_token(database: Path) -> str:
    """The access token of the bot's password login, as the adapter saved it for the next start."""
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        query = text("SELECT value FROM syncstate WHERE key LIKE :key")
        [value] = conn.execute(query, {"key": "matrix:%:login"}).scalars()
    engine.dispose()
    return json.loads(value)["access_token"]


async def test_no_secret_reaches_the_output_at_debug(tmp_path: Path, synapse_server: SynapseServer,
                                                     matrix_user_factory: UserFactory) -> None:
    password = "debug-secret-password-9f2c"
    account = await synapse_server.register_user(f"h5bot-{tmp_path.name[-12:].lower()}", password=password)
    carol = await matrix_user_factory("carol")
    outputs: list[str] = []
    async with TelegramEmulator(TOKEN) as emu:
        env = clean_env(database_url=f"sqlite:///{tmp_path}/bot.db", telegram_api_url=emu.base_url,
                        telegram_token=TOKEN, matrix_homeserver=synapse_server.base_url,
                        matrix_user_id=account.user_id, matrix_password=password,
                        matrix_store_path=str(tmp_path / "store"), coordinators=carol.user_id, log_level="DEBUG")
        for run in ("password login", "saved login reloaded from the database"):
            bot = await BotProcess.start("run", env=env)
            try:
                await bot.wait_for_line("INFO bot.app: coworkbot running on")
                dm = await carol.create_room(invite=[account.user_id], is_direct=True)
                await bot_joined(carol, dm, account.user_id, timeout=30)
                await carol.send_text(dm, "!help")
                await carol.wait_for_message(dm, from_bot(account.user_id, "What I can do"), timeout=30)
                emu.user_sends(ANA["id"], ANA, "/help")
                await emu.wait_for_sent(ANA["id"], len(emu.sent(ANA["id"])) + 1, timeout=30)
            finally:
                assert await bot.stop() == 0, run
            outputs.append(bot.stdout + bot.stderr)
        access_token = saved_access_token(tmp_path / "bot.db")
        rejected = BotProcess.start("run", env={**env, "COWORKBOT_TELEGRAM_TOKEN": "4242:rejected-token-odd-shape"})
        bot = await rejected
        assert await bot.finish() == 1
        outputs.append(bot.stdout + bot.stderr)
    assert "'access_token': '***'" in outputs[0]  # nio did log the login response, redacted
    assert "HTTP Request" in outputs[0] and "getUpdates" in outputs[0]  # httpx and PTB did log, at DEBUG
    for output in outputs:
        for secret in (TOKEN, TOKEN.split(":")[1], password, access_token, "rejected-token-odd-shape"):
            assert secret not in output
    assert "COWORKBOT_TELEGRAM_TOKEN: rejected by" in outputs[2] and "Traceback" not in outputs[2]


class FlakyProxy:
    """A reverse proxy in front of the homeserver that can start answering 502 (a restart behind nginx)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.failing = False
        self.failed = 0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self.failing:
            self.failed += 1
            return web.Response(status=502, text="<html>502 Bad Gateway</html>", content_type="text/html")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        async with ClientSession(timeout=ClientTimeout(total=120)) as session:
            async with session.request(request.method, self.upstream + request.path_qs, headers=headers,
                                       data=await request.read()) as answer:
                body = await answer.read()
                return web.Response(status=answer.status, body=body,
                                    content_type=answer.content_type if body else None)

    async def __aenter__(self) -> str:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}"

    async def __aexit__(self, *exc_info: object) -> None:
        await self._runner.cleanup()


async def test_a_homeserver_hiccup_while_syncing_is_one_warning(tmp_path: Path, synapse_server: SynapseServer,
                                                                matrix_user_factory: UserFactory) -> None:
    password = "hiccup-password-3b7d"
    account = await synapse_server.register_user(f"h5hic-{tmp_path.name[-12:].lower()}", password=password)
    carol = await matrix_user_factory("carol")
    proxy = FlakyProxy(synapse_server.base_url)
    async with proxy as homeserver:
        env = clean_env(database_url=f"sqlite:///{tmp_path}/bot.db", matrix_homeserver=homeserver,
                        matrix_user_id=account.user_id, matrix_password=password, coordinators=carol.user_id,
                        matrix_store_path=str(tmp_path / "store"))
        bot = await BotProcess.start("run", env=env)
        try:
            await bot.wait_for_line("coworkbot running on matrix")
            dm = await carol.create_room(invite=[account.user_id], is_direct=True)
            await bot_joined(carol, dm, account.user_id, timeout=30)
            proxy.failing = True
            await carol.send_text(dm, "!help")  # ends the bot's long poll: its next sync meets the 502
            await bot.wait_for_line("matrix: sync failed", timeout=30)
            proxy.failing = False
            await carol.wait_for_message(dm, from_bot(account.user_id, "What I can do"), timeout=60)
        finally:
            assert await bot.stop() == 0
    [warning] = [line for line in bot.stderr_lines if " WARNING " in line]
    assert warning.endswith("WARNING adapters.matrix: matrix: sync failed (HTTP 502), retrying in 2 s")
    assert "Traceback" not in bot.stderr and " ERROR " not in bot.stderr
    assert any(" INFO bot.core: matrix /help ok " in line for line in bot.stderr_lines)
