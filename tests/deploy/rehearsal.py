"""The pieces of an offline deploy rehearsal: a template moto's CloudFormation can create, and a
stand-in for the `chalice deploy` subprocess that records what it was given.

moto's CloudFormation (5.2) creates tables, queues, topics and buckets, but not Cognito pools,
SNS subscriptions, queue or bucket policies, alarms or Secrets Manager secrets. The rehearsal
template keeps the first kind and, for the outputs of the second, answers resources the test made
directly in moto (a user pool, a client, a secret), so the outputs the deploy reads are all there.
"""

from __future__ import annotations

import copy
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chalice.cli.factory import CLIFactory

from infra.intrinsics import dependencies
from infra.template import build_template

MOTO_CLOUDFORMATION_TYPES = {
    "AWS::DynamoDB::Table",
    "AWS::SQS::Queue",
    "AWS::SNS::Topic",
    "AWS::S3::Bucket",
    "AWS::Logs::LogGroup",
    "AWS::CloudWatch::Dashboard",
    "AWS::IAM::Role",
    "AWS::StepFunctions::StateMachine",
}


# The CloudFront distribution, which moto cannot create, as a deployed one would answer.
DISTRIBUTION_ID = "E2REHEARSAL0001"
DISTRIBUTION_DOMAIN = "d111111abcdef8.cloudfront.net"


def _without_the_distribution(value: Any) -> Any:
    """`value` with every reference to the distribution replaced by its stand-in values."""
    if isinstance(value, list):
        return [_without_the_distribution(item) for item in value]
    if not isinstance(value, dict):
        return value
    if value == {"Ref": "Distribution"}:
        return DISTRIBUTION_ID
    if value == {"Fn::GetAtt": ["Distribution", "DomainName"]}:
        return DISTRIBUTION_DOMAIN
    if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
        text = value["Fn::Sub"].replace("${Distribution.DomainName}", DISTRIBUTION_DOMAIN)
        return {"Fn::Sub": text.replace("${Distribution}", DISTRIBUTION_ID)}
    return {key: _without_the_distribution(item) for key, item in value.items()}


def rehearsal_template(stand_ins: dict[str, str], stage: str | None = None) -> dict[str, Any]:
    """The infra template cut to what moto can create; `stand_ins` answer the other outputs.

    References to the CloudFront distribution become the values a deployed one would give.
    """
    full = build_template(stage)
    template = copy.deepcopy(full)
    resources = {
        name: _without_the_distribution(body)
        for name, body in full["Resources"].items()
        if body["Type"] in MOTO_CLOUDFORMATION_TYPES
    }
    # A resource of a creatable type that refers to one moto cannot create (the lake's Firehose
    # role to its delivery stream) is left out with it.
    while dropped := {
        name
        for name, body in resources.items()
        if not dependencies(body, full["Resources"]) <= set(resources)
    }:
        resources = {name: body for name, body in resources.items() if name not in dropped}
    template["Resources"] = resources
    kept = set(template["Resources"])
    outputs = {}
    for key, output in full["Outputs"].items():
        output = _without_the_distribution(output)
        if dependencies({"Properties": output}, full["Resources"]) <= kept:
            outputs[key] = output
        elif key == "DistributionId":
            outputs[key] = {"Description": output["Description"], "Value": DISTRIBUTION_ID}
        else:
            outputs[key] = {"Description": output["Description"], "Value": stand_ins[key]}
    template["Outputs"] = outputs
    return template


@dataclass
class Run:
    """One run of the Chalice CLI: its arguments, directory, environment and .chalice/ files."""

    args: list[str]
    cwd: Path
    env: dict[str, str]
    files: dict[str, str]
    config: Any = None


@dataclass
class FakeChalice:
    """Plays `chalice deploy` and `chalice delete`: a REST API in moto, recorded in deployed/."""

    apigateway: Any
    region: str
    lambda_client: Any = None  # given: the stream handler and its mapping are made in moto too
    iam: Any = None
    runs: list[Run] = field(default_factory=list)

    def __call__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        """Record the run and do what Chalice would to the REST API and its record."""
        files = {
            path.relative_to(cwd).as_posix(): path.read_text()
            for path in sorted((cwd / ".chalice").glob("*.json"))
        }
        command, stage = args[0], args[args.index("--stage") + 1]
        # Chalice's own reading of the config: the stage's variables and each policy file.
        config = CLIFactory(str(cwd), environ=dict(env)).create_config_obj(stage)
        self.runs.append(Run(list(args), cwd, dict(env), files, config))
        record = cwd / ".chalice" / "deployed" / f"{stage}.json"
        if command == "deploy":
            self._deploy(record, config.api_gateway_stage)
            if self.lambda_client is not None:
                self._stream_handler(record, stage, config.environment_variables)
        elif command == "delete":
            self._delete(record)

    def _deploy(self, record: Path, api_stage: str) -> None:
        resources = json.loads(record.read_text())["resources"] if record.exists() else []
        apis = [r for r in resources if r["resource_type"] == "rest_api"]
        if apis:
            return  # an update: the API stays
        api_id = self.apigateway.create_rest_api(name="shop")["id"]
        root = self.apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
        self.apigateway.put_method(
            restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE"
        )
        self.apigateway.put_integration(
            restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK"
        )
        self.apigateway.create_deployment(restApiId=api_id, stageName=api_stage)
        url = f"https://{api_id}.execute-api.{self.region}.amazonaws.com/{api_stage}/"
        api = {
            "name": "rest_api",
            "resource_type": "rest_api",
            "rest_api_id": api_id,
            "rest_api_url": url,
        }
        record.write_text(json.dumps({"resources": [api], "schema_version": "2.0"}))

    def _stream_handler(self, record: Path, stage: str, env: dict[str, str]) -> None:
        """As chalice deploy: the publisher and its mapping on the orders stream, once."""
        state = json.loads(record.read_text())
        if any(r["resource_type"] == "dynamodb_event" for r in state["resources"]):
            return  # an update: Chalice only updates the batch size of the mapping
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        name = f"shop-{stage}-publish_order_events"
        role = self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("app.py", "def handler(event, context):\n    return None\n")
        function = self.lambda_client.create_function(
            FunctionName=name,
            Runtime="python3.11",
            Role=role["Role"]["Arn"],
            Handler="app.handler",
            Code={"ZipFile": code.getvalue()},
        )
        mapping = self.lambda_client.create_event_source_mapping(
            EventSourceArn=env["ORDERS_STREAM_ARN"],
            FunctionName=name,
            BatchSize=100,
            StartingPosition="TRIM_HORIZON",
        )
        state["resources"].append(
            {
                "name": "publish_order_events-dynamodb-event-source",
                "resource_type": "dynamodb_event",
                "stream_arn": env["ORDERS_STREAM_ARN"],
                "event_uuid": mapping["UUID"],
                "lambda_arn": function["FunctionArn"],
            }
        )
        record.write_text(json.dumps(state))

    def _delete(self, record: Path) -> None:
        for resource in json.loads(record.read_text())["resources"]:
            if resource["resource_type"] == "rest_api":
                self.apigateway.delete_rest_api(restApiId=resource["rest_api_id"])
            elif resource["resource_type"] == "dynamodb_event" and self.lambda_client:
                self.lambda_client.delete_event_source_mapping(UUID=resource["event_uuid"])
                function = resource["lambda_arn"].rsplit(":", 1)[-1]
                self.lambda_client.delete_function(FunctionName=function)
                self.iam.delete_role(RoleName=function)
        record.write_text(json.dumps({"resources": [], "schema_version": "2.0"}))
