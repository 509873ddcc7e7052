"""A JSON client over chalice.test.Client, and what it answers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tests.support.cognito import User


class Api:
    """A JSON client over chalice.test.Client."""

    def __init__(self, client: Any):
        self._client = client

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        raw: bytes | str | None = None,
        user: User | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """Send a request and return its status, headers and decoded body."""
        all_headers = {"Content-Type": "application/json", **(user.headers if user else {})}
        all_headers.update(headers or {})
        payload = raw if raw is not None else (None if json_body is None else json.dumps(json_body))
        answer = self._client.http.request(method, path, headers=all_headers, body=payload)
        return Response(answer.status_code, answer.headers, answer.body)

    def get(self, path: str, **kw: Any) -> Response:
        """GET a path."""
        return self.request("GET", path, **kw)

    def post(self, path: str, json_body: Any = None, **kw: Any) -> Response:
        """POST JSON to a path."""
        return self.request("POST", path, json_body=json_body, **kw)

    def patch(self, path: str, json_body: Any = None, **kw: Any) -> Response:
        """PATCH JSON to a path."""
        return self.request("PATCH", path, json_body=json_body, **kw)

    def put(self, path: str, json_body: Any = None, **kw: Any) -> Response:
        """PUT JSON to a path."""
        return self.request("PUT", path, json_body=json_body, **kw)

    def delete(self, path: str, **kw: Any) -> Response:
        """DELETE a path."""
        return self.request("DELETE", path, **kw)


@dataclass
class Response:
    """What the API answered."""

    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> Any:
        """The body decoded as JSON (None when empty)."""
        return json.loads(self.raw) if self.raw else None

    def error(self) -> tuple[int, str]:
        """The status and the contract's error Code."""
        return self.status, (self.json or {}).get("Code", "")
