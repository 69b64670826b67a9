"""What a Matrix homeserver's answer at start means: wait for it, or stop; and ``coworkbot check``'s whoami.

A homeserver that does not answer (refused, timed out, 5xx, rate limited)
may come back; a credential it refuses (``M_FORBIDDEN``, ``M_UNKNOWN_TOKEN``)
will not. Every access token we learn is registered with the log redaction
before anything else can print it.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

import aiohttp
from nio import AsyncClient, AsyncClientConfig, ErrorResponse, LoginError, ProfileSetDisplayNameError, WhoamiResponse
from nio.crypto import ENCRYPTION_ENABLED

from adapters.matrix_store import TOKEN_FIX, has_store, lost_store
from bot.config import PREFIX, Settings
from bot.logs import register_secret
from bot.startup import Refused, StartupError, Unreachable
from storage.db import SessionFactory
from storage.state import load_json, save_json

log = logging.getLogger(__name__)

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


async def log_in(client: AsyncClient, settings: Settings, sessions: SessionFactory, *,
                 encryption: bool, store_path: str) -> bool:
    """Access token if configured; else the saved login, else a password login saved for next time.

    Saving the login keeps one device across restarts (and its encryption
    keys). A saved device whose encryption store was lost is replaced by a new
    login; with only an access token we cannot, so we say so in one line and
    run without encryption (encrypted rooms are then told so). Returns whether
    end-to-end encryption can be used.
    """
    token = settings.matrix_access_token
    if token:
        client.access_token = token
        who = await client.whoami()
        if not isinstance(who, WhoamiResponse):
            raise answer_error(settings, who, "MATRIX_ACCESS_TOKEN")
        if encryption and await lost_store(client, store_path, who.user_id, who.device_id or ""):
            log.warning("matrix: the encryption store of device %s is missing from %s, so encrypted rooms "
                        "and direct chats will not work: %s", who.device_id, store_path, TOKEN_FIX)
            client.config = replace(client.config, encryption_enabled=False)
            encryption = False
        client.restore_login(who.user_id, who.device_id or "", token)
        return encryption
    lost = None
    saved = load_saved_login(sessions, settings)
    if saved:
        client.access_token = saved["access_token"]
        who = await client.whoami()
        if isinstance(who, WhoamiResponse):
            if not (encryption and await lost_store(client, store_path, who.user_id, saved["device_id"])):
                client.restore_login(who.user_id, saved["device_id"], saved["access_token"])
                return encryption
            lost = saved["device_id"]
            await client.logout()  # the old device goes, with the keys no one holds any more
        elif is_transient(who):  # a hiccup is no reason to drop the device (and its encryption keys)
            raise answer_error(settings, who, "MATRIX_HOMESERVER")
        client.access_token = ""
    client.device_id = ""  # whoami set it: a new login must be a new device, never the old id with new keys
    response = await client.login(settings.matrix_password, device_name="coworkbot")
    if isinstance(response, LoginError):
        raise answer_error(settings, response, "MATRIX_PASSWORD")
    register_secret(response.access_token)
    save_json(sessions, saved_login_key(settings), {"device_id": response.device_id,
                                                    "access_token": response.access_token})
    if lost:
        log.warning("matrix: the encryption store of device %s is missing from %s; logged in again as device %s "
                    "(keep %sMATRIX_STORE_PATH on a persistent volume)", lost, store_path, response.device_id, PREFIX)
    return encryption


async def set_display_name(client: AsyncClient, name: str) -> None:
    """MATRIX_DISPLAY_NAME, so rooms show a name rather than the bare user id (a failure is one line)."""
    current = await client.get_displayname()
    if getattr(current, "displayname", None) == name:
        return
    result = await client.set_displayname(name)
    if isinstance(result, ProfileSetDisplayNameError):
        log.warning("matrix: could not set the display name: %s", result.message)


async def store_warning(client: AsyncClient, settings: Settings, user_id: str, device_id: str) -> str:
    """For ``coworkbot check``: what a start will do about a lost encryption store ('' when it is fine)."""
    store_path = settings.matrix_store_path
    if not ENCRYPTION_ENABLED or has_store(store_path, user_id, device_id):
        return ""
    if not await lost_store(client, store_path, user_id, device_id):
        return ""
    if settings.matrix_access_token:
        return f"; WARNING: the encryption store of this device is missing from {store_path}, so encrypted " \
               f"rooms will not work: {TOKEN_FIX}"
    return f"; the encryption store of this device is missing from {store_path}: the next start logs in as a new device"


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
                warning = await store_warning(client, settings, who.user_id, who.device_id or "")
                return f"{who.user_id}, device {who.device_id} ({how}){warning}"
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
