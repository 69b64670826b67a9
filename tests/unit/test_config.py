"""Configuration from the environment and a TOML file."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings


def test_defaults_are_the_embedded_console_setup() -> None:
    settings = load_settings(environ={})
    assert settings.database_url == "sqlite:///coworkbot.db"
    assert settings.reminder_offsets == (timedelta(hours=24), timedelta(hours=1))
    assert settings.network_timezone == "Europe/Brussels" and settings.matrix_command_prefix == "!"


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
