"""Lambda's event source mappings, played by threads: SQS pollers and DynamoDB stream readers.

SQS: receive up to the batch size, invoke, delete the whole batch on success; on an exception (or a
run past the function's timeout) leave it, so it comes back after the visibility timeout and the
queue's redrive policy moves it to the dead-letter queue after maxReceiveCount receives. With
`retry_after`, a failed batch comes back after that many seconds instead (ChangeMessageVisibility):
the queue keeps AWS's long visibility, so a slow handler is never raced by a second delivery, and a
failure is still retried quickly.
DynamoDB Streams: read each shard in order and retry a failed batch until it succeeds, blocking the
shard behind it, as a mapping without MaximumRetryAttempts does; or, given a failure policy (bisect,
bounded retries, an on-failure queue: devstack/stream_failures.py), as a mapping with them does.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from devstack import stream_failures
from devstack.lambda_events import LambdaContext, dynamodb_record, sqs_record

log = logging.getLogger("devstack.pump")
Handler = Callable[[dict[str, Any], Any], Any]
STREAM_POLL_SECONDS = 0.25  # Lambda polls a shard four times a second
SQS_WAIT_SECONDS = 1
MAX_RETRY_DELAY = 8.0


@dataclass(frozen=True)
class Function:
    """The Lambda function a mapping invokes: its handler and its limits."""

    name: str
    handler: Handler
    timeout: float
    memory: int
    region: str
    account: str

    def invoke(self, event: dict[str, Any], source: str, note: str = "") -> bool:
        """Call the handler as Lambda would; log one line; answer whether it succeeded."""
        context = LambdaContext(self.name, self.timeout, self.memory, self.region, self.account)
        started = time.monotonic()
        failure = None
        try:
            self.handler(event, context)
        except Exception as exc:
            failure = exc
        ms = (time.monotonic() - started) * 1000
        if failure is None and ms > self.timeout * 1000:
            outcome = f"timeout (over {self.timeout:g} s: Lambda would have stopped it)"
        elif failure is not None:
            outcome = f"error {type(failure).__name__}: {failure}"
        else:
            outcome = "ok"
        log.info(
            "handler=%s source=%s count=%d%s outcome=%s ms=%.0f",
            self.name,
            source,
            len(event.get("Records", [event])),
            note,
            outcome,
            ms,
        )
        if failure is not None:
            trace = "".join(traceback.format_exception(failure)).rstrip()
            log.warning("%s", trace)
        return outcome == "ok"


class Mapping(threading.Thread):
    """A polling thread that stops when asked."""

    def __init__(self, function: Function, source: str):
        super().__init__(name=f"pump-{function.name}", daemon=True)
        self.function = function
        self.source = source
        self.stopping = threading.Event()

    def stop(self) -> None:
        """Ask the thread to finish after its current poll or invocation."""
        self.stopping.set()

    def run(self) -> None:
        """Poll until stopped; a failing poll (moto restarting, say) is logged and retried."""
        while not self.stopping.is_set():
            try:
                self.poll()
            except Exception as exc:
                log.warning("source=%s poll failed: %s", self.source, exc)
                self.stopping.wait(1.0)

    def poll(self) -> None:
        """One round of reading and delivering."""
        raise NotImplementedError


@dataclass(frozen=True)
class Queue:
    """An SQS queue as a mapping reads it: a client, the queue's URL and its ARN."""

    client: Any
    url: str
    arn: str


@dataclass(frozen=True)
class Stream:
    """A DynamoDB stream as a mapping reads it: a Streams client and the stream's ARN."""

    client: Any
    arn: str


class SqsMapping(Mapping):
    """An SQS event source mapping."""

    def __init__(
        self, function: Function, queue: Queue, batch_size: int, retry_after: int | None = None
    ):
        super().__init__(function, f"sqs:{queue.arn.rsplit(':', 1)[-1]}")
        self.sqs = queue.client
        self.queue_url = queue.url
        self.queue_arn = queue.arn
        self.batch_size = max(1, min(batch_size, 10))  # one ReceiveMessage answers 10 at most
        self.retry_after = retry_after

    def poll(self) -> None:
        """Receive one batch, invoke, delete it if the handler succeeded."""
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=SQS_WAIT_SECONDS,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return
        region = self.function.region
        event = {"Records": [sqs_record(m, self.queue_arn, region) for m in messages]}
        entries: list[dict[str, Any]] = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
        ]
        again = sum(
            int(m.get("Attributes", {}).get("ApproximateReceiveCount", 1)) > 1 for m in messages
        )
        note = f" redelivered={again}" if again else ""
        if self.function.invoke(event, self.source, note):
            failed = self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
            for entry in failed.get("Failed", []):
                log.warning("source=%s delete failed: %s", self.source, entry)
        elif self.retry_after is not None:
            for entry in entries:
                entry["VisibilityTimeout"] = self.retry_after
            self.sqs.change_message_visibility_batch(QueueUrl=self.queue_url, Entries=entries)


