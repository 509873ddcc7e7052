"""`make deploy` and `make destroy`: the whole sequence, every step safe to run again."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy import (
    DeployError,
    concurrency,
    environment,
    gateway,
    image_urls,
    policies,
    project,
    retained,
    stack,
    storefront,
    stream_mappings,
)
from deploy.aws import Aws
from deploy.chalice_cli import ChaliceRunner, DeployedApi, deployed_api, run_chalice
from deploy.stages import StageSettings, check_payment_provider, extra_env, stage_settings
from infra import operations
from infra.template import build_template

Log = Callable[[str], None]


@dataclass(frozen=True)
class Deployment:
    """What a deploy made: the URLs to print and where it built."""

    api_url: str
    web_url: str
    build_dir: Path
    outputs: dict[str, str]


@dataclass(frozen=True)
class Options:
    """Where the deploy reads and writes, and its seams for the offline rehearsal."""

    project: Path = project.ROOT
    build_root: Path | None = None  # default: <project>/build
    state: Path | None = None  # default: <project>/.chalice (deployed records, dependency cache)
    template: dict[str, Any] | None = None  # default: infra.template's
    runner: ChaliceRunner = run_chalice
    environ: dict[str, str] | None = None  # default: os.environ
    parameters: dict[str, str] | None = None  # extra stack parameters (CorsOrigin, AlarmTopicArn)
    allow_simulated_payments: bool = False  # prod: deploy with the simulated provider on purpose
    delay: int = stack.DEFAULT_DELAY
    log: Log = print

    def build_dir(self, kind: str, stage: str) -> Path:
        """build/<kind>-<stage>."""
        return (self.build_root or self.project / "build") / f"{kind}-{stage}"

    def state_dir(self) -> Path:
        """Where Chalice's records are kept."""
        return self.state or project.state_dir(self.project)

    def env(self) -> dict[str, str]:
        """The deploy's own environment."""
        return dict(os.environ if self.environ is None else self.environ)


def _chalice_env(options: Options, region: str) -> dict[str, str]:
    clean = environment.without_app_variables(options.env(), options.project)
    return {**clean, "AWS_DEFAULT_REGION": region}


def deploy_infrastructure(settings: StageSettings, aws: Aws, options: Options) -> dict[str, str]:
    """Create or update the stage's infrastructure stack; answer its outputs."""
    parameters = {"Stage": settings.name, **settings.parameters, **(options.parameters or {})}
    template = options.template or build_template(settings.name)
    cfn = aws.client("cloudformation")
    if stack.describe(cfn, settings.stack_name) is None:
        found = retained.find(aws, template, parameters)
        if found:
            names = ", ".join(item.logical_id for item in found)
            options.log(f"stack {settings.stack_name}: importing what it retained: {names}")
            new = retained.NewStack(settings.stack_name, template, parameters)
            retained.import_into_new_stack(cfn, new, found, options.delay)
    options.log(f"stack {settings.stack_name}: create or update (waits for CloudFormation)")
    return stack.deploy_stack(cfn, settings.stack_name, template, parameters, options.delay)


def build_for_chalice(
    settings: StageSettings, aws: Aws, options: Options, outputs: dict[str, str]
) -> Path:
    """Write build/deploy-<stage>: the project with the stack's values and rendered policies."""
    stage = settings.name
    config = project.chalice_config(options.project)
    secret = environment.cursor_secret(aws.client("secretsmanager"), outputs)
    extra = extra_env(settings, options.env())
    env = environment.app_environment(options.project, outputs, secret, extra)
    stage_env = {**project.stage_environment(config, stage), **env}
    stage_env.update(project.policy_environment(config, stage))
    rendered = policies.render_for_deploy(stage, stage_env, aws.region, aws.account_id(), outputs)
    build = options.build_dir("deploy", stage)
    what = project.StageBuild(stage, env, rendered)
    return project.prepare(options.project, build, options.state_dir(), what)


