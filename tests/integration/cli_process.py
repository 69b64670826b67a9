"""The real ``coworkbot`` command as a child process, for tests that read what an operator reads.

Async, so a test can run the Telegram emulator in its own event loop while
the bot talks to it over HTTP.
"""
from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def clean_env(**settings: str) -> dict[str, str]:
    """The test's environment without any COWORKBOT_* of the developer's, plus ``settings``.

    The web server is off unless the test sets ``http_port``: parallel processes would all want 8080.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("COWORKBOT_")}
    env["COWORKBOT_HTTP_PORT"] = "0"
    env.update({f"COWORKBOT_{k.upper()}": v for k, v in settings.items()})
    return env


class BotProcess:
    """``coworkbot ARGS`` running; its stderr is read as it comes (the log)."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.stderr_lines: list[str] = []
        self.stdout = ""
        self._grew = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, *args: str, env: dict[str, str], cwd: Path = ROOT, stdin: bytes | None = None) -> BotProcess:
        command = [sys.executable, "-m", "bot.cli", *args]
        if env.get("COWORKBOT_TEST_AS_NOBODY"):  # see test_startup.as_unprivileged
            env = {k: v for k, v in env.items() if k != "COWORKBOT_TEST_AS_NOBODY"}
            command = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *command]
        proc = await asyncio.create_subprocess_exec(
            *command, cwd=cwd, env=env,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        process = cls(proc)
        if stdin is not None:
            assert proc.stdin is not None
            proc.stdin.write(stdin)
            await proc.stdin.drain()
            proc.stdin.close()
        return process

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        while line := await self.proc.stderr.readline():
            self.stderr_lines.append(line.decode("utf-8", "replace").rstrip("\n"))
            self._grew.set()
        self._grew.set()

    @property
    def stderr(self) -> str:
        return "\n".join(self.stderr_lines)

    async def wait_for_line(self, text: str, timeout: float = 60.0, count: int = 1) -> str:
        """The ``count``-th stderr line containing ``text`` (fails the test on timeout or exit)."""
        async def found() -> str:
            while True:
                hits = [line for line in self.stderr_lines if text in line]
                if len(hits) >= count:
                    return hits[count - 1]
                if self._reader.done():
                    raise AssertionError(f"exited without {text!r}:\n{self.stderr}")
                self._grew.clear()
                await self._grew.wait()
        try:
            return await asyncio.wait_for(found(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"no {text!r} within {timeout} s:\n{self.stderr}") from None

    async def finish(self, timeout: float = 60.0) -> int:
        """Wait for the process to end by itself; its exit code."""
        assert self.proc.stdout is not None
        out = await asyncio.wait_for(self.proc.stdout.read(), timeout)
        self.stdout = out.decode("utf-8", "replace")
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        await self._reader
        return code

    async def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM, as systemd or a container engine stops it; the exit code."""
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return await self.finish(timeout)
        finally:
            if self.proc.returncode is None:
                self.proc.kill()


async def run_cli(*args: str, env: dict[str, str], cwd: Path = ROOT, timeout: float = 90.0,
                  stdin: bytes | None = None) -> tuple[int, str, str]:
    """Run ``coworkbot ARGS`` to its end: (exit code, stdout, stderr)."""
    process = await BotProcess.start(*args, env=env, cwd=cwd, stdin=stdin)
    try:
        code = await process.finish(timeout)
    finally:
        if process.proc.returncode is None:
            process.proc.kill()
    return code, process.stdout, process.stderr
