"""``coworkbot health``: the container's HEALTHCHECK, from ``/readyz`` when the web server is on.

Asking the running process is the only way to see a hung sync or a stuck
outbox; ``coworkbot check`` (used when ``HTTP_PORT`` is 0) only proves the
settings and services are usable. A standby that waits for the leader lock is
healthy: it is doing its job.
"""
from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from typing import TextIO

from bot.config import Settings

TIMEOUT = 10.0


def readyz_url(settings: Settings) -> str:
    """Where this machine reaches the process's own /readyz (a wildcard address means loopback)."""
    host = settings.http_host
    if host in ("0.0.0.0", "", "*"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.http_port}/readyz"


def probe(settings: Settings, out: TextIO = sys.stdout) -> int:
    """0 when ready (or a standby otherwise fine), 1 otherwise, with one line saying why."""
    url = readyz_url(settings)
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310 - our own http:// address
            body, status = response.read(), response.status
    except urllib.error.HTTPError as exc:
        body, status = exc.read(), exc.code
    except (OSError, ValueError) as exc:
        out.write(f"FAIL  {url}: {getattr(exc, 'reason', None) or exc}\n")
        return 1
    try:
        checks = json.loads(body)["checks"]
    except (ValueError, KeyError, TypeError):
        out.write(f"FAIL  {url}: HTTP {status}, not a readiness report\n")
        return 1
    failing = sorted(name for name, check in checks.items() if not check.get("ok"))
    if status == 200 or failing == ["leader"]:
        out.write(f"ok    {url}: {'standby' if failing else 'ready'}\n")
        return 0
    out.write(f"FAIL  {url}: not ready ({', '.join(failing)})\n")
    return 1
