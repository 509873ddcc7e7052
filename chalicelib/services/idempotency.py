"""Idempotency-Key with Stripe-like semantics, kept 24 hours.

The same key and body replay the first answer; a different body is refused; a key whose first
request is still running is a conflict; a first request that failed before placing anything frees
the key. Each claim carries a nonce that the caller uses as the id of what it creates, so a retry
after a crash between the write and `complete()` finds the first write instead of making a second.
Powertools' idempotency utility was weighed: it keys on the whole event and has no notion of
"replay the HTTP status", and it would add its import to every cold start.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from chalicelib.domain.errors import IdempotencyInFlight, IdempotencyMismatch, InvalidInput
from chalicelib.storage.models import IdempotencyRecord, condition_failed

KEEP_FOR = timedelta(hours=24)
# Longer than the Lambda timeout: past it, the first request's process is surely gone.
LOCK_SECONDS = 30
IN_PROGRESS = "IN_PROGRESS"
COMPLETED = "COMPLETED"
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Claim:
    """The right to run the request for this key; `nonce` is stable across retries."""

    key: str
    nonce: str
    request_hash: str
    resumed: bool = False


@dataclass(frozen=True)
class Replay:
    """The stored first answer to this key."""

    status_code: int
    body: Any


def check_key(key: str | None) -> str | None:
    """An Idempotency-Key header value, if valid (1-255 printable characters)."""
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput(f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} printable characters")
    return key


def request_hash(method: str, path: str, body: Any) -> str:
    """A fingerprint of a request: same method, path and JSON body give the same hash."""
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def begin(scope: str, key: str, fingerprint: str) -> Claim | Replay:
    """Claim a key for a new request, or answer the stored reply; raise if it cannot run now."""
    record_key = f"{scope}#{key}"
    now = int(time.time())
    nonce = uuid.uuid4().hex
    record = IdempotencyRecord(
        record_key,
        request_hash=fingerprint,
        state=IN_PROGRESS,
        locked_until=now + LOCK_SECONDS,
        expires_at=KEEP_FOR,
        response=json.dumps({"nonce": nonce}),
    )
    try:
        record.save(
            condition=IdempotencyRecord.key.does_not_exist()
            | (IdempotencyRecord.expires_at < datetime.fromtimestamp(now, UTC))
        )
        return Claim(record_key, nonce, fingerprint)
    except PutError as exc:
        if not condition_failed(exc):
            raise
    return _existing(record_key, fingerprint, now, nonce)


def _existing(record_key: str, fingerprint: str, now: int, nonce: str) -> Claim | Replay:
    try:
        record = IdempotencyRecord.get(record_key, consistent_read=True)
    except DoesNotExist:
        raise IdempotencyInFlight("This Idempotency-Key was just released; retry") from None
    if record.request_hash != fingerprint:
        raise IdempotencyMismatch("This Idempotency-Key was used with a different request body")
    stored = json.loads(record.response or "{}")
    if record.state == IN_PROGRESS and stored.get("nonce") == nonce:
        # Our own put, applied but its answer lost and retried by the client library: ours.
        return Claim(record_key, nonce, fingerprint)
    if record.state == COMPLETED:
        return Replay(int(record.status_code or 200), stored.get("body"))
    if int(record.locked_until) > now:
        raise IdempotencyInFlight("A request with this Idempotency-Key is still in progress")
    return _take_over(record, stored["nonce"], now)


def _take_over(record: IdempotencyRecord, nonce: str, now: int) -> Claim:
    # The first request died mid-way; resume it with the same nonce, so anything it wrote is found.
    try:
        record.update(
            actions=[IdempotencyRecord.locked_until.set(now + LOCK_SECONDS)],
            condition=(IdempotencyRecord.state == IN_PROGRESS)
            & (IdempotencyRecord.locked_until == record.locked_until),
        )
    except UpdateError as exc:
        if condition_failed(exc):
            raise IdempotencyInFlight("Another retry took this Idempotency-Key over") from None
        raise
    return Claim(record.key, nonce, record.request_hash, resumed=True)


def complete(claim: Claim, status_code: int, body: Any) -> None:
    """Store the answer, so retries with this key replay it for 24 hours."""
    try:
        IdempotencyRecord(claim.key).update(
            actions=[
                IdempotencyRecord.state.set(COMPLETED),
                IdempotencyRecord.status_code.set(status_code),
                IdempotencyRecord.response.set(json.dumps({"nonce": claim.nonce, "body": body})),
            ],
            condition=IdempotencyRecord.state == IN_PROGRESS,
        )
    except UpdateError as exc:
        if not (condition_failed(exc) and _completed_by(claim)):
            raise


def _completed_by(claim: Claim) -> bool:
    # A slow answer makes botocore retry the update after DynamoDB applied it: the retry then
    # finds the record COMPLETED, by us (same nonce), and that is success, not a failure.
    try:
        record = IdempotencyRecord.get(claim.key, consistent_read=True)
    except DoesNotExist:
        return False
    stored = json.loads(record.response or "{}")
    return record.state == COMPLETED and stored.get("nonce") == claim.nonce


def release(claim: Claim) -> None:
    """Free the key after a failure that wrote nothing, so the client may retry."""
    IdempotencyRecord(claim.key).delete(condition=IdempotencyRecord.state == IN_PROGRESS)


def unlock(claim: Claim) -> None:
    """Let a retry resume this claim (same nonce) at once, after a failure of unknown outcome."""
    try:
        IdempotencyRecord(claim.key).update(
            actions=[IdempotencyRecord.locked_until.set(0)],
            condition=IdempotencyRecord.state == IN_PROGRESS,
        )
    except Exception:
        # Unlocking is a courtesy: if it fails too, the lock expires after LOCK_SECONDS.
        return
