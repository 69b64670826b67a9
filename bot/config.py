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
        raise ValueError(f"not a duration: {text[:60]!r}")
    try:
        return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()])
    except OverflowError:
        raise ValueError(f"{text.strip()[:60]} is far too long") from None


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
    matrix_display_name: str = "coworkbot"
    #: Besides coordinators and managers, who may invite the bot to a room: ``@user:server``, ``:server``.
    matrix_allowed_inviters: tuple[str, ...] = ()
    coordinators: tuple[str, ...] = ()
    default_language: str = "en"
    network_timezone: str = "Europe/Brussels"
    reminder_offsets: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=1))
    need_escalate_after: timedelta = timedelta(hours=24)
    #: Sent and failed outbox rows are deleted this long after (data minimisation).
    outbox_retention: timedelta = timedelta(days=30)
    rate_limit_per_minute: int = 20
    #: None means "not set": INFO for platforms, WARNING when only the console runs
    #: (log lines would interleave with the chat in the terminal).
    log_level: str | None = None
    #: ``json``: one JSON object per line, for log collectors.
    log_format: str = "text"
    #: The web application (health, metrics, calendar feeds, webhook, public page); port 0: off.
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    #: The address the world reaches the web application at (behind a reverse proxy), for links.
    public_url: str | None = None
    #: Telegram pushes updates to this https:// address (on the web application) instead of polling.
    telegram_webhook_url: str | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never be logged."""
        values = (self.telegram_token, self.matrix_password, self.matrix_access_token, self._database_password)
        return tuple(v for v in values if v)

    @property
    def _database_password(self) -> str | None:
        from sqlalchemy.engine import make_url

        try:
            return make_url(self.database_url).password
        except Exception:  # noqa: BLE001 - an unparseable URL has no password to hide
            return None


#: (shortest, longest) accepted for each duration setting.
DURATION_BOUNDS = {
    "reminder_offsets": (timedelta(minutes=1), timedelta(days=365)),
    "need_escalate_after": (timedelta(minutes=1), timedelta(days=365)),
    "outbox_retention": (timedelta(minutes=1), timedelta(days=3650)),
}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")
RATE_LIMIT_MAX = 10_000
OFFSETS_MAX = 10
_TELEGRAM_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_MATRIX_USER = re.compile(r"^@[^:\s]+:\S+$")
_COORDINATOR = re.compile(r"^(tg:\d+|console:\S+|@[^:\s]+:\S+)$")
_MATRIX_SERVER = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")
DISPLAY_NAME_MAX = 100


def _allowed_inviters(raw: Any) -> tuple[str, ...]:
    """``@user:server``, ``:server`` or ``server`` items; a bare server is kept as ``:server``."""
    items = raw if isinstance(raw, list) else str(raw).split(",")
    found = []
    for item in (str(i).strip() for i in items if str(i).strip()):
        if item.startswith("@") and _MATRIX_USER.match(item):
            found.append(item)
        elif _MATRIX_SERVER.match(item.removeprefix(":")):
            found.append(":" + item.removeprefix(":").lower())
        else:
            raise ValueError(f"{item[:60]!r} is not @user:server, :server or server")
    return tuple(found)


def _duration(name: str, text: str) -> timedelta:
    shortest, longest = DURATION_BOUNDS[name]
    value = parse_duration(text)
    if not shortest <= value <= longest:
        raise ValueError(f"{text.strip()} is out of range ({_span(shortest)} to {_span(longest)})")
    return value


def _span(value: timedelta) -> str:
    return f"{value.days}d" if value.days else f"{int(value.total_seconds() // 60)}m"


def _url(text: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http:// or https:// URL")
    return text.strip()


def _webhook_url(text: str) -> str:
    """Telegram only pushes to https on ports 443, 80, 88 or 8443 (the proxy forwards to HTTP_PORT)."""
    from urllib.parse import urlsplit

    parts = urlsplit(_url(text))
    if parts.scheme != "https" or (parts.port or 443) not in (443, 80, 88, 8443):
        raise ValueError("Telegram needs an https:// URL on port 443, 80, 88 or 8443")
    return text.strip()


def _database_url(text: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        driver = make_url(text).drivername
    except ArgumentError:
        raise ValueError("not a database URL (sqlite:///PATH or postgresql://USER@HOST/DB)") from None
    if driver.split("+")[0] not in ("sqlite", "postgresql", "postgres"):
        raise ValueError(f"unsupported database {driver!r} (sqlite:///PATH or postgresql://USER@HOST/DB)")
    return text


def _time_zone(text: str) -> str:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(text)
    except (ValueError, KeyError):
        raise ValueError(f"unknown time zone {text[:60]!r} (an IANA name such as Europe/Paris)") from None
    return text


def _whole_number(text: Any, low: int, high: int) -> int:
    try:
        value = int(str(text).strip())
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ValueError(f"must be a whole number from {low} to {high}")
    return value


def _convert(name: str, raw: Any) -> Any:
    """Turn a raw env/TOML value into the field's type, or raise ConfigError naming the setting.

    A secret's value never appears in the message.
    """
    try:
        if name == "coordinators":
            items = raw if isinstance(raw, list) else str(raw).split(",")
            ids = tuple(str(i).strip() for i in items if str(i).strip())
            for bad in (i for i in ids if not _COORDINATOR.match(i)):
                raise ValueError(f"{bad[:60]!r} is not tg:USER_ID, @user:server or console:NAME")
            return ids
        if name == "matrix_allowed_inviters":
            return _allowed_inviters(raw)
        if name == "reminder_offsets":
            items = raw if isinstance(raw, list) else str(raw).split(",")
            offsets = {_duration(name, str(i)) for i in items if str(i).strip()}
            if not 1 <= len(offsets) <= OFFSETS_MAX:
                raise ValueError(f"give 1 to {OFFSETS_MAX} durations, e.g. 24h,1h")
            return tuple(sorted(offsets, reverse=True))
        if name in DURATION_BOUNDS:
            return _duration(name, str(raw))
        if name == "rate_limit_per_minute":
            return _whole_number(raw, 1, RATE_LIMIT_MAX)
        if name == "http_port":
            return _whole_number(raw, 0, 65535)
        text = str(raw)
        if name == "default_language" and text not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        if name == "network_timezone":
            return _time_zone(text)
        if name == "log_level":
            if text.upper() not in LOG_LEVELS:
                raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
            return text.upper()
        if name == "log_format" and text not in LOG_FORMATS:
            raise ValueError(f"must be one of {', '.join(LOG_FORMATS)}")
        if name == "database_url":
            return _database_url(text)
        if name in ("telegram_api_url", "matrix_homeserver"):
            return _url(text)
        if name == "public_url":
            return _url(text).rstrip("/")
        if name == "telegram_webhook_url":
            return _webhook_url(text)
        if name == "http_host" and (not text.strip() or any(c.isspace() or c in "/@" for c in text.strip())):
            raise ValueError("not a host name or address to listen on, e.g. 127.0.0.1 or 0.0.0.0")
        if name == "telegram_token" and not _TELEGRAM_TOKEN.match(text.strip()):
            raise ValueError("not a bot token (the 123456789:AA... form that @BotFather gives)")
        if name == "matrix_user_id" and not _MATRIX_USER.match(text):
            raise ValueError("not a Matrix user id (@name:server)")
        if name == "matrix_display_name":
            if not 1 <= len(text.strip()) <= DISPLAY_NAME_MAX:
                raise ValueError(f"must be 1 to {DISPLAY_NAME_MAX} characters")
            return text.strip()
        if name == "matrix_command_prefix" and not (1 <= len(text) <= 3 and not any(c.isspace() for c in text)):
            raise ValueError("must be 1 to 3 characters without spaces, e.g. !")
        return text.strip() if name in ("telegram_token", "matrix_access_token") else text
    except (ValueError, KeyError) as exc:
        raise ConfigError(f"{PREFIX}{name.upper()}: {exc}") from None


def load_settings(config_file: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the TOML file (keys in any case), overridden by the environment.

    Raises ConfigError naming the first bad setting.
    """
    settings, problems = _settings_and_problems(config_file, environ)
    if problems or settings is None:
        raise ConfigError(problems[0])
    return settings


