"""Return events: derived from the returns table's stream, published to the events topic.

As for orders (adapters/events.py), the stream is the outbox: every committed status change of a
return, whoever wrote it (the API or a workflow step), is announced exactly when it happened, and
a crash before publishing only means the record is delivered again (same eventId).
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.returns import EVENT_TYPES, ReturnStatus
from chalicelib.storage.models import Return


def from_stream_record(
    event_name: str, new_image: dict[str, Any] | None, old_image: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The event a change to a return means, or None (an edit that left the status alone)."""
    if event_name not in ("INSERT", "MODIFY") or not new_image:
        return None
    item = Return.from_raw_data(new_image)
    before = Return.from_raw_data(old_image) if event_name == "MODIFY" and old_image else None
    if before is not None and before.status == item.status:
        return None
    try:
        kind = EVENT_TYPES[ReturnStatus(item.status)]
    except ValueError:
        return None
    history = list(item.history or [])
    last = history[-1] if history else None
    event: dict[str, Any] = {
        "type": kind,
        "eventId": f"{item.return_id}:{item.status}:{len(history)}",
        "returnId": item.return_id,
        "orderId": item.order_id,
        "userId": item.user_id,
        "status": item.status,
        "occurredAt": last.at if last is not None else item.updated_at,
        "refundCents": int(item.refund_cents),
        "currency": item.currency,
    }
    if last is not None and last.note:
        event["note"] = last.note
    return event
