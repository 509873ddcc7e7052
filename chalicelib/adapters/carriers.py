"""The carrier port and a simulated carrier that issues tracking numbers."""

from __future__ import annotations

import hashlib
from typing import Protocol

from chalicelib.storage import ledger


class Carrier(Protocol):
    """Creates shipments, once per order."""

    def create_shipment(self, order_id: str, country: str) -> str:
        """Book a shipment and return its tracking number."""
        ...

    def booked(self, order_id: str) -> str | None:
        """The tracking number of the order's shipment, if one was booked."""
        ...


class SimulatedCarrier:
    """Books nothing real: the tracking number is derived from the order, recorded once."""

    def create_shipment(self, order_id: str, country: str) -> str:
        """Book a shipment and return its tracking number."""
        tracking = "SIM" + country + hashlib.sha256(order_id.encode()).hexdigest()[:12].upper()
        return str(ledger.record(order_id, "shipment", tracking).reference)

    def booked(self, order_id: str) -> str | None:
        """The tracking number of the order's shipment, if one was booked."""
        done = ledger.find(order_id, "shipment")
        return None if done is None else str(done.reference)


def carrier(name: str) -> Carrier:
    """The carrier configured for this stage."""
    if name == "simulated":
        return SimulatedCarrier()
    raise ValueError(f"Unknown carrier {name!r}")
