"""Make moto's DynamoDB behave as DynamoDB does where the shop depends on it.

A TransactWriteItems that fails is rolled back by moto by putting back a deep copy of each table
taken before the transaction. That copy carries a copy of the table's stream shard, so:
- records the failed transaction appended stay in the *old* shard, and a reader holding a shard
  iterator (the event pump, Lambda's role locally) receives them: an `OrderPlaced` for an order that
  was never committed;
- every later record goes to the *new* shard, which that reader never sees: the pipeline stalls.
DynamoDB emits nothing for a cancelled transaction and its stream never forks. `apply()` keeps the
original shard on the restored table and drops what the cancelled transaction appended.

SQS hands a message to one receiver until its visibility timeout passes. moto's ReceiveMessage
checks that a message is visible and marks it received in two steps, with nothing between two
concurrent receives of one queue: both can take the same message (in a soak, one message in about
4,500 came twice without any failure). `apply()` runs the receives of one queue one at a time.

A Cognito app client without `ReadAttributes` may read every attribute, so Cognito's ID tokens
carry `email_verified`, `name` and the rest; moto's carry none of them (it reads only the
attributes a client lists). `apply()` lets such a client read the standard attributes, as Cognito
does: the shop mails only addresses whose token says `email_verified`.
"""

from __future__ import annotations

import functools
import threading
from collections import defaultdict
from typing import Any

from moto.cognitoidp.models import CognitoIdpUserPoolClient
from moto.dynamodb.models import DynamoDBBackend
from moto.sqs.models import SQSBackend

from devstack import moto_lake

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
    _one_receiver_at_a_time()
    _clients_read_every_attribute()
    moto_lake.apply()  # SNS delivers to Firehose, which partitions as AWS does
    _applied = True


def _one_receiver_at_a_time() -> None:
    receive = SQSBackend.receive_message
    locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)

    @functools.wraps(receive)
    def receive_message(self: Any, queue_name: str, *args: Any, **kwargs: Any) -> Any:
        with locks[queue_name]:
            return receive(self, queue_name, *args, **kwargs)

    SQSBackend.receive_message = receive_message  # type: ignore[method-assign]


# Cognito's standard attributes (the OpenID Connect claims it keeps for a user).
STANDARD_ATTRIBUTES = (
    "address", "birthdate", "email", "email_verified", "family_name", "gender", "given_name",
    "locale", "middle_name", "name", "nickname", "phone_number", "phone_number_verified",
    "picture", "preferred_username", "profile", "updated_at", "website", "zoneinfo",
)  # fmt: skip


def _clients_read_every_attribute() -> None:
    original = CognitoIdpUserPoolClient.get_readable_fields

    @functools.wraps(original)
    def get_readable_fields(self: Any) -> list[str]:
        listed: list[str] = original(self)
        return listed if "ReadAttributes" in self.extended_config else list(STANDARD_ATTRIBUTES)

    CognitoIdpUserPoolClient.get_readable_fields = get_readable_fields  # type: ignore[method-assign]
