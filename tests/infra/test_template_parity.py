"""The template agrees with the code: the PynamoDB models, the event contract and the settings."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pynamodb.models import Model

from chalicelib.config import settings
from chalicelib.storage.models import ALL_MODELS
from infra.messaging import CONSUMERS, MAX_RECEIVE_COUNT
from infra.streams import ORDERS_STREAM, PRODUCTS_STREAM
from infra.template import build_template, env_from_outputs, to_json
from infra.workflows import DEAD_LETTER_QUEUE as STEPS_DLQ
from infra.workflows import QUEUE as STEPS_QUEUE
from tests.infra import views

ROOT = Path(__file__).resolve().parents[2]
DEPLOYED_STAGES = ("dev", "prod")
EVENT_TYPES = {
    "OrderPlaced",
    "OrderConfirmed",
    "PaymentFailed",
    "OrderFulfilled",
    "OrderDelivered",
    "OrderCancelled",
}


def _tables() -> dict[str, dict[str, Any]]:
    """The template's tables by their name after `shop-<stage>-`."""
    tables = views.of_type("AWS::DynamoDB::Table", stage="local").values()
    return {props["TableName"].removeprefix("shop-local-"): props for props in tables}


def _base_name(model: type[Model]) -> str:
    return str(model.Meta.table_name).removeprefix(f"shop-{settings().stage}-")


def _documented_streams() -> dict[str, str]:
    """The streams docs/data-model.md promises, e.g. {"orders": "NEW_AND_OLD_IMAGES"}."""
    text = (ROOT / "docs/data-model.md").read_text()
    return dict(re.findall(r"^\| (\w+) \|.*\bstream (\w+)", text, flags=re.MULTILINE))


def _model_indexes(model: type[Model]) -> dict[str, Any]:
    return {
        index["index_name"]: (views.key_schema(index["key_schema"]), index["projection"])
        for index in model._get_schema()["global_secondary_indexes"]
    }


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda model: model.__name__)
def test_every_model_has_a_table_with_its_keys_indexes_ttl_and_stream(model: type[Model]) -> None:
    table = _tables()[_base_name(model)]
    schema = model._get_schema()
    ttl = model._ttl_attribute()
    stream = getattr(model.Meta, "stream_view_type", None) or _documented_streams().get(
        _base_name(model)
    )

    assert views.key_schema(table["KeySchema"]) == views.key_schema(schema["key_schema"])
    assert {d["AttributeName"]: d["AttributeType"] for d in table["AttributeDefinitions"]} == {
        d["AttributeName"]: d["AttributeType"] for d in schema["attribute_definitions"]
    }
    assert {
        index["IndexName"]: (views.key_schema(index["KeySchema"]), index["Projection"])
        for index in table.get("GlobalSecondaryIndexes", [])
    } == _model_indexes(model)
    assert schema["local_secondary_indexes"] == []
    assert table.get("TimeToLiveSpecification") == (
        {"AttributeName": ttl.attr_name, "Enabled": True} if ttl else None
    )
    assert table.get("StreamSpecification", {}).get("StreamViewType") == stream


def test_every_table_of_the_template_has_a_model() -> None:
    assert set(_tables()) == {_base_name(model) for model in ALL_MODELS}


def test_every_index_projects_all_attributes() -> None:
    for table in _tables().values():
        for index in table.get("GlobalSecondaryIndexes", []):
            assert index["Projection"] == {"ProjectionType": "ALL"}, index["IndexName"]


@pytest.mark.parametrize("stage", ["local", *DEPLOYED_STAGES])
def test_every_table_is_on_demand_with_point_in_time_recovery(stage: str) -> None:
    for model in ALL_MODELS:
        assert model.Meta.billing_mode == "PAY_PER_REQUEST"
    for props in views.of_type("AWS::DynamoDB::Table", stage=stage).values():
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["DeletionProtectionEnabled"] is (stage == "prod")


def _consumer_queues(stage: str = "local", **params: Any) -> dict[str, dict[str, Any]]:
    queues = views.of_type("AWS::SQS::Queue", stage=stage, **params)
    return {name: props for name, props in queues.items() if "RedrivePolicy" in props}


def test_every_queue_has_its_own_dead_letter_queue_after_5_receives() -> None:
    queues = views.of_type("AWS::SQS::Queue")
    consumers = _consumer_queues()
    # The event consumers' queues and the returns workflow's step queue.
    assert set(consumers) == {consumer.queue for consumer in CONSUMERS} | {STEPS_QUEUE}
    for name, props in consumers.items():
        target = props["RedrivePolicy"]["deadLetterTargetArn"]
        dlq = target.removeprefix("att:").removesuffix(".Arn")
        assert queues[dlq]["QueueName"] == props["QueueName"] + "-dlq", name
        assert "RedrivePolicy" not in queues[dlq]
        assert props["RedrivePolicy"]["maxReceiveCount"] == MAX_RECEIVE_COUNT == 5
    assert len({props["RedrivePolicy"]["deadLetterTargetArn"] for props in consumers.values()}) == 5