def setting_problems(config_file: str | Path | None = None, environ: Mapping[str, str] | None = None) -> list[str]:
    """Every bad setting, one message each (for ``coworkbot check``); empty when all are good."""
    try:
        return _settings_and_problems(config_file, environ)[1]
    except ConfigError as exc:  # the file itself
        return [str(exc)]


def _settings_and_problems(config_file: str | Path | None,
                           environ: Mapping[str, str] | None) -> tuple[Settings | None, list[str]]:
    environ = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    if config_file:
        try:
            with open(config_file, "rb") as fh:
                raw.update({k.lower(): v for k, v in tomllib.load(fh).items()})
        except OSError as exc:
            raise ConfigError(f"--config {config_file}: cannot read it ({exc.strerror or exc})") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"--config {config_file}: not valid TOML ({exc})") from None
    for f in fields(Settings):
        value = environ.get(PREFIX + f.name.upper())
        if value not in (None, ""):
            raw[f.name] = value
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(raw) - known)
    problems = [f"unknown setting(s): {', '.join(unknown)}"] if unknown else []
    values = {}
    for key in sorted(set(raw) & known):
        try:
            values[key] = _convert(key, raw[key])
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        return None, problems
    settings = Settings(**values)
    try:
        _check_together(settings)
    except ConfigError as exc:
        return None, [str(exc)]
    return settings, []


def _check_together(settings: Settings) -> None:
    """Settings that only work together: Matrix needs an account and a credential."""
    if settings.matrix_homeserver and not settings.matrix_user_id:
        raise ConfigError(f"{PREFIX}MATRIX_USER_ID: required with {PREFIX}MATRIX_HOMESERVER")
    if settings.telegram_webhook_url and not settings.http_port:
        raise ConfigError(f"{PREFIX}TELEGRAM_WEBHOOK_URL: needs the web server ({PREFIX}HTTP_PORT is 0)")
    if settings.matrix_homeserver and not (settings.matrix_password or settings.matrix_access_token):
        raise ConfigError(f"{PREFIX}MATRIX_PASSWORD: required with {PREFIX}MATRIX_HOMESERVER "
                          f"(or {PREFIX}MATRIX_ACCESS_TOKEN)")
