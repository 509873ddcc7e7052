"""Make moto's DynamoDB behave as DynamoDB does where the shop depends on it.

A TransactWriteItems that fails is rolled back by moto by putting back a deep copy of each table
taken before the transaction. That copy carries a copy of the table's stream shard, so:
- records the failed transaction appended stay in the *old* shard, and a reader holding a shard
  iterator (the event pump, Lambda's role locally) receives them: an `OrderPlaced` for an order that
  was never committed;
- every later record goes to the *new* shard, which that reader never sees: the pipeline stalls.
DynamoDB emits nothing for a cancelled transaction and its stream never forks. `apply()` keeps the
original shard on the restored table and drops what the cancelled transaction appended.
"""

from __future__ import annotations

import functools
from typing import Any

from moto.dynamodb.models import DynamoDBBackend

_applied = False


def apply() -> None:
    """Patch moto (once per process) so cancelled transactions leave streams untouched."""
    global _applied
    if _applied:
        return
    original = DynamoDBBackend.transact_write_items

    @functools.wraps(original)
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        shards = {
            name: (table.stream_shard, len(table.stream_shard.items))
            for name, table in self.tables.items()
            if getattr(table, "stream_shard", None) is not None
        }
        try:
            original(self, transact_items)
        except Exception:
            for name, (shard, length) in shards.items():
                table = self.tables.get(name)
                if table is not None:
                    del shard.items[length:]
                    shard.table = table
                    table.stream_shard = shard
            raise

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    _applied = True
