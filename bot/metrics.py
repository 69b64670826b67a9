"""The process's Prometheus metrics, in a registry of their own (served at ``/metrics``).

Labels never carry personal data: platforms, command names, outcomes and
space slugs only, never a user id, a chat id or a text.
"""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

COMMANDS = Counter("coworkbot_commands", "Commands handled, by platform, command and outcome",
                   ["platform", "command", "outcome"], registry=REGISTRY)
COMMAND_SECONDS = Histogram("coworkbot_command_seconds", "Time to answer a command, by platform",
                            ["platform"], registry=REGISTRY,
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))


def command_handled(platform: str, command: str, outcome: str, seconds: float) -> None:
    """One command answered (``command`` is a known command's name or ``unknown``)."""
    COMMANDS.labels(platform, command, outcome).inc()
    COMMAND_SECONDS.labels(platform).observe(seconds)
