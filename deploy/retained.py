"""Retained resources meet a new stack: import them instead of colliding with them.

prod's template retains its tables, user pool and images bucket (docs/decisions/0120). After
`make destroy STAGE=prod CONFIRM=prod` they outlive the stack, and creating the stack again would
fail on the tables' and the bucket's fixed names (and make a second, empty user pool). So before
creating a stack, the deploy looks for what the template retains; if any of it exists, it first
creates the stack by importing exactly those resources (a CloudFormation IMPORT change set), and
then updates it to the whole template as usual.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from deploy import DeployError
from infra.intrinsics import Context, dependencies, resolve

Json = dict[str, Any]
CHANGE_SET = "import-retained-resources"


@dataclass(frozen=True)
class Retained:
    """A resource the template retains that exists without a stack: what an import names."""

    logical_id: str
    resource_type: str
    identifier: dict[str, str]

    def to_import(self) -> Json:
        """The entry of `ResourcesToImport`."""
        return {
            "ResourceType": self.resource_type,
            "LogicalResourceId": self.logical_id,
            "ResourceIdentifier": self.identifier,
        }


def retained_ids(template: Json) -> list[str]:
    """The logical ids the template keeps when its stack is deleted."""
    return [
        name
        for name, body in template["Resources"].items()
        if body.get("DeletionPolicy") == "Retain"
    ]


def _context(parameters: dict[str, str], region: str, account: str) -> Context:
    return Context(
        parameters=dict(parameters),
        pseudo={
            "AWS::Region": region,
            "AWS::AccountId": account,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        },
    )


def _table(aws: Any, name: str) -> bool:
    try:
        aws.client("dynamodb").describe_table(TableName=name)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return False
        raise
    return True


def _bucket(aws: Any, name: str) -> bool:
    try:
        aws.client("s3").head_bucket(Bucket=name)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchBucket", "NotFound"}:
            return False
        raise
    return True


def _user_pools(aws: Any, name: str) -> list[str]:
    idp = aws.client("cognito-idp")
    found: list[str] = []
    request: Json = {"MaxResults": 60}
    while True:
        page = idp.list_user_pools(**request)
        found += [pool["Id"] for pool in page.get("UserPools", []) if pool["Name"] == name]
        if not page.get("NextToken"):
            return found
        request["NextToken"] = page["NextToken"]


def find(aws: Any, template: Json, parameters: dict[str, str]) -> list[Retained]:
    """What of the template's retained resources exists already, with its import identifier."""
    ctx = _context(parameters, aws.region, aws.account_id())
    found = []
    for name in retained_ids(template):
        body = template["Resources"][name]
        kind, props = body["Type"], body.get("Properties", {})
        if kind == "AWS::DynamoDB::Table":
            table = str(resolve(props["TableName"], ctx))
            if _table(aws, table):
                found.append(Retained(name, kind, {"TableName": table}))
        elif kind == "AWS::S3::Bucket":
            bucket = str(resolve(props["BucketName"], ctx))
            if _bucket(aws, bucket):
                found.append(Retained(name, kind, {"BucketName": bucket}))
        elif kind == "AWS::Cognito::UserPool":
            pools = _user_pools(aws, str(resolve(props["UserPoolName"], ctx)))
            if len(pools) > 1:
                raise DeployError(
                    f"{len(pools)} user pools are named {props['UserPoolName']}: keep one "
                    f"({', '.join(pools)}), then deploy again"
                )
            if pools:
                found.append(Retained(name, kind, {"UserPoolId": pools[0]}))
        else:
            raise DeployError(f"{name}: deploy/retained.py cannot look for a retained {kind}")
    return found


def import_template(template: Json, retained: list[Retained]) -> Json:
    """The template of the IMPORT: only the retained resources, without references to others.

    An import may not create anything, and a resource's property that names a resource not yet
    in the stack cannot be resolved; those properties come with the update that follows.
    """
    kept = {item.logical_id for item in retained}
    resources: Json = {}
    for name in kept:
        body = copy.deepcopy(template["Resources"][name])
        props = body.get("Properties", {})
        body["Properties"] = {
            key: value
            for key, value in props.items()
            if dependencies({"Properties": {key: value}}, template["Resources"]) <= kept
        }
        body.pop("DependsOn", None)
        resources[name] = body
    text = json.dumps(resources)
    conditions = {
        name: condition
        for name, condition in template.get("Conditions", {}).items()
        if f'"Fn::If": ["{name}"' in text or f'"Condition": "{name}"' in text
    }
    used = text + json.dumps(conditions)
    parameters = {
        name: spec
        for name, spec in template.get("Parameters", {}).items()
        if f'"Ref": "{name}"' in used or "${" + name + "}" in used
    }
    imported: Json = {
        "AWSTemplateFormatVersion": template.get("AWSTemplateFormatVersion", "2010-09-09"),
        "Description": template.get("Description", ""),
        "Parameters": parameters,
        "Resources": resources,
    }
    if conditions:
        imported["Conditions"] = conditions
    return imported


@dataclass(frozen=True)
class NewStack:
    """A stack to create: its name, its template and its parameters."""

    name: str
    template: Json
    parameters: dict[str, str]


def import_into_new_stack(cfn: Any, new: NewStack, retained: list[Retained], delay: int) -> None:
    """Create the stack by importing the retained resources, and wait until it is done."""
    stack_name = new.name
    imported = import_template(new.template, retained)
    body = json.dumps(imported, separators=(",", ":"))
    parameters = {k: v for k, v in new.parameters.items() if k in imported["Parameters"]}
    cfn.create_change_set(
        StackName=stack_name,
        ChangeSetName=CHANGE_SET,
        ChangeSetType="IMPORT",
        TemplateBody=body,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        ResourcesToImport=[item.to_import() for item in retained],
        Tags=[{"Key": "app", "Value": "shop"}],
    )
    attempts = {"Delay": delay, "MaxAttempts": 3600 // delay}
    try:
        cfn.get_waiter("change_set_create_complete").wait(
            StackName=stack_name, ChangeSetName=CHANGE_SET, WaiterConfig=attempts
        )
        cfn.execute_change_set(StackName=stack_name, ChangeSetName=CHANGE_SET)
        cfn.get_waiter("stack_import_complete").wait(StackName=stack_name, WaiterConfig=attempts)
    except Exception as exc:
        raise DeployError(
            f"importing the retained {', '.join(i.logical_id for i in retained)} into "
            f"{stack_name} failed; see the stack's events: {exc}"
        ) from exc
