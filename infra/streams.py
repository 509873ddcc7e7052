"""The DynamoDB stream mappings' failure handling, in one place for every runner of them.

Chalice 1.34's `on_dynamodb_record` sets only the batch size, window and starting position. What a
mapping does with a batch that keeps failing is declared here and applied three ways: in the
packaged template (the SAM event's properties), by `make deploy` after `chalice deploy`
(UpdateEventSourceMapping), and by the local event pump (devstack/stream_failures.py).

Without these settings a poison record is retried until it expires from the stream (24 hours),
holding back every record behind it in its shard, and is then dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from infra.cfn import Json, deleted_with_stack, get_att, logical_id, ref, stage_name
from infra.messaging import alarm_actions, queue_not_empty_alarm


@dataclass(frozen=True)
class StreamMappingSettings:
    """How one stream handler's mapping treats a failing batch."""

    function: str  # the Chalice handler, e.g. publish_order_events
    table: str  # the streamed table's base name
    maximum_retry_attempts: int  # retries of a batch (after bisecting) before it is given up
    bisect_batch_on_function_error: bool  # split a failing batch in two and retry each half
    on_failure_queue: str  # base name of the SQS queue that gets a record of each given-up batch
    iterator_age_alarm_ms: int  # alarm when the oldest unread record is this old

    @property
    def queue_logical_id(self) -> str:
        """The on-failure queue's logical id, e.g. `OrdersStreamFailuresQueue`."""
        return logical_id(self.on_failure_queue, "Queue")

    def queue_name(self, stage: str) -> str:
        """The on-failure queue's physical name in a stage."""
        return f"shop-{stage}-{self.on_failure_queue}"

    def mapping_properties(self, destination_arn: Any) -> dict[str, Any]:
        """The properties, by their Lambda API and CloudFormation names (they are the same)."""
        return {
            "BisectBatchOnFunctionError": self.bisect_batch_on_function_error,
            "MaximumRetryAttempts": self.maximum_retry_attempts,
            "DestinationConfig": {"OnFailure": {"Destination": destination_arn}},
        }


ORDERS_STREAM = StreamMappingSettings(
    function="publish_order_events",
    table="orders",
    # Bisecting a batch of 100 isolates one record in 7 splits; 5 more tries ride out a blip of
    # SNS (each try is a publish per record, at-least-once and deduplicated downstream).
    maximum_retry_attempts=5,
    bisect_batch_on_function_error=True,
    on_failure_queue="orders-stream-failures",
    iterator_age_alarm_ms=60_000,
)

PRODUCTS_STREAM = StreamMappingSettings(
    function="index_products",
    table="products",
    # A batch is a rewrite of the search snapshot; a poison record is isolated by bisecting and
    # recorded, so search never stops following the catalog (docs/decisions/0101-search-engine.md).
    maximum_retry_attempts=5,
    bisect_batch_on_function_error=True,
    on_failure_queue="products-stream-failures",
    iterator_age_alarm_ms=60_000,
)

MAPPINGS: tuple[StreamMappingSettings, ...] = (ORDERS_STREAM, PRODUCTS_STREAM)


def for_function(function: str) -> StreamMappingSettings | None:
    """The settings of one stream handler, or None if it has none."""
    return next((m for m in MAPPINGS if m.function == function), None)


def _failure_queue(mapping: StreamMappingSettings) -> Json:
    return {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "QueueName": stage_name(mapping.on_failure_queue),
            # Long enough to look into; the stream itself keeps the records for 24 hours only.
            "MessageRetentionPeriod": 14 * 24 * 3600,
            "SqsManagedSseEnabled": True,
        },
    }


def _iterator_age_alarm(mapping: StreamMappingSettings) -> Json:
    actions = alarm_actions()
    seconds = mapping.iterator_age_alarm_ms // 1000
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": stage_name(f"{mapping.table}-stream-iterator-age"),
            "AlarmDescription": (
                f"The {mapping.table} stream's oldest unread record is over {seconds} s old: "
                f"{mapping.function} is failing or falling behind."
            ),
            "Namespace": "AWS/Lambda",
            "MetricName": "IteratorAge",
            "Dimensions": [{"Name": "FunctionName", "Value": stage_name(mapping.function)}],
            "Statistic": "Maximum",
            "Period": 60,
            "EvaluationPeriods": 3,
            "Threshold": mapping.iterator_age_alarm_ms,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": actions,
            "OKActions": actions,
        },
    }


def resources() -> Json:
    """Per stream mapping: its on-failure queue, an alarm on it, and an IteratorAge alarm."""
    out: Json = {}
    for mapping in MAPPINGS:
        queue = mapping.queue_logical_id
        out[queue] = deleted_with_stack(_failure_queue(mapping))
        out[logical_id(mapping.on_failure_queue, "Alarm")] = queue_not_empty_alarm(
            f"{mapping.on_failure_queue}-not-empty",
            queue,
            f"{mapping.function} gave up on a batch of the {mapping.table} stream after "
            f"{mapping.maximum_retry_attempts} retries; the queue says which records.",
        )
        out[logical_id(f"{mapping.table}-stream-iterator-age", "Alarm")] = _iterator_age_alarm(
            mapping
        )
    return out


def outputs() -> Json:
    """Each on-failure queue's URL and ARN (ORDERS_STREAM_FAILURES_QUEUE_URL, ..._ARN)."""
    out: Json = {}
    for mapping in MAPPINGS:
        queue = mapping.queue_logical_id
        out[f"{queue}Url"] = {
            "Description": f"the queue that records {mapping.function}'s given-up batches",
            "Value": ref(queue),
        }
        out[f"{queue}Arn"] = {
            "Description": f"the on-failure destination of {mapping.function}'s stream mapping",
            "Value": get_att(queue, "Arn"),
        }
    return out
