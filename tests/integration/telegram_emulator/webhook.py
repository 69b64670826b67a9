"""setWebhook, deleteWebhook, getWebhookInfo, and pushing updates to the webhook the way Telegram does.

Telegram checks a webhook when it is set (an https URL on port 443, 80, 88 or
8443; a ``secret_token`` of 1-256 characters ``A-Z a-z 0-9 _ -``) and, while
one is set, refuses getUpdates with 409. Each update is POSTed to the URL as
JSON, with the secret in ``X-Telegram-Bot-Api-Secret-Token``, one at a time
and in order; an update leaves Telegram's queue only on a 2xx. Anything else
(a status, a refused connection, a timeout) is recorded as the webhook's
``last_error_message`` (getWebhookInfo) and the update is sent again after a
growing pause. A new setWebhook retries at once.

The URL a bot registers is public (``https://public.example/...``), but the
bot under test listens on plain http on loopback: ``webhook_target``
(``"http://127.0.0.1:PORT"``) replaces the scheme and host of every push, and
keeps the path and query.
"""

from __future__ import annotations

import asyncio
import re
import time
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from tests.integration.telegram_emulator.params import JSON, ApiError, Params
from tests.integration.telegram_emulator.records import WebhookPost
from tests.integration.telegram_emulator.state import EmulatorState

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PORTS = (443, 80, 88, 8443)
SECRET_CHARACTERS = re.compile(r"[A-Za-z0-9_-]*")
SECRET_MAX = 256


class WebhookMethods(EmulatorState):
    """setWebhook, deleteWebhook, getWebhookInfo and the push loop."""

    def _set_webhook(self, p: Params) -> bool:
        url = p.text("url") or ""
        if not url:  # "Use an empty string to remove webhook integration"
            self._delete_webhook(p)
            return True
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        try:
            port = parts.port or 443
        except ValueError as exc:
            raise ApiError(400, "Bad Request: bad webhook: Failed to parse port number") from exc
        if port not in WEBHOOK_PORTS:
            raise ApiError(
                400, "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
        secret = p.text("secret_token")
        if secret is not None:
            if not SECRET_CHARACTERS.fullmatch(secret):
                raise ApiError(400, "Bad Request: secret token contains unallowed characters")
            if len(secret) > SECRET_MAX:
                raise ApiError(400, "Bad Request: secret token is too long")
        connections = p.integer("max_connections") or 40
        if not 1 <= connections <= 100:
            raise ApiError(400, "Bad Request: invalid max_connections specified")
        allowed = p.decoded("allowed_updates")
        if allowed is not None:
            self._allowed_updates = set(allowed) or None  # [] means "the default set"
        if p.flag("drop_pending_updates"):
            self._updates.clear()
        self._webhook = {"url": url, "secret_token": secret, "max_connections": connections}
        self._webhook_error = None
        self._poll_generation += 1  # a long poll still waiting learns it lost to the webhook
        self._updates_pulse.fire()
        return True

    def _delete_webhook(self, p: Params) -> bool:
        if p.flag("drop_pending_updates"):
            self._updates.clear()
        self._webhook = None
        self._webhook_error = None
        self._updates_pulse.fire()
        return True

    def _get_webhook_info(self, p: Params) -> JSON:
        info: JSON = {
            "url": self._webhook["url"] if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook is not None:
            info["max_connections"] = self._webhook["max_connections"]
            if self._allowed_updates is not None:
                info["allowed_updates"] = sorted(self._allowed_updates)
        if self._webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    def _refuse_polling_while_webhook(self) -> None:
        if self._webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )

    # ------------------------------------------------------------ pushing

    def _start_pushing(self) -> None:
        self._push_session = aiohttp.ClientSession()
        self._push_task = asyncio.create_task(self._push_updates())

    async def _stop_pushing(self) -> None:
        if self._push_task is not None:
            self._push_task.cancel()
            await asyncio.gather(self._push_task, return_exceptions=True)
            self._push_task = None
        if self._push_session is not None:
            await self._push_session.close()
            self._push_session = None

    async def _push_updates(self) -> None:
        """The oldest update to the webhook until it is taken (2xx), then the next one."""
        delay = self.webhook_backoff[0]
        while not self._closing:  # not only cancel(): Python 3.11's wait_for may swallow it
            if not await self._updates_pulse.wait_until(
                lambda: self._closing or (self._webhook is not None and bool(self._updates)), 3600.0
            ) or self._closing:
                continue
            hook, update = self._webhook, self._updates[0]
            assert hook is not None
            error = await self._post(hook, update)
            if error is None:
                if self._updates and self._updates[0] is update:
                    self._updates.pop(0)
                delay = self.webhook_backoff[0]
                continue
            self._webhook_error = (int(time.time()), error)
            # Later, or at once when the bot sets the webhook again.
            await self._updates_pulse.wait_until(lambda: self._closing or self._webhook is not hook, delay)
            delay = min(delay * 2, self.webhook_backoff[1])

    async def _post(self, hook: JSON, update: JSON) -> str | None:
        """One delivery: None when the webhook took the update, else Telegram's last_error_message."""
        assert self._push_session is not None
        headers = {SECRET_HEADER: hook["secret_token"]} if hook["secret_token"] else {}
        status = 0
        try:
            async with self._push_session.post(
                self._push_url(hook["url"]),
                json=update,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.webhook_timeout),
            ) as response:
                status = response.status
                await response.read()
                error = None if 200 <= status < 300 else f"Wrong response from the webhook: {status} {response.reason}"
        except TimeoutError:
            error = "Read timeout expired"
        except aiohttp.ClientConnectorError:
            error = "Connection refused"
        except aiohttp.ClientError:
            error = "Connection closed"  # dropped mid-answer, as a crashed bot does
        if error is None and self._lost_answers > 0:
            self._lost_answers -= 1  # the bot answered, Telegram never heard it
            error = "Read timeout expired"
        self.webhook_posts.append(WebhookPost(update["update_id"], status, error))
        self._updates_pulse.fire()  # wakes wait_for_pushes
        return error

    def _push_url(self, url: str) -> str:
        if self.webhook_target is None:
            return url
        target = urlsplit(self.webhook_target)
        parts = urlsplit(url)
        return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, ""))
