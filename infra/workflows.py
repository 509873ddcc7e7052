"""The returns workflow: a Step Functions standard state machine, its role and its step queue.

DynamoDB holds the truth; the execution routes on it. Every wait ends by re-reading the return
(`Load` -> `Route`), so a late task token, a timeout racing an admin, a redelivered message or a
resumed execution all converge on the stored status (docs/returns.md, decisions 0180-0184).

Steps that need Python go to one SQS queue as `sqs:sendMessage.waitForTaskToken` tasks; the
Chalice app consumes it (`work_return_steps`: the event pump locally, Lambda deployed) and answers
each token. The definition here is the one CloudFormation deploys and the one the local stack
provisions on moto (tests/infra/test_workflows.py proves it).
"""

from __future__ import annotations

import json
from typing import Any

from infra.cfn import Json, deleted_with_stack, get_att, ref, stage_name, sub
from infra.messaging import MAX_RECEIVE_COUNT, queue_not_empty_alarm

STATE_MACHINE = "ReturnsStateMachine"
ROLE = "ReturnsStateMachineRole"
QUEUE = "ReturnStepsQueue"
DEAD_LETTER_QUEUE = "ReturnStepsDeadLetterQueue"
QUEUE_RETENTION_SECONDS = 4 * 24 * 3600
DLQ_RETENTION_SECONDS = 14 * 24 * 3600
# A step the shop's handler works (restock, refund, a status write) answers in well under this;
# past it the handler is taken for dead and the execution fails where an operator can see it.
WORK_SECONDS = 300
# How long a refund refused for good waits for an admin's retry before the workflow ends.
ADMIN_RETRY_SECONDS = 90 * 24 * 3600
# Attempts at a refund that fails transiently, the first retry after `refundRetrySeconds`,
# each later one after twice the wait before it.
REFUND_ATTEMPTS = 5
# The step names the handler dispatches on (chalicelib/services/return_steps.py).
STEPS = (
    "decision",
    "parcel",
    "refundRetry",
    "approvalTimeout",
    "parcelTimeout",
    "restock",
    "refund",
    "refundFailed",
)


def _await(step: str, next_state: str, *, extra: Json | None = None, **timing: Any) -> Json:
    """A task that sends the step to the shop's queue and waits for its token to come back."""
    body: Json = {"step": step, "returnId.$": "$.returnId", "taskToken.$": "$$.Task.Token"}
    body.update(extra or {})
    return {
        "Type": "Task",
        "Resource": "arn:${AWS::Partition}:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": "${ReturnStepsQueue}", "MessageBody": body},
        "ResultPath": None,
        **timing,
        "Next": next_state,
    }


def _on_timeout(state: Json, handler: str) -> Json:
    return {
        **state,
        "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": None, "Next": handler}],
    }


def definition() -> Json:
    """The Amazon States Language definition, with `${...}` placeholders for Fn::Sub."""
    by_status = {
        "REQUESTED": "AwaitDecision",
        "APPROVED": "AwaitParcel",
        "RECEIVED": "Restock",
        "REFUND_FAILED": "AwaitRefundRetry",
    }
    refund = _await(
        "refund", "Load", extra={"attempt.$": "$.retry.attempt"}, TimeoutSeconds=WORK_SECONDS
    )
    refund["Catch"] = [
        {"ErrorEquals": ["Refund.Transient"], "ResultPath": "$.failure", "Next": "CanRetryRefund"},
        {"ErrorEquals": ["Refund.Refused"], "ResultPath": "$.failure", "Next": "RefundFailed"},
    ]
    states: Json = {
        "Load": {
            "Type": "Task",
            "Resource": "arn:${AWS::Partition}:states:::dynamodb:getItem",
            "Parameters": {
                "TableName": "${ReturnsTable}",
                "Key": {"returnId": {"S.$": "$.returnId"}},
                "ConsistentRead": True,
            },
            "ResultSelector": {"status.$": "$.Item.status.S"},
            "ResultPath": "$.stored",
            "Next": "Route",
        },
        "Route": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.stored.status", "StringEquals": status, "Next": state}
                for status, state in by_status.items()
            ],
            "Default": "Done",
        },
        "AwaitDecision": _on_timeout(
            _await("decision", "Load", TimeoutSecondsPath="$.windows.approvalSeconds"),
            "ApprovalTimedOut",
        ),
        "ApprovalTimedOut": _await("approvalTimeout", "Load", TimeoutSeconds=WORK_SECONDS),
        "AwaitParcel": _on_timeout(
            _await("parcel", "Load", TimeoutSecondsPath="$.windows.parcelSeconds"),
            "ParcelTimedOut",
        ),
        "ParcelTimedOut": _await("parcelTimeout", "Load", TimeoutSeconds=WORK_SECONDS),
        "Restock": _await("restock", "FirstRefundAttempt", TimeoutSeconds=WORK_SECONDS),
        "FirstRefundAttempt": {
            "Type": "Pass",
            "Parameters": {"attempt": 1, "delaySeconds.$": "$.windows.refundRetrySeconds"},
            "ResultPath": "$.retry",
            "Next": "Refund",
        },
        # An explicit loop, not `Retry`: moto replays a token task's first outcome on Retry
        # (decision 0181), and the loop is the same on AWS.
        "Refund": refund,
        "CanRetryRefund": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.retry.attempt",
                    "NumericLessThan": REFUND_ATTEMPTS,
                    "Next": "WaitToRetryRefund",
                }
            ],
            "Default": "RefundFailed",
        },
        "WaitToRetryRefund": {
            "Type": "Wait",
            "SecondsPath": "$.retry.delaySeconds",
            "Next": "NextRefundAttempt",
        },
        "NextRefundAttempt": {
            "Type": "Pass",
            "Parameters": {
                "attempt.$": "States.MathAdd($.retry.attempt, 1)",
                "delaySeconds.$": "States.MathAdd($.retry.delaySeconds, $.retry.delaySeconds)",
            },
            "ResultPath": "$.retry",
            "Next": "Refund",
        },
        "RefundFailed": _await("refundFailed", "Load", TimeoutSeconds=WORK_SECONDS),
        "AwaitRefundRetry": _on_timeout(
            _await("refundRetry", "Load", TimeoutSeconds=ADMIN_RETRY_SECONDS), "Done"
        ),
        "Done": {"Type": "Succeed"},
    }
    return {
        "Comment": "A return: approval, parcel, restock and refund (docs/returns.md).",
        "StartAt": "Load",
        "States": states,
    }


