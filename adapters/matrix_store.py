"""Is the encryption store of the bot's Matrix device still there?

A device's end-to-end keys live in nio's store under ``MATRIX_STORE_PATH``
(one file per user and device). When that folder is wiped, or the bot runs in
a container without a volume, nio would quietly make fresh keys under the
same device id: the homeserver refuses its one-time keys on every sync,
other clients refuse the changed identity key, and the bot stays silent in
every encrypted room. So before a saved device is reused we ask: does the
homeserver already hold keys for it while the store has none? Then the store
was lost, and the device must be replaced (a new login), never re-keyed.
"""
from __future__ import annotations

import json
import os

import aiohttp
from nio import AsyncClient

from bot.config import PREFIX

#: What an operator can do about a lost store when only an access token is configured.
TOKEN_FIX = (f"set {PREFIX}MATRIX_PASSWORD instead of {PREFIX}MATRIX_ACCESS_TOKEN (the bot then logs in "
             f"as a new device), or give the access token of a new device; keep {PREFIX}MATRIX_STORE_PATH "
             "on a persistent volume")


def store_file(store_path: str, user_id: str, device_id: str) -> str:
    """Where nio keeps the keys of ``device_id`` (its default store's file name)."""
    return os.path.join(store_path, f"{user_id}_{device_id}.db")


def has_store(store_path: str, user_id: str, device_id: str) -> bool:
    return os.path.isfile(store_file(store_path, user_id, device_id))


async def server_has_keys(client: AsyncClient, user_id: str, device_id: str) -> bool:
    """Has this device uploaded its keys to the homeserver (``/keys/query``)?

    A device that never did (a fresh access token's device) is not a lost one:
    its first start creates the store. A server hiccup (5xx, rate limited) is
    raised as a network error, so the start waits for a clear answer rather
    than re-keying the device; any other refusal counts as no.
    """
    path = "/_matrix/client/v3/keys/query"
    headers = {"Authorization": f"Bearer {client.access_token}", "Content-Type": "application/json"}
    response = await client.send("POST", path, json.dumps({"device_keys": {user_id: [device_id]}}), headers)
    try:
        if response.status == 429 or response.status >= 500:
            raise aiohttp.ClientResponseError(response.request_info, response.history, status=response.status,
                                              message=f"HTTP {response.status} to a keys query")
        if response.status != 200:
            return False
        body = await response.json(content_type=None)
    finally:
        response.release()
    return bool(((body or {}).get("device_keys") or {}).get(user_id, {}).get(device_id))


async def lost_store(client: AsyncClient, store_path: str, user_id: str, device_id: str) -> bool:
    """The device's keys are on the homeserver but not in the store: its store was lost."""
    if has_store(store_path, user_id, device_id):
        return False
    return await server_has_keys(client, user_id, device_id)

