"""The payment port and the simulated provider that answers to the contract's test tokens."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from chalicelib.domain.errors import RefundRefused, TransientFailure
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

    def refund(
        self, order_id: str, amount_cents: int, currency: str, key: str | None = None
    ) -> str:
        """Give an amount of a capture back, once per order (or per idempotency key).

        Returns the refund reference; raises TransientFailure (retry with the same key) or
        RefundRefused (the provider will not refund this; a retry needs a new key).
        """
        ...

    def captured(self, order_id: str) -> Capture | None:
        """The money captured for an order, if any (asked of the provider, not of our records)."""
        ...


# Cards that pay, and then misbehave when money goes back (docs/api-extensions.md):
# tok_refund_error_<N> fails each refund transiently N times (per key), then refunds;
# tok_refund_refused refuses a return's first refund for good (a closed account), and refunds
# the next one asked for with a new key (an admin's retry).
REFUND_TROUBLE_PREFIX = "tok_refund_"
REFUSED_CARD = "tok_refund_refused"


def _transient_refund_failures(card: str) -> int:
    tail = card.removeprefix(REFUND_TROUBLE_PREFIX + "error_")
    return int(tail) if card.startswith(REFUND_TROUBLE_PREFIX + "error_") and tail.isdigit() else 0


class SimulatedPaymentProvider:
    """tok_visa approves, tok_error fails transiently, tok_pending never answers, the
    tok_refund_* cards approve (and misbehave on refunds), anything else declines (like
    tok_decline).

    The outcome is recorded in the ledger, so a second charge of the same order answers the first
    outcome instead of charging again. The ledger is the simulated provider's own memory too: the
    card each order was charged on, and how often a refund key was tried.
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
        pays = token == "tok_visa" or token.startswith(REFUND_TROUBLE_PREFIX)
        outcome = APPROVED if pays else DECLINED
        reference = "ch_" + hashlib.sha256(order_id.encode()).hexdigest()[:24]
        detail = {"outcome": outcome, "amountCents": amount_cents, "currency": currency}
        if token.startswith(REFUND_TROUBLE_PREFIX):
            detail["card"] = token
        entry = ledger.record(order_id, "charge", reference, detail)
        outcome = str(ledger.detail(entry).get("outcome"))
        return Charge(outcome, str(entry.reference), str(entry.created_at))

    def refund(
        self, order_id: str, amount_cents: int, currency: str, key: str | None = None
    ) -> str:
        """Give an amount back, once per order (or per idempotency key)."""
        entry_name = "refund" if key is None else f"refund#{key}"
        done = ledger.find(order_id, entry_name)
        if done is not None:
            return str(done.reference)
        if key is not None:
            self._misbehave(order_id, key)
        reference = "re_" + hashlib.sha256((key or order_id).encode()).hexdigest()[:24]
        detail = {"amountCents": amount_cents, "currency": currency}
        if key is not None:
            detail["key"] = key
        entry = ledger.record(order_id, entry_name, reference, detail)
        return str(entry.reference)

    def _misbehave(self, order_id: str, key: str) -> None:
        """Fail as the order's card says, if it is one of the tok_refund_* cards."""
        charge = ledger.find(order_id, "charge")
        card = str(ledger.detail(charge).get("card", "")) if charge is not None else ""
        if not card:
            return
        if card == REFUSED_CARD and ledger.count(order_id, "refund-refusals") == 0:
            ledger.bump(order_id, "refund-refusals")
            raise RefundRefused(f"the card of {order_id} cannot take refunds")
        failures = _transient_refund_failures(card)
        if failures and ledger.bump(order_id, f"refund-tries#{key}") <= failures:
            raise TransientFailure(f"refund processor unavailable for {order_id}")

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
