"""The infrastructure stack in CloudFormation: create or update it and wait, read it, delete it."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from deploy import DeployError

NO_UPDATES = "No updates are to be performed"
# A stack in one of these states cannot be updated; the only way on is to delete it first.
DEAD_ENDS = {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_FAILED"}
DEFAULT_DELAY = 5  # seconds between polls while CloudFormation works


def describe(cfn: Any, name: str) -> dict[str, Any] | None:
    """The stack's description, or None if there is none (a deleted stack counts as none)."""
    try:
        stacks = cfn.describe_stacks(StackName=name)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    if not stacks or stacks[0]["StackStatus"] == "DELETE_COMPLETE":
        return None
    return dict(stacks[0])


def outputs(cfn: Any, name: str) -> dict[str, str]:
    """The stack's outputs by key; empty if there is no stack."""
    stack = describe(cfn, name)
    if stack is None:
        return {}
    return {item["OutputKey"]: item["OutputValue"] for item in stack.get("Outputs", [])}


def _wait(cfn: Any, waiter: str, name: str, delay: int) -> None:
    try:
        cfn.get_waiter(waiter).wait(
            StackName=name, WaiterConfig={"Delay": delay, "MaxAttempts": 3600 // delay}
        )
    except Exception as exc:
        stack = describe(cfn, name)
        status = stack["StackStatus"] if stack else "gone"
        raise DeployError(
            f"Stack {name} ended in {status}; see its events in the CloudFormation console: {exc}"
        ) from exc


def deploy_stack(
    cfn: Any,
    name: str,
    template: dict[str, Any],
    parameters: dict[str, str],
    delay: int = DEFAULT_DELAY,
) -> dict[str, str]:
    """Create the stack or update it to `template`, wait until done, answer its outputs.

    An update with nothing to change is a success, so rerunning the deploy is safe.
    """
    body = json.dumps(template, separators=(",", ":"))
    request = {
        "StackName": name,
        "TemplateBody": body,
        "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        "Tags": [{"Key": "app", "Value": "shop"}],
        # The stack makes one role: the one API Gateway writes access logs with.
        "Capabilities": ["CAPABILITY_IAM"],
    }
    existing = describe(cfn, name)
    if existing is not None and existing["StackStatus"] in DEAD_ENDS:
        delete_stack(cfn, name, delay)
        existing = None
    if existing is not None and existing["StackStatus"].endswith("_IN_PROGRESS"):
        raise DeployError(f"Stack {name} is busy ({existing['StackStatus']}); try again later")
    if existing is None:
        cfn.create_stack(**request, OnFailure="ROLLBACK")
        _wait(cfn, "stack_create_complete", name, delay)
    else:
        try:
            cfn.update_stack(**request)
        except ClientError as exc:
            if NO_UPDATES not in str(exc):
                raise
        else:
            _wait(cfn, "stack_update_complete", name, delay)
    return outputs(cfn, name)


def delete_stack(cfn: Any, name: str, delay: int = DEFAULT_DELAY) -> bool:
    """Delete the stack and wait; False if there was none."""
    if describe(cfn, name) is None:
        return False
    cfn.delete_stack(StackName=name)
    _wait(cfn, "stack_delete_complete", name, delay)
    return True
