"""Returns: a shopper asks, an admin decides and receives; the workflow does the rest.

A return is written with its claim on the order in one conditional write, then its workflow
execution starts (named after the return, so a retried start is the same execution). Admin moves
write the new status conditional on the old one *and* on the task token read, then hand the token
back to the workflow; a token stored after the move is handed back by the step handler itself
(services/return_steps.py), so the workflow resumes whichever lands first (decision 0183).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib import clock
from chalicelib.adapters import workflow
from chalicelib.domain import returns as rules
from chalicelib.domain.errors import Conflict, InvalidReturnMove, NotFound, Reason, ShopError
from chalicelib.domain.identity import Caller
from chalicelib.domain.returns import Mover, ReturnStatus
from chalicelib.services import idempotency, orders
from chalicelib.storage import returns as door
from chalicelib.storage.models import Order, Return, ReturnHistoryEntry, ReturnLine
from chalicelib.storage.paging import Page

_MAX_ATTEMPTS = 3
# The wait each admin move ends: its token is the one to hand back.
_ENDS_WAIT = {
    ReturnStatus.APPROVED: "decision",
    ReturnStatus.REJECTED: "decision",
    ReturnStatus.RECEIVED: "parcel",
}


def _lines(order: Order) -> list[rules.DeliveredLine]:
    return [
        rules.DeliveredLine(
            variant_id=line.variant_id or line.product_id,
            product_id=line.product_id,
            name=line.name,
            quantity=int(line.quantity),
            line_total_cents=int(line.line_total_cents),
            discount_cents=int(line.discount_cents or 0),
            tax_cents=int(line.tax_cents or 0),
        )
        for line in order.items
    ]


def _delivered(order: Order) -> datetime | None:
    at = rules.delivered_at([(entry.status, entry.at) for entry in order.history])
    return datetime.fromisoformat(at.replace("Z", "+00:00")) if at else None


def _new_return(
    caller: Caller, order: Order, return_id: str, planned: Sequence[rules.ReturnLine], reason: str
) -> Return:
    now = clock.now()
    stamp = clock.iso(now)
    return Return(
        return_id,
        order_id=order.order_id,
        user_id=caller.user_id,
        status=ReturnStatus.REQUESTED.value,
        items=[
            ReturnLine(
                variant_id=line.variant_id,
                product_id=line.product_id,
                name=line.name,
                quantity=line.quantity,
                refund_cents=line.refund_cents,
            )
            for line in planned
        ],
        reason=reason,
        refund_cents=rules.refund_total(planned),
        currency=order.currency,
        history=[ReturnHistoryEntry(status=ReturnStatus.REQUESTED.value, at=stamp)],
        created_at=stamp,
        updated_at=stamp,
        sort_key=clock.sort_key(now, return_id),
        refund_round=0,
    )


@dataclass(frozen=True)
class Opened:
    """The return a request opened, and whether it is the stored answer to a repeated key."""

    item: Return
    replayed: bool


def open_once(
    caller: Caller, order_id: str, data: dict[str, Any], key: idempotency.Key | None
) -> Opened:
    """Open a return, once per Idempotency-Key (as checkout does: services/checkout.py)."""
    if key is None:
        return Opened(open_return(caller, order_id, data, clock.new_id("ret")), replayed=False)
    claim = idempotency.begin(f"returns:{caller.user_id}", key)
    if isinstance(claim, idempotency.Replay):
        return Opened(door.from_snapshot(claim.result), replayed=True)
    try:
        item = open_return(caller, order_id, data, f"ret_{claim.nonce}")
    except ShopError:
        idempotency.release(claim)  # nothing was written: leave the key free to retry
        raise
    except Exception:
        idempotency.unlock(claim)  # maybe written: a retry resumes with the same return id
        raise
    try:
        idempotency.complete(claim, door.snapshot(item))
    except Exception:
        idempotency.unlock(claim)  # the return is open: a retry resumes and answers it
        raise
    return Opened(item, replayed=False)


def open_return(caller: Caller, order_id: str, data: dict[str, Any], return_id: str) -> Return:
    """Ask to return units of the caller's delivered order; its workflow starts at once.

    A retry with the id of a return already written answers that return (and makes sure its
    workflow runs).
    """
    existing = door.load(return_id)
    if existing is not None:
        return _started(existing)
    asked = [rules.Asked(item["variantId"], int(item["quantity"])) for item in data["items"]]
    for _ in range(_MAX_ATTEMPTS):
        order = orders.load(order_id)
        if order.user_id != caller.user_id:
            raise NotFound(f"No order {order_id}")  # never reveal that someone else's order exists
        rules.check_window(order.status, _delivered(order), clock.now())
        planned = rules.plan(_lines(order), door.claims_of(order), asked)
        item = _new_return(caller, order, return_id, planned, data["reason"])
        try:
            door.create(item, order, planned)
        except door.ClaimRefused as refused:
            if refused.exists:  # a concurrent retry of this very request wrote it
                found = door.load(return_id)
                if found is not None:
                    return _started(found)
            continue  # the order changed since it was read: judge again
        return _started(item)
    raise Conflict(f"Order {order_id} kept changing; try again", Reason.CONCURRENT_UPDATE)


def _started(item: Return) -> Return:
    """The return, with its workflow execution started and recorded."""
    if item.execution_arn:
        return item
    arn = workflow.start(item.return_id)
    item.update(actions=[Return.execution_arn.set(arn)])
    return item


def load(return_id: str) -> Return:
    """A return by id; NotFound if there is none."""
    item = door.load(return_id)
    if item is None:
        raise NotFound(f"No return {return_id}")
    return item


def get_return(caller: Caller, return_id: str) -> Return:
    """A return its owner or an admin may see; NotFound for anyone else."""
    item = load(return_id)
    if item.user_id != caller.user_id and not caller.is_admin:
        raise NotFound(f"No return {return_id}")
    return item


def approve(return_id: str) -> Return:
    """An admin approves a REQUESTED return: the shopper may send the parcel."""
    return _admin_move(return_id, ReturnStatus.APPROVED)


def reject(return_id: str, note: str) -> Return:
    """An admin rejects a REQUESTED return: its units may be returned again."""
    return _admin_move(return_id, ReturnStatus.REJECTED, note=note)


def receive(return_id: str) -> Return:
    """An admin records an APPROVED return's parcel: restock and refund follow."""
    return _admin_move(return_id, ReturnStatus.RECEIVED)


