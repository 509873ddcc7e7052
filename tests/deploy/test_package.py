"""`make package`: one template CloudFormation accepts, wired to its own resources, and a small zip.

The package is built once per session by the real command (`python -m deploy package`), in a child
process, so it imports the app exactly as a pipeline would. The first build downloads the Lambda's
wheels from the package index; later ones reuse Chalice's cache in .chalice/deployments/.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from deploy import concurrency, package, policies
from deploy.stages import STAGES
from infra import operations, workflows
from infra.cfn import get_att
from infra.messaging import CONSUMERS
from infra.storage import cors_origin
from infra.streams import ORDERS_STREAM
from infra.template import build_template
from tests import checkov_tool
from tests.deploy.locks import pins
from tests.infra import views

ROOT = Path(__file__).resolve().parents[2]
STAGE = "dev"
cfnlint_api = pytest.importorskip("cfnlint.api", reason="cfn-lint is in requirements-dev.txt")


def _build_package(work: Path) -> Path:
    """`python -m deploy package` for the dev stage into `work`; answer the output directory."""
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    done = subprocess.run(
        [sys.executable, "-m", "deploy", "package", "--stage", STAGE,
         "--build-root", str(work / "build"), "--out", str(work / "out")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return work / "out"


@pytest.fixture(scope="session")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """build/package for the dev stage, made once by `python -m deploy package`."""
    return _build_package(tmp_path_factory.mktemp("package"))


@pytest.fixture(scope="session")
def sam(packaged: Path) -> dict[str, Any]:
    """The merged template."""
    template: dict[str, Any] = json.loads((packaged / "sam.json").read_text())
    return template


def _functions(sam: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        function: sam["Resources"][package.function_logical_id(function)]
        for function in policies.functions()
    }


def test_cfn_lint_finds_nothing_in_the_packaged_template(packaged: Path) -> None:
    config = cfnlint_api.ManualArgs(regions=["us-east-1"], include_checks=["I"])
    matches = cfnlint_api.lint((packaged / "sam.json").read_text(), config=config)
    assert [str(match) for match in matches] == []


def test_the_deployment_zip_stays_under_20_mb_and_holds_only_the_lambdas_code(
    packaged: Path,
) -> None:
    zipped, unzipped = package.zip_sizes(packaged / "deployment.zip")
    assert zipped < package.MAX_ZIP_BYTES, f"{zipped / 1e6:.1f} MB zipped"
    assert unzipped < 250 * 1024 * 1024  # Lambda's own limit, unzipped
    with zipfile.ZipFile(packaged / "deployment.zip") as archive:
        tops = {name.split("/", 1)[0] for name in archive.namelist()}
    assert {"app.py", "chalicelib", "pynamodb", "fastjsonschema"} <= tops
    assert not {"tests", "deploy", "devstack", "infra", "static", "bench", "jwt", "moto"} & tops


def test_the_zip_keeps_the_botocore_model_of_every_service_the_code_calls_and_no_other(
    packaged: Path,
) -> None:
    called = {"dynamodb"}  # PynamoDB's
    for source in [ROOT / "app.py", *sorted((ROOT / "chalicelib").rglob("*.py"))]:
        called |= set(re.findall(r'client\("([a-z0-9-]+)"', source.read_text()))
    assert called <= package.BOTOCORE_SERVICES, called - package.BOTOCORE_SERVICES
    with zipfile.ZipFile(packaged / "deployment.zip") as archive:
        kept = {
            name.split("/")[2]
            for name in archive.namelist()
            if name.startswith("botocore/data/") and name.count("/") > 2
        }
    assert kept == package.BOTOCORE_SERVICES


def test_the_zip_alone_builds_a_client_of_every_kept_service(
    packaged: Path, tmp_path: Path
) -> None:
    with zipfile.ZipFile(packaged / "deployment.zip") as archive:
        archive.extractall(tmp_path)
    code = (
        "import boto3, botocore; assert botocore.__file__.startswith(sys.argv[1]); "
        "[boto3.client(s, region_name='us-east-1') for s in sys.argv[2:]]"
    )
    argv = [sys.executable, "-S", "-c", f"import sys; sys.path.insert(0, sys.argv[1]); {code}"]
    argv += [str(tmp_path), *sorted(package.BOTOCORE_SERVICES)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]


def test_every_resource_of_the_infra_template_is_in_the_package_unchanged(
    sam: dict[str, Any],
) -> None:
    infra = build_template(STAGE)
    for name, resource in infra["Resources"].items():
        assert sam["Resources"][name] == resource, name
    assert sam["Conditions"] == infra["Conditions"]
    assert set(infra["Outputs"]) <= set(sam["Outputs"])
    assert sam["Parameters"]["Stage"]["AllowedValues"] == [STAGE]


def test_the_packaged_tables_queues_and_subscriptions_are_the_local_stacks(
    sam: dict[str, Any],
) -> None:
    for kind in ("AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::SNS::Subscription"):
        packaged = {n: r for n, r in sam["Resources"].items() if r["Type"] == kind}
        local = views.of_type(kind, stage="local")
        assert set(packaged) == set(local), kind


def test_each_queue_handler_reads_its_own_queue_after_the_queue_exists(
    sam: dict[str, Any],
) -> None:
    by_name = {f"shop-{STAGE}-{consumer.name}": consumer.queue for consumer in CONSUMERS}
    # The saga's DLQ consumers (issue 14) read two dead-letter queues.
    dead = {c.name: c.dead_letter_queue for c in CONSUMERS if c.name in ("payments", "fulfillment")}
    by_name |= {f"shop-{STAGE}-{name}-dlq": queue for name, queue in dead.items()}
    by_name[f"shop-{STAGE}-return-steps"] = workflows.QUEUE  # the returns workflow's steps
    prefix = "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:"
    read = set()
    for function in _functions(sam).values():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] != "SQS":
                continue
            arn = event["Properties"]["Queue"]["Fn::Sub"]
            assert arn.startswith(prefix)
            queue = by_name[arn.removeprefix(prefix)]
            # Chalice names the queue by an Fn::Sub; DependsOn orders it after the queue.
            assert function["DependsOn"] == [queue]
            read.add(queue)
    assert read == {consumer.queue for consumer in CONSUMERS} | set(dead.values()) | {
        workflows.QUEUE
    }


def test_the_publisher_reads_the_orders_tables_stream(sam: dict[str, Any]) -> None:
    events = _functions(sam)["publish_order_events"]["Properties"]["Events"]
    (event,) = events.values()
    assert event["Type"] == "DynamoDB"
    assert event["Properties"]["Stream"] == get_att("OrdersTable", "StreamArn")


def test_the_stream_mapping_bisects_retries_a_bounded_number_of_times_and_records_failures(
    sam: dict[str, Any],
) -> None:
    events = _functions(sam)["publish_order_events"]["Properties"]["Events"]
    (event,) = events.values()
    props = event["Properties"]
    assert props["BisectBatchOnFunctionError"] is True
    assert props["MaximumRetryAttempts"] == ORDERS_STREAM.maximum_retry_attempts
    assert props["DestinationConfig"] == {
        "OnFailure": {"Destination": get_att("OrdersStreamFailuresQueue", "Arn")}
    }
    # Chalice's own settings of the mapping are still there.
    assert (props["BatchSize"], props["StartingPosition"]) == (100, "TRIM_HORIZON")
    assert sam["Resources"]["OrdersStreamFailuresQueue"]["Type"] == "AWS::SQS::Queue"


def test_every_function_gets_the_stacks_values_and_the_generated_secret(
    sam: dict[str, Any],
) -> None:
    outputs = build_template()["Outputs"]
    for name, function in _functions(sam).items():
        props = function["Properties"]
        variables = props["Environment"]["Variables"]
        assert variables["USER_POOL_ARN"] == outputs["UserPoolArn"]["Value"], name
        assert variables["ORDERS_STREAM_ARN"] == get_att("OrdersTable", "StreamArn")
        assert variables["PRODUCTS_TABLE"] == {"Ref": "ProductsTable"}
        assert variables["CORS_ORIGIN"] == cors_origin()
        assert variables["CURSOR_SECRET"] == package.CURSOR_SECRET_VALUE
        assert variables["SHOP_STAGE"] == STAGE
        assert props["Runtime"] == "python3.11"
        assert props["FunctionName"] == f"shop-{STAGE}-{name}"


def test_the_api_checks_tokens_of_the_stacks_pool_and_answers_cors_everywhere(
    sam: dict[str, Any],
) -> None:
    api = sam["Resources"]["RestAPI"]["Properties"]
    (authorizer,) = api["DefinitionBody"]["securityDefinitions"].values()
    assert authorizer["x-amazon-apigateway-authorizer"]["providerARNs"] == [
        get_att("UserPool", "Arn")
    ]
    responses = api["DefinitionBody"]["x-amazon-apigateway-gateway-responses"]
    assert set(responses) == {"DEFAULT_4XX", "DEFAULT_5XX", "UNAUTHORIZED"}
    origin = package.cors_origin_header()
    for path in api["DefinitionBody"]["paths"].values():
        if "options" in path:
            integration = path["options"]["x-amazon-apigateway-integration"]
            parameters = integration["responses"]["default"]["responseParameters"]
            assert parameters["method.response.header.Access-Control-Allow-Origin"] == origin
    assert package.CORS_PLACEHOLDER not in json.dumps(sam)
    (throttle,) = api["MethodSettings"]
    assert throttle["ThrottlingRateLimit"] == STAGES[STAGE].throttle.rate_limit
    assert throttle["ThrottlingBurstLimit"] == STAGES[STAGE].throttle.burst_limit


def test_each_functions_role_has_its_own_policy_with_the_stacks_names(
    sam: dict[str, Any],
) -> None:
    for name, function in _functions(sam).items():
        role = sam["Resources"][function["Properties"]["Role"]["Fn::GetAtt"][0]]
        (inline,) = role["Properties"]["Policies"]
        expected = policies.render_for_package(
            {"SHOP_STAGE": STAGE, "MAILER": "recording", "AUTO_CONFIRM": "false"}
        )[name]
        assert inline["PolicyDocument"] == expected, name


def _zip_contents(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_two_builds_of_one_commit_give_the_same_zip(packaged: Path, tmp_path: Path) -> None:
    again = _build_package(tmp_path)
    first, second = packaged / "deployment.zip", again / "deployment.zip"
    with zipfile.ZipFile(first) as one, zipfile.ZipFile(second) as two:
        assert one.namelist() == two.namelist()
    first_files, second_files = _zip_contents(first), _zip_contents(second)
    python = [name for name in first_files if name.endswith(".py")]
    assert len(python) > 100
    assert all(first_files[name] == second_files[name] for name in python)
    assert (
        hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(second.read_bytes()).digest()
    )


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def test_the_zips_dependencies_are_the_locked_wheels_file_for_file(packaged: Path) -> None:
    files = _zip_contents(packaged / "deployment.zip")
    records = [name for name in files if name.endswith(".dist-info/RECORD")]
    shipped = {
        name.split("/", 1)[0].removesuffix(".dist-info").rsplit("-", 1)[0].lower().replace("_", "-")
        + "=="
        + name.split("/", 1)[0].removesuffix(".dist-info").rsplit("-", 1)[1]
        for name in records
    }
    assert shipped == {
        f"{name}=={version}" for name, version in pins(ROOT / "requirements.txt").items()
    }
    recorded: dict[str, str] = {}
    for record in records:
        for line in files[record].decode().splitlines():
            path, digest, _size = line.rsplit(",", 2)
            recorded[path] = digest
    ours = {"app.py", "chalice/app.py", "chalice/__init__.py"}
    for name, data in files.items():
        if name in ours or name.startswith("chalicelib/") or name.endswith("/RECORD"):
            continue
        assert recorded.get(name) == _record_hash(data), name


def test_normalize_zip_leaves_only_the_names_and_contents(tmp_path: Path) -> None:
    contents = {"b/two.py": b"two = 2\n", "a.py": b"one = 1\n", "c/three.txt": b"3"}
    made = []
    for number, (order, when, mode) in enumerate(
        [(sorted(contents), (1980, 1, 1, 0, 0, 0), 0o644),
         (sorted(contents, reverse=True), (2024, 5, 6, 7, 8, 10), 0o664)]
    ):  # fmt: skip
        path = tmp_path / f"{number}.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in order:
                info = zipfile.ZipInfo(name, when)
                info.external_attr = mode << 16
                archive.writestr(info, contents[name])
        package.normalize_zip(path)
        made.append(path)
    assert made[0].read_bytes() == made[1].read_bytes()
    with zipfile.ZipFile(made[0]) as archive:
        assert archive.namelist() == sorted(contents)
        assert {name: archive.read(name) for name in contents} == contents


def test_checkov_fails_only_the_documented_checks_on_the_packaged_template(packaged: Path) -> None:
    failed = checkov_tool.failed_checks([packaged / "sam.json"])
    assert checkov_tool.unexplained(failed, "package") == []
    assert checkov_tool.stale(failed, "package") == []


def test_the_api_writes_access_logs_and_traces_as_its_stage_says(sam: dict[str, Any]) -> None:
    props = sam["Resources"]["RestAPI"]["Properties"]
    assert props["AccessLogSetting"] == {
        "DestinationArn": operations.access_log_destination(),
        "Format": operations.ACCESS_LOG_FORMAT,
    }
    assert props["TracingEnabled"] is False  # dev; prod's .chalice/config.json says xray: true
    for function in _functions(sam).values():
        assert function["Properties"]["Tracing"] == "PassThrough"


def test_with_provisioned_concurrency_the_packaged_api_calls_a_warm_alias(
    sam: dict[str, Any],
) -> None:
    warm = copy.deepcopy(sam)
    handler = warm["Resources"]["APIHandler"]["Properties"]
    handler["AutoPublishAlias"] = concurrency.ALIAS
    handler["ProvisionedConcurrencyConfig"] = {"ProvisionedConcurrentExecutions": 2}
    warm = package.point_api_at_alias(warm)
    assert "${APIHandler.Arn}" not in json.dumps(warm["Resources"]["RestAPI"])
    config = cfnlint_api.ManualArgs(regions=["us-east-1"], include_checks=["I"])
    matches = cfnlint_api.lint(json.dumps(warm), config=config)
    assert [str(match) for match in matches] == []
