"""The Stripe payment provider behind the payment port: one PaymentIntent per order.

`stripe` is imported on first use, never at module import: the library is about 17 MB and costs
a few hundred milliseconds to import, which only the payment steps pay (the API's cold start never
does). Its keys come from Secrets Manager (`STRIPE_SECRET_ID`: a JSON secret with `apiKey` and
`webhookSecret`), read once per container; nothing secret is in the repository or the template.

Idempotency, as Stripe asks for it (docs/payments.md):
- the PaymentIntent is created with the key `<orderId>:create`, so a redelivered payment message
  finds the same intent instead of making a second one; its id is kept in the payments ledger,
  because Stripe forgets idempotency keys after 24 hours and a refund may come later;
- each confirm attempt has a fresh key: Stripe replays a saved answer, errors included, for a key
  it has seen, so reusing one would turn a passing network error into a permanent failure;
- a refund's key is `<orderId>:refund` (or the caller's, e.g. a return's), so it happens once.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from chalicelib.adapters import aws
from chalicelib.adapters.payments import APPROVED, DECLINED, PENDING, Capture, Charge
from chalicelib.config import settings
from chalicelib.domain.errors import InvalidInput, RefundRefused, TransientFailure
from chalicelib.storage import ledger

INTENT = "stripe-intent"  # the ledger entry that keeps an order's PaymentIntent id


@cache
def keys() -> dict[str, str]:
    """The Stripe API key and webhook signing secret, read from Secrets Manager once."""
    answer = aws.client("secretsmanager").get_secret_value(SecretId=settings().stripe_secret_id)
    secret = json.loads(answer["SecretString"])
    return {"api_key": str(secret["apiKey"]), "webhook_secret": str(secret["webhookSecret"])}


@cache
def client() -> Any:
    """A StripeClient for this container (the local stand-in's address when one is set)."""
    import stripe

    base = settings().stripe_api_base
    # The library retries network errors itself, with the same idempotency key: safe for create
    # and refund, and a confirm's retry reuses only its own attempt's key.
    return stripe.StripeClient(
        keys()["api_key"],
        base_addresses={"api": base} if base else None,
        max_network_retries=2,
    )


def _transient(exc: Exception) -> bool:
    import stripe

    if isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError):
        return True
    return isinstance(exc, stripe.APIError) and (exc.http_status or 500) >= 500


def _payment_method(token: str) -> dict[str, Any]:
    """A confirm's payment method: a PaymentMethod id as is, a card token wrapped as a card."""
    if token.startswith("pm_"):
        return {"payment_method": token}
    return {"payment_method_data": {"type": "card", "card": {"token": token}}}