def retry_refund(return_id: str) -> Return:
    """An admin retries a REFUND_FAILED return's refund, as a new round with a new key."""
    return _admin_move(return_id, ReturnStatus.RECEIVED, retry=True)


def _admin_move(
    return_id: str, target: ReturnStatus, *, note: str | None = None, retry: bool = False
) -> Return:
    for _ in range(_MAX_ATTEMPTS):
        item = load(return_id)
        if retry and item.status != ReturnStatus.REFUND_FAILED:
            raise InvalidReturnMove(item.status, "a refund retry")
        if not retry and item.status == ReturnStatus.REFUND_FAILED:
            raise InvalidReturnMove(item.status, target)
        rules.transition(item.status, target, Mover.ADMIN)
        wait = "refundRetry" if retry else _ENDS_WAIT[target]
        token = item.wait_token if item.wait_step == wait else None
        if _write_admin_move(item, target, token, note, retry):
            if token is not None:
                workflow.resume(token)
            return _started(item)
    raise Conflict(f"Return {return_id} kept changing; try again", Reason.CONCURRENT_UPDATE)


def _write_admin_move(
    item: Return, target: ReturnStatus, token: str | None, note: str | None, retry: bool
) -> bool:
    """The move, conditional on the status and on the token read (a new token: read again)."""
    stamp = clock.iso(clock.now())
    token_as_read = (
        Return.wait_token.does_not_exist() if token is None else Return.wait_token == token
    )
    if target in rules.RELEASES_CLAIM:
        change = door.Move(target.value, stamp, note, condition=token_as_read)
        return door.move_releasing_claims(item, change)
    extra = [Return.refund_round.add(1)] if retry else []
    return door.move(item, door.Move(target.value, stamp, note, extra, token_as_read))


def list_mine(caller: Caller, limit: int, cursor: str | None) -> Page[Return]:
    """One page of the caller's returns, newest first."""
    return door.page_of_user(caller.user_id, limit, cursor)


def list_by_status(caller: Caller, status: str, limit: int, cursor: str | None) -> Page[Return]:
    """One page of all returns in a status, newest first (the admin's queue)."""
    return door.page_in_status(status, f"admin-returns:{status}:{caller.user_id}", limit, cursor)
