"""Run the async pipeline in-process, deterministically: stream -> SNS -> SQS -> handlers.

It plays Lambda's event source mappings step by step against moto, with the same event shapes as
the local stack's pump (devstack.lambda_events), so tests can assert after each hop.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError

from devstack.lambda_events import sqs_record
from harness.streams import StreamFeed

REGION = "us-east-1"
HANDLERS = {
    "payments": "take_payments",
    "fulfillment": "ship_orders",
    "notifications": "notify_shoppers",
    "reports": "count_sales",
}


@dataclass
class Pipeline:
    """The async side of the shop, driven by hand."""

    client: Any
    orders_table: str
    queue_urls: dict[str, str]
    failures: list[str] = field(default_factory=list)
    _feeds: dict[tuple[str, str], StreamFeed] = field(default_factory=dict)

    def publish_changes(
        self, table: str | None = None, function: str = "publish_order_events"
    ) -> int:
        """Deliver new stream records (the orders', or `table`'s) to their publisher; how many."""
        key = (table or self.orders_table, function)
        if key not in self._feeds:
            self._feeds[key] = StreamFeed(self.client, key[0], function)
        return self._feeds[key].deliver()

    def receive(self, queue: str, limit: int = 10) -> list[dict[str, Any]]:
        """Messages waiting in a queue, as Lambda would receive them."""
        answer = boto3.client("sqs").receive_message(
            QueueUrl=self.queue_urls[queue],
            MaxNumberOfMessages=limit,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = answer.get("Messages", [])
        return messages

    def deliver(self, queue: str, messages: list[dict[str, Any]]) -> bool:
        """Invoke the queue's handler with these messages; delete them all if it succeeds."""
        sqs = boto3.client("sqs")
        arn = sqs.get_queue_attributes(QueueUrl=self.queue_urls[queue], AttributeNames=["QueueArn"])
        event = {
            "Records": [sqs_record(m, arn["Attributes"]["QueueArn"], REGION) for m in messages]
        }
        try:
            self.client.lambda_.invoke(HANDLERS[queue], event)
        except Exception as exc:
            self.failures.append(f"{queue}: {exc}")
            # Lambda leaves the batch alone; make what is left visible again at once (the
            # visibility timeout passing), so a test does not have to wait for it.
            for message in messages:
                with contextlib.suppress(ClientError):  # the handler deleted the ones that passed
                    sqs.change_message_visibility(
                        QueueUrl=self.queue_urls[queue],
                        ReceiptHandle=message["ReceiptHandle"],
                        VisibilityTimeout=0,
                    )
            return False
        for message in messages:
            sqs.delete_message(
                QueueUrl=self.queue_urls[queue], ReceiptHandle=message["ReceiptHandle"]
            )
        return True

    def drain(self, queue: str) -> int:
        """Deliver one batch from a queue; answer how many messages it held."""
        messages = self.receive(queue)
        if messages:
            self.deliver(queue, messages)
        return len(messages)

    def run(self, rounds: int = 10, hold: tuple[str, ...] = ()) -> None:
        """Move everything through the pipeline until nothing is left to do, but `hold` queues."""
        for _ in range(rounds):
            moved = self.publish_changes()
            moved += sum(self.drain(queue) for queue in HANDLERS if queue not in hold)
            if not moved:
                return

    def dead_letters(self, queue: str) -> list[dict[str, Any]]:
        """Messages in a queue's DLQ."""
        answer = boto3.client("sqs").receive_message(
            QueueUrl=self.queue_urls[f"{queue}-dlq"], MaxNumberOfMessages=10
        )
        messages: list[dict[str, Any]] = answer.get("Messages", [])
        return messages