class StripePaymentProvider:
    """Charges, refunds and captures asked of Stripe; only the intent's id is kept here."""

    def charge(self, order_id: str, amount_cents: int, currency: str, token: str) -> Charge:
        """Capture the amount, once per order."""
        import stripe

        try:
            intent = self._intent(order_id, amount_cents, currency)
            if intent.status == "requires_payment_method" and intent.last_payment_error:
                return Charge(DECLINED, intent.id)  # an earlier attempt was declined: still is
            if intent.status in ("requires_payment_method", "requires_confirmation"):
                intent = client().v1.payment_intents.confirm(
                    intent.id,
                    params=_payment_method(token),
                    options={"idempotency_key": f"{order_id}:confirm:{uuid.uuid4().hex}"},
                )
        except stripe.CardError as exc:
            return Charge(DECLINED, str(getattr(exc.error, "payment_intent", None) or ""))
        except stripe.StripeError as exc:
            if _transient(exc):
                raise TransientFailure(f"Stripe unavailable for {order_id}: {exc}") from exc
            if isinstance(exc, stripe.InvalidRequestError):  # e.g. a token Stripe does not know
                return Charge(DECLINED, "")
            raise
        if intent.status == "succeeded":
            return Charge(APPROVED, intent.id)
        if intent.status == "processing":
            return Charge(PENDING, intent.id)
        # requires_action (3-D Secure) cannot be completed by a server; the shopper pays again.
        return Charge(DECLINED, intent.id)

    def refund(
        self, order_id: str, amount_cents: int, currency: str, key: str | None = None
    ) -> str:
        """Give an amount of the order's capture back, once per order (or per key)."""
        import stripe

        intent_id = self._known_intent(order_id)
        if intent_id is None:
            raise ValueError(f"no PaymentIntent for order {order_id}: nothing was charged")
        try:
            refund = client().v1.refunds.create(
                params={"payment_intent": intent_id, "amount": amount_cents},
                options={"idempotency_key": key or f"{order_id}:refund"},
            )
        except stripe.StripeError as exc:
            if _transient(exc):
                raise TransientFailure(f"Stripe unavailable for {order_id}: {exc}") from exc
            # Stripe refused this refund (the card, the charge, the amount): the same key would
            # answer the same refusal, so the returns workflow stops for an admin (REFUND_FAILED).
            raise RefundRefused(f"Stripe refused the refund of {order_id}: {exc}") from exc
        return str(refund.id)

    def captured(self, order_id: str) -> Capture | None:
        """The money captured for an order, asked of Stripe."""
        import stripe

        intent_id = self._known_intent(order_id)
        if intent_id is None:
            return None
        try:
            intent = client().v1.payment_intents.retrieve(intent_id)
        except stripe.StripeError as exc:
            if _transient(exc):
                raise TransientFailure(f"Stripe unavailable for {order_id}: {exc}") from exc
            raise
        if intent.status != "succeeded":
            return None
        at = datetime.fromtimestamp(int(intent.created), UTC).isoformat().replace("+00:00", "Z")
        return Capture(intent.id, int(intent.amount_received), intent.currency.upper(), at)

    def _known_intent(self, order_id: str) -> str | None:
        entry = ledger.find(order_id, INTENT)
        return None if entry is None else str(entry.reference)

    def _intent(self, order_id: str, amount_cents: int, currency: str) -> Any:
        """The order's PaymentIntent: the one recorded, or a new one (created once per order)."""
        known = self._known_intent(order_id)
        if known is not None:
            return client().v1.payment_intents.retrieve(known)
        intent = client().v1.payment_intents.create(
            params={
                "amount": amount_cents,
                "currency": currency.lower(),
                "metadata": {"orderId": order_id},
                "payment_method_types": ["card"],
            },
            options={"idempotency_key": f"{order_id}:create"},
        )
        ledger.record(order_id, INTENT, intent.id)
        return intent


@dataclass(frozen=True)
class WebhookEvent:
    """The part of a verified Stripe event the shop reads."""

    id: str
    type: str
    order_id: str | None


# Stripe signs each delivery with a timestamp; older than this is a replay, refused.
WEBHOOK_TOLERANCE_SECONDS = 300


def webhook_event(payload: bytes | str, signature: str | None) -> WebhookEvent:
    """A webhook's event, if Stripe signed it recently; InvalidInput for anything else."""
    import stripe

    if not signature:
        raise InvalidInput("Stripe-Signature: the webhook is not signed")
    try:
        event = stripe.Webhook.construct_event(
            payload, signature, keys()["webhook_secret"], tolerance=WEBHOOK_TOLERANCE_SECONDS
        )
    except stripe.SignatureVerificationError:
        raise InvalidInput("Stripe-Signature: not a recent signature of this payload") from None
    except ValueError:
        raise InvalidInput("the webhook's body is not a Stripe event") from None
    # The signature covers these exact bytes: read the order id from them, as plain JSON.
    body = json.loads(payload)
    metadata = (body.get("data") or {}).get("object", {}).get("metadata") or {}
    order_id = metadata.get("orderId") if isinstance(metadata, dict) else None
    return WebhookEvent(str(event.id), str(event.type), str(order_id) if order_id else None)
