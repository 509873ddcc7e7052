"""The event lake on moto: every event the topic gets lands in the lake bucket as one JSON line.

moto's SNS never delivers to a Firehose subscription and its Firehose ignores `!{timestamp:...}`;
devstack/moto_lake.py closes both gaps (docs/local-stack.md), and these tests prove it, so the
local stack's lake is partitioned as a deployed stage's.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime

import boto3
import jsonschema
import pytest

from chalicelib.domain import event_schema
from devstack.moto_lake import evaluate_prefix, object_key
from infra.lake import ERROR_PREFIX, PARTITIONED_PREFIX
from tests.support.data import ADDRESS

ARRIVAL = datetime(2026, 3, 1, 7, 5, 9, tzinfo=UTC)
PARTITION = re.compile(r"^events/year=(\d{4})/month=(\d{2})/day=(\d{2})/shop-test-events-")


def lake_lines():
    """Every line of every object under events/ in the lake bucket, with the object's key."""
    s3, bucket = boto3.client("s3"), os.environ["LAKE_BUCKET"]
    lines = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="events/"):
        for item in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read().decode()
            assert body.endswith("\n"), item["Key"]
            lines += [(item["Key"], line) for line in body.splitlines()]
    return lines


@pytest.fixture
def empty_lake():
    s3, bucket = boto3.client("s3"), os.environ["LAKE_BUCKET"]
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"])


def test_the_prefix_is_partitioned_by_the_arrival_date_as_firehose_does():
    assert evaluate_prefix(PARTITIONED_PREFIX, ARRIVAL) == "events/year=2026/month=03/day=01/"
    assert evaluate_prefix(ERROR_PREFIX, ARRIVAL).startswith("errors/processing-failed/year=2026/")


def test_a_plain_prefix_gets_firehose_s_default_hour_folders():
    key = object_key("s", "1", "raw", ARRIVAL)

    assert key.startswith("raw/2026/03/01/07/s-1-2026-03-01-07-05-09-")


def test_an_expression_the_local_firehose_does_not_know_is_an_error():
    with pytest.raises(ValueError, match="partitionKeyFromQuery"):
        evaluate_prefix("x/!{partitionKeyFromQuery:customer}/", ARRIVAL)


def test_every_event_of_an_order_lands_once_as_a_json_line_by_arrival_date(
    api, shopper, product_factory, pipeline, empty_lake
):
    mug = product_factory(stock=5)
    body = {
        "items": [{"productId": mug["productId"], "quantity": 2}],
        "shippingAddress": ADDRESS,
        "paymentToken": "tok_visa",
    }
    order = api.post("/orders", body, user=shopper).json

    pipeline.run()

    lines = lake_lines()
    events = [json.loads(line) for _, line in lines]
    for event in events:
        jsonschema.validate(event, event_schema.json_schema())
    mine = [e for e in events if e["orderId"] == order["orderId"]]
    assert sorted(e["type"] for e in mine) == [
        "OrderConfirmed",
        "OrderFulfilled",
        "OrderPlaced",
        "PaymentCaptured",
    ]
    (capture,) = [e for e in mine if e["type"] == "PaymentCaptured"]
    assert (capture["units"], capture["items"][0]["quantity"]) == (2, 2)
    today = datetime.now(UTC)
    for key, _ in lines:
        match = PARTITION.match(key)
        assert match, key
        assert match.groups() == (f"{today:%Y}", f"{today:%m}", f"{today:%d}")


@pytest.fixture
def probe_stream():
    """A second delivery stream into the lake bucket under probe/, subscribed by the test."""
    firehose, bucket = boto3.client("firehose"), os.environ["LAKE_BUCKET"]
    firehose.create_delivery_stream(
        DeliveryStreamName="probe",
        ExtendedS3DestinationConfiguration={
            "BucketARN": f"arn:aws:s3:::{bucket}",
            "RoleARN": "arn:aws:iam::123456789012:role/probe",
            "Prefix": "probe/",
        },
    )
    yield firehose.describe_delivery_stream(DeliveryStreamName="probe")[
        "DeliveryStreamDescription"
    ]["DeliveryStreamARN"]
    firehose.delete_delivery_stream(DeliveryStreamName="probe")


def test_a_filtered_firehose_subscription_gets_only_its_types_in_sns_s_envelope(probe_stream):
    sns, s3 = boto3.client("sns"), boto3.client("s3")
    topic, bucket = os.environ["EVENTS_TOPIC_ARN"], os.environ["LAKE_BUCKET"]
    subscription = sns.subscribe(
        TopicArn=topic,
        Protocol="firehose",
        Endpoint=probe_stream,
        Attributes={
            "SubscriptionRoleArn": "arn:aws:iam::123456789012:role/probe",
            "FilterPolicy": json.dumps({"type": ["OrderPlaced"]}),
        },
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    for kind in ("OrderPlaced", "OrderCancelled"):
        sns.publish(
            TopicArn=topic,
            Message=json.dumps({"type": kind}) + "\n",
            MessageAttributes={"type": {"DataType": "String", "StringValue": kind}},
        )
    sns.unsubscribe(SubscriptionArn=subscription)

    (item,) = s3.list_objects_v2(Bucket=bucket, Prefix="probe/")["Contents"]
    envelope = json.loads(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
    assert envelope["Type"] == "Notification"
    assert json.loads(envelope["Message"]) == {"type": "OrderPlaced"}
    assert re.match(r"^probe/\d{4}/\d{2}/\d{2}/\d{2}/probe-", item["Key"])
