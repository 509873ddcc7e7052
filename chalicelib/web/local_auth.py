"""Verify Cognito ID tokens the way API Gateway's user-pool authorizer does.

Used only where API Gateway is not in front of the app: `chalice local` and `chalice.test.Client`
(both decode any JWT without checking it). PyJWT is imported lazily, and it is a dev dependency, so
deployed Lambdas neither package nor import it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib.config import settings
from chalicelib.domain.errors import Unauthenticated, Unavailable

_LEEWAY_SECONDS = 0


def bearer_token(header: str | None) -> str:
    """The token in an Authorization header (`Bearer <t>` or the bare token)."""
    if not header:
        raise Unauthenticated("Missing Authorization header")
    parts = header.strip().split()
    if len(parts) == 2 and parts[0].lower() == "bearer":
        return parts[1]
    if len(parts) == 1 and parts[0].lower() != "bearer":
        return parts[0]
    raise Unauthenticated("Malformed Authorization header")


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> Any:
    import jwt  # local-only dependency, kept off the deployed import path

    headers = {}
    if url.startswith("http://"):
        # moto's server routes by the signing scope, so its JWKS answers only to a Cognito-signed
        # looking request (moto docs: cognitoidp). Real Cognito serves https and needs no header.
        headers["Authorization"] = (
            "AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/cognito-idp/aws4_request, "
            "SignedHeaders=host, Signature=local"
        )
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=5, headers=headers)


def verify_id_token(token: str) -> dict[str, Any]:
    """The claims of a valid ID token of this pool and app client; Unauthenticated otherwise."""
    import jwt

    s = settings()
    try:
        key = _jwks_client(s.jwks_url).get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            audience=s.user_pool_client_id,
            issuer=s.issuer,
            leeway=_LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "token_use"]},
        )
    except jwt.PyJWKClientConnectionError as exc:
        raise Unavailable("The token signing keys are unavailable") from exc
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise Unauthenticated(f"Invalid token: {exc}") from exc
    if claims.get("token_use") != "id":
        raise Unauthenticated("Invalid token: an ID token is required")
    return claims


def as_gateway_claims(claims: dict[str, Any]) -> dict[str, str]:
    """Claims flattened to strings, as API Gateway's Cognito authorizer passes them."""
    flat: dict[str, str] = {}
    for name, value in claims.items():
        if isinstance(value, list):
            flat[name] = "[" + " ".join(str(v) for v in value) + "]"
        else:
            flat[name] = str(value)
    return flat
