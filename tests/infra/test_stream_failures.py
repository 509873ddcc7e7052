"""A poison stream record reaches the on-failure queue and the records after it flow: the local
pump plays the orders-stream mapping's settings (infra/streams.py) as Lambda does.

Proven with the pump's two-handler fixture app against a moto server of the module's own.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack.chalice_config import ChaliceConfig
from devstack.moto_server import LockedMotoServer
from devstack.pump import Pump, PumpOptions, load_app
from devstack.stream_failures import StreamFailurePolicy, deliver
from infra import streams
from infra.streams import StreamMappingSettings
from tests.support.waiting import wait_for

FIXTURE_DIR = Path(__file__).resolve().parents[1] / "stack" / "fixture_app"
RUN = uuid.uuid4().hex[:8]
QUEUE, TABLE, FAILURES = f"jobs-{RUN}", f"changes-{RUN}", f"failures-{RUN}"
RETRIES = 2
WITHIN = 20.0  # seconds the retries and the on-failure queue may take


def _wait_for(check: Callable[[], Any]) -> Any:
    return wait_for(check, WITHIN)


@pytest.fixture(scope="module")
def failures_url(aws: Callable[[str], Any]) -> str:
    """The fixture app's queue, its streamed table and the stream's on-failure queue."""
    aws("sqs").create_queue(QueueName=QUEUE)
    aws("dynamodb").create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return str(aws("sqs").create_queue(QueueName=f"shop-local-{FAILURES}")["QueueUrl"])


@pytest.fixture(scope="module")
def fixture_app(failures_url: str) -> Any:
    """The pump's fixture app, configured for this module's queue and table."""
    os.environ["FIXTURE_QUEUE"] = QUEUE
    os.environ["FIXTURE_STREAM_ARN"] = f"arn:aws:dynamodb:us-east-1:000000000000:table/{TABLE}/x"
    load_app(FIXTURE_DIR, module_name=f"stream_failures_fixture_{RUN}")
    return sys.modules[f"stream_failures_fixture_{RUN}"]


@pytest.fixture(scope="module")
def pump(fixture_app: Any, moto: LockedMotoServer) -> Iterator[Pump]:
    """The pump, with the orders stream's settings but RETRIES retries, given to handle_change."""
    settings = StreamMappingSettings(
        function="handle_change",
        table=TABLE,
        maximum_retry_attempts=RETRIES,
        bisect_batch_on_function_error=streams.ORDERS_STREAM.bisect_batch_on_function_error,
        on_failure_queue=FAILURES,
        iterator_age_alarm_ms=60_000,
    )
    config = ChaliceConfig("pump-fixture", "local", {})
    options = PumpOptions(
        endpoint_url=moto.endpoint_url,
        sqs_pollers=1,
        stream_settings={"handle_change": settings},
        stream_retry_seconds=0.05,
    )
    pump = Pump(fixture_app.app, config, options)
    pump.start()
    yield pump
    pump.stop()


def _deliveries(app: Any) -> list[list[dict[str, Any]]]:
    return [call["event"]["Records"] for call in app.CALLS if call["kind"] == "stream"]


def _key(record: dict[str, Any]) -> str:
    return str(record["dynamodb"]["Keys"]["id"]["S"])


def test_a_poison_record_goes_to_the_on_failure_queue_and_the_records_after_it_flow(
    pump: Pump, fixture_app: Any, aws: Callable[[str], Any], failures_url: str
) -> None:
    ddb = aws("dynamodb")
    before, poison = uuid.uuid4().hex, uuid.uuid4().hex
    after = [uuid.uuid4().hex for _ in range(3)]
    ddb.put_item(TableName=TABLE, Item={"id": {"S": before}})
    ddb.put_item(TableName=TABLE, Item={"id": {"S": poison}, "failTimes": {"N": "1000"}})
    for key in after:
        ddb.put_item(TableName=TABLE, Item={"id": {"S": key}})

    def succeeded_after() -> bool:
        # Handled: in a batch without the poison record, which therefore succeeded.
        batches = [b for b in _deliveries(fixture_app) if poison not in map(_key, b)]
        return all(any(_key(r) == key for b in batches for r in b) for key in after)

    messages = _wait_for(
        lambda: aws("sqs").receive_message(QueueUrl=failures_url, WaitTimeSeconds=1).get("Messages")
    )

    _wait_for(succeeded_after)
    (message,) = messages
    record = json.loads(message["Body"])
    info = record["DDBStreamBatchInfo"]
    batches = _deliveries(fixture_app)
    poison_record = next(r for b in batches for r in b if _key(r) == poison)
    sequence = poison_record["dynamodb"]["SequenceNumber"]
    # Bisected down to the poison record alone, tried 1 + RETRIES times, then given up.
    assert (info["batchSize"], info["startSequenceNumber"], info["endSequenceNumber"]) == (
        1,
        sequence,
        sequence,
    )
    assert info["streamArn"] == ddb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    assert info["shardId"]
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 1 + RETRIES
    assert record["requestContext"]["functionArn"].endswith(
        ":function:pump-fixture-local-handle_change"
    )
    alone = [b for b in batches if [_key(r) for r in b] == [poison]]
    assert len(alone) == 1 + RETRIES
    # Every other record was handled in a batch that succeeded, the ones after it included.
    last_poison_try = max(i for i, b in enumerate(batches) if [_key(r) for r in b] == [poison])
    for key in after:
        assert any(_key(r) == key for b in batches[last_poison_try:] for r in b)
    assert any(_key(r) == before for b in batches for r in b)


def _records(*keys: str) -> list[dict[str, Any]]:
    return [{"dynamodb": {"Keys": {"id": {"S": key}}}} for key in keys]


def _policy(bisect: bool, retries: int) -> StreamFailurePolicy:
    return StreamFailurePolicy(retries, bisect, "url", "arn", retry_delay_seconds=0)


def test_bisecting_isolates_the_poison_record_and_keeps_the_order_of_the_rest() -> None:
    tried: list[list[str]] = []
    given_up: list[tuple[list[str], int]] = []

    def invoke(batch: list[dict[str, Any]]) -> bool:
        keys = [_key(r) for r in batch]
        tried.append(keys)
        return "p" not in keys

    done = deliver(
        _records("a", "b", "p", "c", "d"),
        invoke,
        _policy(bisect=True, retries=1),
        lambda batch, tries: given_up.append(([_key(r) for r in batch], tries)),
        lambda seconds: False,
    )

    assert done
    assert given_up == [(["p"], 2)]
    handled = [key for keys in tried if "p" not in keys for key in keys]
    assert handled == ["a", "b", "c", "d"]


def test_without_bisect_the_whole_batch_is_given_up_after_the_retries() -> None:
    given_up: list[tuple[list[str], int]] = []
    deliver(
        _records("a", "p"),
        lambda batch: False,
        _policy(bisect=False, retries=3),
        lambda batch, tries: given_up.append(([_key(r) for r in batch], tries)),
        lambda seconds: False,
    )
    assert given_up == [(["a", "p"], 4)]


def test_a_stopping_pump_gives_nothing_up() -> None:
    given_up: list[Any] = []
    done = deliver(
        _records("p"),
        lambda batch: False,
        _policy(bisect=True, retries=5),
        lambda batch, tries: given_up.append(batch),
        lambda seconds: True,
    )
    assert (done, given_up) == (False, [])


def test_the_shops_pump_gets_the_orders_streams_settings() -> None:
    assert streams.for_function("publish_order_events") is streams.ORDERS_STREAM
    assert streams.ORDERS_STREAM.queue_name("local") == "shop-local-orders-stream-failures"
