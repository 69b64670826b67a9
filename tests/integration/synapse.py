"""A real Synapse homeserver and a small Matrix client for integration tests.

The Matrix adapter is tested against a real server, not a mock, because the
things that break in production (sync tokens, power levels, rate limits) are
server behaviour that a mock would only restate. Synapse runs as a subprocess
of the same interpreter, so nothing here binds to the test's event loop and
the server fixture can live for the whole session.

The server is sealed off from the network: no federation listener, an empty
federation allow-list, no trusted key servers, no stats reporting, no URL
previews. It listens on 127.0.0.1 only.

Importing this module has no side effects; the fixtures at the bottom can be
re-exported from a conftest (``from tests.integration.synapse import ...``).
"""

from __future__ import annotations

import asyncio
import atexit
import hashlib
import hmac
import importlib.metadata
import json
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
import pytest_asyncio

JsonDict = dict[str, Any]
EventPredicate = Callable[[JsonDict], bool]

# Far above anything a test sends, so only the rate-limit test ever sees 429.
_UNLIMITED: JsonDict = {"per_second": 10_000, "burst_count": 100_000}
_RATE_LIMIT_KEYS = (
    "rc_message", "rc_registration", "rc_admin_redaction", "rc_3pid_validation",
    "rc_third_party_invite", "rc_media_create", "rc_room_creation", "rc_joins_per_room",
    "rc_key_requests", "rc_delayed_event_mgmt", "rc_reports", "rc_user_directory",
    "rc_profile", "rc_registration_token_validity",
)
_NESTED_RATE_LIMITS = {
    "rc_login": ("address", "account", "failed_attempts"),
    "rc_joins": ("local", "remote"),
    "rc_invites": ("per_room", "per_user", "per_issuer"),
    "rc_presence": ("per_user",),
}
# Low enough that a burst of three messages is refused, for adapter back-off tests.
RATE_LIMITED_MESSAGES: JsonDict = {"per_second": 0.5, "burst_count": 2}


def synapse_version() -> str | None:
    """Return the installed matrix-synapse version, or None if it is missing.

    Distribution metadata is asked rather than ``import synapse`` because, with
    pytest's default import mode, this very file (``synapse.py``) can shadow
    the real package on ``sys.path`` inside the test process.
    """
    try:
        return importlib.metadata.version("matrix-synapse")
    except importlib.metadata.PackageNotFoundError:
        return None


