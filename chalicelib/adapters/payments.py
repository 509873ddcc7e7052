"""The payment port and the simulated provider that answers to the contract's test tokens."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from chalicelib.domain.errors import TransientFailure
from chalicelib.storage import ledger

APPROVED = "approved"
DECLINED = "declined"
PENDING = "pending"  # no answer yet (tok_pending never answers)


@dataclass(frozen=True)
class Charge:
    """The outcome of charging an order."""

    outcome: str
    reference: str
    at: str = ""  # when the provider answered first (a repeated charge answers the first time)

    @property
    def approved(self) -> bool:
        """Whether the money was captured."""
        return self.outcome == APPROVED

    @property
    def pending(self) -> bool:
        """Whether the provider has not answered yet (the payment timeout will fail the order)."""
        return self.outcome == PENDING


@dataclass(frozen=True)
class Capture:
    """Money captured for an order: how much, and when."""

    reference: str
    amount_cents: int
    currency: str
    at: str


class PaymentProvider(Protocol):
    """Charges and refunds, idempotent per order (a real provider takes the order id as key)."""

    def charge(self, order_id: str, amount_cents: int, currency: str, token: str) -> Charge:
        """Capture the amount, once per order."""
        ...

    def refund(self, order_id: str, amount_cents: int, currency: str) -> str:
        """Give a captured amount back, once per order; returns the refund reference."""
        ...

    def captured(self, order_id: str) -> Capture | None:
        """The money captured for an order, if any (asked of the provider, not of our records)."""
        ...


class SimulatedPaymentProvider:
    """tok_visa approves, tok_error fails transiently, tok_pending never answers, anything else
    declines (like tok_decline).

    The outcome is recorded in the ledger, so a second charge of the same order answers the first
    outcome instead of charging again.
    """

    def charge(self, order_id: str, amount_cents: int, currency: str, token: str) -> Charge:
        """Capture the amount, once per order."""
        done = ledger.find(order_id, "charge")
        if done is not None:
            outcome = str(ledger.detail(done).get("outcome", DECLINED))
            return Charge(outcome, str(done.reference), str(done.created_at))
        if token == "tok_error":
            raise TransientFailure(f"payment processor unavailable for {order_id}")
        if token == "tok_pending":
            return Charge(PENDING, "")
        outcome = APPROVED if token == "tok_visa" else DECLINED
        reference = "ch_" + hashlib.sha256(order_id.encode()).hexdigest()[:24]
        entry = ledger.record(
            order_id,
            "charge",
            reference,
            {"outcome": outcome, "amountCents": amount_cents, "currency": currency},
        )
        outcome = str(ledger.detail(entry).get("outcome"))
        return Charge(outcome, str(entry.reference), str(entry.created_at))

    def refund(self, order_id: str, amount_cents: int, currency: str) -> str:
        """Give a captured amount back, once per order."""
        reference = "re_" + hashlib.sha256(order_id.encode()).hexdigest()[:24]
        entry = ledger.record(
            order_id, "refund", reference, {"amountCents": amount_cents, "currency": currency}
        )
        return str(entry.reference)

    def captured(self, order_id: str) -> Capture | None:
        """The money captured for an order, if any."""
        done = ledger.find(order_id, "charge")
        if done is None:
            return None
        detail = ledger.detail(done)
        if detail.get("outcome") != APPROVED:
            return None
        return Capture(
            str(done.reference),
            int(detail.get("amountCents", 0)),
            str(detail.get("currency", "")),
            str(done.created_at),
        )


def provider(name: str) -> PaymentProvider:
    """The payment provider configured for this stage."""
    if name == "simulated":
        return SimulatedPaymentProvider()
    if name == "stripe":  # imported here: the stripe library is loaded only where payments run
        from chalicelib.adapters.stripe_payments import StripePaymentProvider

        return StripePaymentProvider()
    raise ValueError(f"Unknown payment provider {name!r}")
