"""The web server of a real ``coworkbot run``: probes answer, and a taken port is one line."""
from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

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
