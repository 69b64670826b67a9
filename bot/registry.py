"""Adapters by name: the only way the core reaches a platform.

Each platform is a module registered under the entry-point group
``coworkbot.adapters`` (see pyproject.toml), the way errbot and opsdroid load
their backends: ``bot/`` never imports ``adapters/``, and a new platform is one
module plus one line there. A platform module provides

- ``create(runtime, **options) -> Adapter``: the adapter of a running process;
- ``probe(settings, sessions) -> str`` (optional): who the platform says the bot
  is, for ``coworkbot check``; raises :class:`bot.startup.StartupError`.
"""
from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points
from types import ModuleType

GROUP = "coworkbot.adapters"


class UnknownPlatform(LookupError):
    """No installed module provides this platform."""


@cache
def platform_module(platform: str) -> ModuleType:
    """The module registered for ``platform`` (imported on first use only)."""
    for entry in entry_points(group=GROUP, name=platform):
        return entry.load()
    raise UnknownPlatform(f"no adapter is installed for {platform!r} (entry point group {GROUP})")


def platforms() -> list[str]:
    """Every installed platform's name."""
    return sorted({entry.name for entry in entry_points(group=GROUP)})
