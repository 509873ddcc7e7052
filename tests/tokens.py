"""Forged and broken tokens: moto's Cognito tokens re-signed, tampered or stripped."""

from __future__ import annotations

import base64
import gzip
import json
import time
from functools import cache
from pathlib import Path
from typing import Any

import jwt

BAD_AUTHORIZATIONS = (
    "missing",
    "empty",
    "malformed",
    "two words after bearer",
    "random text",
    "tampered",
    "alg none",
    "expired",
    "other pool",
    "other client",
    "access token",
    "access token_use",
)


@cache
def moto_private_key() -> Any:
    """The private key moto signs its Cognito tokens with."""
    import moto

    source = Path(moto.__file__).parent / "cognitoidp/resources/jwks-private.json.gz"
    return jwt.algorithms.RSAAlgorithm.from_jwk(gzip.decompress(source.read_bytes()).decode())


def claims(token: str) -> dict[str, Any]:
    """A token's claims, unverified."""
    return jwt.decode(token, options={"verify_signature": False})


def resign(token: str, *, kid: str = "dummy", **changes: Any) -> str:
    """The same token re-signed with moto's own key (moto names it `dummy`), some claims changed."""
    return jwt.encode(
        {**claims(token), **changes},
        moto_private_key(),
        algorithm="RS256",
        headers={"kid": kid},
    )


def b64(data: dict[str, Any]) -> str:
    """A JWT segment: unpadded URL-safe base64 of JSON."""
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def bad_authorizations(id_token: str, access_token: str) -> dict[str, str | None]:
    """Authorization header values that must all be refused with a 401 (None: no header)."""
    header, payload, signature = id_token.split(".")
    tampered_payload = b64({**claims(id_token), "sub": "someone-else"})
    none_token = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{payload}."
    now = int(time.time())
    return {
        "missing": None,
        "empty": "",
        "malformed": "Bearer not.a.jwt",
        "two words after bearer": f"Bearer {id_token} extra",
        "random text": "Basic dXNlcjpwYXNz",
        "tampered": f"Bearer {header}.{tampered_payload}.{signature}",
        "alg none": f"Bearer {none_token}",
        "expired": "Bearer " + resign(id_token, exp=now - 60, iat=now - 3660),
        "other pool": "Bearer "
        + resign(id_token, iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"),
        "other client": "Bearer " + resign(id_token, aud="another-app-client"),
        "access token": f"Bearer {access_token}",
        "access token_use": "Bearer " + resign(id_token, token_use="access"),
    }