def definition_text() -> str:
    """The definition as the template's DefinitionString (before Fn::Sub)."""
    return json.dumps(definition(), sort_keys=True, separators=(",", ":"))


def _dead_letter_queue() -> Json:
    return {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "QueueName": stage_name("return-steps-dlq"),
            "MessageRetentionPeriod": DLQ_RETENTION_SECONDS,
            "SqsManagedSseEnabled": True,
        },
    }


def _queue() -> Json:
    return {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "QueueName": stage_name("return-steps"),
            "VisibilityTimeout": ref("QueueVisibilityTimeout"),
            "MessageRetentionPeriod": QUEUE_RETENTION_SECONDS,
            "SqsManagedSseEnabled": True,
            "RedrivePolicy": {
                "deadLetterTargetArn": get_att(DEAD_LETTER_QUEUE, "Arn"),
                "maxReceiveCount": MAX_RECEIVE_COUNT,
            },
        },
    }


def _table_arn(table: str) -> Json:
    return sub(
        f"arn:${{AWS::Partition}}:dynamodb:${{AWS::Region}}:${{AWS::AccountId}}:table/${{{table}}}"
    )


def _role() -> Json:
    """Least privilege: send to the step queue, read the returns table. Nothing else."""
    statements = [
        {
            "Sid": "SendSteps",
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": get_att(QUEUE, "Arn"),
        },
        {
            "Sid": "ReadReturns",
            "Effect": "Allow",
            "Action": "dynamodb:GetItem",
            "Resource": _table_arn("ReturnsTable"),
        },
    ]
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "states.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"aws:SourceAccount": ref("AWS::AccountId")}},
                    }
                ],
            },
            "Policies": [
                {
                    "PolicyName": "returns-workflow",
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
                }
            ],
        },
    }


def _state_machine() -> Json:
    return {
        "Type": "AWS::StepFunctions::StateMachine",
        "Properties": {
            "StateMachineName": stage_name("returns"),
            "StateMachineType": "STANDARD",
            "RoleArn": get_att(ROLE, "Arn"),
            "DefinitionString": sub(definition_text()),
        },
    }


def resources() -> Json:
    """The state machine, its role, the step queue with its dead-letter queue and alarm."""
    return {
        DEAD_LETTER_QUEUE: deleted_with_stack(_dead_letter_queue()),
        QUEUE: deleted_with_stack(_queue()),
        "ReturnStepsDeadLetterAlarm": queue_not_empty_alarm(
            "return-steps-dlq-not-empty",
            DEAD_LETTER_QUEUE,
            f"A return step failed {MAX_RECEIVE_COUNT} times.",
        ),
        ROLE: _role(),
        STATE_MACHINE: _state_machine(),
    }


def outputs() -> Json:
    """RETURNS_STATE_MACHINE_ARN and the step queues' URLs and ARNs."""
    return {
        "ReturnsStateMachineArn": {
            "Description": "RETURNS_STATE_MACHINE_ARN: the returns workflow",
            "Value": ref(STATE_MACHINE),
        },
        "ReturnStepsQueueUrl": {
            "Description": "RETURN_STEPS_QUEUE_URL: the returns workflow's step queue",
            "Value": ref(QUEUE),
        },
        "ReturnStepsQueueArn": {
            "Description": "RETURN_STEPS_QUEUE_ARN: the returns workflow's step queue's ARN",
            "Value": get_att(QUEUE, "Arn"),
        },
        "ReturnStepsDlqUrl": {
            "Description": "RETURN_STEPS_DLQ_URL: the step queue's dead-letter queue",
            "Value": ref(DEAD_LETTER_QUEUE),
        },
        "ReturnStepsDlqArn": {
            "Description": "RETURN_STEPS_DLQ_ARN: the step queue's dead-letter queue's ARN",
            "Value": get_att(DEAD_LETTER_QUEUE, "Arn"),
        },
    }
