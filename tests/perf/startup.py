"""Start to first answered command (goal <= 3 s), with the Telegram emulator and with a real Synapse.

Each round launches ``coworkbot run`` as a process on a fresh SQLite file; a
user's command is already waiting on the platform, and the clock runs from the
launch to the bot's answer. Nothing (dateparser's language data included) may
delay the first poll or sync.

Run: .venv/bin/python tests/perf/startup.py [rounds]
"""
from __future__ import annotations

import asyncio
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.integration.matrix_homeserver.client import MatrixTestUser  # noqa: E402
from tests.integration.matrix_homeserver.server import SynapseServer  # noqa: E402
from tests.integration.telegram_emulator import TelegramEmulator  # noqa: E402

TOKEN = "444555666:AAStartupTokenStartupTokenStartup0"
ANA = {"id": 7, "first_name": "Ana", "language_code": "en"}


def environment(folder: Path, **settings: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("COWORKBOT_")}
    env.update({"COWORKBOT_DATABASE_URL": f"sqlite:///{folder}/bot.db", "COWORKBOT_LOG_LEVEL": "WARNING",
                "COWORKBOT_HTTP_PORT": "0", "COWORKBOT_MATRIX_STORE_PATH": str(folder / "store")})
    env.update({f"COWORKBOT_{key.upper()}": value for key, value in settings.items()})
    return env


async def launch(env: dict[str, str], folder: Path) -> asyncio.subprocess.Process:
    log = (folder / "bot.log").open("ab")
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "run", cwd=ROOT, env=env,
                                                stdout=log, stderr=log)


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        await asyncio.wait_for(process.wait(), 30)


async def telegram_round() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        async with TelegramEmulator(TOKEN) as emu:
            emu.user_sends(ANA["id"], ANA, "/help")  # waiting before the bot starts
            started = time.perf_counter()
            bot = await launch(environment(Path(tmp), telegram_token=TOKEN, telegram_api_url=emu.base_url),
                               Path(tmp))
            try:
                await emu.wait_for_sent(ANA["id"], 1, timeout=60)
                return time.perf_counter() - started
            finally:
                await stop(bot)


async def matrix_round(server: SynapseServer) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        account = await server.register_user(f"startup-{secrets.token_hex(3)}", password=secrets.token_hex(8))
        ana = await server.register_user(f"ana-{secrets.token_hex(3)}")
        env = environment(Path(tmp), matrix_homeserver=server.base_url, matrix_user_id=account.user_id,
                          matrix_password=account.password, matrix_allowed_inviters=":localhost",
                          coordinators=ana.user_id)
        async with await MatrixTestUser.open(server.base_url, ana) as user:
            room = await user.create_room("startup", invite=[account.user_id])
            bot = await launch(env, Path(tmp))  # first start: joins, history before it is not news
            try:
                await user.wait_for_event(room, lambda e: e.get("type") == "m.room.member"
                                          and e.get("state_key") == account.user_id
                                          and e.get("content", {}).get("membership") == "join", timeout=60)
                await asyncio.sleep(1.0)  # its first sync token is saved
            finally:
                await stop(bot)
            await user.send_text(room, "!help")  # waiting before the second start
            started = time.perf_counter()
            bot = await launch(env, Path(tmp))
            try:
                await user.wait_for_message(room, lambda e: e.get("sender") == account.user_id, timeout=60)
                return time.perf_counter() - started
            finally:
                await stop(bot)


async def main(rounds: int) -> None:
    telegram = [await telegram_round() for _ in range(rounds)]
    print(f"telegram: start to first answer median {statistics.median(telegram):.2f} s, "
          f"worst {max(telegram):.2f} s (goal <= 3 s)", flush=True)
    with tempfile.TemporaryDirectory() as tmp, SynapseServer(Path(tmp)) as server:
        matrix = [await matrix_round(server) for _ in range(rounds)]
    print(f"matrix:   start to first answer median {statistics.median(matrix):.2f} s, "
          f"worst {max(matrix):.2f} s (goal <= 3 s)")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
