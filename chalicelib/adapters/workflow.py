"""The returns workflow port: start a return's execution, and answer the tokens it waits on.

Step Functions is the engine (infra/workflows.py holds the definition). Each return is one
execution named after the return id, with its input serialised canonically, so a retried start
answers the running execution instead of making a second (decision 0180).
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib import log
from chalicelib.adapters import aws
from chalicelib.config import settings

_log = log.logger("workflow")
# What Step Functions answers for a token whose wait is over: the execution moved on without
# it (a timeout, or the status was already decided), so there is nothing left to resume.
GONE = frozenset({"InvalidToken", "TaskTimedOut", "TaskDoesNotExist"})


def execution_input(return_id: str) -> str:
    """The execution's input: the return id and the windows, as canonical JSON."""
    s = settings()
    windows = {
        "approvalSeconds": s.return_approval_seconds,
        "parcelSeconds": s.return_parcel_seconds,
        "refundRetrySeconds": s.return_refund_retry_seconds,
    }
    payload = {"returnId": return_id, "windows": windows}
    return json.dumps(payload, sort_keys=True, separators=(",", ":"))


def execution_arn(return_id: str) -> str:
    """The ARN of the execution named after a return."""
    machine = settings().returns_state_machine_arn
    return f"{machine.replace(':stateMachine:', ':execution:', 1)}:{return_id}"


def start(return_id: str) -> str:
    """Start the return's execution (once: a second start answers the first); its ARN."""
    client = aws.client("stepfunctions")
    try:
        answer = client.start_execution(
            stateMachineArn=settings().returns_state_machine_arn,
            name=return_id,
            input=execution_input(return_id),
        )
    except client.exceptions.ExecutionAlreadyExists:
        return execution_arn(return_id)
    return str(answer["executionArn"])


def _answer(call: Any, token: str, **kwargs: Any) -> bool:
    try:
        call(taskToken=token, **kwargs)
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code")
        if code in GONE:
            _log.info("token gone", extra={"fields": {"code": code}})
            return False
        raise
    return True


def resume(token: str) -> bool:
    """Tell the execution its wait is over (it re-reads the return); False if it moved on."""
    return _answer(aws.client("stepfunctions").send_task_success, token, output="{}")


def fail(token: str, error: str) -> bool:
    """Fail the step the execution waits on with `error` (its Catch decides what follows)."""
    return _answer(aws.client("stepfunctions").send_task_failure, token, error=error)
