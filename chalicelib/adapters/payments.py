"""The payment port and the simulated provider that answers to the contract's test tokens."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from chalicelib.domain.errors import TransientFailure
from chalicelib.storage import ledger

APPROVED = "approved"
DECLINED = "declined"


@dataclass(frozen=True)
class Charge:
    """The outcome of charging an order."""

    outcome: str
    reference: str

    @property
    def approved(self) -> bool:
        """Whether the money was captured."""
        return self.outcome == APPROVED


class PaymentProvider(Protocol):
    """Charges and refunds, idempotent per order (a real provider takes the order id as key)."""

    def charge(self, order_id: str, amount_cents: int, currency: str, token: str) -> Charge:
        """Capture the amount, once per order."""
        ...

    def refund(self, order_id: str, amount_cents: int, currency: str) -> str:
        """Give a captured amount back, once per order; returns the refund reference."""
        ...


class SimulatedPaymentProvider:
    """tok_visa approves, tok_error fails transiently, anything else declines (like tok_decline).

    The outcome is recorded in the ledger, so a second charge of the same order answers the first
    outcome instead of charging again.
    """

    def charge(self, order_id: str, amount_cents: int, currency: str, token: str) -> Charge:
        """Capture the amount, once per order."""
        done = ledger.find(order_id, "charge")
        if done is not None:
            return Charge(str(ledger.detail(done).get("outcome", DECLINED)), str(done.reference))
        if token == "tok_error":
            raise TransientFailure(f"payment processor unavailable for {order_id}")
        outcome = APPROVED if token == "tok_visa" else DECLINED
        reference = "ch_" + hashlib.sha256(order_id.encode()).hexdigest()[:24]
        entry = ledger.record(
            order_id,
            "charge",
            reference,
            {"outcome": outcome, "amountCents": amount_cents, "currency": currency},
        )
        return Charge(str(ledger.detail(entry).get("outcome")), str(entry.reference))

    def refund(self, order_id: str, amount_cents: int, currency: str) -> str:
        """Give a captured amount back, once per order."""
        reference = "re_" + hashlib.sha256(order_id.encode()).hexdigest()[:24]
        entry = ledger.record(
            order_id, "refund", reference, {"amountCents": amount_cents, "currency": currency}
        )
        return str(entry.reference)


def provider(name: str) -> PaymentProvider:
    """The payment provider configured for this stage."""
    if name == "simulated":
        return SimulatedPaymentProvider()
    raise ValueError(f"Unknown payment provider {name!r}")
