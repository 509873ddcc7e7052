"""`make package`: one SAM template for CloudFormation pipelines, and the deployment zip.

`chalice package --merge-template` merges a template into the one Chalice generates, key by key
(chalice/package.py, TemplateDeepMerger): a value of ours replaces Chalice's unless both are
objects, which are merged. So the merge template is the infrastructure template plus overrides
only where Chalice's values are plain strings (each function's environment, the DynamoDB stream
ARN, the authorizer's user pool ARN), and `DependsOn` where they are not: Chalice names each
function's queue with an `Fn::Sub` of its name, which merging a `Fn::GetAtt` into would corrupt.

One value Chalice bakes into the API's definition in many places is not plain at package time: the
CORS origin of every OPTIONS answer (the storefront bucket's URL, known once the stack exists).
The package imports the app with a placeholder origin and then turns each placeholder into the
stack's `CorsOrigin` expression.

The zip is reproducible: its dependencies are requirements.txt's, every one pinned with its hashes
(`make lock`), and Chalice already gives every entry one timestamp; `normalize_zip` then orders
the entries by name and gives every file one mode, so the bytes no longer depend on the order a
file system lists a directory in. Two builds of one commit give the same zip.
"""

from __future__ import annotations

import copy
import json
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalice.utils import to_cfn_resource_name

from deploy import DeployError, app_facts, concurrency, environment, gateway, policies, project
from deploy.app_facts import AppFacts
from deploy.chalice_cli import ChaliceRunner, run_chalice
from deploy.stages import StageSettings, check_payment_provider, extra_env, stage_settings
from infra import database, messaging, operations, storage, streams, workflows
from infra.cfn import get_att
from infra.template import build_template, env_name

Json = dict[str, Any]
CORS_PLACEHOLDER = "https://cors-origin.invalid"
MAX_ZIP_BYTES = 20 * 1024 * 1024
CURSOR_SECRET_VALUE: Json = {"Fn::Sub": "{{resolve:secretsmanager:${CursorSecret}}}"}
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # zip's earliest date, which Chalice also writes
# The AWS services whose botocore models the functions load: every `aws.client("<name>")` of
# chalicelib (a test keeps this true), PynamoDB's DynamoDB, and the ones a function could reach
# through the services it uses (STS for credentials, Firehose and CloudWatch for a consumer). The
# models of the other ~400 services are over half the zip: they are left out.
BOTOCORE_SERVICES = frozenset(
    {
        "cloudwatch",
        "cognito-idp",
        "dynamodb",
        "dynamodbstreams",
        "firehose",
        "s3",
        "secretsmanager",
        "ses",
        "sesv2",
        "sns",
        "sqs",
        "stepfunctions",
        "sts",
    }
)
_BOTOCORE_DATA = "botocore/data/"


@dataclass(frozen=True)
class Package:
    """The packaged stage: the template, the zip and the zip's sizes."""

    template: Path
    zip_file: Path
    zipped_bytes: int
    unzipped_bytes: int


def function_logical_id(function: str) -> str:
    """The logical id `chalice package` gives a function: api_handler -> APIHandler."""
    return "APIHandler" if function == "api_handler" else to_cfn_resource_name(function)


def _queue_logical_id(stage: str, queue_name: str) -> str:
    for consumer in messaging.CONSUMERS:
        if queue_name == f"shop-{stage}-{consumer.name}":
            return consumer.queue
        if queue_name == f"shop-{stage}-{consumer.name}-dlq":  # the saga's DLQ consumers
            return consumer.dead_letter_queue
    if queue_name == f"shop-{stage}-return-steps":  # the returns workflow's step queue
        return workflows.QUEUE
    raise DeployError(f"the app reads queue {queue_name}, which the template does not declare")


def _streamed_table(stage: str, stream_arn: str) -> str:
    name = stream_arn.split(":table/", 1)[-1].split("/", 1)[0].removeprefix(f"shop-{stage}-")
    for table in database.TABLES:
        if table.name == name and table.stream:
            return table.logical_id
    raise DeployError(f"the app reads the stream {stream_arn}, which the template does not declare")


def function_environment(reads: set[str]) -> Json:
    """Each variable the app reads from the stack, as the stack's own expression for it."""
    values = {
        env_name(key): output["Value"]
        for key, output in build_template()["Outputs"].items()
        if env_name(key) in reads
    }
    values[environment.SECRET_VARIABLE] = CURSOR_SECRET_VALUE
    return values


