"""The Stripe stand-in answers as Stripe does: its objects' shapes and its idempotency keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.stripe_standin import form_to_nested, serve

STRIPE = json.loads((Path(__file__).parent / "stripe_fixtures" / "fixtures3.json").read_text())
# What chalicelib/adapters/stripe_payments.py reads of Stripe's answers.
READ = {
    "payment_intent": {
        "id",
        "status",
        "last_payment_error",
        "amount_received",
        "currency",
        "created",
    },
    "refund": {"id"},
}


@pytest.fixture(scope="module")
def stripe_client() -> Iterator[Any]:
    """The real `stripe` library, pointed at a stand-in."""
    import stripe

    url, _state, server = serve()
    yield stripe.StripeClient("sk_test_standin", base_addresses={"api": url})
    server.shutdown()


def _same_shape(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """The fields of ours that Stripe's object lacks, or has with another JSON type."""
    wrong = []
    for name, value in ours.items():
        if name not in theirs:
            wrong.append(f"{name}: not a field of Stripe's object")
        elif (
            value is not None and theirs[name] is not None and type(value) is not type(theirs[name])
        ):
            wrong.append(
                f"{name}: {type(value).__name__}, Stripe's is {type(theirs[name]).__name__}"
            )
    return wrong


def test_intents_and_refunds_have_stripes_fields_and_types(stripe_client: Any) -> None:
    intent = stripe_client.v1.payment_intents.create(params={"amount": 500, "currency": "usd"})
    paid = stripe_client.v1.payment_intents.confirm(
        intent.id, params={"payment_method": "pm_card_visa"}
    )
    refund = stripe_client.v1.refunds.create(params={"payment_intent": paid.id, "amount": 200})
    for kind, obj in (("payment_intent", paid), ("refund", refund)):
        body = obj.to_dict()
        assert _same_shape(body, STRIPE[kind]) == [], kind
        assert READ[kind] <= set(body) & set(STRIPE[kind]), kind


def test_a_key_replays_its_first_answer_and_refuses_other_parameters(stripe_client: Any) -> None:
    import stripe

    options = {"idempotency_key": "order-1:create"}
    first = stripe_client.v1.payment_intents.create(
        params={"amount": 700, "currency": "usd"}, options=options
    )
    again = stripe_client.v1.payment_intents.create(
        params={"amount": 700, "currency": "usd"}, options=options
    )
    assert again.id == first.id
    with pytest.raises(stripe.IdempotencyError):
        stripe_client.v1.payment_intents.create(
            params={"amount": 701, "currency": "usd"}, options=options
        )


def test_a_declined_card_is_a_card_error_and_the_intent_remembers_it(stripe_client: Any) -> None:
    import stripe

    intent = stripe_client.v1.payment_intents.create(params={"amount": 300, "currency": "usd"})
    with pytest.raises(stripe.CardError) as declined:
        stripe_client.v1.payment_intents.confirm(
            intent.id, params={"payment_method": "pm_card_chargeDeclined"}
        )
    assert declined.value.code == "card_declined"
    after = stripe_client.v1.payment_intents.retrieve(intent.id)
    assert after.status == "requires_payment_method"
    assert after.last_payment_error.code == "card_declined"


def test_form_encoding_nests_as_stripe_sends_it() -> None:
    body = "amount=5&metadata[orderId]=o-1&payment_method_data[card][token]=tok_visa"
    assert form_to_nested(body) == {
        "amount": "5",
        "metadata": {"orderId": "o-1"},
        "payment_method_data": {"card": {"token": "tok_visa"}},
    }
