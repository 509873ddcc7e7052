"""The returns workflow across a restart of the local stack.

moto runs each Step Functions execution as threads of its own process, and keeps its two Step
Functions backends (plain and ASL-executing) under one service name, which a snapshot cannot tell
apart; so the store leaves Step Functions out (devstack/store.py) and a restored stack brings the
workflow back here, as a deployed stage would recover returns whose executions were lost:

- the state machine is created again from the template's definition, with the restored stack's
  queue and table, and the same name (so the same ARN);
- the steps that dead executions had queued are dropped;
- each return still in flight gets a new execution, named `<returnId>-restart-<n>`. It starts with
  Load -> Route, so it carries on from the status stored (decision 0184). Its windows start again.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import boto3

from devstack.store import mark_service
from infra.workflows import definition_text

IN_FLIGHT = ("REQUESTED", "APPROVED", "RECEIVED", "REFUND_FAILED")
WEEK, MONTH = 7 * 24 * 3600, 30 * 24 * 3600


def _client(endpoint_url: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint_url, region_name="us-east-1")


def _role_arn(iam: Any) -> str:
    """The role the template made for the state machine (the one Step Functions may assume)."""
    for page in iam.get_paginator("list_roles").paginate():
        for role in page["Roles"]:
            if "states.amazonaws.com" in json.dumps(role["AssumeRolePolicyDocument"]):
                return str(role["Arn"])
    raise RuntimeError("the store has no role for the returns state machine")


def _definition(env: dict[str, str]) -> str:
    return (
        definition_text()
        .replace("${ReturnStepsQueue}", env["RETURN_STEPS_QUEUE_URL"])
        .replace("${ReturnsTable}", env["RETURNS_TABLE"])
        .replace("${AWS::Partition}", "aws")
    )


def _input(return_id: str) -> str:
    windows = {
        "approvalSeconds": int(os.environ.get("RETURN_APPROVAL_SECONDS", WEEK)),
        "parcelSeconds": int(os.environ.get("RETURN_PARCEL_SECONDS", MONTH)),
        "refundRetrySeconds": int(os.environ.get("RETURN_REFUND_RETRY_SECONDS", 2)),
    }
    return json.dumps(
        {"returnId": return_id, "windows": windows}, sort_keys=True, separators=(",", ":")
    )


def _in_flight(ddb: Any, table: str) -> list[str]:
    found = []
    for status in IN_FLIGHT:
        pages = ddb.get_paginator("query").paginate(
            TableName=table,
            IndexName="status-index",
            KeyConditionExpression="#s = :s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": {"S": status}},
        )
        found += [item["returnId"]["S"] for page in pages for item in page["Items"]]
    return found


def _drop_steps(queue_url: str) -> None:
    """Empty the step queue in moto itself (PurgeQueue refuses a second purge within 60 s)."""
    from moto.sqs.models import sqs_backends

    name = queue_url.rstrip("/").rsplit("/", 1)[-1]
    for _, _, backend in sqs_backends.iter_backends():
        queue = backend.queues.get(name)  # type: ignore[attr-defined]
        if queue is not None:
            queue._messages.clear()
    mark_service("sqs")  # changed in place: the store's next delta holds SQS


def restore(endpoint_url: str, env: dict[str, str]) -> int:
    """Bring the returns workflow back after the store was restored; how many returns resumed."""
    sfn = _client(endpoint_url, "stepfunctions")
    name = env["RETURNS_STATE_MACHINE_ARN"].rsplit(":", 1)[-1]
    machine = sfn.create_state_machine(
        name=name,
        definition=_definition(env),
        roleArn=_role_arn(_client(endpoint_url, "iam")),
        type="STANDARD",
    )["stateMachineArn"]
    _drop_steps(env["RETURN_STEPS_QUEUE_URL"])
    ddb = _client(endpoint_url, "dynamodb")
    suffix = f"restart-{int(time.time())}"
    resumed = 0
    for return_id in _in_flight(ddb, env["RETURNS_TABLE"]):
        arn = sfn.start_execution(
            stateMachineArn=machine, name=f"{return_id}-{suffix}", input=_input(return_id)
        )["executionArn"]
        ddb.update_item(
            TableName=env["RETURNS_TABLE"],
            Key={"returnId": {"S": return_id}},
            UpdateExpression="SET executionArn = :a",
            ExpressionAttributeValues={":a": {"S": arn}},
        )
        resumed += 1
    return resumed