def _function_override(stage: str, function: str, facts: AppFacts, variables: Json) -> Json:
    logical_id = function_logical_id(function)
    override: Json = {
        "Properties": {
            # The names chalice deploy gives them, which the policies' log groups name.
            "FunctionName": f"shop-{stage}-{function}",
            "Environment": {"Variables": variables},
        }
    }
    if function in facts.queues:
        override["DependsOn"] = [_queue_logical_id(stage, facts.queues[function])]
    if function in facts.streams:
        table = _streamed_table(stage, facts.streams[function])
        event = {"Properties": {"Stream": get_att(table, "StreamArn")}}
        settings = streams.for_function(function)
        if settings is not None:
            # What on_dynamodb_record cannot say: bisect, bounded retries, an on-failure queue.
            destination = get_att(settings.queue_logical_id, "Arn")
            event["Properties"].update(settings.mapping_properties(destination))
        override["Properties"]["Events"] = {f"{logical_id}DynamodbEventSource": event}
    return override


def cors_origin_header() -> Json:
    """The stack's CORS origin as a static header value (in single quotes)."""
    return {"Fn::Sub": ["'${Origin}'", {"Origin": storage.cors_origin()}]}


def _rest_api_override(settings: StageSettings, facts: AppFacts, xray: bool) -> Json:
    providers = {"providerARNs": [get_att("UserPool", "Arn")]}
    return {
        "Properties": {
            "AccessLogSetting": {
                "DestinationArn": operations.access_log_destination(),
                "Format": operations.ACCESS_LOG_FORMAT,
            },
            "TracingEnabled": xray,
            "MethodSettings": [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "ThrottlingRateLimit": settings.throttle.rate_limit,
                    "ThrottlingBurstLimit": settings.throttle.burst_limit,
                }
            ],
            "DefinitionBody": {
                "securityDefinitions": {
                    name: {"x-amazon-apigateway-authorizer": providers}
                    for name in facts.cognito_authorizers
                },
                "x-amazon-apigateway-gateway-responses": gateway.gateway_responses(
                    cors_origin_header()
                ),
            },
        }
    }


def merge_template(
    settings: StageSettings, facts: AppFacts, reads: set[str], xray: bool = False
) -> Json:
    """The template `chalice package --merge-template` merges: the stack plus the overrides."""
    stage = settings.name
    template = build_template(stage)
    template["Description"] = f"The shop, stage {stage}: infrastructure, functions and API."
    parameter = template["Parameters"]["Stage"]
    # Chalice baked this stage's names (queues, functions) into its half: no other stage fits.
    template["Parameters"]["Stage"] = {**parameter, "Default": stage, "AllowedValues": [stage]}
    variables = function_environment(reads)
    for function in facts.functions:
        override = _function_override(stage, function, facts, variables)
        template["Resources"][function_logical_id(function)] = override
    if "api_handler" in facts.functions:
        template["Resources"]["RestAPI"] = _rest_api_override(settings, facts, xray)
        if settings.provisioned_concurrency > 0:
            handler = template["Resources"][function_logical_id("api_handler")]["Properties"]
            handler["AutoPublishAlias"] = concurrency.ALIAS
            handler["ProvisionedConcurrencyConfig"] = {
                "ProvisionedConcurrentExecutions": settings.provisioned_concurrency
            }
    return template


def point_api_at_alias(template: Json) -> Json:
    """The packaged template with the API calling the API handler's alias, not $LATEST.

    SAM publishes a version and the alias for `AutoPublishAlias` (its logical id is
    `<function>Alias<name>`, whose `Ref` is the alias's ARN); provisioned concurrency lives on the
    alias, so the API's integrations and its invoke permission must name it.
    """
    handler = function_logical_id("api_handler")
    alias = f"{handler}Alias{concurrency.ALIAS}"
    text = json.dumps(template).replace(f"${{{handler}.Arn}}", f"${{{alias}}}")
    pointed: Json = json.loads(text)
    permission = pointed["Resources"].get(f"{handler}InvokePermission")
    if permission is not None:
        permission["Properties"]["FunctionName"] = {"Ref": alias}
    return pointed


