"""Stripe's webhook: only a recent signature of the payload moves anything, and then only once."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.client import Api
from tests.support.cognito import User
from tests.support.data import ADDRESS

WEBHOOK = "/payments/stripe/webhook"
SECRET = "whsec_standin"


@pytest.fixture
def stripe_stage(api: Api, tables: None) -> Iterator[Any]:
    """The stage paying with Stripe (its stand-in), keys in Secrets Manager."""
    import boto3

    from chalicelib.adapters import stripe_payments
    from chalicelib.config import settings
    from chalicelib.services import fulfillment
    from harness.stripe_standin import serve

    url, state, server = serve()
    name = "shop-test-stripe-webhook"
    sm = boto3.client("secretsmanager")
    sm.create_secret(
        Name=name, SecretString=json.dumps({"apiKey": "sk_test", "webhookSecret": SECRET})
    )

    def forget() -> None:
        settings.cache_clear()
        stripe_payments.keys.cache_clear()
        stripe_payments.client.cache_clear()
        fulfillment.payment_provider.cache_clear()
        settings()  # read now: inside a request the Client's dev variables would be read

    # chalice.test's Client puts the dev stage's variables (.chalice/config.json) in the
    # environment while it runs: re-read settings must stay the test stage's.
    before = settings()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SHOP_STAGE", before.stage)
        env.setenv("AUTH_MODE", before.auth_mode)
        env.setenv("AUTO_CONFIRM", "true" if before.auto_confirm else "false")
        env.setenv("PAYMENT_PROVIDER", "stripe")
        env.setenv("STRIPE_SECRET_ID", name)
        env.setenv("STRIPE_API_BASE", url)
        forget()
        yield state
    server.shutdown()
    sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    forget()


def _signed(
    event: dict[str, Any], *, secret: str = SECRET, at: int | None = None
) -> tuple[str, str]:
    import stripe

    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(
        payload, secret, at or int(time.time())
    )
    return payload, header


def _event(kind: str, order_id: str | None, event_id: str = "evt_1") -> dict[str, Any]:
    metadata = {"orderId": order_id} if order_id else {}
    return {
        "id": event_id,
        "object": "event",
        "type": kind,
        "data": {"object": {"id": "pi_x", "object": "payment_intent", "metadata": metadata}},
    }


def _post(api: Api, payload: str, header: str | None) -> Any:
    headers = {"Stripe-Signature": header} if header else {}
    return api.request("POST", WEBHOOK, raw=payload, headers=headers)


def _pending_order(api: Api, shopper: User, product_factory: Any, token: str) -> str:
    mug = product_factory()
    body = {
        "items": [{"productId": mug["productId"], "quantity": 1}],
        "shippingAddress": ADDRESS,
        "paymentToken": token,
    }
    answer = api.post("/orders", body, user=shopper)
    assert answer.status == 201
    return str(answer.json["orderId"])


def _queued(pipeline: Any) -> list[dict[str, Any]]:
    return [json.loads(m["Body"]) for m in pipeline.receive("payments")]


def test_a_stage_without_stripe_has_no_webhook(api: Api, tables: None) -> None:
    payload, header = _signed(_event("payment_intent.succeeded", "ord_x"))
    assert _post(api, payload, header).error() == (404, "NotFoundError")


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda p, h: (p.replace("succeeded", "payment_failed"), h), id="tampered"),
        pytest.param(lambda p, h: (p, None), id="unsigned"),
        pytest.param(
            lambda p, h: (p, _signed(json.loads(p), secret="whsec_other")[1]), id="other-secret"
        ),
        pytest.param(
            lambda p, h: (p, _signed(json.loads(p), at=int(time.time()) - 600)[1]), id="stale"
        ),
    ],
)
def test_a_webhook_not_recently_signed_by_stripe_is_a_400_and_queues_nothing(
    api: Api, shopper: User, product_factory: Any, pipeline: Any, stripe_stage: Any, tamper: Any
) -> None:
    order_id = _pending_order(api, shopper, product_factory, "tok_pending")
    payload, header = tamper(*_signed(_event("payment_intent.succeeded", order_id)))
    assert _post(api, payload, header).error() == (400, "BadRequestError")
    assert _queued(pipeline) == []


def test_a_succeeded_intent_confirms_its_pending_order_once_however_often_it_comes(
    api: Api, shopper: User, product_factory: Any, pipeline: Any, stripe_stage: Any
) -> None:
    order_id = _pending_order(api, shopper, product_factory, "tok_pending")
    pipeline.publish_changes()
    pipeline.drain("payments")  # the intent is `processing`: the order waits
    assert api.get(f"/orders/{order_id}", user=shopper).json["status"] == "PENDING"
    (intent,) = [i for i in stripe_stage.intents.values() if i["metadata"]["orderId"] == order_id]
    intent.update(status="succeeded", amount_received=intent["amount"])  # Stripe settles it

    payload, header = _signed(_event("payment_intent.succeeded", order_id))
    for _ in range(2):  # Stripe delivers at least once
        answer = _post(api, payload, header)
        assert answer.status == 200
    pipeline.run()
    order = api.get(f"/orders/{order_id}", user=shopper).json
    assert order["status"] in ("CONFIRMED", "FULFILLING", "FULFILLED")
    assert _post(api, payload, header).json == {"received": True, "outcome": "already_settled"}


def test_events_of_other_kinds_or_of_unknown_orders_are_acknowledged_and_ignored(
    api: Api, stripe_stage: Any, pipeline: Any
) -> None:
    payload, header = _signed(_event("customer.created", None, "evt_2"))
    assert _post(api, payload, header).json == {"received": True, "outcome": "ignored_type"}
    payload, header = _signed(_event("payment_intent.succeeded", "ord_nobody", "evt_3"))
    assert _post(api, payload, header).json == {"received": True, "outcome": "unknown_order"}
    assert _queued(pipeline) == []
