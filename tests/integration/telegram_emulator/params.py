"""What a Bot API request carries in, and the error it can be answered with.

Telegram accepts the same parameters as a query string, a JSON body, a form or
a multipart upload, and PTB uses all of these, so every method reads them
through ``Params`` and never touches the HTTP request. ``ApiError`` is the one
way a method refuses a request (status, Telegram's description, optional
``parameters`` such as ``retry_after``); the server turns it into the JSON
error body Telegram sends. ``JSON`` and ``Upload`` are the shapes shared by
every module of the emulator.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

JSON = dict[str, Any]
Upload = tuple[str | None, str | None, bytes]  # file name, content type, content


class ApiError(Exception):
    """A Bot API error response: HTTP status, description and optional parameters."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class Params:
    """Request parameters from the query string, a JSON body, a form or multipart."""

    def __init__(self, values: JSON, files: dict[str, Upload]) -> None:
        self.values = values
        self.files = files

    @classmethod
    async def read(cls, request: web.Request) -> Params:
        values: JSON = dict(request.query)
        files: dict[str, Upload] = {}
        if request.method != "POST" or not request.body_exists:
            return cls(values, files)
        try:
            if request.content_type == "application/json":
                body = await request.json()
                if not isinstance(body, dict):
                    raise ApiError(400, "Bad Request: JSON object expected")
                values.update(body)
            else:
                for name, value in (await request.post()).items():
                    if isinstance(value, web.FileField):
                        files[name] = (value.filename, value.content_type, value.file.read())
                    else:
                        values[name] = value
        except web.HTTPRequestEntityTooLarge as exc:
            raise ApiError(413, "Request Entity Too Large") from exc
        except ValueError as exc:
            raise ApiError(400, "Bad Request: can't parse JSON object") from exc
        return cls(values, files)

    def raw(self, name: str) -> Any:
        value = self.values.get(name)
        return None if value == "" else value

    def text(self, name: str) -> str | None:
        value = self.raw(name)
        return None if value is None else str(value)

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self.raw(name)
        if value is None:
            if required:
                raise ApiError(400, f"Bad Request: {name} is empty")
            return None
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise ApiError(400, f"Bad Request: invalid {name} specified") from exc

    def number(self, name: str) -> float | None:
        value = self.raw(name)
        try:
            return None if value is None else float(value)
        except (TypeError, ValueError) as exc:
            raise ApiError(400, f"Bad Request: invalid {name} specified") from exc

    def flag(self, name: str) -> bool:
        return self.raw(name) in (True, 1, "true", "True", "1")

    def decoded(self, name: str, what: str | None = None) -> Any:
        """A JSON-serialized parameter (PTB sends lists and objects as JSON strings)."""
        value = self.raw(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ApiError(400, f"Bad Request: can't parse {what or name} JSON object") from exc

    def loggable(self) -> JSON:
        logged = dict(self.values)
        logged.update({k: f"<file {f[0]!r}, {len(f[2])} bytes>" for k, f in self.files.items()})
        return logged
