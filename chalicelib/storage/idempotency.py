"""The idempotency table's door: claims on a key, taken over, completed, released, unlocked."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from chalicelib.storage.models import IdempotencyRecord, condition_failed

KEEP_FOR = timedelta(hours=24)
IN_PROGRESS = "IN_PROGRESS"
COMPLETED = "COMPLETED"


@dataclass(frozen=True)
class Record:
    """What is stored for a key: the request's hash, its state, its lock, and its data."""

    key: str
    request_hash: str
    completed: bool
    locked_until: int
    data: dict[str, Any]


def claim(key: str, request_hash: str, nonce: str, now: int, locked_until: int) -> bool:
    """Store a new IN_PROGRESS claim unless a live record has the key; False if one has."""
    record = IdempotencyRecord(
        key,
        request_hash=request_hash,
        state=IN_PROGRESS,
        locked_until=locked_until,
        expires_at=KEEP_FOR,
        response=json.dumps({"nonce": nonce}),
    )
    try:
        record.save(
            condition=IdempotencyRecord.key.does_not_exist()
            | (IdempotencyRecord.expires_at < datetime.fromtimestamp(now, UTC))
        )
    except PutError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def get(key: str) -> Record | None:
    """The record of a key (strongly consistent), or None."""
    try:
        record = IdempotencyRecord.get(key, consistent_read=True)
    except DoesNotExist:
        return None
    return Record(
        key=record.key,
        request_hash=record.request_hash,
        completed=record.state == COMPLETED,
        locked_until=int(record.locked_until),
        data=json.loads(record.response or "{}"),
    )


def relock(record: Record, locked_until: int) -> bool:
    """Take over an IN_PROGRESS claim whose lock is still as read; False if someone else did."""
    try:
        IdempotencyRecord(record.key).update(
            actions=[IdempotencyRecord.locked_until.set(locked_until)],
            condition=(IdempotencyRecord.state == IN_PROGRESS)
            & (IdempotencyRecord.locked_until == record.locked_until),
        )
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def complete(key: str, data: dict[str, Any]) -> None:
    """Mark a claim COMPLETED with the data that answers every retry (data carries its nonce)."""
    try:
        IdempotencyRecord(key).update(
            actions=[
                IdempotencyRecord.state.set(COMPLETED),
                IdempotencyRecord.response.set(json.dumps(data)),
            ],
            condition=IdempotencyRecord.state == IN_PROGRESS,
        )
    except UpdateError as exc:
        if not (condition_failed(exc) and _completed_with(key, data.get("nonce"))):
            raise


def _completed_with(key: str, nonce: Any) -> bool:
    # A slow answer makes botocore retry the update after DynamoDB applied it: the retry then
    # finds the record COMPLETED, by us (same nonce), and that is success, not a failure.
    record = get(key)
    return record is not None and record.completed and record.data.get("nonce") == nonce


def release(key: str) -> None:
    """Delete an IN_PROGRESS claim."""
    IdempotencyRecord(key).delete(condition=IdempotencyRecord.state == IN_PROGRESS)


def unlock(key: str) -> None:
    """Let any retry take an IN_PROGRESS claim over at once."""
    IdempotencyRecord(key).update(
        actions=[IdempotencyRecord.locked_until.set(0)],
        condition=IdempotencyRecord.state == IN_PROGRESS,
    )
