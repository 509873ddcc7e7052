"""The search index's snapshot in S3: read per container, rewritten by the products' stream.

Decision 0101 (docs/decisions/0101-search-engine.md): one S3 object holds the whole index. A
container keeps the index it loaded with the object's ETag and asks again, with `IfNoneMatch`, at
most every SEARCH_REFRESH_SECONDS (a 304 costs nothing to load). The stream consumer reads the
object and its ETag, applies a batch of changes and writes it back with `If-Match` (`If-None-Match:
*` for the first), starting over on 412, so two writers never lose each other's changes.
The engine is imported here, on the search path only, so no other route's cold start pays for it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.adapters import aws
from chalicelib.config import settings

if TYPE_CHECKING:
    from chalicelib.domain.search import ProductDoc, SearchIndex

ATTEMPTS = 8  # tries of a conditional write before the batch fails (and the stream retries it)
_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})
_NOT_MODIFIED = frozenset({"304", "NotModified"})
_LOST_RACE = frozenset({"PreconditionFailed", "412", "ConditionalRequestConflict", "409"})


class SnapshotContended(RuntimeError):
    """The snapshot changed under every attempt to write it; the stream retries the batch."""


@dataclass
class _Held:
    index: SearchIndex | None = None
    etag: str | None = None
    checked: float = float("-inf")


_lock = threading.Lock()
_held = _Held()


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _where() -> dict[str, str]:
    s = settings()
    return {"Bucket": s.search_bucket, "Key": s.search_key}


def current() -> SearchIndex:
    """The index as of at most SEARCH_REFRESH_SECONDS ago (an empty one before any snapshot).

    At most one S3 call per request, conditional on the ETag held, and none within the knob's
    seconds of the last one.
    """
    from chalicelib.domain import search

    with _lock:
        now = time.monotonic()
        if _held.index is not None and now - _held.checked < settings().search_refresh_seconds:
            return _held.index
        asked: dict[str, Any] = _where()
        if _held.index is not None and _held.etag is not None:
            asked["IfNoneMatch"] = _held.etag
        try:
            answer = aws.client("s3").get_object(**asked)
        except ClientError as error:
            code = _code(error)
            if code in _NOT_MODIFIED and _held.index is not None:
                _held.checked = now
                return _held.index
            if code not in _MISSING:
                raise
            _held.index, _held.etag, _held.checked = search.build([]), None, now
            return _held.index
        _held.index = search.loads(answer["Body"].read())
        _held.etag, _held.checked = answer["ETag"], now
        return _held.index


def forget() -> None:
    """Drop this container's copy of the index: the next search reads the snapshot again."""
    with _lock:
        _held.index, _held.etag, _held.checked = None, None, float("-inf")


def apply(
    changed: list[ProductDoc],
    removed: list[str],
    everything: Callable[[], Iterable[ProductDoc]],
) -> None:
    """Put `changed` and drop `removed` in the snapshot, conditionally on the version read.

    `everything()` answers every active product's document: the snapshot is built from it when
    there is none yet (a new stage, or a bucket emptied by hand).
    """
    from chalicelib.domain import search

    s3 = aws.client("s3")
    where = _where()
    for _ in range(ATTEMPTS):
        try:
            answer = s3.get_object(**where)
        except ClientError as error:
            if _code(error) not in _MISSING:
                raise
            index, condition = search.build(everything()), {"IfNoneMatch": "*"}
        else:
            index, condition = search.loads(answer["Body"].read()), {"IfMatch": answer["ETag"]}
        body = search.dumps(search.updated(index, changed, removed))
        try:
            s3.put_object(Body=body, ContentType="application/octet-stream", **where, **condition)
        except ClientError as error:
            if _code(error) in _LOST_RACE:
                continue  # another writer got there first: apply the batch to theirs
            raise
        return
    raise SnapshotContended(f"the search snapshot changed under {ATTEMPTS} writes in a row")
