"""Opaque, tamper-evident pagination cursors.

A cursor is DynamoDB's LastEvaluatedKey signed with HMAC-SHA256 over the list's scope (the list,
its filter and the caller). A cursor from another scope, or with a changed byte, is refused before
it can reach DynamoDB.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from chalicelib.config import settings
from chalicelib.domain.errors import InvalidInput

_MAX_CURSOR_CHARS = 2048


def _secret() -> bytes:
    s = settings()
    # Deployed stages set CURSOR_SECRET; the fallback only keeps local runs working. Lists also
    # re-check the key's partition, so even a forged cursor cannot leave the caller's own list.
    return s.cursor_secret or hashlib.sha256(f"shop:{s.stage}:{s.user_pool_id}".encode()).digest()


def _sign(scope: str, payload: bytes) -> str:
    mac = hmac.new(_secret(), scope.encode() + b"\x00" + payload, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode()


def encode(scope: str, last_key: dict[str, Any] | None) -> str | None:
    """The cursor for the page after `last_key`, or None when the list is done."""
    if not last_key:
        return None
    payload = json.dumps(last_key, separators=(",", ":"), sort_keys=True).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_sign(scope, payload)}"


def decode(scope: str, cursor: str | None) -> dict[str, Any] | None:
    """The LastEvaluatedKey inside a cursor of this scope; InvalidInput if it is not one."""
    if cursor is None:
        return None
    try:
        if len(cursor) > _MAX_CURSOR_CHARS:
            raise ValueError("too long")
        body, signature = cursor.split(".")
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        if not hmac.compare_digest(signature, _sign(scope, payload)):
            raise ValueError("bad signature")
        key = json.loads(payload)
        if not isinstance(key, dict):
            raise ValueError("not a key")
    except (ValueError, UnicodeError) as exc:
        raise InvalidInput("cursor is not valid for this list") from exc
    return key


def require_partition(key: dict[str, Any] | None, attribute: str, value: str) -> None:
    """Refuse a start key that is not in the partition being queried."""
    if key is not None and key.get(attribute) != {"S": value}:
        raise InvalidInput("cursor is not valid for this list")
