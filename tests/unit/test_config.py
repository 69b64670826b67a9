"""Configuration from the environment and a TOML file."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings, setting_problems


def test_defaults_are_the_embedded_console_setup() -> None:
    settings = load_settings(environ={})
    assert settings.database_url == "sqlite:///coworkbot.db"
    assert settings.reminder_offsets == (timedelta(hours=24), timedelta(hours=1))
    assert settings.network_timezone == "Europe/Brussels" and settings.matrix_command_prefix == "!"
    assert (settings.http_host, settings.http_port, settings.public_url) == ("127.0.0.1", 8080, None)


def test_web_settings_as_an_operator_writes_them() -> None:
    settings = load_settings(environ={"COWORKBOT_HTTP_HOST": "0.0.0.0", "COWORKBOT_HTTP_PORT": "0",
                                      "COWORKBOT_PUBLIC_URL": "https://cowork.example.org/bot/"})
    assert (settings.http_host, settings.http_port) == ("0.0.0.0", 0)  # 0: no web server
    assert settings.public_url == "https://cowork.example.org/bot"  # links are built under it
    webhook = load_settings(environ={"COWORKBOT_TELEGRAM_WEBHOOK_URL": "https://bot.example.org:8443/tg/updates"})
    assert webhook.telegram_webhook_url == "https://bot.example.org:8443/tg/updates"


def test_environment_overrides_file(tmp_path: Path) -> None:
    config = tmp_path / "bot.toml"
    config.write_text('coordinators = ["tg:1", "@alice:example.org"]\nREMINDER_OFFSETS = "2h,48h"\nlog_level = "DEBUG"\n')
    settings = load_settings(config, environ={"COWORKBOT_LOG_LEVEL": "WARNING", "COWORKBOT_TELEGRAM_TOKEN": "123:abc"})
    assert settings.coordinators == ("tg:1", "@alice:example.org")
    assert settings.reminder_offsets == (timedelta(hours=48), timedelta(hours=2))
    assert settings.log_level == "WARNING"
    assert "123:abc" not in repr(settings)


@pytest.mark.parametrize("env, message", [
    ({"COWORKBOT_DEFAULT_LANGUAGE": "xx"}, "COWORKBOT_DEFAULT_LANGUAGE"),
    ({"COWORKBOT_NETWORK_TIMEZONE": "Mars/Base"}, "COWORKBOT_NETWORK_TIMEZONE"),
    ({"COWORKBOT_REMINDER_OFFSETS": "soon"}, "COWORKBOT_REMINDER_OFFSETS"),
])
def test_bad_values_name_the_setting(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(environ=env)


@pytest.mark.parametrize("env, message", [
    ({"COWORKBOT_LOG_LEVEL": "LOUD"}, "COWORKBOT_LOG_LEVEL: must be one of DEBUG"),
    ({"COWORKBOT_LOG_FORMAT": "xml"}, "COWORKBOT_LOG_FORMAT: must be one of text, json"),
    ({"COWORKBOT_RATE_LIMIT_PER_MINUTE": "0"}, "COWORKBOT_RATE_LIMIT_PER_MINUTE: must be a whole number from 1"),
    ({"COWORKBOT_REMINDER_OFFSETS": "9" * 30 + "d"}, "COWORKBOT_REMINDER_OFFSETS: 9999"),
    ({"COWORKBOT_REMINDER_OFFSETS": ",".join(f"{h}h" for h in range(1, 13))},
     "COWORKBOT_REMINDER_OFFSETS: give 1 to 10"),
    ({"COWORKBOT_NEED_ESCALATE_AFTER": "0m"}, "COWORKBOT_NEED_ESCALATE_AFTER: 0m is out of range"),
    ({"COWORKBOT_DATABASE_URL": "mysql://u:pw@h/d"}, "COWORKBOT_DATABASE_URL: unsupported database 'mysql'"),
    ({"COWORKBOT_TELEGRAM_API_URL": "api.telegram.org"}, "COWORKBOT_TELEGRAM_API_URL: not an http"),
    ({"COWORKBOT_MATRIX_HOMESERVER": "https://m.org"}, "COWORKBOT_MATRIX_USER_ID: required"),
    ({"COWORKBOT_MATRIX_COMMAND_PREFIX": "! "}, "COWORKBOT_MATRIX_COMMAND_PREFIX"),
    ({"COWORKBOT_HTTP_PORT": "65536"}, "COWORKBOT_HTTP_PORT: must be a whole number from 0 to 65535"),
    ({"COWORKBOT_HTTP_PORT": "eighty"}, "COWORKBOT_HTTP_PORT: must be a whole number"),
    ({"COWORKBOT_HTTP_HOST": "http://0.0.0.0"}, "COWORKBOT_HTTP_HOST: not a host name or address"),
    ({"COWORKBOT_PUBLIC_URL": "cowork.example.org"}, "COWORKBOT_PUBLIC_URL: not an http"),
    ({"COWORKBOT_TELEGRAM_WEBHOOK_URL": "http://bot.example.org/tg"}, "COWORKBOT_TELEGRAM_WEBHOOK_URL: Telegram needs an https"),
    ({"COWORKBOT_TELEGRAM_WEBHOOK_URL": "https://bot.example.org:8080/tg"}, "COWORKBOT_TELEGRAM_WEBHOOK_URL: Telegram needs"),
    ({"COWORKBOT_TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg", "COWORKBOT_HTTP_PORT": "0"},
     "COWORKBOT_TELEGRAM_WEBHOOK_URL: needs the web server"),
])
def test_out_of_range_values_name_the_setting(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(environ=env)


def test_a_bad_secret_is_named_never_shown() -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(environ={"COWORKBOT_TELEGRAM_TOKEN": "123456:has a space in-it"})
    assert "COWORKBOT_TELEGRAM_TOKEN" in str(error.value) and "has a space" not in str(error.value)


def test_every_problem_is_listed_for_check(tmp_path: Path) -> None:
    config = tmp_path / "bot.toml"
    config.write_text('log_level = "loud"\nrate_limit_per_minute = 0\nmystery = 1\n')
    problems = setting_problems(config, environ={"COWORKBOT_NETWORK_TIMEZONE": "Nowhere"})
    assert [p.split(":")[0] for p in problems] == [
        "unknown setting(s)", "COWORKBOT_LOG_LEVEL", "COWORKBOT_NETWORK_TIMEZONE", "COWORKBOT_RATE_LIMIT_PER_MINUTE"]
    assert setting_problems(environ={}) == []


def test_the_database_password_is_a_secret() -> None:
    settings = load_settings(environ={"COWORKBOT_DATABASE_URL": "postgresql://bot:pg-s3cret@db/bot",
                                      "COWORKBOT_LOG_LEVEL": "debug"})
    assert "pg-s3cret" in settings.secrets and settings.log_level == "DEBUG"