def _lambda_timeout(stage: str) -> int:
    """The longest Lambda timeout .chalice/config.json gives a function of `stage`."""
    config = json.loads((ROOT / ".chalice/config.json").read_text())
    stage_config = config["stages"][stage]
    timeouts = [config.get("lambda_timeout", 60), stage_config.get("lambda_timeout", 0)]
    for function in stage_config.get("lambda_functions", {}).values():
        timeouts.append(function.get("lambda_timeout", 0))
    return int(max(timeouts))


@pytest.mark.parametrize("stage", DEPLOYED_STAGES)
def test_deployed_queues_hide_a_message_6_times_the_handler_timeout(stage: str) -> None:
    for name, props in _consumer_queues(stage=stage).items():
        assert int(props["VisibilityTimeout"]) >= 6 * _lambda_timeout(stage), name


def test_the_local_stack_may_shorten_the_visibility_timeout() -> None:
    for props in _consumer_queues(stage="local", QueueVisibilityTimeout=2).values():
        assert props["VisibilityTimeout"] == "2"


def _subscriptions() -> dict[str, dict[str, Any]]:
    subscriptions = views.of_type("AWS::SNS::Subscription").values()
    return {
        props["Endpoint"].removeprefix("att:").removesuffix(".Arn"): props
        for props in subscriptions
        if props["Protocol"] == "sqs"  # the lake's firehose subscription: tests/infra/test_lake.py
    }


def test_every_queue_is_subscribed_raw_with_a_filter_on_type() -> None:
    subscriptions = _subscriptions()
    assert set(subscriptions) == set(_consumer_queues()) - {STEPS_QUEUE}  # the workflow sends
    for props in subscriptions.values():
        assert props["TopicArn"] == "ref:EventsTopic"
        assert props["Protocol"] == "sqs"
        assert props["RawMessageDelivery"] is True
        assert props["FilterPolicyScope"] == "MessageAttributes"
        assert set(props["FilterPolicy"]) == {"type"}
        assert props["FilterPolicy"]["type"]


def test_consumers_get_the_event_types_their_handlers_act_on() -> None:
    by_queue = {
        queue: set(props["FilterPolicy"]["type"]) for queue, props in _subscriptions().items()
    }
    assert by_queue == {
        "PaymentsQueue": {"OrderPlaced", "OrderCancelled"},
        "FulfillmentQueue": {"OrderConfirmed"},
        "NotificationsQueue": EVENT_TYPES,
        "ReportsQueue": {"PaymentCaptured", "PaymentRefunded"},
    }


def test_only_the_events_topic_may_send_to_a_queue() -> None:
    policies = views.of_type("AWS::SQS::QueuePolicy").values()
    covered = set()
    for props in policies:
        (statement,) = props["PolicyDocument"]["Statement"]
        assert statement["Effect"] == "Allow"
        assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
        assert statement["Action"] == "sqs:SendMessage"
        assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": "ref:EventsTopic"}}
        (queue,) = props["Queues"]
        assert statement["Resource"] == f"att:{queue.removeprefix('ref:')}.Arn"
        covered.add(queue.removeprefix("ref:"))
    assert covered == set(_consumer_queues()) - {STEPS_QUEUE}  # the workflow's role sends


def test_every_dead_letter_queue_has_an_alarm_on_its_first_message() -> None:
    alarms = views.of_type("AWS::CloudWatch::Alarm").values()
    watched = set()
    for props in alarms:
        if props.get("Namespace") != "AWS/SQS":
            continue
        assert props["MetricName"] == "ApproximateNumberOfMessagesVisible"
        assert (props["ComparisonOperator"], props["Threshold"]) == ("GreaterThanThreshold", 0)
        (dimension,) = props["Dimensions"]
        watched.add(dimension["Value"].removeprefix("att:").removesuffix(".QueueName"))
    assert watched == {
        *(consumer.dead_letter_queue for consumer in CONSUMERS),
        ORDERS_STREAM.queue_logical_id,
        PRODUCTS_STREAM.queue_logical_id,
        STEPS_DLQ,
    }


def test_the_outputs_set_every_variable_the_app_reads_from_the_stack() -> None:
    source = (ROOT / "chalicelib/config.py").read_text()
    read = set(re.findall(r'_env\(\s*"([A-Z_]+)"', source))
    from_stack = {name for name in read if name.endswith("_TABLE")} | {
        "USER_POOL_ID",
        "USER_POOL_CLIENT_ID",
        "EVENTS_TOPIC_ARN",
        "IMAGES_BUCKET",
        "IMAGES_BASE_URL",
        "CORS_ORIGIN",
    }
    assert from_stack <= read
    outputs = env_from_outputs(dict.fromkeys(build_template()["Outputs"], ""))
    assert from_stack | {"USER_POOL_ARN", "ORDERS_STREAM_ARN", "WEB_BUCKET", "WEB_URL"} <= set(
        outputs
    )


def test_the_committed_json_is_the_template() -> None:
    committed = (ROOT / "infra/shop.template.json").read_text()
    assert committed == to_json(build_template()), "run: python -m infra.template --out ..."