def replace_cors_placeholder(value: Any) -> Any:
    """`value` with every string holding the placeholder origin made the stack's origin."""
    if isinstance(value, list):
        return [replace_cors_placeholder(item) for item in value]
    if isinstance(value, dict):
        return {key: replace_cors_placeholder(item) for key, item in value.items()}
    if isinstance(value, str) and CORS_PLACEHOLDER in value:
        text = value.replace(CORS_PLACEHOLDER, "${Origin}")
        return {"Fn::Sub": [text, {"Origin": copy.deepcopy(storage.cors_origin())}]}
    return value


def zip_sizes(path: Path) -> tuple[int, int]:
    """A zip's size on disk and the total size of what it holds, in bytes."""
    with zipfile.ZipFile(path) as archive:
        unzipped = sum(info.file_size for info in archive.infolist())
    return path.stat().st_size, unzipped


def _needed(name: str) -> bool:
    """Whether a zip entry belongs in the package (not the model of a service nobody calls)."""
    if not name.startswith(_BOTOCORE_DATA):
        return True
    service, _, rest = name.removeprefix(_BOTOCORE_DATA).partition("/")
    return not rest or service in BOTOCORE_SERVICES  # top-level files (endpoints.json) stay


def normalize_zip(path: Path) -> None:
    """Rewrite a zip so its bytes depend only on what it holds: sorted, one time, one mode; the
    botocore models of services the functions never call are left out."""
    with zipfile.ZipFile(path) as source:
        names = source.namelist()
        if len(set(names)) != len(names):
            raise DeployError(f"{path.name} holds the same name twice")
        entries = [
            (name, source.read(name))
            for name in sorted(names)
            if not name.endswith("/") and _needed(name)
        ]
    rewritten = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as target:
        for name, data in entries:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.create_system = 3  # Unix, so Lambda reads the mode below
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, data)
    rewritten.replace(path)


@dataclass(frozen=True)
class Workspace:
    """Where packaging reads the project and builds, and the Chalice it runs (a seam)."""

    project_dir: Path = project.ROOT
    build_root: Path | None = None  # default: <project>/build
    runner: ChaliceRunner = run_chalice


def build_package(
    stage: str,
    out: Path,
    *,
    environ: dict[str, str],
    workspace: Workspace | None = None,
    allow_simulated_payments: bool = False,
) -> Package:
    """Package a stage into `out` (sam.json and deployment.zip); answer the sizes."""
    workspace = workspace or Workspace()
    project_dir, build_root, runner = workspace.project_dir, workspace.build_root, workspace.runner
    settings = stage_settings(stage)
    config = project.chalice_config(project_dir)
    extra = extra_env(settings, environ)
    stage_env = {**project.stage_environment(config, stage), **extra}
    check_payment_provider(settings, stage_env, allow_simulated_payments)
    stage_env.update(project.policy_environment(config, stage))
    build = (build_root or project_dir / "build") / f"package-src-{stage}"
    project.prepare(
        project_dir,
        build,
        project.state_dir(project_dir),
        project.StageBuild(
            stage,
            {"CORS_ORIGIN": CORS_PLACEHOLDER, **extra},
            policies.render_for_package(stage_env),
        ),
    )
    clean = environment.without_app_variables(environ, project_dir)
    facts = app_facts.read(build, stage, clean)
    reads = environment.variables_the_app_reads(project_dir)
    merge = build / "merge-template.json"
    xray = project.xray_enabled(config, stage)
    merge.write_text(json.dumps(merge_template(settings, facts, reads, xray), indent=2) + "\n")
    runner(["package", "--stage", stage, "--merge-template", str(merge), str(out)], build, clean)
    sam = out / "sam.json"
    template = replace_cors_placeholder(json.loads(sam.read_text()))
    if settings.provisioned_concurrency > 0:
        template = point_api_at_alias(template)
    if CORS_PLACEHOLDER in json.dumps(template):
        raise DeployError("the placeholder CORS origin is still in the template")
    sam.write_text(json.dumps(template, indent=2) + "\n")
    normalize_zip(out / "deployment.zip")
    zipped, unzipped = zip_sizes(out / "deployment.zip")
    if zipped > MAX_ZIP_BYTES:
        raise DeployError(f"deployment.zip is {zipped / 1e6:.1f} MB; the budget is 20 MB")
    return Package(sam, out / "deployment.zip", zipped, unzipped)
