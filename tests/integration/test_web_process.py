"""The web server of a real ``coworkbot run``: probes answer, and a taken port is one line."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import POSTGRES_URL, _reset_postgres
from tests.integration.cli_process import BotProcess, clean_env, run_cli
from tests.integration.telegram_emulator import TelegramEmulator
from tests.integration.test_startup import TOKEN, assert_one_line, free_port


async def _status(http: aiohttp.ClientSession, url: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    async with http.get(url) as response:
        return response.status, await response.json()


async def test_run_answers_probes_on_http_port_and_a_second_process_on_that_port_stops_in_one_line(
        tmp_path: Path) -> None:
    port = free_port()
    async with TelegramEmulator(TOKEN) as emu:
        env = clean_env(telegram_token=TOKEN, telegram_api_url=emu.base_url, http_port=str(port),
                        database_url=f"sqlite:///{tmp_path / 'bot.db'}", log_level="INFO")
        bot = await BotProcess.start("run", env=env)
        try:
            await bot.wait_for_line("coworkbot running on telegram")
            base = f"http://127.0.0.1:{port}"
            async with aiohttp.ClientSession() as http:
                assert (await _status(http, f"{base}/healthz"))[0] == 200
                for _ in range(100):  # ready once the first getUpdates has been answered
                    status, body = await _status(http, f"{base}/readyz")
                    if status == 200:
                        break
                    await asyncio.sleep(0.1)
                assert status == 200, body
                assert body["checks"]["telegram"]["ok"] and body["checks"]["leader"]["ok"]

            other = clean_env(telegram_token=TOKEN, telegram_api_url=emu.base_url, http_port=str(port),
                              database_url=f"sqlite:///{tmp_path / 'other.db'}")
            code, _, stderr = await run_cli("run", env=other, timeout=60)
            assert code != 0
            assert_one_line(stderr, "COWORKBOT_HTTP_PORT", f"127.0.0.1:{port}")
        finally:
            await bot.stop()


async def test_run_in_webhook_mode_answers_pushed_updates_and_never_polls(tmp_path: Path) -> None:
    """`coworkbot run` with TELEGRAM_WEBHOOK_URL, as deployed behind a proxy that keeps the path."""
    port = free_port()
    async with TelegramEmulator(TOKEN) as emu:
        emu.webhook_target = f"http://127.0.0.1:{port}"  # the proxy: the public https address → this port
        env = clean_env(telegram_token=TOKEN, telegram_api_url=emu.base_url, http_port=str(port),
                        telegram_webhook_url="https://bot.example.org/telegram/updates",
                        database_url=f"sqlite:///{tmp_path / 'bot.db'}", log_level="INFO")
        bot = await BotProcess.start("run", env=env)
        try:
            await bot.wait_for_line("coworkbot running on telegram")
            user = {"id": 4242, "first_name": "Ana", "language_code": "fr"}
            emu.add_chat(4242, "private", user=user)
            emu.user_sends(4242, user, "/help")
            for _ in range(100):
                if emu.sent(4242):
                    break
                await asyncio.sleep(0.1)
            assert emu.sent(4242), bot.stderr
            assert not emu.calls_to("getUpdates")
            hook = emu.webhook
            assert hook is not None and hook["url"] == "https://bot.example.org/telegram/updates"
            async with aiohttp.ClientSession() as http:  # someone else posting to the address is refused
                async with http.post(f"http://127.0.0.1:{port}/telegram/updates", json={"update_id": 1}) as response:
                    assert response.status == 403
        finally:
            await bot.stop()
        assert TOKEN not in bot.stderr and hook["secret_token"] not in bot.stderr


@pytest.mark.skipif(not POSTGRES_URL, reason="needs COWORKBOT_TEST_POSTGRES_URL (PostgreSQL)")
async def test_two_processes_on_postgresql_only_the_leader_is_ready_and_the_standby_becomes_ready_when_it_dies(
        tmp_path: Path) -> None:
    """What a load balancer sees: it sends the webhook and the feeds to the one /readyz calls ready."""
    _reset_postgres(POSTGRES_URL)
    ports = free_port(), free_port()
    async with TelegramEmulator(TOKEN) as emu:
        def env(port: int) -> dict[str, str]:
            return clean_env(telegram_token=TOKEN, telegram_api_url=emu.base_url, http_port=str(port),
                             database_url=POSTGRES_URL, log_level="INFO")

        leader = await BotProcess.start("run", env=env(ports[0]))
        standby = None
        try:
            await leader.wait_for_line("coworkbot running on telegram")
            standby = await BotProcess.start("run", env=env(ports[1]))
            await standby.wait_for_line("standing by")
            async with aiohttp.ClientSession() as http:
                first, second = (f"http://127.0.0.1:{port}" for port in ports)
                assert await _ready_within(http, first, 10)
                status, body = await _status(http, f"{second}/readyz")
                assert status == 503 and body["checks"]["leader"] == {"ok": False}
                assert (await _status(http, f"{second}/healthz"))[0] == 200  # alive, standing by
                leader.proc.kill()
                await leader.finish()
                killed = time.monotonic()
                assert await _ready_within(http, second, 15)
                assert time.monotonic() - killed < 15
        finally:
            for process in (leader, standby):
                if process is not None:
                    await process.stop()


async def _ready_within(http: aiohttp.ClientSession, base: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if (await _status(http, f"{base}/readyz"))[0] == 200:
                return True
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    return False
