"""The returns workflow's steps that need Python, one SQS message each, answered by task token.

Every step is idempotent under redelivery: it writes conditionally and answers the token whether
its write landed now or before. A step that fails unexpectedly raises, and SQS delivers it again;
the workflow only hears about business outcomes (a refund that failed transiently or for good).
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib import clock, log
from chalicelib.adapters import events, workflow
from chalicelib.adapters.payments import provider
from chalicelib.config import settings
from chalicelib.domain import returns as rules
from chalicelib.domain.errors import RefundRefused, TransientFailure
from chalicelib.domain.returns import Mover, ReturnStatus
from chalicelib.storage import returns as door
from chalicelib.storage.models import Return

_log = log.logger("return-steps")
# The waits: the status the return must still have for the workflow to wait on an admin.
WAITS = {
    "decision": ReturnStatus.REQUESTED,
    "parcel": ReturnStatus.APPROVED,
    "refundRetry": ReturnStatus.REFUND_FAILED,
}
# The windows that close: from what status, to what, and the note the history shows.
TIMEOUTS = {
    "approvalTimeout": (
        ReturnStatus.REQUESTED,
        ReturnStatus.REJECTED,
        "no decision within the approval window",
    ),
    "parcelTimeout": (
        ReturnStatus.APPROVED,
        ReturnStatus.EXPIRED,
        "no parcel within the parcel window",
    ),
}


def decode(body: str) -> dict[str, str]:
    """A step message (`{step, returnId, taskToken}`); ValueError if it is not one."""
    data = json.loads(body)
    if not isinstance(data, dict):
        raise ValueError("a step message must be a JSON object")
    for field in ("step", "returnId", "taskToken"):
        if not isinstance(data.get(field), str) or not data[field]:
            raise ValueError(f"a step message needs a string {field}")
    return data


def on_step(message: dict[str, Any]) -> None:
    """Do one step of a return's workflow and answer its token."""
    step, token = message["step"], message["taskToken"]
    item = door.load(message["returnId"])
    with log.context(returnId=message["returnId"], step=step):
        if item is None:
            _log.error("no such return")
            workflow.fail(token, "Return.Missing")
            return
        if step in WAITS:
            _wait(item, step, token)
        elif step in TIMEOUTS:
            _close_window(item, step)
            workflow.resume(token)
        elif step == "restock":
            _restock(item)
            workflow.resume(token)
        elif step == "refund":
            _refund(item, token)
        elif step == "refundFailed":
            _mark_refund_failed(item)
            workflow.resume(token)
        else:
            raise ValueError(f"unknown step {step!r}")


def _wait(item: Return, step: str, token: str) -> None:
    """Keep the token for the admin; if the admin already decided, resume at once."""
    if not door.wait_on(item, step, token, WAITS[step].value):
        workflow.resume(token)


def _close_window(item: Return, step: str) -> None:
    """A window passed: the return ends, unless an admin moved it first (then nothing)."""
    source, target, note = TIMEOUTS[step]
    if item.status != source:
        return
    rules.transition(item.status, target, Mover.WORKFLOW)
    door.move_releasing_claims(item, door.Move(target.value, clock.iso(clock.now()), note))


def _restock(item: Return) -> None:
    """The units go back to stock once, when the parcel is in (never for a return still out)."""
    if item.status == ReturnStatus.RECEIVED and item.restocked_at is None:
        door.restock(item, clock.iso(clock.now()))


def _refund(item: Return, token: str) -> None:
    """Refund through the provider once per round; record it; tell the workflow how it went."""
    if item.status != ReturnStatus.RECEIVED:
        workflow.resume(token)  # refunded already (a redelivery), or no longer ours to refund
        return
    _restock(item)  # the workflow restocks first; a refund never goes out for units not back
    key = rules.refund_key(item.return_id, int(item.refund_round))
    try:
        reference = provider(settings().payment_provider).refund(
            item.order_id, int(item.refund_cents), item.currency, key=key
        )
    except TransientFailure as exc:
        _log.warning("refund failed transiently", extra={"fields": {"why": str(exc)}})
        workflow.fail(token, "Refund.Transient")
        return
    except RefundRefused as exc:
        _log.error("refund refused", extra={"fields": {"why": str(exc), "alarm": "returns"}})
        door.note_refund_failure(item, str(exc))
        workflow.fail(token, "Refund.Refused")
        return
    stamp = clock.iso(clock.now())
    events.publish(_refunded_event(item, stamp))
    door.record_refund(item, stamp, reference)
    workflow.resume(token)


def _refunded_event(item: Return, at: str) -> dict[str, Any]:
    """PaymentRefunded for a return: its eventId names the one refund a return ever gets."""
    return {
        "type": "PaymentRefunded",
        "eventId": f"{item.return_id}:refund",
        "orderId": item.order_id,
        "userId": item.user_id,
        "returnId": item.return_id,
        "occurredAt": at,
        "amountCents": int(item.refund_cents),
        "currency": item.currency,
    }


def _mark_refund_failed(item: Return) -> None:
    """RECEIVED -> REFUND_FAILED, with why if the provider said; nothing if it moved on."""
    if item.status != ReturnStatus.RECEIVED:
        return
    rules.transition(item.status, ReturnStatus.REFUND_FAILED, Mover.WORKFLOW)
    note = item.refund_failure or "the refund kept failing"
    door.move(item, door.Move(ReturnStatus.REFUND_FAILED.value, clock.iso(clock.now()), note))
