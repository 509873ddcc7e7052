"""The payment port's contract, held by every provider: the simulated one and Stripe's.

Stripe is reached through a local stand-in that answers the shapes of its API reference
(harness/stripe_standin.py), with the real `stripe` library in between; both providers keep
their memory in the payments ledger table on moto.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.adapters import payments
from chalicelib.adapters.stripe_payments import StripePaymentProvider
from chalicelib.domain.errors import TransientFailure
from harness.stripe_standin import StripeStandIn, serve


@pytest.fixture(scope="module")
def stand_in() -> Iterator[tuple[str, StripeStandIn]]:
    """The Stripe stand-in, on a free localhost port for this module."""
    url, state, server = serve()
    yield url, state
    server.shutdown()


@pytest.fixture
def stripe_keys(tables: None, stand_in: tuple[str, StripeStandIn]) -> Iterator[StripeStandIn]:
    """The stage configured for Stripe: its keys in Secrets Manager, its address the stand-in."""
    import boto3

    from chalicelib.adapters import stripe_payments
    from chalicelib.config import settings

    url, state = stand_in
    secret = {"apiKey": "sk_test_standin", "webhookSecret": "whsec_standin"}
    name = "shop-test-stripe-contract"
    sm = boto3.client("secretsmanager")
    sm.create_secret(Name=name, SecretString=json.dumps(secret))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("STRIPE_SECRET_ID", name)
        env.setenv("STRIPE_API_BASE", url)
        settings.cache_clear()
        stripe_payments.keys.cache_clear()
        stripe_payments.client.cache_clear()
        yield state
    sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    settings.cache_clear()
    stripe_payments.keys.cache_clear()
    stripe_payments.client.cache_clear()


@pytest.fixture(params=["simulated", "stripe"])
def provider(request: pytest.FixtureRequest, tables: None) -> payments.PaymentProvider:
    """Each provider in turn, configured as a stage would configure it."""
    if request.param == "stripe":
        request.getfixturevalue("stripe_keys")
    return payments.provider(request.param)


_orders = iter(range(1, 1_000_000))


def _order() -> str:
    return f"order-{next(_orders):06d}"


def test_an_approved_charge_is_captured_once(provider: payments.PaymentProvider) -> None:
    order = _order()
    first = provider.charge(order, 2599, "USD", "tok_visa")
    again = provider.charge(order, 2599, "USD", "tok_visa")
    assert first.approved
    assert again.approved
    assert again.reference == first.reference != ""
    capture = provider.captured(order)
    assert capture is not None
    assert (capture.reference, capture.amount_cents, capture.currency) == (
        first.reference,
        2599,
        "USD",
    )


def test_a_declined_charge_captures_nothing_and_stays_declined(
    provider: payments.PaymentProvider,
) -> None:
    order = _order()
    assert provider.charge(order, 1000, "USD", "tok_decline").outcome == payments.DECLINED
    assert provider.charge(order, 1000, "USD", "tok_decline").outcome == payments.DECLINED
    assert provider.captured(order) is None


def test_a_processor_error_is_transient_and_captures_nothing(
    provider: payments.PaymentProvider,
) -> None:
    order = _order()
    with pytest.raises(TransientFailure):
        provider.charge(order, 1000, "USD", "tok_error")
    assert provider.captured(order) is None


def test_a_payment_with_no_answer_yet_is_pending(provider: payments.PaymentProvider) -> None:
    order = _order()
    assert provider.charge(order, 1000, "USD", "tok_pending").pending
    assert provider.captured(order) is None


def test_a_refund_is_made_once_per_key(provider: payments.PaymentProvider) -> None:
    order = _order()
    provider.charge(order, 1500, "EUR", "tok_visa")
    first = provider.refund(order, 1500, "EUR")
    assert provider.refund(order, 1500, "EUR") == first != ""


def test_an_order_never_charged_has_nothing_captured(provider: payments.PaymentProvider) -> None:
    assert provider.captured(_order()) is None


# --- What only Stripe's side can show: the requests it received --------------------------------


def _intents_of(state: StripeStandIn, order: str) -> list[dict[str, Any]]:
    return [i for i in state.intents.values() if i["metadata"].get("orderId") == order]


def test_stripe_gets_one_intent_per_order_however_often_it_is_charged(
    stripe_keys: StripeStandIn,
) -> None:
    stripe = payments.provider("stripe")
    order = _order()
    for _ in range(3):
        stripe.charge(order, 4200, "USD", "tok_visa")
    (intent,) = _intents_of(stripe_keys, order)
    assert (intent["amount"], intent["currency"], intent["status"]) == (4200, "usd", "succeeded")


def test_stripe_confirms_again_after_a_transient_error_with_a_fresh_key(
    stripe_keys: StripeStandIn,
) -> None:
    """Stripe replays a saved 500 for a key it has seen: a retry must not reuse the confirm's."""
    stripe = payments.provider("stripe")
    order = _order()
    with pytest.raises(TransientFailure):
        stripe.charge(order, 900, "USD", "tok_error")
    assert stripe.charge(order, 900, "USD", "tok_visa").approved  # the same intent, paid now
    assert len(_intents_of(stripe_keys, order)) == 1


def test_stripe_refunds_once_per_key(stripe_keys: StripeStandIn) -> None:
    stripe = StripePaymentProvider()  # refund by key: the port gains it with returns
    order = _order()
    charge = stripe.charge(order, 3000, "USD", "tok_visa")
    stripe.refund(order, 2000, "USD")
    stripe.refund(order, 2000, "USD")  # the same key: the same refund, not a second one
    stripe.refund(order, 1000, "USD", key=f"{order}:return-1")  # a return's own key: a new one
    refunds = [r for r in stripe_keys.refunds.values() if r["payment_intent"] == charge.reference]
    assert sorted(r["amount"] for r in refunds) == [1000, 2000]


def test_the_api_and_the_payment_module_load_without_the_stripe_library() -> None:
    """stripe costs a few hundred ms to import: only a payment step that uses it pays that."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, app; from chalicelib.adapters import payments; "
        "payments.provider('stripe'); print('stripe' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"
