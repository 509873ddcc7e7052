"""Keep the long-running emulator's memory bounded and its transactions cheap.

moto is written for tests that last seconds; the local stack runs it for days. Measured in a soak
(BENCHMARKS.md), moto 5.2.5 kept about 5 MB per order, for four reasons, each fixed here:

1. `BaseModel.__new__` appends every model instance it ever creates (each DynamoDB item, each stream
   record, each table copy) to a class-level list, `instances_tracked`, which only moto's
   `/moto-api/reset` reads. Nothing is ever freed. The devstack never resets: instances are not
   tracked.
2. `TransactWriteItems` deep-copies every table it touches before it starts, to put the copy back if
   the transaction is cancelled: a checkout copied the whole orders table, its stream records
   included, so its time grew with the store (and every copy was kept, see 1). Here the tables are
   not copied; the items the transaction names are, and a cancelled transaction puts just those
   back. (devstack/moto_fixes.py keeps the stream as a cancelled transaction leaves it on AWS.)
3. A table's stream keeps every record forever (AWS keeps 24 hours). Here, once a reader asks for
   records at a position, the records before it are dropped: the local stack has one reader per
   stream (the pump), which only moves on after a batch succeeded, so a pump that restarts at
   TRIM_HORIZON resumes exactly where the last one stopped.
4. Every GetRecords answer creates a shard iterator that DynamoDB Streams' backend keeps forever,
   and SNS keeps every message a topic published. Both are capped to their most recent entries.
"""

from __future__ import annotations

import contextvars
import copy
import functools
from typing import Any

KEPT_ITERATORS = 1000
KEPT_NOTIFICATIONS = 100

_applied = False
_in_transaction: contextvars.ContextVar[bool] = contextvars.ContextVar("transaction", default=False)


class _CopyWithoutTables:
    """`copy` for moto's DynamoDB module: in a transaction, a table's 'copy' is the table itself."""

    def __init__(self) -> None:
        from moto.dynamodb.models.table import Table

        self._table = Table

    def deepcopy(self, obj: Any, memo: dict[int, Any] | None = None) -> Any:
        """The object itself for a table in a transaction (undone item by item); else a copy."""
        if _in_transaction.get() and isinstance(obj, self._table):
            return obj
        return copy.deepcopy(obj, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def _key_of(backend: Any, op_type: str, op: dict[str, Any]) -> dict[str, Any] | None:
    table = backend.tables.get(op.get("TableName"))
    if table is None:
        return None
    if op_type != "Put":
        return dict(op.get("Key", {}))
    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = op["Item"][table.range_key_attr]
    return key


def _undo_log(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[Any, Any, Any]]:
    """(table, key, copy of the item before) for every item a transaction names."""
    log = []
    for entry in transact_items:
        for op_type, op in entry.items():
            key = _key_of(backend, op_type, op)
            if key is None or op_type == "ConditionCheck":
                continue
            table = backend.tables[op["TableName"]]
            try:
                before = backend.get_item(op["TableName"], key)
            except Exception:  # noqa: S112 - an invalid key: the transaction fails before writing
                continue
            log.append((table, key, copy.deepcopy(before)))
    return log


def _undo(log: list[tuple[Any, Any, Any]]) -> None:
    """Put every logged item back as it was (stream records this appends are dropped after)."""
    for table, key, before in reversed(log):
        if before is None:
            from moto.dynamodb.models.dynamo_type import DynamoType

            range_key = table.range_key_attr
            with_range = DynamoType(key[range_key]) if range_key else None
            table.delete_item(DynamoType(key[table.hash_key_attr]), with_range)
        else:
            table.put_item(before.to_json()["Attributes"])


def apply() -> None:
    """Patch moto (once per process) as the module docstring says; for the devstack's moto only.

    Call it before devstack.moto_fixes.apply(), whose stream repair must run after the undo here.
    """
    global _applied
    if _applied:
        return
    from moto.core.common_models import BaseModel
    from moto.dynamodb import models as dynamodb_models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodbstreams.models import ShardIterator
    from moto.sns.models import Topic

    def untracked_new(cls: type, *args: Any, **kwargs: Any) -> Any:
        return object.__new__(cls)

    BaseModel.__new__ = untracked_new  # type: ignore[method-assign]

    dynamodb_models.copy = _CopyWithoutTables()  # type: ignore[assignment]
    transact = DynamoDBBackend.transact_write_items

    @functools.wraps(transact)
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        log = _undo_log(self, transact_items)
        token = _in_transaction.set(True)
        try:
            transact(self, transact_items)
        except Exception:
            _in_transaction.reset(token)
            _undo(log)
            raise
        _in_transaction.reset(token)

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]

    get = ShardIterator.get

    @functools.wraps(get)
    def get_and_trim(self: Any, limit: int = 1000) -> dict[str, Any]:
        shard = self.stream_shard
        consumed = min(int(self.sequence_number), shard.starting_sequence_number + len(shard.items))
        dropped = consumed - shard.starting_sequence_number
        if dropped > 0:
            del shard.items[:dropped]
            shard.starting_sequence_number = consumed
        if self.sequence_number < shard.starting_sequence_number:
            self.sequence_number = shard.starting_sequence_number
        answer: dict[str, Any] = get(self, limit)
        iterators = self.streams_backend.shard_iterators
        for stale in list(iterators)[: max(0, len(iterators) - KEPT_ITERATORS)]:
            del iterators[stale]
        return answer

    ShardIterator.get = get_and_trim  # type: ignore[method-assign]

    publish = Topic.publish

    @functools.wraps(publish)
    def publish_and_forget(self: Any, *args: Any, **kwargs: Any) -> str:
        message_id: str = publish(self, *args, **kwargs)
        del self.sent_notifications[:-KEPT_NOTIFICATIONS]
        return message_id

    Topic.publish = publish_and_forget  # type: ignore[method-assign]
    _applied = True