# An *_proxy variable in the environment must not route loopback probes elsewhere.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _free_port() -> int:
    """Ask the kernel for an unused loopback port (racy, hence the retry in start)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MatrixRequestError(RuntimeError):
    """A Matrix API call failed; keeps errcode and retry_after_ms for assertions."""

    def __init__(self, status: int, body: JsonDict, what: str) -> None:
        self.status = status
        self.body = body
        self.errcode: str | None = body.get("errcode")
        self.retry_after_ms: int | None = body.get("retry_after_ms")
        super().__init__(f"{what} -> HTTP {status}: {body}")


async def _json_or_raise(resp: aiohttp.ClientResponse, what: str) -> JsonDict:
    body = await resp.json(content_type=None)
    if resp.status >= 400:
        raise MatrixRequestError(resp.status, body if isinstance(body, dict) else {}, what)
    return body if isinstance(body, dict) else {}


@dataclass(frozen=True)
class RegisteredUser:
    """Credentials returned by shared-secret registration."""

    user_id: str
    access_token: str
    device_id: str
    password: str


class SynapseServer:
    """One Synapse process with its config, database and log in ``directory``.

    Start and stop are synchronous: the server is another process, so a sync
    controller works from session fixtures, any event loop, or plain scripts.
    """

    def __init__(
        self,
        directory: Path | str,
        *,
        rate_limited: bool = False,
        server_name: str = "localhost",
        start_timeout: float = 30.0,
    ) -> None:
        self.directory = Path(directory)
        self.rate_limited = rate_limited
        self.server_name = server_name
        self.start_timeout = start_timeout
        self.config_path = self.directory / "homeserver.yaml"
        self.log_path = self.directory / "homeserver.log"
        self.shared_secret = secrets.token_hex(16)
        self._secrets = {"macaroon_secret_key": secrets.token_hex(16),
                         "form_secret": secrets.token_hex(16)}
        self.port = 0
        self.startup_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def config(self) -> JsonDict:
        """Build the homeserver config; every path lives inside ``directory``."""
        d = self.directory
        config: JsonDict = {
            "server_name": self.server_name,
            "pid_file": str(d / "homeserver.pid"),
            "report_stats": False,
            "listeners": [{
                "port": self.port, "bind_addresses": ["127.0.0.1"], "type": "http",
                "tls": False, "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }],
            "database": {"name": "sqlite3", "args": {"database": str(d / "homeserver.db")}},
            "media_store_path": str(d / "media"),
            "signing_key_path": str(d / "signing.key"),  # generated by Synapse on start
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "federation_domain_whitelist": [],  # a stray remote invite must not dial out
            "url_preview_enabled": False,
            "enable_metrics": False,
            "presence": {"enabled": False},
            "enable_registration": False,
            "registration_shared_secret": self.shared_secret,
            **self._secrets,  # fixed per instance so a restart keeps sessions valid
            "bcrypt_rounds": 4,  # default 12 costs ~0.25 s per registration
        }
        for key in _RATE_LIMIT_KEYS:
            config[key] = dict(_UNLIMITED)
        for key, subkeys in _NESTED_RATE_LIMITS.items():
            config[key] = {sub: dict(_UNLIMITED) for sub in subkeys}
        if self.rate_limited:
            config["rc_message"] = dict(RATE_LIMITED_MESSAGES)
        return config

    def start(self) -> None:
        """Start Synapse and block until the client API answers."""
        if self._process is not None:
            raise RuntimeError("Synapse is already running")
        if synapse_version() is None:
            raise RuntimeError("matrix-synapse is not installed in this interpreter")
        self.directory.mkdir(parents=True, exist_ok=True)
        began = time.monotonic()
        for attempt in range(3):
            self.port = _free_port()
            # JSON is valid YAML, so no YAML library is needed on this side.
            self.config_path.write_text(json.dumps(self.config(), indent=2))
            try:
                self._spawn_and_wait()
                break
            except RuntimeError:
                if attempt == 2 or "Address already in use" not in self.log_tail():
                    raise
        self.startup_seconds = time.monotonic() - began
        atexit.register(self.stop)

    def _spawn_and_wait(self) -> None:
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "synapse.app.homeserver", "-c", str(self.config_path)],
                cwd=self.directory,  # keeps tests/integration off the child's sys.path
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                code = self._process.returncode
                self._process = None
                raise RuntimeError(f"Synapse exited with {code} during start:\n{self.log_tail()}")
            try:
                with _NO_PROXY.open(f"{self.base_url}/_matrix/client/versions", timeout=1):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"Synapse not ready after {self.start_timeout}s:\n{self.log_tail()}")

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate (Synapse shuts down cleanly on SIGTERM), then kill if it hangs."""
        process, self._process = self._process, None
        atexit.unregister(self.stop)
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log written)"

    def __enter__(self) -> SynapseServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def register_user(
        self, localpart: str, password: str | None = None, admin: bool = False
    ) -> RegisteredUser:
        """Create a user through the shared-secret admin API (open registration is off)."""
        password = password or secrets.token_urlsafe(12)
        url = f"{self.base_url}/_synapse/admin/v1/register"
        async with aiohttp.ClientSession() as http:
            async with http.get(url) as resp:
                nonce = (await _json_or_raise(resp, "GET register nonce"))["nonce"]
            parts = [nonce, localpart, password, "admin" if admin else "notadmin"]
            mac = hmac.new(
                self.shared_secret.encode(), "\x00".join(parts).encode(), hashlib.sha1
            ).hexdigest()
            payload = {"nonce": nonce, "username": localpart, "password": password,
                       "admin": admin, "mac": mac}
            async with http.post(url, json=payload) as resp:
                body = await _json_or_raise(resp, f"register {localpart}")
        return RegisteredUser(body["user_id"], body["access_token"], body["device_id"], password)


