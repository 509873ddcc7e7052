"""Shared fixtures: moto for AWS, the Chalice test client, and signed-in users.

Static settings are set before any test module imports the app, so the app is imported once
in local-auth mode; the Cognito pool is created per session inside moto and its ids are read by
the app at call time.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "SHOP_STAGE": "test",
        "AUTH_MODE": "local",
        "AUTO_CONFIRM": "true",
        "CORS_ORIGIN": "http://127.0.0.1:8080",
        "CURSOR_SECRET": "test-cursor-secret",
        # Tests purge the queues between cases; AWS allows one purge a minute, moto can relax it.
        "MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR": "false",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)

from moto import mock_aws

PASSWORD = "Passw0rd!-test"
# A valid shipping address, for tests whose subject is not the address.
ADDRESS = {"line1": "1 Main St", "city": "Springfield", "postalCode": "12345", "country": "US"}
_emails = itertools.count(1)


@dataclass
class CognitoPool:
    """The session's user pool in moto."""

    pool_id: str
    client_id: str
    jwks_url: str


@dataclass
class User:
    """A signed-in user of the test pool."""

    email: str
    user_id: str
    id_token: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header the contract asks for."""
        return {"Authorization": f"Bearer {self.id_token}"}


@pytest.fixture(scope="session")
def moto_session() -> Iterator[CognitoPool]:
    """moto for the whole session, with every resource of the infrastructure template."""
    from devstack import moto_fixes
    from devstack.jwks import serve_moto_jwks
    from infra.provision import provision

    moto_fixes.apply()
    with mock_aws():
        env = provision({"Stage": "test", "QueueVisibilityTimeout": "1"})
        jwks_url, jwks_server = serve_moto_jwks()
        os.environ.update({**env, "JWKS_URL": jwks_url})
        _reset_caches()
        _drop_tables()  # each test gets fresh ones from the `tables` fixture
        yield CognitoPool(env["USER_POOL_ID"], env["USER_POOL_CLIENT_ID"], jwks_url)
        jwks_server.shutdown()


def _drop_tables() -> None:
    from chalicelib.storage.models import ALL_MODELS

    for model in ALL_MODELS:
        model.delete_table()


def _reset_caches() -> None:
    from chalicelib.adapters import aws
    from chalicelib.config import settings
    from chalicelib.web import local_auth

    settings.cache_clear()
    aws.reset()
    local_auth._jwks_client.cache_clear()


@pytest.fixture(autouse=True)
def tables(moto_session: CognitoPool) -> Iterator[None]:
    """Fresh, empty DynamoDB tables for every test."""
    from chalicelib.storage.models import ALL_MODELS

    for model in ALL_MODELS:
        model.create_table(wait=False)
    yield
    _drop_tables()


@pytest.fixture(scope="session")
def chalice_app(moto_session: CognitoPool) -> Any:
    """The Chalice app under test."""
    from app import app

    return app


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


@pytest.fixture
def api(chalice_app: Any) -> Iterator[Api]:
    """The API, driven in-process through chalice.test.Client."""
    from chalice.test import Client

    with Client(chalice_app) as client:
        yield Api(client)


def sign_up(pool: CognitoPool, *, admin: bool = False, name: str = "Test User") -> User:
    """Create a confirmed user in the pool (and the admin group) and log them in."""
    import boto3

    idp = boto3.client("cognito-idp")
    email = f"user{next(_emails)}@example.com"
    sub = idp.sign_up(
        ClientId=pool.client_id,
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "name", "Value": name}],
    )["UserSub"]
    idp.admin_confirm_sign_up(UserPoolId=pool.pool_id, Username=email)
    if admin:
        idp.admin_add_user_to_group(UserPoolId=pool.pool_id, Username=email, GroupName="admin")
    tokens = idp.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return User(email, sub, tokens["IdToken"], tokens["AccessToken"], tokens["RefreshToken"])


@pytest.fixture
def admin(moto_session: CognitoPool) -> User:
    """A signed-in member of the `admin` group."""
    return sign_up(moto_session, admin=True, name="Ada Admin")


@pytest.fixture
def shopper(moto_session: CognitoPool) -> User:
    """A signed-in shopper."""
    return sign_up(moto_session, name="Sam Shopper")


@pytest.fixture
def other_shopper(moto_session: CognitoPool) -> User:
    """A second shopper, to prove nobody sees another's data."""
    return sign_up(moto_session, name="Olly Other")


@pytest.fixture
def product_factory(api: Api, admin: User) -> Any:
    """Create products through the API as the admin."""

    def create(**fields: Any) -> dict[str, Any]:
        data = {"name": "Mug", "priceCents": 1250, "category": "kitchen", "stock": 10, **fields}
        answer = api.post("/products", data, user=admin)
        assert answer.status == 201, answer.json
        return answer.json  # type: ignore[no-any-return]

    return create


@pytest.fixture
def pipeline(api: Api, chalice_app: Any) -> Any:
    """The async pipeline (stream, topic, queues, handlers), stepped by the test."""
    from chalice.test import Client

    from chalicelib.config import settings
    from harness.pipeline import Pipeline

    urls = {
        name: os.environ[f"{name.upper()}_QUEUE_URL"]
        for name in ("payments", "fulfillment", "notifications")
    }
    urls.update({f"{n}-dlq": os.environ[f"{n.upper()}_DLQ_URL"] for n in list(urls)})
    _purge(urls.values())
    with Client(chalice_app) as client:
        yield Pipeline(client, settings().orders_table, urls)


def _purge(queue_urls: Any) -> None:
    import boto3

    sqs = boto3.client("sqs")
    for url in queue_urls:
        sqs.purge_queue(QueueUrl=url)


@pytest.fixture(scope="module")
def moto() -> Iterator[Any]:
    """A moto server of the test module's own, on a free port, as the local stack runs it."""
    from devstack.moto_server import start_moto

    server = start_moto(port=0)
    yield server
    server.stop()
