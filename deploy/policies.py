"""Each Lambda function's IAM policy: a committed template per function, rendered per stage.

A template (deploy/policies/<function>.json) is an IAM policy whose strings may hold `Fn::Sub`
placeholders over the infrastructure template's names: `${AWS::Region}`, `${Stage}`,
`${OrdersTable}`, `${PaymentsQueue.Arn}`. It is rendered two ways:

- for `chalice deploy`, each placeholder is resolved against the deployed stack's outputs
  (`${OrdersTable}` is the output whose value is `Ref OrdersTable`);
- for `chalice package`, each such string becomes an `Fn::Sub` that CloudFormation resolves in the
  merged stack.

Two additions of ours, gone after rendering: a statement with `"OnlyIf": {"MAILER": "ses"}` is kept
only for stages whose environment says so, and `${Env:NAME}` is the stage's variable NAME.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from deploy import DeployError
from infra.intrinsics import Context, TemplateError, resolve
from infra.template import build_template

TEMPLATES = Path(__file__).resolve().parent / "policies"
_ENV_PLACEHOLDER = re.compile(r"\$\{Env:([A-Z0-9_]+)\}")

Json = dict[str, Any]


def functions() -> list[str]:
    """The functions that have a policy template, e.g. `api_handler`, `take_payments`."""
    return sorted(path.stem for path in TEMPLATES.glob("*.json"))


def load(function: str) -> Json:
    """One function's policy template."""
    data: Json = json.loads((TEMPLATES / f"{function}.json").read_text())
    return data


def file_name(stage: str, function: str) -> str:
    """The rendered policy's file name in .chalice/, as config.json's `iam_policy_file` says."""
    return f"policy-{stage}-{function}.json"


def _map_strings(value: Any, change: Any) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [_map_strings(item, change) for item in value]
    if isinstance(value, dict):
        return {key: _map_strings(item, change) for key, item in value.items()}
    return value


def for_stage(template: Json, env: dict[str, str]) -> Json:
    """The template's statements that apply to a stage, with `${Env:NAME}` filled in."""

    def applies(statement: Json) -> bool:
        wanted = statement.get("OnlyIf", {})
        return all(env.get(name, "").lower() == str(v).lower() for name, v in wanted.items())

    def fill(text: str) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if not env.get(name):
                raise DeployError(f"a policy needs the stage variable {name}, which is not set")
            return env[name]

        return _ENV_PLACEHOLDER.sub(value, text)

    policy = copy.deepcopy(template)
    statements = [s for s in policy["Statement"] if applies(s)]
    for statement in statements:
        statement.pop("OnlyIf", None)
    policy["Statement"] = _map_strings(statements, fill)
    return policy


def stack_context(stage: str, region: str, account: str, stack_outputs: dict[str, str]) -> Context:
    """What placeholders resolve to in a deployed stack: its parameters, account and outputs."""
    ctx = Context(
        parameters={"Stage": stage},
        pseudo={
            "AWS::Region": region,
            "AWS::AccountId": account,
            "AWS::Partition": "aws-cn" if region.startswith("cn-") else "aws",
            "AWS::URLSuffix": "amazonaws.com",
        },
    )
    for key, output in build_template()["Outputs"].items():
        if key not in stack_outputs:
            continue
        value = output["Value"]
        if set(value) == {"Ref"}:
            ctx.refs[value["Ref"]] = stack_outputs[key]
        elif set(value) == {"Fn::GetAtt"}:
            resource, attribute = value["Fn::GetAtt"]
            ctx.attributes.setdefault(resource, {})[attribute] = stack_outputs[key]
    return ctx


def resolved(policy: Json, ctx: Context) -> Json:
    """The policy with every placeholder resolved; DeployError naming one with no value."""

    def substitute(text: str) -> str:
        if "${" not in text:
            return text
        try:
            return str(resolve({"Fn::Sub": text}, ctx))
        except TemplateError as exc:
            raise DeployError(f"cannot render {text!r}: {exc} (is it a stack output?)") from None

    rendered: Json = _map_strings(policy, substitute)
    return rendered


def as_fn_sub(policy: Json) -> Json:
    """The policy with each placeholder string wrapped in `Fn::Sub`, for a template."""
    wrapped: Json = _map_strings(policy, lambda text: {"Fn::Sub": text} if "${" in text else text)
    return wrapped


def render_for_deploy(
    stage: str, env: dict[str, str], region: str, account: str, stack_outputs: dict[str, str]
) -> dict[str, Json]:
    """Every function's policy for `chalice deploy`, with the stack's real ARNs."""
    ctx = stack_context(stage, region, account, stack_outputs)
    return {name: resolved(for_stage(load(name), env), ctx) for name in functions()}


def render_for_package(env: dict[str, str]) -> dict[str, Json]:
    """Every function's policy for `chalice package`, ARNs left to CloudFormation."""
    return {name: as_fn_sub(for_stage(load(name), env)) for name in functions()}
