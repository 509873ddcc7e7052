"""OWASP API Security Top 10 (2023): API2 Broken Authentication.

Forged, tampered and stripped tokens are refused on every protected route, as are real tokens of
another user pool or app client and refresh tokens; login does not tell which emails exist.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests import owasp
from tests.owasp import served_routes
from tests.support.cognito import CognitoPool, sign_up
from tests.tokens import BAD_AUTHORIZATIONS, bad_authorizations

world = owasp.world  # the product, order and cart every attack below aims at


# --- API2:2023 Broken Authentication --------------------------------------------------------------


@pytest.mark.parametrize("case", BAD_AUTHORIZATIONS)
def test_api2_broken_authentication_every_protected_route_refuses_a_bad_token(
    api, chalice_app, world, case
):
    """Forged from an admin's token, so a forgery that got through would reach everything."""
    authorization = bad_authorizations(world.admin.id_token, world.admin.access_token)[case]
    headers = {} if authorization is None else {"Authorization": authorization}
    protected = [r for r in served_routes(chalice_app) if r.operation.auth != "none"]
    before = world.state()

    for route in protected:
        answer = api.request(
            route.method, world.url(route), json_body=world.body(route), headers=headers
        )
        assert answer.error() == (401, "UnauthorizedError"), (route.method, route.path)
        assert "Traceback" not in answer.raw.decode()

    assert len(protected) >= 15
    assert world.state() == before


def _other_pool_admin() -> Any:
    """A real admin of another user pool: moto signs every pool's tokens with the same key."""
    import boto3

    idp = boto3.client("cognito-idp")
    pool_id = idp.create_user_pool(PoolName="attacker-pool", UsernameAttributes=["email"])[
        "UserPool"
    ]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="attacker", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    idp.create_group(GroupName="admin", UserPoolId=pool_id)
    return sign_up(CognitoPool(pool_id, client_id, ""), admin=True)


def _other_client_user(pool: CognitoPool) -> Any:
    import boto3

    client_id = boto3.client("cognito-idp").create_user_pool_client(
        UserPoolId=pool.pool_id,
        ClientName="someone-elses-app",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    return sign_up(CognitoPool(pool.pool_id, client_id, pool.jwks_url), admin=True)


def test_api2_broken_authentication_real_tokens_of_another_pool_or_app_are_refused(
    api, world, moto_session
):
    for intruder in (_other_pool_admin(), _other_client_user(moto_session)):
        for method, url, body in [
            ("GET", "/me", None),
            ("GET", "/admin/orders?status=PENDING", None),
            ("POST", "/products", {"name": "x", "priceCents": 1, "category": "x"}),
        ]:
            answer = api.request(method, url, json_body=body, user=intruder)
            assert answer.error() == (401, "UnauthorizedError"), (method, url)


def test_api2_broken_authentication_a_refresh_token_is_not_a_bearer_token(api, shopper):
    answer = api.get("/me", headers={"Authorization": f"Bearer {shopper.refresh_token}"})
    assert answer.error() == (401, "UnauthorizedError")


def test_api2_broken_authentication_login_does_not_tell_which_emails_exist(api, shopper):
    wrong_password = api.post("/auth/login", {"email": shopper.email, "password": "Wr0ng-pass"})
    no_such_user = api.post(
        "/auth/login", {"email": "nobody@example.com", "password": "Wr0ng-pass"}
    )

    assert wrong_password.error() == no_such_user.error() == (401, "UnauthorizedError")
    assert wrong_password.json["Message"] == no_such_user.json["Message"]
