"""Who is calling: one place that turns the authorizer's claims into a Caller.

Deployed, API Gateway's Cognito authorizer verifies the ID token and passes its claims in
`requestContext.authorizer.claims` (with `cognito:groups` flattened to a string). Locally,
`local_auth.py` verifies the token the same way and puts the claims in the same place.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.errors import Forbidden, Unauthenticated

ADMIN_GROUP = "admin"


@dataclass(frozen=True)
class Caller:
    """The authenticated user making a request."""

    user_id: str
    email: str
    is_admin: bool
    # Cognito's `email_verified` claim: only a verified address is ever mailed (issue 15).
    email_verified: bool = False


def parse_groups(value: Any) -> frozenset[str]:
    """The `cognito:groups` claim as a set, whether a list, a JSON string or "[a b]"."""
    if value is None:
        return frozenset()
    if isinstance(value, list | tuple):
        return frozenset(str(v) for v in value)
    text = str(value).strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
            if isinstance(parsed, list):
                return frozenset(str(v) for v in parsed)
        except ValueError:
            text = text[1:-1] if text.endswith("]") else text[1:]
    return frozenset(part for part in text.replace(",", " ").split() if part)


def groups_from_token(authorization: str | None, sub: str) -> frozenset[str] | None:
    """The groups listed in the ID token of an Authorization header, if it is the caller's.

    The authorizer verified this very token, but flattened its `cognito:groups` list into one
    string, where a group named `support,admin` reads as two; the payload still has the list.
    """
    token = (authorization or "").split()[-1] if (authorization or "").strip() else ""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error, RecursionError):
        return None
    if not isinstance(payload, dict) or payload.get("sub") != sub:
        return None
    groups = payload.get("cognito:groups", [])
    if not isinstance(groups, list):
        return None
    return frozenset(str(group) for group in groups)


def caller_from_context(context: dict[str, Any] | None, authorization: str | None = None) -> Caller:
    """The Caller described by a request context; Unauthenticated if it has no claims."""
    authorizer = (context or {}).get("authorizer") or {}
    claims = authorizer.get("claims") or {}
    user_id = claims.get("sub")
    if not isinstance(user_id, str) or not user_id:
        raise Unauthenticated("A valid ID token is required")
    return Caller(
        user_id=user_id,
        email=str(claims.get("email", "")),
        is_admin=ADMIN_GROUP in _groups(claims, user_id, authorization),
        # API Gateway passes claims as strings ("true"); a verified local token has the same.
        email_verified=str(claims.get("email_verified", "")).lower() == "true",
    )


def _groups(claims: dict[str, Any], user_id: str, authorization: str | None) -> frozenset[str]:
    from_token = groups_from_token(authorization, user_id)
    return from_token if from_token is not None else parse_groups(claims.get("cognito:groups"))


def require_admin(caller: Caller) -> Caller:
    """The caller, if an admin; Forbidden otherwise."""
    if not caller.is_admin:
        raise Forbidden("This action needs the admin role")
    return caller
