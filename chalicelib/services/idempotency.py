"""Idempotency-Key with Stripe-like semantics, kept 24 hours.

The same key and body replay the first answer; a different body is refused; a key whose first
request is still running is a conflict; a first request that failed before placing anything frees
the key. Each claim carries a nonce that the caller uses as the id of what it creates, so a retry
after a crash between the write and `complete()` finds the first write instead of making a second.
Powertools' idempotency utility was weighed: it keys on the whole event and has no notion of
"replay the HTTP status", and it would add its import to every cold start.

What a key answers is the caller's business: checkout stores the order it placed, and the edge
renders it the same way the first time and on every replay.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from chalicelib import clock
from chalicelib.domain.errors import IdempotencyInFlight, IdempotencyMismatch
from chalicelib.storage import idempotency as records

# Longer than the Lambda timeout: past it, the first request's process is surely gone.
LOCK_SECONDS = 30


@dataclass(frozen=True)
class Key:
    """An Idempotency-Key, and the fingerprint of the request that came with it."""

    value: str
    fingerprint: str


@dataclass(frozen=True)
class Claim:
    """The right to run the request for this key; `nonce` is stable across retries."""

    key: str
    nonce: str
    request_hash: str
    resumed: bool = False


@dataclass(frozen=True)
class Replay:
    """What the first request with this key stored as its answer (None: a record of an older
    version, which stored no result; its `nonce` still names what the first request created)."""

    result: Any
    nonce: str


def fingerprint(*parts: Any) -> str:
    """A hash of a request's parts (JSON values): the same parts give the same hash."""
    canonical = json.dumps(list(parts), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def begin(scope: str, key: Key) -> Claim | Replay:
    """Claim a key for a new request, or answer the stored reply; raise if it cannot run now."""
    record_key = f"{scope}#{key.value}"
    now = int(clock.now().timestamp())
    nonce = uuid.uuid4().hex
    if records.claim(record_key, key.fingerprint, nonce, now, now + LOCK_SECONDS):
        return Claim(record_key, nonce, key.fingerprint)
    return _existing(record_key, key.fingerprint, now, nonce)


def _existing(record_key: str, request_hash: str, now: int, nonce: str) -> Claim | Replay:
    record = records.get(record_key)
    if record is None:
        raise IdempotencyInFlight("This Idempotency-Key was just released; retry")
    if record.request_hash != request_hash:
        raise IdempotencyMismatch("This Idempotency-Key was used with a different request body")
    if not record.completed and record.data.get("nonce") == nonce:
        # Our own put, applied but its answer lost and retried by the client library: ours.
        return Claim(record_key, nonce, request_hash)
    if record.completed:
        return Replay(record.data.get("result"), record.data["nonce"])
    if record.locked_until > now:
        raise IdempotencyInFlight("A request with this Idempotency-Key is still in progress")
    # The first request died mid-way; resume it with the same nonce, so anything it wrote is found.
    if not records.relock(record, now + LOCK_SECONDS):
        raise IdempotencyInFlight("Another retry took this Idempotency-Key over")
    return Claim(record.key, record.data["nonce"], record.request_hash, resumed=True)


def complete(claim: Claim, result: Any) -> None:
    """Store the answer (any JSON value), so retries with this key replay it for 24 hours."""
    records.complete(claim.key, {"nonce": claim.nonce, "result": result})


def release(claim: Claim) -> None:
    """Free the key after a failure that wrote nothing, so the client may retry."""
    records.release(claim.key)


def unlock(claim: Claim) -> None:
    """Let a retry resume this claim (same nonce) at once, after a failure of unknown outcome."""
    try:
        records.unlock(claim.key)
    except Exception:
        # Unlocking is a courtesy: if it fails too, the lock expires after LOCK_SECONDS.
        return
