"""Settings from ``COWORKBOT_*`` environment variables or a TOML file (``--config``).

The environment wins over the file, so a deployment can keep secrets out of
the file. Secrets are kept out of ``repr`` so they never reach a log line.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from typing import Any, Mapping

PREFIX = "COWORKBOT_"
LANGUAGES = ("en", "fr", "it", "es", "el", "hr", "de", "sl")


class ConfigError(ValueError):
    """A setting has a value we cannot use; the message names the setting."""


_DURATION = re.compile(r"^\s*(\d+)\s*(d|h|m|min|s)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "min": 60, "s": 1}


def parse_duration(text: str) -> timedelta:
    """``24h``, ``90m``, ``2d`` → timedelta. Raises ValueError otherwise."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"not a duration: {text!r}")
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()])


@dataclass(frozen=True)
class Settings:
    """Everything the process can be configured with (see README, Configuration)."""

    database_url: str = "sqlite:///coworkbot.db"
    telegram_token: str | None = field(default=None, repr=False)
    telegram_api_url: str | None = None
    matrix_homeserver: str | None = None
    matrix_user_id: str | None = None
    matrix_password: str | None = field(default=None, repr=False)
    matrix_access_token: str | None = field(default=None, repr=False)
    matrix_command_prefix: str = "!"
    matrix_store_path: str = "matrix-store"  # end-to-end encryption keys (with the e2e extra)
    coordinators: tuple[str, ...] = ()
    default_language: str = "en"
    network_timezone: str = "Europe/Brussels"
    reminder_offsets: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=1))
    need_escalate_after: timedelta = timedelta(hours=24)
    rate_limit_per_minute: int = 20
    #: None means "not set": INFO for platforms, WARNING when only the console runs
    #: (log lines would interleave with the chat in the terminal).
    log_level: str | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never be logged."""
        values = (self.telegram_token, self.matrix_password, self.matrix_access_token)
        return tuple(v for v in values if v)


def _convert(name: str, raw: Any) -> Any:
    """Turn a raw env/TOML value into the field's type, or raise ConfigError."""
    try:
        if name == "coordinators":
            items = raw if isinstance(raw, list) else str(raw).split(",")
            return tuple(str(i).strip() for i in items if str(i).strip())
        if name == "reminder_offsets":
            items = raw if isinstance(raw, list) else str(raw).split(",")
            offsets = tuple(parse_duration(str(i)) for i in items if str(i).strip())
            return tuple(sorted(offsets, reverse=True))
        if name == "need_escalate_after":
            return parse_duration(str(raw))
        if name == "rate_limit_per_minute":
            return int(raw)
        if name == "default_language" and str(raw) not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        if name == "network_timezone":
            from zoneinfo import ZoneInfo

            ZoneInfo(str(raw))
        return str(raw)
    except (ValueError, KeyError) as exc:
        raise ConfigError(f"{PREFIX}{name.upper()}: {exc}") from None


def load_settings(config_file: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the TOML file (keys in any case), overridden by the environment."""
    environ = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    if config_file:
        with open(config_file, "rb") as fh:
            raw.update({k.lower(): v for k, v in tomllib.load(fh).items()})
    for f in fields(Settings):
        value = environ.get(PREFIX + f.name.upper())
        if value not in (None, ""):
            raw[f.name] = value
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
    return Settings(**{k: _convert(k, v) for k, v in raw.items()})
