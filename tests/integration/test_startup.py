"""Start-up as an operator meets it: the real ``coworkbot`` process, wrong settings, services away.

Every failure is one line naming the setting or the service, a non-zero exit,
no traceback and no secret; a platform that does not answer yet is waited for;
``coworkbot check`` says the same, one line per item.
"""
from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.integration.cli_process import BotProcess, clean_env, run_cli
from tests.integration.telegram_emulator import TelegramEmulator

TOKEN = "987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
#: Not the usual shape, so only its registration (not a pattern) can keep it out of the output.
REJECTED = "4242:rejected-token-of-an-odd-shape"
PASSWORD = "correct horse battery staple"


def free_port() -> int:
    """A port nobody listens on (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def assert_one_line(stderr: str, *names: str) -> None:
    """Exactly one line, naming ``names``, no traceback."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("coworkbot: ") and all(name in lines[0] for name in names), stderr
    assert "Traceback" not in stderr


def corrupt(tmp: Path) -> str:
    path = tmp / "corrupt.db"
    path.write_bytes(b"this is not an SQLite file " * 200)
    return f"sqlite:///{path}"


def read_only(tmp: Path) -> str:
    path = tmp / "ro.db"
    import sqlite3

    sqlite3.connect(path).close()
    # Root writes through file modes, so the database is opened read-only the way SQLite allows.
    return f"sqlite:///file:{path}?mode=ro&uri=true"


BAD_DATABASES: dict[str, Callable[[Path], str]] = {
    "not a URL": lambda tmp: "nonsense",
    "another engine": lambda tmp: "mysql://bot:pw@localhost/bot",
    "missing folder": lambda tmp: f"sqlite:///{tmp}/no/such/folder/bot.db",
    "corrupt file": corrupt,
    "read-only": read_only,
    "unopenable": lambda tmp: "sqlite:////proc/coworkbot.db",  # /proc takes no new files, even from root
}


