"""The shop mails only an address Cognito says its user proved (the `email_verified` claim)."""

from __future__ import annotations

from typing import Any

from tests.support.client import Api
from tests.support.cognito import CognitoPool, sign_up
from tests.support.data import ADDRESS


def _order_and_run(api: Api, user: Any, product: dict[str, Any], pipeline: Any) -> str:
    body = {
        "items": [{"productId": product["productId"], "quantity": 1}],
        "shippingAddress": ADDRESS,
        "paymentToken": "tok_visa",
    }
    placed = api.post("/orders", body, user=user)
    assert placed.status == 201
    pipeline.run()
    assert pipeline.failures == []
    return str(placed.json["orderId"])


def test_a_shopper_with_an_unverified_address_is_never_mailed(
    api: Api, moto_session: CognitoPool, product_factory: Any, pipeline: Any
) -> None:
    from chalicelib.storage import orders

    unverified = sign_up(moto_session, verified=False)
    assert api.get("/me", user=unverified).json["email"] == unverified.email  # still shown
    order_id = _order_and_run(api, unverified, product_factory(), pipeline)

    stored = orders.load(order_id)
    assert stored is not None
    assert stored.contact_email is None
    assert api.get(f"/orders/{order_id}", user=unverified).json["status"] == "FULFILLED"
    assert api.get("/me/notifications", user=unverified).json["items"] == []


def test_a_shopper_with_a_verified_address_is_mailed_at_it(
    api: Api, moto_session: CognitoPool, product_factory: Any, pipeline: Any
) -> None:
    from chalicelib.storage import orders

    verified = sign_up(moto_session, verified=True)
    order_id = _order_and_run(api, verified, product_factory(), pipeline)

    stored = orders.load(order_id)
    assert stored is not None
    assert stored.contact_email == verified.email
    mails = api.get("/me/notifications", user=verified).json["items"]
    assert {mail["type"] for mail in mails} >= {"OrderPlaced", "OrderConfirmed"}


def test_a_sign_up_the_stage_confirms_itself_has_a_verified_address(api: Api) -> None:
    """Also the local stack's half of a gap: moto's ID tokens carry the attributes a client may
    read, as Cognito's do (devstack/moto_fixes.py; docs/local-stack.md)."""
    import base64
    import json

    creds = {"email": "self-confirmed@example.com", "password": "Passw0rd!-test"}
    assert api.post("/auth/register", {**creds, "name": "S"}).status == 201
    token = api.post("/auth/login", creds).json["idToken"]
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert claims["email_verified"] in (True, "true")
    assert claims["name"] == "S"
