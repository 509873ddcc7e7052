"""The smaller defects of issue 14 (item 7), each reproduced, each fixed."""

from __future__ import annotations

import boto3
import pytest

from chalicelib.adapters import events
from chalicelib.domain.notices import money
from harness.aws_calls import count_aws_calls
from tests.faults import failing
from tests.support.cognito import PASSWORD, User, sign_up
from tests.support.data import ADDRESS

LONG_ID = "prd_" + "x" * 2045  # 2,049 bytes: longer than any DynamoDB partition key


def test_a_cancel_releases_its_stock_even_above_the_cap(api, admin, shopper, product_factory):
    pid = product_factory(stock=1_000_000)["productId"]
    body = {"items": [{"productId": pid, "quantity": 5}], "shippingAddress": ADDRESS}
    order = api.post("/orders", {**body, "paymentToken": "tok_visa"}, user=shopper).json
    assert api.post(f"/products/{pid}/stock", {"delta": 5}, user=admin).status == 200

    cancel = api.post(f"/orders/{order['orderId']}/cancel", user=shopper)

    assert cancel.status == 200  # API.md: a release is never refused, and may go above the cap
    assert api.get(f"/products/{pid}").json["stock"] == 1_000_005
    assert api.post(f"/products/{pid}/stock", {"delta": 1}, user=admin).error()[0] == 409
    assert api.post(f"/products/{pid}/stock", {"delta": -10}, user=admin).status == 200


@pytest.mark.parametrize(
    ("method", "path", "who"),
    [
        ("GET", f"/products/{LONG_ID}", None),
        ("GET", f"/orders/{LONG_ID}", "shopper"),
        ("POST", f"/orders/{LONG_ID}/cancel", "shopper"),
        ("DELETE", f"/cart/items/{LONG_ID}", "shopper"),
    ],
)
def test_a_path_id_longer_than_a_dynamodb_key_is_a_400_before_any_call(
    api, shopper, method, path, who
):
    with count_aws_calls() as calls:
        answer = api.request(method, path, user=shopper if who else None)

    assert answer.error() == (400, "BadRequestError")
    assert "too long" in answer.json["Message"]
    assert calls.service("dynamodb") == {}


@pytest.mark.parametrize(
    ("code", "operation", "status"),
    [
        ("PasswordResetRequiredException", "InitiateAuth", 401),
        ("UserLambdaValidationException", "InitiateAuth", 401),
        ("UserLambdaValidationException", "SignUp", 400),
    ],
)
def test_cognito_refusals_outside_the_old_map_are_4xx_not_500(api, code, operation, status):
    with failing(operation, code, service="cognito-idp"):
        if operation == "SignUp":
            body = {"email": "new@example.com", "password": PASSWORD, "name": "New"}
            answer = api.post("/auth/register", body)
        else:
            answer = api.post("/auth/login", {"email": "a@example.com", "password": PASSWORD})

    assert answer.status == status, answer.json
    assert answer.json["Code"] in ("UnauthorizedError", "BadRequestError")


@pytest.mark.parametrize(
    ("cents", "currency", "text"),
    [
        (2400, "USD", "24.00 USD"),
        (2400, "JPY", "2,400 JPY"),
        (1500, "KWD", "1.500 KWD"),
        (123456789, "EUR", "1,234,567.89 EUR"),
        (5, "BHD", "0.005 BHD"),
    ],
)
def test_mail_amounts_use_the_currencys_minor_units(cents, currency, text):
    assert money(cents, currency) == text


def test_a_group_named_with_a_comma_does_not_make_an_admin(api, moto_session):
    idp = boto3.client("cognito-idp")
    idp.create_group(GroupName="support,admin", UserPoolId=moto_session.pool_id)
    user: User = sign_up(moto_session)
    idp.admin_add_user_to_group(
        UserPoolId=moto_session.pool_id, Username=user.email, GroupName="support,admin"
    )
    tokens = idp.initiate_auth(
        ClientId=moto_session.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user.email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    headers = {"Authorization": f"Bearer {tokens['IdToken']}"}

    answer = api.post("/products", {"name": "X", "priceCents": 1, "category": "c"}, headers=headers)

    assert answer.error() == (403, "ForbiddenError")
    assert api.get("/me", headers=headers).json["isAdmin"] is False


@pytest.mark.parametrize(
    "body", [None, 42, "[" * 100_000, '{"Type": "Notification", "Message": 7}']
)
def test_an_undecodable_event_is_a_value_error_never_another_exception(body):
    with pytest.raises(ValueError, match="an event"):
        events.decode(body)
