"""Steps done once per order (charge, refund, shipment, mail), recorded with a conditional put."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib import clock
from chalicelib.storage.models import LedgerEntry, condition_failed


def find(order_id: str, entry: str) -> LedgerEntry | None:
    """The recorded step, if it was done."""
    try:
        return LedgerEntry.get(order_id, entry, consistent_read=True)
    except DoesNotExist:
        return None


def record(
    order_id: str, entry: str, reference: str, detail: dict[str, Any] | None = None
) -> LedgerEntry:
    """Record a step once; if it was already recorded, return the first record unchanged."""
    item = LedgerEntry(
        order_id,
        entry,
        reference=reference,
        detail=detail or {},
        created_at=clock.iso(clock.now()),
    )
    try:
        item.save(condition=LedgerEntry.entry.does_not_exist())
    except PutError as exc:
        if not condition_failed(exc):
            raise
        existing = find(order_id, entry)
        assert existing is not None
        return existing
    return item


def count(order_id: str, entry: str) -> int:
    """A counter's value (0 if it was never bumped)."""
    found = find(order_id, entry)
    return int(found.tally or 0) if found is not None else 0


def bump(order_id: str, entry: str) -> int:
    """Add one to a counter, atomically; answers the new value."""
    item = LedgerEntry(order_id, entry)
    item.update(
        actions=[
            LedgerEntry.tally.add(1),
            LedgerEntry.created_at.set(LedgerEntry.created_at | clock.iso(clock.now())),
        ]
    )
    return int(item.tally or 0)


def detail(entry: LedgerEntry) -> dict[str, Any]:
    """The free-form detail recorded with a step."""
    return dict(entry.detail.as_dict()) if entry.detail is not None else {}
