"""Logging set-up that keeps secrets out of every line, as text or as JSON.

httpx logs request URLs, and a Telegram URL contains the bot token; nio logs
every response at DEBUG, the login's access token included; exceptions may
carry URLs or passwords too. So the formatter redacts the *final* text: every
secret registered (the configured ones at start, the ones learnt at run time
through :func:`register_secret`) and every shape of one (a ``bot<id>:<token>``,
a Synapse ``syt_`` token, an ``access_token`` field, a Bearer header). Nothing
depends on each library behaving, and an uncaught exception, whichever way it
ends up printed (``sys.excepthook``, the asyncio loop, a thread), goes through
the same formatter.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any, TextIO

_SHAPES = [
    (re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}"), "***"),  # Telegram bot token
    (re.compile(r"\b(syt|syr|mat|mct)_[A-Za-z0-9_-]{8,}"), "***"),  # Synapse / MAS access and refresh tokens
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1***"),
    # "access_token": "…" in JSON or 'access_token': '…' in a dict's repr (nio logs responses so) ...
    (re.compile(r"""(?i)(["'](?:access_token|refresh_token|password|token)["']\s*:\s*["'])[^"']+"""), r"\1***"),
    # ... and access_token=… in a URL's query.
    (re.compile(r"(?i)((?:access_token|refresh_token)=)[^&\s\"']+"), r"\1***"),
]
#: Libraries that log a line per request, job run or event at INFO; at INFO the log is ours.
CHATTY = ("apscheduler", "httpx", "httpcore", "nio", "telegram", "alembic", "aiohttp.access", "peewee", "asyncio")
FORMATS = ("text", "json")
_TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class SecretRegistry:
    """The secret values of this process; longest first, so a secret inside another is not half-redacted."""

    def __init__(self) -> None:
        self._values: list[str] = []
        self._lock = threading.Lock()

    def add(self, *values: str | None) -> None:
        with self._lock:
            known = set(self._values)
            known.update(v for v in values if v and len(v) >= 4)  # a 3-letter "secret" would shred every line
            self._values = sorted(known, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._values:
            if secret in text:
                text = text.replace(secret, "***")
        for pattern, replacement in _SHAPES:
            text = pattern.sub(replacement, text)
        return text


SECRETS = SecretRegistry()


def register_secret(*values: str | None) -> None:
    """A secret learnt at run time (a login's access token, a token read from the database)."""
    SECRETS.add(*values)


def redact(text: str) -> str:
    """``text`` with every known secret and secret-shaped value replaced by ``***``."""
    return SECRETS.redact(text)


class RedactingFormatter(logging.Formatter):
    """``asctime level logger: message`` (and the traceback), redacted."""

    def __init__(self, secrets: Iterable[str] = (), fmt: str = _TEXT) -> None:
        super().__init__(fmt)
        register_secret(*secrets)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


#: Fields of a record that are not ``extra=`` values of the call.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line for log collectors: time, level, logger, message, extras, exc."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, (int, float, bool)) or value is None else redact(str(value))
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exc"] = redact(record.exc_text)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(level: str, secrets: Iterable[str], stream: TextIO | None = None, fmt: str = "text") -> None:
    """Root logging to stderr, every line redacted; library chatter at WARNING unless ``level`` is DEBUG.

    Uncaught exceptions are logged (so redacted) instead of printed raw.
    """
    register_secret(*secrets)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else RedactingFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    debug = root.level <= logging.DEBUG
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.NOTSET if debug else logging.WARNING)
    # nio warns "Error validating response" for every error answer it first tries as a success.
    logging.getLogger("nio.responses").setLevel(logging.NOTSET if debug else logging.ERROR)
    logging.captureWarnings(True)  # a library's warnings.warn is a log line too (redacted, one format)
    jobs = logging.getLogger("apscheduler.executors.default")
    if not any(isinstance(f, _CancelledJob) for f in jobs.filters):
        jobs.addFilter(_CancelledJob())
    # PTB logs an ERROR with a traceback for the HTML page of every 502, then raises the
    # NetworkError that the adapter reports in one line: the first report is the noise.
    requests = logging.getLogger("telegram.request.BaseRequest")
    for old in [f for f in requests.filters if isinstance(f, _ErrorPage)]:
        requests.removeFilter(old)
    if not debug:
        requests.addFilter(_ErrorPage())
    sys.excepthook = _log_uncaught
    threading.excepthook = lambda args: _log_uncaught(args.exc_type, args.exc_value, args.exc_traceback)


class _CancelledJob(logging.Filter):
    """A job still running when the process stops is cancelled: normal, not a traceback at ERROR."""

    def filter(self, record: logging.LogRecord) -> bool:
        import asyncio

        return not (record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError))


class _ErrorPage(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Can not load invalid JSON data")


def _log_uncaught(exc_type: type[BaseException], exc: BaseException | None, tb: Any) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        return
    logging.getLogger("coworkbot").critical("uncaught %s", exc_type.__name__, exc_info=(exc_type, exc, tb))


def loop_exception_handler(loop: Any, context: dict[str, Any]) -> None:
    """asyncio's handler for exceptions nobody awaited: one logged (redacted) error, not a raw print."""
    exc = context.get("exception")
    message = context.get("message") or "unhandled exception in the event loop"
    logger = logging.getLogger("coworkbot")
    if exc is None:
        logger.error("%s", message)
    else:
        logger.error("%s", message, exc_info=(type(exc), exc, exc.__traceback__))
