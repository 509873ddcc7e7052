"""The event pump plays Lambda's SQS and DynamoDB Streams mappings for any Chalice app.

Proven on tests/stack/fixture_app, a two-handler app, against a moto server of the module's own.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack.chalice_config import ChaliceConfig
from devstack.moto_server import LockedMotoServer
from devstack.pump import Pump, PumpOptions, load_app
from tests.support.waiting import wait_for

FIXTURE_DIR = Path(__file__).parent / "fixture_app"
RUN = uuid.uuid4().hex[:8]
QUEUE, TABLE = f"jobs-{RUN}", f"orders-{RUN}"
VISIBILITY_SECONDS = 1
# handle_job stops after 1.5 s, as its Lambda timeout would stop it.
CONFIG = {"stages": {"local": {"lambda_functions": {"handle_job": {"lambda_timeout": 1.5}}}}}
WITHIN = 15.0  # seconds a handler may take to see a message or a record


def _wait_for(check: Callable[[], Any], timeout: float = WITHIN) -> Any:
    return wait_for(check, timeout)


@pytest.fixture(scope="module")
def resources(aws: Callable[[str], Any]) -> dict[str, str]:
    """The fixture app's queue (with a dead-letter queue after 5 receives) and streamed table."""
    sqs = aws("sqs")
    dlq = sqs.create_queue(QueueName=f"{QUEUE}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]
    redrive = {"deadLetterTargetArn": dlq_arn["QueueArn"], "maxReceiveCount": 5}
    queue = sqs.create_queue(
        QueueName=QUEUE,
        Attributes={
            "VisibilityTimeout": str(VISIBILITY_SECONDS),
            "RedrivePolicy": json.dumps(redrive),
        },
    )["QueueUrl"]
    aws("dynamodb").create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return {"queue": queue, "dlq": dlq}


@pytest.fixture(scope="module")
def fixture_app(resources: dict[str, str]) -> Any:
    """The fixture app's module, configured for this module's queue and table."""
    os.environ["FIXTURE_QUEUE"] = QUEUE
    os.environ["FIXTURE_STREAM_ARN"] = f"arn:aws:dynamodb:us-east-1:000000000000:table/{TABLE}/x"
    load_app(FIXTURE_DIR, module_name=f"pump_fixture_{RUN}")
    return sys.modules[f"pump_fixture_{RUN}"]


@pytest.fixture(scope="module")
def pump(fixture_app: Any, moto: LockedMotoServer) -> Iterator[Pump]:
    """The pump running the fixture app's handlers in threads."""
    config = ChaliceConfig("pump-fixture", "local", CONFIG)
    pump = Pump(fixture_app.app, config, PumpOptions(endpoint_url=moto.endpoint_url, sqs_pollers=1))
    pump.start()
    yield pump
    pump.stop()


def _sqs_calls(app: Any, tag: str) -> list[dict[str, Any]]:
    return [
        call
        for call in app.CALLS
        if call["kind"] == "sqs" and any(tag in r["body"] for r in call["event"]["Records"])
    ]


def _send(aws: Callable[[str], Any], queue: str, body: dict[str, Any]) -> None:
    aws("sqs").send_message(
        QueueUrl=queue,
        MessageBody=json.dumps(body),
        MessageAttributes={"type": {"DataType": "String", "StringValue": "JobQueued"}},
    )


def _queue_depth(aws: Callable[[str], Any], url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = aws("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=names)
    return sum(int(value) for value in attributes["Attributes"].values())


def test_the_pump_maps_every_handler_of_the_app(pump: Pump) -> None:
    assert pump.describe() == [
        f"pump-fixture-local-handle_change <- dynamodb:{TABLE}",
        f"pump-fixture-local-handle_job <- sqs:{QUEUE}",
    ]


def test_a_handled_message_arrives_in_the_lambda_shape_and_is_deleted(
    pump: Pump, fixture_app: Any, aws: Callable[[str], Any], resources: dict[str, str]
) -> None:
    tag = uuid.uuid4().hex
    _send(aws, resources["queue"], {"tag": tag})

    (call,) = _wait_for(lambda: _sqs_calls(fixture_app, tag))
    time.sleep(VISIBILITY_SECONDS + 1)

    (record,) = call["event"]["Records"]
    assert json.loads(record["body"]) == {"tag": tag}
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == f"arn:aws:sqs:us-east-1:123456789012:{QUEUE}"
    assert record["awsRegion"] == "us-east-1"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["messageAttributes"]["type"] == {
        "stringValue": "JobQueued",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert {"messageId", "receiptHandle", "md5OfBody"} <= set(record)
    assert _queue_depth(aws, resources["queue"]) == 0
    assert len(_sqs_calls(fixture_app, tag)) == 1  # deleted, so never redelivered


def test_the_handler_gets_a_lambda_context(
    pump: Pump, fixture_app: Any, aws: Callable[[str], Any], resources: dict[str, str]
) -> None:
    tag = uuid.uuid4().hex
    _send(aws, resources["queue"], {"tag": tag})
    (call,) = _wait_for(lambda: _sqs_calls(fixture_app, tag))
    context = call["context"]
    assert context.function_name == "pump-fixture-local-handle_job"
    assert context.invoked_function_arn.endswith(":function:pump-fixture-local-handle_job")
    assert 0 < context.get_remaining_time_in_millis() <= 1500
    assert context.aws_request_id


def test_a_failing_message_comes_back_and_goes_to_the_dlq_after_5_receives(
    pump: Pump, fixture_app: Any, aws: Callable[[str], Any], resources: dict[str, str]
) -> None:
    tag = uuid.uuid4().hex
    _send(aws, resources["queue"], {"tag": tag, "fail": True})

    _wait_for(lambda: _queue_depth(aws, resources["dlq"]), timeout=20)
    time.sleep(VISIBILITY_SECONDS + 0.5)

    receive_counts = [
        call["event"]["Records"][0]["attributes"]["ApproximateReceiveCount"]
        for call in _sqs_calls(fixture_app, tag)
    ]
    assert receive_counts == ["1", "2", "3", "4", "5"]
    (dead,) = aws("sqs").receive_message(QueueUrl=resources["dlq"])["Messages"]
    assert json.loads(dead["Body"])["tag"] == tag


def test_a_handler_that_runs_past_its_timeout_has_failed(
    pump: Pump, fixture_app: Any, aws: Callable[[str], Any], resources: dict[str, str]
) -> None:
    tag = uuid.uuid4().hex
    _send(aws, resources["queue"], {"tag": tag, "sleepFirstTime": 1.6})

    # Not deleted after the slow run, as Lambda would have stopped it: the message comes back.
    _wait_for(lambda: len(_sqs_calls(fixture_app, tag)) == 2, timeout=10)
    _wait_for(lambda: _queue_depth(aws, resources["queue"]) == 0)


def _stream_calls(app: Any, key: str) -> list[list[dict[str, Any]]]:
    batches = [call["event"]["Records"] for call in app.CALLS if call["kind"] == "stream"]
    return [
        batch for batch in batches if any(r["dynamodb"]["Keys"]["id"]["S"] == key for r in batch)
    ]


def test_stream_records_arrive_in_order_in_the_lambda_shape(
    pump: Pump, fixture_app: Any, aws: Callable[[str], Any]
) -> None:
    ddb, key = aws("dynamodb"), uuid.uuid4().hex
    ddb.put_item(TableName=TABLE, Item={"id": {"S": key}, "blob": {"B": b"\x00\x01"}})
    ddb.update_item(
        TableName=TABLE,
        Key={"id": {"S": key}},
        UpdateExpression="SET n = :n",
        ExpressionAttributeValues={":n": {"N": "1"}},
    )
    ddb.delete_item(TableName=TABLE, Key={"id": {"S": key}})

    def records() -> list[dict[str, Any]]:
        found = [r for batch in _stream_calls(fixture_app, key) for r in batch]
        return found if len(found) >= 3 else []

    insert, modify, remove = _wait_for(records)
    stream_arn = ddb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    assert [r["eventName"] for r in (insert, modify, remove)] == ["INSERT", "MODIFY", "REMOVE"]
    assert insert["eventSource"] == "aws:dynamodb"
    assert insert["eventSourceARN"] == stream_arn
    assert insert["dynamodb"]["NewImage"]["blob"] == {"B": "AAE="}
    assert isinstance(insert["dynamodb"]["ApproximateCreationDateTime"], int)
    assert modify["dynamodb"]["OldImage"]["id"] == {"S": key}
    assert modify["dynamodb"]["NewImage"]["n"] == {"N": "1"}
    assert "NewImage" not in remove["dynamodb"]


def test_a_failing_stream_batch_is_retried_and_holds_back_what_follows(
    pump: Pump, fixture_app: Any, aws: Callable[[str], Any]
) -> None:
    ddb, first, second = aws("dynamodb"), uuid.uuid4().hex, uuid.uuid4().hex
    ddb.put_item(TableName=TABLE, Item={"id": {"S": first}, "failTimes": {"N": "2"}})
    _wait_for(lambda: _stream_calls(fixture_app, first))
    ddb.put_item(TableName=TABLE, Item={"id": {"S": second}})

    _wait_for(lambda: _stream_calls(fixture_app, second))

    batches = [call for call in fixture_app.CALLS if call["kind"] == "stream"]
    keys = [[r["dynamodb"]["Keys"]["id"]["S"] for r in c["event"]["Records"]] for c in batches]
    tries_of_first = [i for i, batch in enumerate(keys) if first in batch]
    first_seen_second = next(i for i, batch in enumerate(keys) if second in batch)
    assert len(tries_of_first) == 3  # failed twice, then succeeded
    assert first_seen_second > tries_of_first[-1]  # the same batch was retried, alone


def test_each_delivery_is_logged_in_one_line(
    pump: Pump,
    fixture_app: Any,
    aws: Callable[[str], Any],
    resources: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="devstack.pump")
    tag = uuid.uuid4().hex
    _send(aws, resources["queue"], {"tag": tag})
    _wait_for(lambda: _sqs_calls(fixture_app, tag))
    _wait_for(lambda: "outcome=ok" in caplog.text)
    line = next(r.getMessage() for r in caplog.records if "outcome=ok" in r.getMessage())
    assert line.startswith(f"handler=pump-fixture-local-handle_job source=sqs:{QUEUE} count=1 ")
    assert " ms=" in line