# A large timeline limit so an incremental sync never comes back "limited" with gaps.
_SYNC_FILTER = json.dumps({"room": {"timeline": {"limit": 200}}})


class MatrixTestUser:
    """A minimal client playing the human side of a conversation with the bot.

    Built on raw HTTP rather than nio so that a bug in how the adapter uses nio
    cannot hide behind the same bug in the test client. Every event seen by
    sync is queued per room; the ``wait_for_*`` methods take the first queued
    event that matches, so nothing that arrives between two waits is lost.
    Joining a room queues its recent history too, as a person would see it
    (a bot's welcome sent before the join is still found).
    Create it with ``await MatrixTestUser.open(...)`` inside a running loop.
    """

    def __init__(self, base_url: str, user: RegisteredUser) -> None:
        self.base_url = base_url
        self.user = user
        self._http = aiohttp.ClientSession(
            headers={"Authorization": f"Bearer {user.access_token}"}
        )
        self._since: str | None = None
        self._pending: dict[str, list[JsonDict]] = {}
        self._invites: list[str] = []

    @classmethod
    async def open(cls, base_url: str, user: RegisteredUser) -> MatrixTestUser:
        """Create the client and take a sync token, so history is not replayed."""
        client = cls(base_url, user)
        await client.sync()
        return client

    @property
    def user_id(self) -> str:
        return self.user.user_id

    async def close(self) -> None:
        await self._http.close()

    async def __aenter__(self) -> MatrixTestUser:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def request(
        self, method: str, path: str, body: JsonDict | None = None,
        params: dict[str, str] | None = None, timeout: float = 30.0,
    ) -> JsonDict:
        """Call ``/_matrix/client/v3{path}``; raises MatrixRequestError, never retries."""
        url = f"{self.base_url}/_matrix/client/v3{path}"
        async with self._http.request(
            method, url, json=body, params=params,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as resp:
            return await _json_or_raise(resp, f"{method} {path}")

    async def create_room(
        self, name: str | None = None, invite: list[str] | tuple[str, ...] = (),
        is_direct: bool = False, encrypted: bool = False,
    ) -> str:
        body: JsonDict = {
            "invite": list(invite), "is_direct": is_direct,
            "preset": "trusted_private_chat" if is_direct else "private_chat",
        }
        if name is not None:
            body["name"] = name
        if encrypted:
            body["initial_state"] = [{"type": "m.room.encryption", "state_key": "",
                                      "content": {"algorithm": "m.megolm.v1.aes-sha2"}}]
        return str((await self.request("POST", "/createRoom", body))["room_id"])

    async def invite(self, room_id: str, user_id: str) -> None:
        await self.request("POST", f"/rooms/{quote(room_id, safe='')}/invite",
                           {"user_id": user_id})

    async def join(self, room_id: str) -> str:
        return str((await self.request("POST", f"/join/{quote(room_id, safe='')}", {}))["room_id"])

    async def send_event(self, room_id: str, event_type: str, content: JsonDict) -> str:
        path = f"/rooms/{quote(room_id, safe='')}/send/{event_type}/{secrets.token_hex(8)}"
        return str((await self.request("PUT", path, content))["event_id"])

    async def send_text(self, room_id: str, body: str) -> str:
        return await self.send_event(room_id, "m.room.message", {"msgtype": "m.text", "body": body})

    async def send_notice(self, room_id: str, body: str) -> str:
        return await self.send_event(
            room_id, "m.room.message", {"msgtype": "m.notice", "body": body})

    async def react(self, room_id: str, event_id: str, key: str) -> str:
        relates = {"rel_type": "m.annotation", "event_id": event_id, "key": key}
        return await self.send_event(room_id, "m.reaction", {"m.relates_to": relates})

    async def set_power_level(self, room_id: str, user_id: str, level: int) -> None:
        path = f"/rooms/{quote(room_id, safe='')}/state/m.room.power_levels/"
        content = await self.request("GET", path)
        content.setdefault("users", {})[user_id] = level
        await self.request("PUT", path, content)

    async def messages(self, room_id: str, limit: int = 100) -> list[JsonDict]:
        """The latest ``limit`` timeline events of the room, oldest first."""
        body = await self.request("GET", f"/rooms/{quote(room_id, safe='')}/messages",
                                  params={"dir": "b", "limit": str(limit)})
        return list(reversed(body.get("chunk", [])))

    async def sync(self, timeout_ms: int = 0) -> None:
        """One sync round; queues new timeline events and invites."""
        params = {"timeout": str(timeout_ms), "filter": _SYNC_FILTER}
        if self._since is not None:
            params["since"] = self._since
        first = self._since is None
        body = await self.request("GET", "/sync", params=params, timeout=timeout_ms / 1000 + 30)
        self._since = body["next_batch"]
        rooms = body.get("rooms", {})
        for room_id in rooms.get("invite", {}):
            if room_id not in self._invites:
                self._invites.append(room_id)
        if first:
            return  # the initial sync is history, not news
        for room_id, room in rooms.get("join", {}).items():
            queue = self._pending.setdefault(room_id, [])
            for event in room.get("timeline", {}).get("events", []):
                queue.append({**event, "room_id": room_id})

    async def _wait(self, take: Callable[[], Any], timeout: float, what: str) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = take()
            if found is not None:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"{self.user_id}: no {what} within {timeout}s")
            await self.sync(timeout_ms=int(min(remaining, 5.0) * 1000))

    async def wait_for_event(
        self, room_id: str, predicate: EventPredicate, timeout: float = 10.0
    ) -> JsonDict:
        """Return (and dequeue) the first new event in the room matching ``predicate``."""
        def take() -> JsonDict | None:
            queue = self._pending.get(room_id, [])
            for i, event in enumerate(queue):
                if predicate(event):
                    return queue.pop(i)
            return None

        try:
            return await self._wait(take, timeout, f"matching event in {room_id}")
        except TimeoutError as exc:
            seen = [(e.get("type"), e.get("sender"), e.get("content", {}).get("body"))
                    for e in self._pending.get(room_id, [])]
            raise TimeoutError(f"{exc}; unmatched events queued: {seen}") from None

    async def wait_for_message(
        self, room_id: str, predicate: EventPredicate | None = None, timeout: float = 10.0
    ) -> JsonDict:
        """Wait for an m.room.message from someone else, optionally matching ``predicate``."""
        def matches(event: JsonDict) -> bool:
            return (event.get("type") == "m.room.message" and event.get("sender") != self.user_id
                    and (predicate is None or predicate(event)))

        return await self.wait_for_event(room_id, matches, timeout)

    async def wait_for_invite(self, timeout: float = 10.0) -> str:
        """Wait until someone invites this user to a room; returns its id."""
        return str(await self._wait(
            lambda: self._invites.pop(0) if self._invites else None, timeout, "invite"))


