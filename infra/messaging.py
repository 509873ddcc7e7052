"""The order events: one SNS topic fanned out to one SQS queue per consumer.

Each consumer queue gets a dead-letter queue (after 5 receives), a subscription that delivers the
raw message filtered on the `type` message attribute, a policy that lets only the topic send to it
and an alarm that fires as soon as its dead-letter queue holds a message.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.order_rules import EVENT_TYPES, Event
from infra.cfn import (
    NO_VALUE,
    Json,
    deleted_with_stack,
    get_att,
    if_,
    logical_id,
    ref,
    stage_name,
)

MAX_RECEIVE_COUNT = 5
DLQ_RETENTION_SECONDS = 14 * 24 * 3600
QUEUE_RETENTION_SECONDS = 4 * 24 * 3600
TOPIC = "EventsTopic"


@dataclass(frozen=True)
class Consumer:
    """A queue of the shop's and the event types it receives."""

    name: str
    event_types: tuple[str, ...]

    @property
    def queue(self) -> str:
        """The logical id of the consumer's queue."""
        return logical_id(self.name, "Queue")

    @property
    def dead_letter_queue(self) -> str:
        """The logical id of the consumer's dead-letter queue."""
        return logical_id(self.name, "DeadLetterQueue")


CONSUMERS: tuple[Consumer, ...] = (
    # Charges on OrderPlaced, refunds a captured payment on OrderCancelled.
    Consumer("payments", (Event.ORDER_PLACED, Event.ORDER_CANCELLED)),
    Consumer("fulfillment", (Event.ORDER_CONFIRMED,)),
    # Every event the order state machine announces: each is news to the shopper.
    Consumer("notifications", tuple(EVENT_TYPES.values())),
    # The sales aggregates: every capture and every refund, whatever caused it.
    Consumer("reports", ("PaymentCaptured", "PaymentRefunded")),
)


def _topic() -> Json:
    return {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": stage_name("events")}}


def _dead_letter_queue(consumer: Consumer) -> Json:
    return {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "QueueName": stage_name(f"{consumer.name}-dlq"),
            "MessageRetentionPeriod": DLQ_RETENTION_SECONDS,
            "SqsManagedSseEnabled": True,
        },
    }


def _queue(consumer: Consumer) -> Json:
    return {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "QueueName": stage_name(consumer.name),
            "VisibilityTimeout": ref("QueueVisibilityTimeout"),
            "MessageRetentionPeriod": QUEUE_RETENTION_SECONDS,
            "SqsManagedSseEnabled": True,
            "RedrivePolicy": {
                "deadLetterTargetArn": get_att(consumer.dead_letter_queue, "Arn"),
                "maxReceiveCount": MAX_RECEIVE_COUNT,
            },
        },
    }


def _queue_policy(consumer: Consumer) -> Json:
    statement = {
        "Sid": "OnlyTheEventsTopicSends",
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": get_att(consumer.queue, "Arn"),
        "Condition": {"ArnEquals": {"aws:SourceArn": ref(TOPIC)}},
    }
    return {
        "Type": "AWS::SQS::QueuePolicy",
        "Properties": {
            "Queues": [ref(consumer.queue)],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]},
        },
    }


def _subscription(consumer: Consumer) -> Json:
    return {
        "Type": "AWS::SNS::Subscription",
        # The queue must accept the topic's messages before the first one is published.
        "DependsOn": logical_id(consumer.name, "QueuePolicy"),
        "Properties": {
            "TopicArn": ref(TOPIC),
            "Protocol": "sqs",
            "Endpoint": get_att(consumer.queue, "Arn"),
            "RawMessageDelivery": True,
            "FilterPolicyScope": "MessageAttributes",
            "FilterPolicy": {"type": list(consumer.event_types)},
        },
    }


def alarm_actions() -> Json:
    """The alarm topic, when the stack has one; no action otherwise."""
    return if_("HasAlarmTopic", [ref("AlarmTopicArn")], NO_VALUE)


def queue_not_empty_alarm(name: str, queue: str, description: str) -> Json:
    """An alarm that fires as soon as the queue `queue` (a logical id) holds a message."""
    actions = alarm_actions()
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": stage_name(name),
            "AlarmDescription": description,
            "Namespace": "AWS/SQS",
            "MetricName": "ApproximateNumberOfMessagesVisible",
            "Dimensions": [{"Name": "QueueName", "Value": get_att(queue, "QueueName")}],
            "Statistic": "Maximum",
            "Period": 60,
            "EvaluationPeriods": 1,
            "Threshold": 0,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": actions,
            "OKActions": actions,
        },
    }


def _dead_letter_alarm(consumer: Consumer) -> Json:
    return queue_not_empty_alarm(
        f"{consumer.name}-dlq-not-empty",
        consumer.dead_letter_queue,
        f"A {consumer.name} message failed {MAX_RECEIVE_COUNT} times.",
    )


def resources() -> Json:
    """The topic and, per consumer, its queues, policy, subscription and alarm."""
    out: Json = {TOPIC: _topic()}
    for consumer in CONSUMERS:
        out[consumer.dead_letter_queue] = deleted_with_stack(_dead_letter_queue(consumer))
        out[consumer.queue] = deleted_with_stack(_queue(consumer))
        out[logical_id(consumer.name, "QueuePolicy")] = _queue_policy(consumer)
        out[logical_id(consumer.name, "Subscription")] = _subscription(consumer)
        out[logical_id(consumer.name, "DeadLetterAlarm")] = _dead_letter_alarm(consumer)
    return out


def outputs() -> Json:
    """EVENTS_TOPIC_ARN and each queue's and dead-letter queue's URL and ARN."""
    out: Json = {
        "EventsTopicArn": {
            "Description": "EVENTS_TOPIC_ARN: where the order events are published",
            "Value": ref(TOPIC),
        }
    }
    for consumer in CONSUMERS:
        for resource, suffix, label in (
            (consumer.queue, "Queue", "queue"),
            (consumer.dead_letter_queue, "Dlq", "dead-letter queue"),
        ):
            prefix = logical_id(consumer.name, suffix)
            env = f"{consumer.name.upper()}_{suffix.upper()}"
            out[f"{prefix}Url"] = {
                "Description": f"{env}_URL: the {consumer.name} {label}'s URL",
                "Value": ref(resource),
            }
            out[f"{prefix}Arn"] = {
                "Description": f"{env}_ARN: the {consumer.name} {label}'s ARN",
                "Value": get_att(resource, "Arn"),
            }
    return out
