"""Logging set-up that keeps secrets out of every line.

httpx logs request URLs at INFO, and a Telegram URL contains the bot token;
exceptions may carry URLs or passwords too. The formatter replaces every
configured secret (and any ``bot<id>:<token>`` shape) in the final text, so
nothing depends on each library behaving.
"""
from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

_TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")


class RedactingFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str], fmt: str) -> None:
        super().__init__(fmt)
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return _TOKEN_SHAPE.sub("***", text)


def setup_logging(level: str, secrets: Iterable[str], stream=None) -> None:  # noqa: ANN001
    """Root logging to stderr, with every handler redacting secrets."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingFormatter(secrets, "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    if root.level > logging.DEBUG:
        logging.getLogger("alembic").setLevel(logging.WARNING)  # a line per plugin at each start
