"""The shop's CloudFormation template: every AWS resource besides the Lambdas and the API.

Chalice deploys the functions, the API and the event source mappings; this stack holds what they
use.
Every output is named after the environment variable the app reads (`UserPoolId` -> USER_POOL_ID).

    python -m infra.template --out infra/shop.template.json              # local, test, dev
    python -m infra.template --stage prod --out infra/shop-prod.template.json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from infra import (
    database,
    edge,
    identity,
    lake,
    messaging,
    operations,
    secret,
    storage,
    streams,
    workflows,
)
from infra.cfn import Json, equals, not_, ref

# "test" is the API test suite's in-process moto, kept apart from a local stack in the same process.
STAGES = ("local", "test", "dev", "prod")
# prod has a template of its own (`build_template("prod")`): the one that keeps its data.
SHARED_STAGES = tuple(stage for stage in STAGES if stage != "prod")
# What nobody can make again: kept when prod's stack is deleted or a resource is replaced.
RETAINED_IN_PROD = (
    *(table.logical_id for table in database.TABLES),
    "UserPool",
    "ImagesBucket",
    "LakeBucket",  # the events of every day before: nothing can write them again
)
# Queue handlers run with the Lambda timeout of .chalice/config.json; SQS wants 6 times it.
HANDLER_TIMEOUT_SECONDS = 10
DEFAULT_VISIBILITY_TIMEOUT = 6 * HANDLER_TIMEOUT_SECONDS

PARAMETERS: Json = {
    "Stage": {
        "Type": "String",
        "AllowedValues": list(STAGES),
        "Default": "dev",
        "Description": "The Chalice stage; every resource is named shop-<Stage>-<name>.",
    },
    "QueueVisibilityTimeout": {
        "Type": "Number",
        "Default": DEFAULT_VISIBILITY_TIMEOUT,
        "MinValue": 1,
        "MaxValue": 43200,
        "Description": (
            "Seconds a received message stays hidden. Deployed stages keep at least 6 x the "
            f"handlers' {HANDLER_TIMEOUT_SECONDS} s Lambda timeout; the local stack uses 2 so "
            "retries are quick."
        ),
    },
    "CorsOrigin": {
        "Type": "String",
        "Default": "",
        "Description": "The storefront's origin; empty means the CloudFront distribution's.",
    },
    "AlarmTopicArn": {
        "Type": "String",
        "Default": "",
        "Description": "An SNS topic told when a dead-letter queue fills; empty for none.",
    },
}

CONDITIONS: Json = {
    "IsProd": equals(ref("Stage"), "prod"),
    "HasCorsOrigin": not_(equals(ref("CorsOrigin"), "")),
    "HasAlarmTopic": not_(equals(ref("AlarmTopicArn"), "")),
}

_SECTIONS = (
    identity,
    database,
    messaging,
    workflows,
    streams,
    storage,
    edge,
    operations,
    secret,
    lake,
)


def _fold(value: Any, known: dict[str, bool]) -> Any:
    """`value` with each `Fn::If` on a condition in `known` replaced by the branch it takes."""
    if isinstance(value, list):
        return [_fold(item, known) for item in value]
    if isinstance(value, dict):
        if set(value) == {"Fn::If"} and value["Fn::If"][0] in known:
            name, then, otherwise = value["Fn::If"]
            return _fold(then if known[name] else otherwise, known)
        return {key: _fold(item, known) for key, item in value.items()}
    return value


def _retained(resource: Json) -> Json:
    return {**resource, "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}


def build_template(stage: str | None = None) -> Json:
    """The whole CloudFormation template as a dict: for one stage, or for every stage but prod.

    A stage's template accepts only that stage; prod's keeps its tables, user pool and images
    (DeletionPolicy and UpdateReplacePolicy Retain). CloudFormation cannot choose a deletion policy
    by a condition without a transform, so the choice is made here (docs/decisions).
    """
    resources: Json = {}
    outputs: Json = {}
    for section in _SECTIONS:
        resources.update(section.resources())
        outputs.update(section.outputs())
    if stage is not None and stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; one of {STAGES}")
    if stage == "prod":
        for name in RETAINED_IN_PROD:
            resources[name] = _retained(resources[name])
    stage_parameter = {**PARAMETERS["Stage"]}
    stage_parameter["AllowedValues"] = [stage] if stage else list(SHARED_STAGES)
    stage_parameter["Default"] = stage or "dev"
    conditions = dict(CONDITIONS)
    if stage is not None:
        # One stage's template says what IsProd decides outright.
        known = {"IsProd": stage == "prod"}
        resources, outputs = _fold(resources, known), _fold(outputs, known)
        conditions = {name: c for name, c in conditions.items() if name not in known}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "The shop: tables, events, users and buckets (Chalice deploys the code).",
        "Parameters": {**PARAMETERS, "Stage": stage_parameter},
        "Conditions": conditions,
        "Resources": resources,
        "Outputs": outputs,
    }


def env_name(output_key: str) -> str:
    """The environment variable an output sets: `ImagesBaseUrl` -> `IMAGES_BASE_URL`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", output_key).upper()


def env_from_outputs(outputs: dict[str, str]) -> dict[str, str]:
    """The app's environment from a stack's outputs, keyed by variable name."""
    return {env_name(key): value for key, value in outputs.items()}


def to_json(template: Json) -> str:
    """The template as stable, reviewable JSON."""
    return json.dumps(template, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the template's JSON to stdout or to --out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="write here instead of stdout")
    parser.add_argument("--stage", choices=STAGES, help="one stage's template (prod: its own)")
    args = parser.parse_args(argv)
    text = to_json(build_template(args.stage))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