class StreamMapping(Mapping):
    """A DynamoDB Streams event source mapping over every shard of one stream."""

    def __init__(
        self,
        function: Function,
        stream: Stream,
        batch_size: int,
        starting_position: str,
        failures: tuple[Any, stream_failures.StreamFailurePolicy] | None = None,
    ):
        table = stream.arn.split(":table/", 1)[1].split("/", 1)[0]
        self.failures = failures  # (an SQS client, the policy), or retry forever
        super().__init__(function, f"dynamodb:{table}")
        self.streams = stream.client
        self.stream_arn = stream.arn
        self.batch_size = max(1, min(batch_size, 1000))
        self.iterators: dict[str, str] = {}
        self.finished: set[str] = set()
        self.open_shards(starting_position)

    def open_shards(self, position: str) -> None:
        """Take an iterator at `position` on every shard not yet read."""
        description = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        for shard in description["Shards"]:
            shard_id = shard["ShardId"]
            if shard_id in self.iterators or shard_id in self.finished:
                continue
            self.iterators[shard_id] = self.streams.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType=position
            )["ShardIterator"]

    def poll(self) -> None:
        """Read each shard once, delivering its records in order."""
        delivered = False
        for shard_id, iterator in list(self.iterators.items()):
            answer = self.streams.get_records(ShardIterator=iterator, Limit=self.batch_size)
            records = answer.get("Records", [])
            if records:
                self.deliver(records, shard_id)
                delivered = True
            if answer.get("NextShardIterator"):
                self.iterators[shard_id] = answer["NextShardIterator"]
            else:  # the shard closed; its children start at their beginning
                del self.iterators[shard_id]
                self.finished.add(shard_id)
                self.open_shards("TRIM_HORIZON")
        if not delivered:
            self.stopping.wait(STREAM_POLL_SECONDS)

    def deliver(self, records: list[dict[str, Any]], shard_id: str = "") -> None:
        """Invoke until the batch succeeds (or the pump stops), backing off between tries."""
        if self.failures is not None:
            self._deliver_with_policy(records, shard_id, *self.failures)
            return
        event = {"Records": [dynamodb_record(r, self.stream_arn) for r in records]}
        delay = 0.5
        while not self.function.invoke(event, self.source):
            if self.stopping.wait(delay):
                return
            delay = min(delay * 2, MAX_RETRY_DELAY)

    def _deliver_with_policy(
        self,
        records: list[dict[str, Any]],
        shard_id: str,
        sqs: Any,
        policy: stream_failures.StreamFailurePolicy,
    ) -> None:
        def invoke(batch: list[dict[str, Any]]) -> bool:
            event = {"Records": [dynamodb_record(r, self.stream_arn) for r in batch]}
            return self.function.invoke(event, self.source)

        def give_up(batch: list[dict[str, Any]], tries: int) -> None:
            arn = f"arn:aws:lambda:{self.function.region}:{self.function.account}:function:"
            record = stream_failures.failure_record(
                batch, self.stream_arn, shard_id, arn + self.function.name, tries
            )
            stream_failures.send_failure(sqs, policy, record)

        stream_failures.deliver(records, invoke, policy, give_up, self.stopping.wait)


class ScheduleMapping(Mapping):
    """An EventBridge schedule: invoke the handler with a Scheduled Event every `interval` s."""

    def __init__(self, function: Function, interval: float):
        super().__init__(function, f"schedule:every {interval:g}s")
        self.interval = interval

    def poll(self) -> None:
        """Wait one interval, then invoke once (a failure is logged; the next tick retries)."""
        if self.stopping.wait(self.interval):
            return
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": self.function.account,
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "region": self.function.region,
            "resources": [],
            "detail": {},
        }
        self.function.invoke(event, self.source)