@pytest.mark.parametrize("command", [["run"], ["console"], ["db", "upgrade"]])
@pytest.mark.parametrize("case", list(BAD_DATABASES))
async def test_a_bad_database_is_one_line_naming_the_setting(tmp_path: Path, case: str, command: list[str]) -> None:
    env = clean_env(database_url=BAD_DATABASES[case](tmp_path))
    code, out, err = await run_cli(*command, env=env, stdin=b"/help\n")
    assert code != 0
    assert_one_line(err, "COWORKBOT_DATABASE_URL")
    assert "pw@" not in err and "What I can do" not in out


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder another user can use (pytest's own is private to the test's user)."""
    folder = Path(tempfile.mkdtemp(prefix="coworkbot-perm-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def as_unprivileged(env: dict[str, str]) -> dict[str, str]:
    """File modes mean nothing to root: as root, run the command as ``nobody`` (with setpriv)."""
    if os.geteuid() != 0:
        return env
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: file modes cannot be tested")
    return {**env, "COWORKBOT_TEST_AS_NOBODY": "1"}


async def test_an_unwritable_folder_or_file_is_named(shared_tmp: Path) -> None:
    folder = shared_tmp / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    env = as_unprivileged(clean_env(database_url=f"sqlite:///{folder}/bot.db"))
    for command in (["run"], ["db", "upgrade"]):
        code, _, err = await run_cli(*command, env=env)
        assert code != 0
        assert_one_line(err, "COWORKBOT_DATABASE_URL", f"the folder {folder} is not writable")
    url = f"sqlite:///{shared_tmp}/bot.db"
    assert (await run_cli("db", "upgrade", env=clean_env(database_url=url)))[0] == 0
    (shared_tmp / "bot.db").chmod(0o444)
    for leftover in shared_tmp.glob("bot.db-*"):
        leftover.unlink()
    env = as_unprivileged(clean_env(database_url=url))
    for command in (["run"], ["console"], ["db", "upgrade"]):
        code, _, err = await run_cli(*command, env=env, stdin=b"/help\n")
        assert code != 0
        assert_one_line(err, "COWORKBOT_DATABASE_URL", "is read-only for this process")
    code, out, _ = await run_cli("check", env=env)
    assert code == 1 and "FAIL  database: COWORKBOT_DATABASE_URL:" in out and "read-only" in out


async def test_an_unreachable_postgresql_is_one_line_and_waited_for_by_run() -> None:
    url = f"postgresql://bot:s3cret-pw@127.0.0.1:{free_port()}/bot"
    code, _, err = await run_cli("db", "upgrade", env=clean_env(database_url=url))
    assert code != 0
    assert_one_line(err, "cannot reach DATABASE_URL", "connection refused")
    assert "s3cret-pw" not in err
    bot = await BotProcess.start("run", env=clean_env(database_url=url))
    await bot.wait_for_line("retrying in 2 s")
    assert await bot.stop() == 0
    assert "s3cret-pw" not in bot.stderr and "Traceback" not in bot.stderr


SETTINGS = {
    "log level": ({"log_level": "LOUD"}, "COWORKBOT_LOG_LEVEL"),
    "log format": ({"log_format": "xml"}, "COWORKBOT_LOG_FORMAT"),
    "huge offsets": ({"reminder_offsets": "99999999999999999999d"}, "COWORKBOT_REMINDER_OFFSETS"),
    "far offsets": ({"reminder_offsets": "24h,9000d"}, "COWORKBOT_REMINDER_OFFSETS"),
    "rate limit 0": ({"rate_limit_per_minute": "0"}, "COWORKBOT_RATE_LIMIT_PER_MINUTE"),
    "rate limit text": ({"rate_limit_per_minute": "many"}, "COWORKBOT_RATE_LIMIT_PER_MINUTE"),
    "language": ({"default_language": "tlh"}, "COWORKBOT_DEFAULT_LANGUAGE"),
    "time zone": ({"network_timezone": "Mars/Olympus_Mons"}, "COWORKBOT_NETWORK_TIMEZONE"),
    "token shape": ({"telegram_token": "my token"}, "COWORKBOT_TELEGRAM_TOKEN"),
    "homeserver": ({"matrix_homeserver": "matrix.example.org", "matrix_user_id": "@bot:example.org",
                    "matrix_password": PASSWORD}, "COWORKBOT_MATRIX_HOMESERVER"),
    "no password": ({"matrix_homeserver": "https://matrix.example.org", "matrix_user_id": "@bot:example.org"},
                    "COWORKBOT_MATRIX_PASSWORD"),
    "coordinator": ({"coordinators": "tg:1,bob"}, "COWORKBOT_COORDINATORS"),
}


@pytest.mark.parametrize("command", [["run"], ["console"], ["db", "upgrade"]])
@pytest.mark.parametrize("case", list(SETTINGS))
async def test_a_bad_setting_is_one_line_naming_it(tmp_path: Path, case: str, command: list[str]) -> None:
    values, name = SETTINGS[case]
    env = clean_env(database_url=f"sqlite:///{tmp_path}/bot.db", **values)
    code, _, err = await run_cli(*command, env=env, stdin=b"")
    assert code != 0
    assert_one_line(err, name)
    assert PASSWORD not in err
    assert not (tmp_path / "bot.db").exists()  # refused before touching anything


async def test_a_bad_setting_in_the_file_is_one_line_too(tmp_path: Path) -> None:
    config = tmp_path / "bot.toml"
    config.write_text('rate_limit_per_minute = 0\ndatabase_url = "sqlite:///bot.db"\n')
    code, _, err = await run_cli("run", "--config", str(config), env=clean_env(), cwd=tmp_path)
    assert code != 0
    assert_one_line(err, "COWORKBOT_RATE_LIMIT_PER_MINUTE")


@pytest.mark.parametrize("content, expected", [
    ("log_level = \n", "not valid TOML"),
    ("[matrix]\nhomeserver = 'https://m.org'\n", "unknown setting(s): matrix"),
    (None, "cannot read it"),
])
async def test_a_malformed_or_missing_config_file_is_one_line(tmp_path: Path, content: str | None,
                                                              expected: str) -> None:
    config = tmp_path / "bot.toml"
    if content is not None:
        config.write_text(content)
    for command in (["run"], ["console"], ["db", "upgrade"]):
        code, _, err = await run_cli(*command, "--config", str(config), env=clean_env(), cwd=tmp_path)
        assert code != 0
        assert_one_line(err, "bot.toml" if content is None or "TOML" in expected else "matrix", expected)


async def test_check_reports_every_bad_setting_one_line_each(tmp_path: Path) -> None:
    env = clean_env(log_level="LOUD", rate_limit_per_minute="0", network_timezone="Nowhere/City",
                    telegram_token=TOKEN + " x")
    code, out, err = await run_cli("check", env=env)
    assert code == 1 and "Traceback" not in err
    assert sorted(line.split(":")[1].strip() for line in out.splitlines()) == [
        "COWORKBOT_LOG_LEVEL", "COWORKBOT_NETWORK_TIMEZONE", "COWORKBOT_RATE_LIMIT_PER_MINUTE",
        "COWORKBOT_TELEGRAM_TOKEN"]
    assert all(line.startswith("FAIL  settings: ") for line in out.splitlines())
    assert "AAHdqTcv" not in out + err


async def test_check_of_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/bot.db"
    code, out, _ = await run_cli("check", env=clean_env(database_url=url))
    assert code == 1 and "FAIL  database: no database file" in out
    assert not (tmp_path / "bot.db").exists()  # check creates nothing
    code, out, _ = await run_cli("db", "upgrade", env=clean_env(database_url=url))
    assert code == 0 and out == "database is up to date\n"
    code, out, _ = await run_cli("check", env=clean_env(database_url=url))
    assert code == 0, out
    assert out.splitlines()[1].startswith(f"ok    database: {url} is writable, schema ")
    assert out.splitlines()[2] == "ok    platforms: none configured: `coworkbot run` starts the console"
    code, out, _ = await run_cli("check", env=clean_env(database_url=corrupt(tmp_path)))
    assert code == 1 and "FAIL  database: COWORKBOT_DATABASE_URL:" in out and "not an SQLite database" in out


async def test_check_and_run_with_a_token_telegram_rejects(tmp_path: Path) -> None:
    async with TelegramEmulator(TOKEN) as emu:
        env = clean_env(database_url=f"sqlite:///{tmp_path}/bot.db", telegram_api_url=emu.base_url,
                        telegram_token=REJECTED, log_level="DEBUG")
        await run_cli("db", "upgrade", env=env)
        code, out, err = await run_cli("check", env=env)
        assert code == 1
        assert f"FAIL  telegram: COWORKBOT_TELEGRAM_TOKEN: rejected by {emu.base_url} (Unauthorized)" in out
        code, out, err = await run_cli("run", env=env)
        assert code == 1
        assert err.splitlines()[-1] == f"coworkbot: COWORKBOT_TELEGRAM_TOKEN: rejected by {emu.base_url} (Unauthorized)"
        assert "Traceback" not in err
        assert REJECTED not in out + err and "rejected-token" not in out + err  # even at DEBUG
        env["COWORKBOT_TELEGRAM_TOKEN"] = TOKEN
        code, out, err = await run_cli("check", env=env)
        assert code == 0, out
        assert "ok    telegram: logged in as @coworkbot_test_bot" in out


async def test_an_unreachable_bot_api_is_waited_for_then_used(tmp_path: Path) -> None:
    async with TelegramEmulator(TOKEN) as emu:
        emu.fail_next(2, 502, methods=["getMe"])
        env = clean_env(database_url=f"sqlite:///{tmp_path}/bot.db", telegram_api_url=emu.base_url,
                        telegram_token=TOKEN)
        bot = await BotProcess.start("run", env=env)
        try:
            first = await bot.wait_for_line("cannot reach")
            assert first.endswith(f"WARNING bot.startup: cannot reach TELEGRAM_API_URL {emu.base_url}: "
                                  "Bad Gateway (502), retrying in 1 s")
            await bot.wait_for_line("retrying in 2 s")
            await bot.wait_for_line("telegram: polling as @coworkbot_test_bot")
            emu.user_sends(7, {"id": 7, "first_name": "Ana"}, "/help")
            await emu.wait_for_sent(7, 1, timeout=30)
        finally:
            assert await bot.stop() == 0
    assert "Traceback" not in bot.stderr


async def test_a_refused_connection_to_the_bot_api(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/bot"
    env = clean_env(database_url=f"sqlite:///{tmp_path}/bot.db", telegram_api_url=url, telegram_token=TOKEN)
    bot = await BotProcess.start("run", env=env)
    line = await bot.wait_for_line("cannot reach")
    assert f"cannot reach TELEGRAM_API_URL {url}: " in line and line.endswith("retrying in 1 s")
    assert await bot.stop() == 0
    assert "Traceback" not in bot.stderr
    code, out, _ = await run_cli("check", env=env)
    assert code == 1 and f"FAIL  telegram: cannot reach TELEGRAM_API_URL {url}: " in out


async def test_an_unreachable_matrix_homeserver(tmp_path: Path) -> None:
    homeserver = f"http://127.0.0.1:{free_port()}"
    env = clean_env(database_url=f"sqlite:///{tmp_path}/bot.db", matrix_homeserver=homeserver,
                    matrix_user_id="@bot:localhost", matrix_password=PASSWORD,
                    matrix_store_path=str(tmp_path / "store"))
    code, out, err = await run_cli("check", env=env)
    assert code == 1
    assert f"FAIL  matrix: cannot reach MATRIX_HOMESERVER {homeserver}: " in out and "Traceback" not in err
    bot = await BotProcess.start("run", env=env)
    line = await bot.wait_for_line("cannot reach")
    assert line.endswith("retrying in 1 s") and f"cannot reach MATRIX_HOMESERVER {homeserver}: " in line
    await bot.wait_for_line("retrying in 2 s")
    assert await bot.stop() == 0
    assert "Traceback" not in bot.stderr and PASSWORD not in bot.stderr


@pytest.fixture
async def bad_gateway() -> str:
    """A homeserver behind a proxy that answers 502 to everything (it is restarting)."""
    async def answer(request: web.Request) -> web.Response:
        return web.Response(status=502, text="<html>Bad Gateway</html>", content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_a_matrix_homeserver_answering_502_is_waited_for(tmp_path: Path, bad_gateway: str) -> None:
    env = clean_env(database_url=f"sqlite:///{tmp_path}/bot.db", matrix_homeserver=bad_gateway,
                    matrix_user_id="@bot:localhost", matrix_password=PASSWORD,
                    matrix_store_path=str(tmp_path / "store"))
    bot = await BotProcess.start("run", env=env)
    line = await bot.wait_for_line("cannot reach")
    assert line.endswith(f"cannot reach MATRIX_HOMESERVER {bad_gateway}: HTTP 502, retrying in 1 s")
    assert await bot.stop() == 0
    assert "Traceback" not in bot.stderr


async def test_a_matrix_password_the_homeserver_refuses(tmp_path: Path, synapse_server) -> None:  # noqa: ANN001
    account = await synapse_server.register_user(f"h5-{os.getpid()}-{id(tmp_path) % 10000}", password=PASSWORD)
    env = clean_env(database_url=f"sqlite:///{tmp_path}/bot.db", matrix_homeserver=synapse_server.base_url,
                    matrix_user_id=account.user_id, matrix_password="wrong " + PASSWORD,
                    matrix_store_path=str(tmp_path / "store"))
    code, _, err = await run_cli("run", env=env)
    assert code == 1
    assert_one_line(err, f"COWORKBOT_MATRIX_PASSWORD: refused by {synapse_server.base_url}: M_FORBIDDEN")
    assert PASSWORD not in err
    env["COWORKBOT_MATRIX_PASSWORD"] = PASSWORD
    code, out, _ = await run_cli("check", env=env)
    assert code == 0, out
    assert f"ok    matrix: logged in as {account.user_id} (password accepted)" in out
    del env["COWORKBOT_MATRIX_PASSWORD"]
    env["COWORKBOT_MATRIX_ACCESS_TOKEN"] = account.access_token
    code, out, err = await run_cli("check", env=env)
    assert code == 0, out
    assert f"ok    matrix: logged in as {account.user_id}, device {account.device_id} (access token)" in out
    env["COWORKBOT_MATRIX_ACCESS_TOKEN"] = "syt_not_a_valid_token_at_all"
    code, out, err = await run_cli("check", env=env)
    assert code == 1 and "FAIL  matrix: COWORKBOT_MATRIX_ACCESS_TOKEN: refused by" in out and "M_UNKNOWN_TOKEN" in out
    code, out, err = await run_cli("run", env=env)
    assert code == 1
    assert_one_line(err, "COWORKBOT_MATRIX_ACCESS_TOKEN: refused by", "M_UNKNOWN_TOKEN")
    assert "syt_not_a_valid" not in out + err


async def test_console_and_run_start_cleanly_when_all_is_well(tmp_path: Path) -> None:
    env = clean_env(database_url=f"sqlite:///{tmp_path}/bot.db")
    code, out, err = await run_cli("console", env=env, stdin=b"/help\n")
    assert code == 0 and "What I can do" in out and err == ""
