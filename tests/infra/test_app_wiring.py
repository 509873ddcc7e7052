"""Every event source the Chalice app declares has its queue or stream in the template."""

from __future__ import annotations

from typing import Any

import pytest
from chalice.app import DynamoDBEventConfig, SQSEventConfig

from chalicelib.config import settings
from tests.infra import views


@pytest.fixture(scope="module")
def event_sources() -> list[Any]:
    """The app's SQS and DynamoDB event sources; skips until app.py declares one."""
    from app import app

    sources = [
        source
        for source in app.event_sources
        if isinstance(source, SQSEventConfig | DynamoDBEventConfig)
    ]
    if not sources:
        pytest.skip("app.py declares no SQS or DynamoDB handler yet")
    return sources


def _queue_names() -> set[str]:
    queues = views.of_type("AWS::SQS::Queue", stage="local").values()
    # Dead-letter queues count: the saga's DLQ consumers read them (issue 14).
    return {props["QueueName"].removeprefix("shop-local-") for props in queues}


def _streamed_tables() -> set[str]:
    tables = views.of_type("AWS::DynamoDB::Table", stage="local").values()
    return {
        props["TableName"].removeprefix("shop-local-")
        for props in tables
        if "StreamSpecification" in props
    }


def test_every_queue_handler_reads_a_queue_of_the_template(event_sources: list[Any]) -> None:
    prefix = f"shop-{settings().stage}-"
    for source in event_sources:
        if isinstance(source, SQSEventConfig):
            name = source.queue or str(source.queue_arn).rsplit(":", 1)[-1]
            assert name.removeprefix(prefix) in _queue_names(), source.name


def test_every_stream_handler_reads_a_streamed_table(event_sources: list[Any]) -> None:
    prefix = f"shop-{settings().stage}-"
    for source in event_sources:
        if isinstance(source, DynamoDBEventConfig):
            table = source.stream_arn.split(":table/", 1)[1].split("/", 1)[0]
            assert table.removeprefix(prefix) in _streamed_tables(), source.name
