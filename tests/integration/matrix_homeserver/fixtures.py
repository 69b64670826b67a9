"""The pytest fixtures that hand tests a homeserver and fresh Matrix users.

Two session-scoped servers (one with rate limits out of the way, one whose
``rc_message`` limit is low enough to answer ``M_LIMIT_EXCEEDED``) and a
per-test factory of uniquely named users; they skip the test, rather than fail
it, when matrix-synapse is not installed. A conftest or test module makes them
available by importing them by name.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
import pytest_asyncio

from tests.integration.matrix_homeserver.client import MatrixTestUser
from tests.integration.matrix_homeserver.server import SynapseServer, synapse_version


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
