"""The log: secrets redacted whatever prints them, one line per command, JSON for collectors."""
from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.logs import CHATTY, redact, register_secret, setup_logging
from tests.world import World

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def logging_to(stream: io.StringIO, level: str = "INFO", fmt: str = "text") -> Iterator[None]:
    """The process's logging set up as ``coworkbot run`` does it, into ``stream``; put back after."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, sys.excepthook, threading.excepthook,
             {name: logging.getLogger(name).level for name in CHATTY})
    setup_logging(level, (), stream=stream, fmt=fmt)
    try:
        yield
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        sys.excepthook, threading.excepthook = saved[2], saved[3]
        for name, level_before in saved[4].items():
            logging.getLogger(name).setLevel(level_before)
        logging.captureWarnings(False)


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    with logging_to(stream):
        yield stream


@pytest.mark.parametrize("line, secret", [
    ("{'access_token': 'syt_Ym90_QWxhZGRpbjpvcGVu_1a2b3c', 'device_id': 'ABC'}", "syt_Ym90_QWxhZGRpbjpvcGVu_1a2b3c"),
    ('{"access_token": "MDAxOGxvY2F0aW9uIGV4YW1wbGU", "user_id": "@bot:x"}', "MDAxOGxvY2F0aW9uIGV4YW1wbGU"),
    ("GET /_matrix/client/v3/sync?access_token=opaque42token&since=s1", "opaque42token"),
    ("Authorization: Bearer opaque42token", "opaque42token"),
    ("https://api.telegram.org/bot987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe",
     "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
])
def test_secret_shapes_are_redacted_even_when_nobody_registered_them(line: str, secret: str) -> None:
    assert secret not in redact(line) and "***" in redact(line)


def test_a_secret_learnt_at_run_time_is_redacted_from_then_on(captured: io.StringIO) -> None:
    register_secret("hunter2-learnt-late")
    logging.getLogger("nio.responses").warning("login said %s", {"token": "x", "note": "hunter2-learnt-late"})
    assert "hunter2-learnt-late" not in captured.getvalue()


def test_tracebacks_are_redacted_too(captured: io.StringIO) -> None:
    register_secret("p4ssw0rd-in-a-traceback")
    try:
        raise RuntimeError("login failed with p4ssw0rd-in-a-traceback")
    except RuntimeError:
        logging.getLogger("coworkbot").exception("boom")
        sys.excepthook(*sys.exc_info())  # what an uncaught exception goes through
    output = captured.getvalue()
    assert "Traceback" in output and "p4ssw0rd-in-a-traceback" not in output


def test_library_chatter_is_quiet_at_info(captured: io.StringIO) -> None:
    logging.getLogger("apscheduler.executors.default").info('Job "broadcast-reports" executed successfully')
    logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot***/getUpdates")
    logging.getLogger("nio.client.async_client").info("Received new response of type SyncResponse")
    logging.getLogger("telegram.ext.Application").info("Application started")
    logging.getLogger("httpx").warning("a library warning still shows")
    assert captured.getvalue().count("\n") == 1 and "a library warning still shows" in captured.getvalue()


async def test_one_info_line_per_command_without_text_names_or_ids(world: World, captured: io.StringIO) -> None:
    hub = world.space("Hub")
    world.member("zoe", hub, coordinator=True)
    await world.say("zoe", "/checkin secret plans for Zoe", space=hub)
    await world.say("bob", "/broadcast hello there", space=hub)  # not a coordinator
    await world.say("bob", "/nonsense-command private words", space=hub)
    await world.say("bob", "/event", space=hub)  # bob is not a manager either
    await world.say("bob", "just chatting", space=hub)  # not a command: no line
    lines = [line for line in captured.getvalue().splitlines() if " bot.core: " in line]
    assert [line.split(" bot.core: ")[1].rsplit(" ", 2)[0] for line in lines] == [
        "telegram /checkin ok", "telegram /broadcast refused", "telegram /unknown error", "telegram /event refused"]
    assert all(line.endswith(" ms") for line in lines)
    text = captured.getvalue()
    for private in ("secret plans", "zoe", "Zoe", "bob", "hub", "hello there", "nonsense", "private words"):
        assert private not in text, private


def test_json_lines_parse_and_carry_the_redacted_exception() -> None:
    stream = io.StringIO()
    register_secret("s3cret-in-json")
    with logging_to(stream, fmt="json"):
        logger = logging.getLogger("bot.core")
        logger.info("%s /%s %s %d ms", "matrix", "here", "ok", 7,
                    extra={"platform": "matrix", "command": "here", "outcome": "ok", "latency_ms": 7})
        try:
            raise ValueError("bad s3cret-in-json")
        except ValueError:
            logger.exception("it failed")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "matrix /here ok 7 ms" and first["level"] == "INFO" and first["logger"] == "bot.core"
    assert first["command"] == "here" and first["latency_ms"] == 7 and first["time"].endswith("+00:00")
    assert "ValueError: bad ***" in second["exc"] and "s3cret-in-json" not in stream.getvalue()


def test_an_uncaught_exception_in_a_process_is_logged_redacted(tmp_path: Path) -> None:
    code = ("from bot.logs import setup_logging; setup_logging('INFO', ('tok-123456-secret',));"
            "raise SystemError('failed with tok-123456-secret')")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "SystemError: failed with ***" in result.stderr and "tok-123456-secret" not in result.stderr


async def test_one_line_per_broadcast_when_it_is_done(world: World, captured: io.StringIO) -> None:
    from bot.broadcasts import report_finished

    world.space("Paris Hub")
    world.space("Lyon Hub", city="Lyon")
    world.member("zoe", coordinator=True)
    await world.say("zoe", "/broadcast Network meetup on Friday")
    await world.deliver()
    report_finished(world.sessions, world.settings, ("telegram",), world.clock)
    report_finished(world.sessions, world.settings, ("telegram",), world.clock)  # reported once, logged once
    lines = [line.split(": ", 1)[1] for line in captured.getvalue().splitlines() if "bot.broadcasts" in line]
    assert lines == ["broadcast 1 finished: delivered to 2 of 2 chats"]
    assert "meetup" not in captured.getvalue()
