"""Shared fixtures: moto for AWS, the Chalice test client, and signed-in users.

Static settings are set before any test module imports the app, so the app is imported once
in local-auth mode; the Cognito pool is created per session inside moto and its ids are read by
the app at call time. Nothing here is autouse: a test asks for what it needs (`api` brings fresh
tables, `admin` and `shopper` the Cognito pool), so pure unit tests never start moto. Helpers
live in `tests/support/`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

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
        # Every search asks S3 whether the index changed (a 304 mostly): tests see changes at once.
        "SEARCH_REFRESH_SECONDS": "0",
        # Tests purge the queues between cases; AWS allows one purge a minute, moto can relax it.
        "MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR": "false",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)


from tests.support.client import Api
from tests.support.cognito import CognitoPool, User, sign_up

# Property tests: a few examples each in `make test` (tests/unit stays well under a second of test
# time); HYPOTHESIS_PROFILE=thorough for a deep run. No deadline: speed is the benchmarks' business,
# and a loaded 2-core machine must not fail a correct rule. A test's own @settings still wins.
hypothesis_settings.register_profile("quick", max_examples=15, deadline=None)
hypothesis_settings.register_profile("thorough", max_examples=1000, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))


@pytest.fixture(scope="session")
def moto_session() -> Iterator[CognitoPool]:
    """moto for the whole session, with every resource of the infrastructure template."""
    from moto import mock_aws

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


@pytest.fixture
def tables(moto_session: CognitoPool) -> Iterator[None]:
    """Fresh, empty DynamoDB tables for every test."""
    from chalicelib.services import shop_config
    from chalicelib.storage.models import ALL_MODELS

    for model in ALL_MODELS:
        model.create_table(wait=False)
    shop_config.forget()  # fresh tables, so no zones or rates cached from another test's
    yield
    _drop_tables()


@pytest.fixture
def warm_config(api: Api) -> None:
    """The shop's zones and rates already cached, as in a warm container (the call counts' case)."""
    from chalicelib.services import shop_config

    shop_config.current()


@pytest.fixture(scope="session")
def chalice_app(moto_session: CognitoPool) -> Any:
    """The Chalice app under test."""
    from app import app

    return app


@pytest.fixture
def api(chalice_app: Any, tables: None) -> Iterator[Api]:
    """The API, driven in-process through chalice.test.Client."""
    from chalice.test import Client

    with Client(chalice_app) as client:
        yield Api(client)


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
        for name in ("payments", "fulfillment", "notifications", "reports")
    }
    urls.update({f"{n}-dlq": os.environ[f"{n.upper()}_DLQ_URL"] for n in list(urls)})
    urls["return-steps"] = os.environ["RETURN_STEPS_QUEUE_URL"]
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


@pytest.fixture(scope="module")
def aws(moto: Any) -> Callable[[str], Any]:
    """boto3 clients on the module's moto, by service name (a module may define its own `aws`)."""
    import boto3

    session = boto3.session.Session(
        region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    return lambda service: session.client(service, endpoint_url=moto.endpoint_url)
