"""Create the template's resources with boto3 against an endpoint: CloudFormation, locally.

moto's CloudFormation cannot create Cognito pools, SNS subscriptions and more, so this walks the
template itself: it binds the parameters, evaluates the conditions, creates each resource after the
ones it refers to, and answers the outputs as the app's environment variables.

    python -m infra.provision --endpoint-url http://127.0.0.1:5001 Stage=local
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import dataclass, field
from typing import Any

import boto3

from infra.creators import CREATORS, NOT_CREATED, SKIPPED, Created, Target, stand_in
from infra.intrinsics import (
    NO_VALUE,
    Context,
    Json,
    TemplateError,
    bind_parameters,
    creation_order,
    evaluate_conditions,
    resolve,
)
from infra.template import build_template, env_from_outputs

log = logging.getLogger(__name__)


@dataclass
class Stack:
    """What provisioning made: each resource's physical id, the outputs and what was skipped."""

    physical_ids: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        """The outputs as environment variables (USER_POOL_ID, EVENTS_TOPIC_ARN, ...)."""
        return env_from_outputs(self.outputs)


def _client_factory(endpoint_url: str | None, region: str) -> Any:
    session = boto3.session.Session(region_name=region)
    clients: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in clients:
            clients[service] = session.client(service, endpoint_url=endpoint_url)
        return clients[service]

    return client


def create_stack(
    template: Json,
    parameters: dict[str, Any],
    endpoint_url: str | None = None,
    region: str = "us-east-1",
    stack_name: str = "shop-local",
) -> Stack:
    """Create every resource of `template` and answer the resulting stack."""
    client = _client_factory(endpoint_url, region)
    account = client("sts").get_caller_identity()["Account"]
    ctx = Context(
        parameters=bind_parameters(template.get("Parameters", {}), parameters),
        pseudo={
            "AWS::AccountId": account,
            "AWS::Region": region,
            "AWS::StackName": stack_name,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        },
    )
    ctx.conditions = evaluate_conditions(template.get("Conditions", {}), ctx)
    target = Target(client=client, region=region, account=account)
    stack = Stack()
    resources = template["Resources"]
    for logical_id in creation_order(resources):
        created = _create(logical_id, resources[logical_id], ctx, target, stack)
        if created is not None:
            ctx.refs[logical_id] = created.ref
            ctx.attributes[logical_id] = created.attributes
            if logical_id not in stack.skipped:
                stack.physical_ids[logical_id] = created.ref
    stack.outputs = _outputs(template.get("Outputs", {}), ctx)
    return stack


def _create(
    logical_id: str, resource: Json, ctx: Context, target: Target, stack: Stack
) -> Created | None:
    kind = resource["Type"]
    if not ctx.conditions.get(resource.get("Condition", ""), True):
        return None
    if kind in SKIPPED:
        stack.skipped[logical_id] = f"{kind}: {SKIPPED[kind]}"
        log.info("skipped %s (%s): %s", logical_id, kind, SKIPPED[kind])
        return stand_in(logical_id)
    creator = CREATORS.get(kind)
    if creator is None:
        raise TemplateError(f"{logical_id}: {kind} has no creator in infra.creators")
    created = creator(target, resolve(resource.get("Properties", {}), ctx))
    log.debug("created %s (%s): %s", logical_id, kind, created.ref)
    return created


def _outputs(outputs: Json, ctx: Context) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, output in outputs.items():
        if not ctx.conditions.get(output.get("Condition", ""), True):
            continue
        try:
            value = resolve(output["Value"], ctx)
        except TemplateError:
            # An output of a skipped resource has no local value.
            continue
        if value is not NO_VALUE and NOT_CREATED not in str(value):
            values[key] = str(value)  # an output naming a skipped resource has no local value
    return values


def provision(
    parameters: dict[str, Any],
    endpoint_url: str | None = None,
    region: str = "us-east-1",
) -> dict[str, str]:
    """Create the shop's stack from infra.template; answer its outputs as environment variables."""
    return create_stack(build_template(), parameters, endpoint_url, region).env


def main(argv: list[str] | None = None) -> int:
    """Provision the template on an endpoint and print the environment as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("parameters", nargs="*", help="Name=Value template parameters")
    args = parser.parse_args(argv)
    params = dict(item.split("=", 1) for item in args.parameters)
    stack = create_stack(build_template(), params, args.endpoint_url, args.region)
    json.dump({"env": stack.env, "skipped": stack.skipped}, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