def deploy(stage: str, aws: Aws, options: Options | None = None) -> Deployment:
    """Deploy or update a whole stage; answer its URLs."""
    options = options or Options()
    settings = stage_settings(stage)
    extra_env(settings, options.env())  # fail before touching anything
    committed = project.stage_environment(project.chalice_config(options.project), stage)
    check_payment_provider(settings, committed, options.allow_simulated_payments)
    previous = stack.outputs(aws.client("cloudformation"), settings.stack_name)
    outputs = deploy_infrastructure(settings, aws, options)
    moved = image_urls.migrate(
        aws.client("dynamodb"),
        outputs["ProductsTable"],
        image_urls.old_bases(outputs["ImagesBucket"], aws.region, previous.get("ImagesBaseUrl")),
        outputs["ImagesBaseUrl"],
    )
    options.log(f"product images: {moved} stored URLs moved to {outputs['ImagesBaseUrl']}")
    build = build_for_chalice(settings, aws, options, outputs)
    options.log(f"chalice deploy --stage {stage} (in {build})")
    options.runner(["deploy", "--stage", stage], build, _chalice_env(options, aws.region))
    deployed = project.deployed_state(options.state_dir(), stage)
    api = deployed_api(deployed)
    if settings.provisioned_concurrency > 0 or _has_api_handler(deployed):
        warm = concurrency.configure(
            aws.client("lambda"),
            aws.client("apigateway"),
            deployed,
            api.rest_api_id,
            settings.provisioned_concurrency,
        )
        options.log(f"provisioned concurrency: {warm or 'off'}")
    _finish_api(settings, aws, options, api, outputs)
    for applied in stream_mappings.configure(aws.client("lambda"), deployed, outputs):
        options.log(f"stream mapping of {applied.function}: {applied.properties}")
    options.log(f"storefront: s3://{outputs['WebBucket']}")
    storefront.publish(aws.client("s3"), outputs["WebBucket"], options.project / "static", api.url)
    options.log(f"API:        {api.url}")
    options.log(f"storefront: {outputs['WebUrl']}")
    return Deployment(api.url, outputs["WebUrl"], build, outputs)


def _has_api_handler(deployed: dict[str, Any] | None) -> bool:
    resources = (deployed or {}).get("resources", [])
    return any(
        r.get("resource_type") == "lambda_function" and r.get("name") == "api_handler"
        for r in resources
    )


def _finish_api(
    settings: StageSettings, aws: Aws, options: Options, api: DeployedApi, outputs: dict[str, str]
) -> None:
    config = project.chalice_config(options.project)
    section = project.stage_config(config, settings.name)
    api_stage = section.get("api_gateway_stage", config.get("api_gateway_stage", "api"))
    options.log(f"API Gateway: CORS on its own errors, throttling {settings.throttle}, access logs")
    edge = gateway.Edge(
        outputs["CorsOrigin"],
        settings.throttle,
        (outputs["ApiAccessLogsArn"], operations.ACCESS_LOG_FORMAT),
    )
    gateway.configure_api(aws.client("apigateway"), api.rest_api_id, api_stage, edge)


def destroy(stage: str, aws: Aws, options: Options | None = None, confirm: str = "") -> None:
    """Remove a whole stage: the Chalice app, the buckets' objects, then the stack.

    prod's stack keeps its tables, user pool and images bucket (decision 0120); a later deploy
    imports them into the new stack.
    """
    options = options or Options()
    settings = stage_settings(stage)
    if stage == "prod" and confirm != stage:
        raise DeployError(
            "destroying prod deletes its functions, API, queues and storefront (its tables, user "
            "pool and images are kept): make destroy STAGE=prod CONFIRM=prod"
        )
    cfn = aws.client("cloudformation")
    outputs = stack.outputs(cfn, settings.stack_name)
    deployed = project.deployed_state(options.state_dir(), stage) or {}
    if deployed.get("resources"):
        # chalice delete imports app.py (not the policies): the committed stage config is enough.
        build = options.build_dir("deploy", stage)
        project.prepare(options.project, build, options.state_dir(), project.StageBuild(stage))
        options.log(f"chalice delete --stage {stage}")
        options.runner(["delete", "--stage", stage], build, _chalice_env(options, aws.region))
    kept = set(retained.retained_ids(options.template or build_template(stage)))
    for key in ("ImagesBucket", "WebBucket"):
        if key in outputs and key in kept:
            options.log(f"kept s3://{outputs[key]} and its objects (retained)")
        elif key in outputs:
            removed = storefront.empty_bucket(aws.client("s3"), outputs[key])
            options.log(f"emptied s3://{outputs[key]} ({removed} objects)")
    options.log(f"stack {settings.stack_name}: delete (waits for CloudFormation)")
    stack.delete_stack(cfn, settings.stack_name, options.delay)