def _require_synapse() -> None:
    if synapse_version() is None:
        pytest.skip("matrix-synapse is not installed: `pip install matrix-synapse` "
                    "to run the Matrix integration tests")


@pytest.fixture(scope="session")
def synapse_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SynapseServer]:
    """One homeserver for the whole session, with rate limits out of the way."""
    _require_synapse()
    with SynapseServer(tmp_path_factory.mktemp("synapse")) as server:
        yield server


@pytest.fixture(scope="session")
def rate_limited_synapse_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[SynapseServer]:
    """A second homeserver whose rc_message is low enough to answer M_LIMIT_EXCEEDED."""
    _require_synapse()
    with SynapseServer(tmp_path_factory.mktemp("synapse-rl"), rate_limited=True) as server:
        yield server


UserFactory = Callable[..., Awaitable[MatrixTestUser]]


@pytest_asyncio.fixture
async def matrix_user_factory(synapse_server: SynapseServer) -> AsyncIterator[UserFactory]:
    """``await make(prefix="user", admin=False)`` -> a fresh, uniquely named test user.

    Names get a random suffix because the server outlives each test.
    """
    users: list[MatrixTestUser] = []

    async def make(prefix: str = "user", admin: bool = False) -> MatrixTestUser:
        registered = await synapse_server.register_user(
            f"{prefix}-{secrets.token_hex(4)}", admin=admin)
        user = await MatrixTestUser.open(synapse_server.base_url, registered)
        users.append(user)
        return user

    yield make
    for user in users:
        await user.close()
