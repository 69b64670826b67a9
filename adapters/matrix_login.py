"""What a Matrix homeserver's answer at start means: wait for it, or stop; and ``coworkbot check``'s whoami.

A homeserver that does not answer (refused, timed out, 5xx, rate limited)
may come back; a credential it refuses (``M_FORBIDDEN``, ``M_UNKNOWN_TOKEN``)
will not. Every access token we learn is registered with the log redaction
before anything else can print it.
"""
from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from nio import AsyncClient, AsyncClientConfig, ErrorResponse, LoginError, WhoamiResponse

from bot.config import PREFIX, Settings
from bot.logs import register_secret
from bot.startup import Refused, StartupError, Unreachable
from storage.db import SessionFactory
from storage.state import load_json

TRANSIENT_STATUSES = (429, 500, 502, 503, 504)


def http_status(response: ErrorResponse) -> int | None:
    transport = getattr(response, "transport_response", None)
    return getattr(transport, "status", None)


def is_transient(response: ErrorResponse) -> bool:
    """A server-side hiccup (5xx, rate limited) rather than a refusal."""
    status = http_status(response)
    return status in TRANSIENT_STATUSES or response.status_code == "M_LIMIT_EXCEEDED"


def answer_error(settings: Settings, response: ErrorResponse, setting: str) -> StartupError:
    """The start-up error for a homeserver's error answer about ``setting`` (e.g. MATRIX_PASSWORD)."""
    homeserver = settings.matrix_homeserver or ""
    status = http_status(response)
    if is_transient(response):
        return Unreachable("MATRIX_HOMESERVER", homeserver, f"HTTP {status or response.status_code}")
    if status == 404 or response.status_code == "M_UNRECOGNIZED":
        return StartupError(f"{PREFIX}MATRIX_HOMESERVER: {homeserver} does not look like a Matrix homeserver "
                            f"(HTTP {status})")
    why = " ".join(filter(None, [response.status_code, response.message]))[:200] or f"HTTP {status}"
    return Refused(f"{PREFIX}{setting}: refused by {homeserver}: {why}")


def network_error(settings: Settings, exc: BaseException) -> Unreachable:
    """A connection that failed or timed out, as the one-line reason of a retry."""
    reason = "timed out" if isinstance(exc, asyncio.TimeoutError) else _connection_reason(exc)
    return Unreachable("MATRIX_HOMESERVER", settings.matrix_homeserver or "", reason)


def _connection_reason(exc: BaseException) -> str:
    cause = getattr(exc, "os_error", None) or exc.__cause__ or exc
    text = getattr(cause, "strerror", None) or str(cause) or type(exc).__name__
    return text.split(" [")[0][:200].lower()


NETWORK_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, OSError)


def saved_login_key(settings: Settings) -> str:
    """Where the adapter saves its password login (``storage.state``), shared with :func:`probe`."""
    return f"matrix:{settings.matrix_user_id}:login"


def load_saved_login(sessions: SessionFactory, settings: Settings) -> dict[str, Any] | None:
    """The saved login, its token registered as a secret before anyone can log it."""
    saved = load_json(sessions, saved_login_key(settings))
    if saved:
        register_secret(saved.get("access_token"))
    return saved


async def probe(settings: Settings, sessions: SessionFactory | None) -> str:
    """Who the homeserver says we are (whoami), for ``coworkbot check``.

    The configured token, else the saved login; with only a password, a login
    that is logged out at once (it leaves no device behind).
    """
    client = AsyncClient(settings.matrix_homeserver or "", settings.matrix_user_id or "",
                         config=AsyncClientConfig(max_timeouts=0, max_limit_exceeded=0, request_timeout=15))
    try:
        saved = load_saved_login(sessions, settings) if sessions is not None else None
        token = settings.matrix_access_token or (saved or {}).get("access_token")
        if token:
            client.access_token = token
            who = await client.whoami()
            if isinstance(who, WhoamiResponse):
                how = "access token" if settings.matrix_access_token else "saved login"
                return f"{who.user_id}, device {who.device_id} ({how})"
            setting = "MATRIX_ACCESS_TOKEN" if settings.matrix_access_token else "MATRIX_PASSWORD"
            if settings.matrix_access_token or is_transient(who) or not settings.matrix_password:
                raise answer_error(settings, who, setting)
            client.access_token = ""  # the saved login is gone: the next start logs in with the password
        response = await client.login(settings.matrix_password, device_name="coworkbot check")
        if isinstance(response, LoginError):
            raise answer_error(settings, response, "MATRIX_PASSWORD")
        register_secret(response.access_token)
        await client.logout()
        return f"{response.user_id} (password accepted)"
    except NETWORK_ERRORS as exc:
        raise network_error(settings, exc) from None
    finally:
        await client.close()
