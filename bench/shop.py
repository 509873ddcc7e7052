"""The shop in this process on moto (`mock_aws`): the template's resources, Cognito users, the app.

The same arrangement as tests/conftest.py, without pytest: settings are put in the environment
before the app is imported, the template is provisioned inside moto, and moto's Cognito signing
keys are served over a local HTTP server so AUTH_MODE=local verifies real ID tokens.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack.jwks import serve_moto_jwks

ROOT = Path(__file__).resolve().parents[1]
STAGE = "local"  # one of the template's stages; table names are shop-local-*
PASSWORD = "Passw0rd!-bench"
ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "SHOP_STAGE": STAGE,
    "AUTH_MODE": "local",
    "AUTO_CONFIRM": "true",
    "CURSOR_SECRET": "bench-cursor-secret",
}
ADDRESS = {"line1": "1 Bench Street", "city": "Springfield", "postalCode": "12345", "country": "US"}
_emails = itertools.count(1)


def one_unit_checkout(token: str, product: str) -> tuple[Any, dict[str, str], dict[str, Any]]:
    """A requests session, a shopper's headers and the body of a one-unit order of `product`."""
    import requests

    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}
    body = {
        "items": [{"productId": product, "quantity": 1}],
        "shippingAddress": ADDRESS,
        "paymentToken": "tok_visa",
    }
    return session, headers, body


@dataclass
class User:
    """A signed-in user of the pool."""

    email: str
    user_id: str
    id_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header the contract asks for."""
        return {"Authorization": f"Bearer {self.id_token}"}


@dataclass
class Answer:
    """What the API answered: status and decoded body."""

    status: int
    body: Any


@dataclass
class Shop:
    """The app behind chalice.test.Client, on moto, with its Cognito pool."""

    client: Any
    env: dict[str, str]

    def call(
        self,
        method: str,
        path: str,
        *,
        user: User | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """Send one request through Chalice's local gateway."""
        all_headers = {"Content-Type": "application/json", **(user.headers if user else {})}
        all_headers.update(headers or {})
        payload = None if body is None else json.dumps(body)
        answer = self.client.http.request(method, path, headers=all_headers, body=payload)
        return Answer(answer.status_code, json.loads(answer.body) if answer.body else None)

    def sign_up(self, *, admin: bool = False) -> User:
        """A confirmed user of the pool (in the admin group if asked), signed in."""
        import boto3

        idp = boto3.client("cognito-idp")
        pool, app_client = self.env["USER_POOL_ID"], self.env["USER_POOL_CLIENT_ID"]
        email = f"bench{next(_emails)}@example.com"
        sub = idp.sign_up(
            ClientId=app_client,
            Username=email,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "name", "Value": "B"}],
        )["UserSub"]
        idp.admin_confirm_sign_up(UserPoolId=pool, Username=email)
        verified = [{"Name": "email_verified", "Value": "true"}]  # as a confirmation code would
        idp.admin_update_user_attributes(UserPoolId=pool, Username=email, UserAttributes=verified)
        if admin:
            idp.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName="admin")
        tokens = idp.initiate_auth(
            ClientId=app_client,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
        )["AuthenticationResult"]
        return User(email, sub, tokens["IdToken"], tokens["RefreshToken"])

    def table(self, name: str) -> str:
        """A table's name, e.g. table("products")."""
        return self.env[f"{name.upper()}_TABLE"]


@contextlib.contextmanager
def running_shop() -> Iterator[Shop]:
    """The whole shop in this process on moto, for as long as the block runs."""
    os.environ.update(ENV)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from chalice.test import Client
    from moto import mock_aws

    from infra.provision import provision

    with mock_aws():
        env = provision({"Stage": STAGE, "QueueVisibilityTimeout": "1"})
        jwks_url, jwks = serve_moto_jwks()
        os.environ.update({**env, "JWKS_URL": jwks_url})
        env = {**ENV, **env, "JWKS_URL": jwks_url}
        from chalicelib.adapters import aws
        from chalicelib.config import settings
        from chalicelib.storage import models as tables
        from chalicelib.web import local_auth

        settings.cache_clear()
        aws.reset()
        tables.transactions.cache_clear()
        local_auth._jwks_client.cache_clear()
        from app import app

        try:
            with Client(app) as client:
                yield Shop(client, env)
        finally:
            jwks.shutdown()


@contextlib.contextmanager
def token_checks_skipped() -> Iterator[None]:
    """Verify each ID token once, then trust it: the route without the local JWT check.

    Deployed, API Gateway verifies the token before the Lambda runs, so the route's own cost
    excludes it; locally `verify_id_token` does RS256 verification on every request.
    """
    from chalicelib.web import local_auth

    real = local_auth.verify_id_token
    seen: dict[str, dict[str, Any]] = {}

    def once(token: str) -> dict[str, Any]:
        if token not in seen:
            seen[token] = real(token)
        return seen[token]

    local_auth.verify_id_token = once
    try:
        yield
    finally:
        local_auth.verify_id_token = real
