"""A real Synapse homeserver and a small Matrix client for integration tests.

The Matrix adapter is tested against a real server, not a mock, because the
things that break in production (sync tokens, power levels, rate limits) are
server behaviour that a mock would only restate. Synapse runs as a subprocess
of the same interpreter, so nothing here binds to the test's event loop and
the server fixture can live for the whole session.

The server is sealed off from the network: no federation listener, an empty
federation allow-list, no trusted key servers, no stats reporting, no URL
previews. It listens on 127.0.0.1 only.

The package holds ``server`` (``SynapseServer`` and its config), ``client``
(``MatrixTestUser`` and ``MatrixRequestError``) and ``fixtures`` (the pytest
fixtures). Importing it has no side effects; the names below, fixtures
included, can be re-exported from a conftest
(``from tests.integration.matrix_homeserver import ...``). It is not called
``synapse`` because a test-side module of that name shadowed the real
``synapse`` package.
"""

from tests.integration.matrix_homeserver.client import (
    EventPredicate,
    JsonDict,
    MatrixRequestError,
    MatrixTestUser,
    RegisteredUser,
)
from tests.integration.matrix_homeserver.fixtures import (
    UserFactory,
    matrix_user_factory,
    rate_limited_synapse_server,
    synapse_server,
)
from tests.integration.matrix_homeserver.server import (
    RATE_LIMITED_MESSAGES,
    SynapseServer,
    synapse_version,
)

__all__ = [
    "RATE_LIMITED_MESSAGES",
    "EventPredicate",
    "JsonDict",
    "MatrixRequestError",
    "MatrixTestUser",
    "RegisteredUser",
    "SynapseServer",
    "UserFactory",
    "matrix_user_factory",
    "rate_limited_synapse_server",
    "synapse_server",
    "synapse_version",
]
