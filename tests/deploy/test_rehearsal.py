"""`make deploy` and `make destroy` rehearsed offline: the deploy package's own code against moto's
server, with only the `chalice deploy` subprocess played by a stand-in (tests/deploy/rehearsal.py).

What it proves: the stack is created, then updated in place; its outputs become the stage's
environment in the build directory Chalice runs in (and Chalice reads that config, with each
function's rendered policy); the API gets its gateway responses and throttling; the storefront and
a generated config.js land in the bucket, without touching static/config.js; Chalice's records
survive in the state directory; destroy empties the buckets and deletes the stack; all rerun safely.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from deploy import DeployError, commands
from deploy.aws import Aws
from deploy.stages import STAGES
from devstack.moto_server import LockedMotoServer
from infra import operations, workflows
from infra.streams import ORDERS_STREAM
from tests.deploy.rehearsal import DISTRIBUTION_DOMAIN, FakeChalice, rehearsal_template

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
STAGE = "dev"


@pytest.fixture(scope="module")
def aws(moto: LockedMotoServer) -> Aws:
    """The deploy's clients, pointed at moto."""
    return Aws(REGION, endpoint_url=moto.endpoint_url)


@pytest.fixture(scope="module")
def stand_ins(aws: Aws) -> dict[str, str]:
    """What moto's CloudFormation cannot create, made directly: a user pool, a client, a secret."""
    idp = aws.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="shop-dev-users")["UserPool"]
    client = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="shop-dev-web")
    secret = aws.client("secretsmanager").create_secret(
        Name="rehearsal-cursor-secret", SecretString="s3cr3t-generated-by-cloudformation"
    )
    return {
        "UserPoolId": pool["Id"],
        "UserPoolArn": pool["Arn"],
        "UserPoolClientId": client["UserPoolClient"]["ClientId"],
        "CursorSecretArn": secret["ARN"],
    }


@pytest.fixture(scope="module")
def rehearsal(
    aws: Aws, stand_ins: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """One deploy, a second deploy, a destroy and a second destroy, with what each left behind."""
    work = tmp_path_factory.mktemp("rehearsal")
    chalice = FakeChalice(aws.client("apigateway"), REGION, aws.client("lambda"), aws.client("iam"))
    log: list[str] = []
    options = commands.Options(
        project=ROOT,
        build_root=work / "build",
        state=work / "state",
        template=rehearsal_template(stand_ins),
        runner=chalice,
        # A stray variable of the app's in the deploying shell must not reach Chalice.
        environ={"PATH": "/usr/bin", "AUTH_MODE": "local", "AWS_DEFAULT_REGION": REGION},
        delay=1,
        log=log.append,
    )
    config_js = (ROOT / "static/config.js").read_bytes()
    first = commands.deploy(STAGE, aws, options)
    s3 = aws.client("s3")
    after_first = _bucket(s3, first.outputs["WebBucket"])
    s3.put_object(Bucket=first.outputs["WebBucket"], Key="old.html", Body=b"stale")
    s3.put_object(Bucket=first.outputs["ImagesBucket"], Key="products/p1/a.png", Body=b"png")
    _old_image_urls(aws, first.outputs)
    second = commands.deploy(STAGE, aws, options)
    after_second = _bucket(s3, first.outputs["WebBucket"])
    gateway = _gateway(aws, first.api_url)
    image_urls = _image_urls(aws, first.outputs)
    mapping = _stream_mapping(aws, work / "state")
    workflow = _workflow(aws, first.outputs)
    stack_after_deploys = _stack(aws)
    commands.destroy(STAGE, aws, options)
    runs_before_second_destroy = len(chalice.runs)
    commands.destroy(STAGE, aws, options)
    return {
        "first": first,
        "second": second,
        "runs": chalice.runs,
        "runs_before_second_destroy": runs_before_second_destroy,
        "after_first": after_first,
        "after_second": after_second,
        "gateway": gateway,
        "image_urls": image_urls,
        "mapping": mapping,
        "workflow": workflow,
        "stack": stack_after_deploys,
        "config_js_untouched": (ROOT / "static/config.js").read_bytes() == config_js,
        "state": work / "state",
        "build": work / "build",
        "stand_ins": stand_ins,
        "log": log,
    }


def _workflow(aws: Aws, outputs: dict[str, str]) -> dict[str, Any]:
    """The deployed returns state machine and the role it runs with."""
    machine = aws.client("stepfunctions").describe_state_machine(
        stateMachineArn=outputs["ReturnsStateMachineArn"]
    )
    role_name = machine["roleArn"].rsplit("/", 1)[-1]
    iam = aws.client("iam")
    policies = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    documents = []
    for name in policies:
        document = iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
        if isinstance(document, str):
            # moto's CloudFormation stores an inline role policy as Python's repr of the dict.
            document = ast.literal_eval(unquote(document))
        documents.append(document)
    return {"machine": machine, "policies": documents}


def _bucket(s3: Any, bucket: str) -> dict[str, dict[str, Any]]:
    objects = {}
    for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        head = s3.get_object(Bucket=bucket, Key=item["Key"])
        objects[item["Key"]] = {
            "body": head["Body"].read(),
            "type": head["ContentType"],
            "cache": head.get("CacheControl"),
        }
    return objects


def _gateway(aws: Aws, api_url: str) -> dict[str, Any]:
    api_id = api_url.split("//", 1)[1].split(".", 1)[0]
    apigateway = aws.client("apigateway")
    responses = apigateway.get_gateway_responses(restApiId=api_id)["items"]
    return {
        "responses": {r["responseType"]: r.get("responseParameters", {}) for r in responses},
        "stage": apigateway.get_stage(restApiId=api_id, stageName="api"),
    }


OLD_IMAGE_URLS = {
    "regional": "https://{bucket}.s3.us-east-1.amazonaws.com/products/p1/a.png",
    "global": "https://{bucket}.s3.amazonaws.com/products/p2/b.png",
    "elsewhere": "https://cdn.example.org/products/p3/c.png",
}


def _old_image_urls(aws: Aws, outputs: dict[str, str]) -> None:
    """Products stored before the distribution, when image URLs named the bucket."""
    for product, url in OLD_IMAGE_URLS.items():
        aws.client("dynamodb").put_item(
            TableName=outputs["ProductsTable"],
            Item={
                "productId": {"S": product},
                "imageUrl": {"S": url.format(bucket=outputs["ImagesBucket"])},
            },
        )


def _image_urls(aws: Aws, outputs: dict[str, str]) -> dict[str, str]:
    items = aws.client("dynamodb").scan(TableName=outputs["ProductsTable"])["Items"]
    return {item["productId"]["S"]: item["imageUrl"]["S"] for item in items}


def _stream_mapping(aws: Aws, state: Path) -> dict[str, Any]:
    record = json.loads((state / "deployed" / f"{STAGE}.json").read_text())
    (uuid,) = [
        r["event_uuid"] for r in record["resources"] if r["resource_type"] == "dynamodb_event"
    ]
    return dict(aws.client("lambda").get_event_source_mapping(UUID=uuid))


def _stack(aws: Aws) -> dict[str, Any]:
    return dict(aws.client("cloudformation").describe_stacks(StackName="shop-dev")["Stacks"][0])


def _stage_env(run: Any) -> dict[str, str]:
    config = json.loads(run.files[".chalice/config.json"])
    return dict(config["stages"][STAGE]["environment_variables"])


def test_the_stack_is_created_then_updated_in_place(rehearsal: dict[str, Any]) -> None:
    assert rehearsal["stack"]["StackStatus"] in {"CREATE_COMPLETE", "UPDATE_COMPLETE"}
    assert rehearsal["first"].outputs == rehearsal["second"].outputs
    assert rehearsal["first"].outputs["ProductsTable"] == "shop-dev-products"


def test_chalice_deploys_from_the_build_directory_with_the_stage_and_region(
    rehearsal: dict[str, Any],
) -> None:
    deploys = [run for run in rehearsal["runs"] if run.args[0] == "deploy"]
    assert [run.args for run in deploys] == [["deploy", "--stage", STAGE]] * 2
    for run in deploys:
        assert run.cwd == rehearsal["build"] / f"deploy-{STAGE}"
        assert run.env["AWS_DEFAULT_REGION"] == REGION
        assert "AUTH_MODE" not in run.env
        assert sorted(p.name for p in run.cwd.iterdir() if p.name != "__pycache__") == [
            ".chalice",
            "app.py",
            "chalicelib",
            "requirements.txt",
        ]


def test_the_stack_outputs_and_the_secret_become_the_stages_environment(
    rehearsal: dict[str, Any],
) -> None:
    outputs, stand_ins = rehearsal["first"].outputs, rehearsal["stand_ins"]
    run = rehearsal["runs"][0]
    env = _stage_env(run)
    assert env["SHOP_STAGE"] == STAGE
    assert env["AUTH_MODE"] == "cognito"
    assert env["USER_POOL_ARN"] == stand_ins["UserPoolArn"]
    assert env["USER_POOL_ID"] == stand_ins["UserPoolId"]
    assert env["USER_POOL_CLIENT_ID"] == stand_ins["UserPoolClientId"]
    assert env["ORDERS_STREAM_ARN"] == outputs["OrdersStreamArn"]
    assert env["EVENTS_TOPIC_ARN"] == outputs["EventsTopicArn"]
    assert env["CORS_ORIGIN"] == outputs["WebUrl"]
    assert env["IMAGES_BUCKET"] == outputs["ImagesBucket"]
    assert env["IMAGES_BASE_URL"] == outputs["ImagesBaseUrl"]
    assert env["CURSOR_SECRET"] == "s3cr3t-generated-by-cloudformation"
    assert env["ORDERS_TABLE"] == "shop-dev-orders"
    # Only what the app reads: no queue URLs, no secret ARN, no bucket of the storefront's.
    assert not {"PAYMENTS_QUEUE_URL", "CURSOR_SECRET_ARN", "WEB_BUCKET"} & set(env)
    # Chalice itself reads the same values for the stage.
    assert run.config.environment_variables == env


def test_the_returns_state_machine_is_deployed_with_the_templates_definition_and_role(
    rehearsal: dict[str, Any],
) -> None:
    outputs = rehearsal["first"].outputs
    machine = rehearsal["workflow"]["machine"]
    definition = json.loads(machine["definition"])
    assert machine["name"] == "shop-dev-returns"
    assert definition["States"].keys() == workflows.definition()["States"].keys()
    queue_url = definition["States"]["AwaitDecision"]["Parameters"]["QueueUrl"]
    assert queue_url == outputs["ReturnStepsQueueUrl"]
    (policy,) = rehearsal["workflow"]["policies"]
    granted = {(s["Action"], json.dumps(s["Resource"])) for s in policy["Statement"]}
    assert granted == {
        ("sqs:SendMessage", json.dumps(outputs["ReturnStepsQueueArn"])),
        (
            "dynamodb:GetItem",
            json.dumps(f"arn:aws:dynamodb:{REGION}:123456789012:table/shop-dev-returns"),
        ),
    }


def test_chalice_reads_one_rendered_policy_per_function_with_the_stacks_arns(
    rehearsal: dict[str, Any],
) -> None:
    run = rehearsal["runs"][0]
    for function in (
        "api_handler",
        "publish_order_events",
        "take_payments",
        "ship_orders",
        "notify_shoppers",
    ):
        scoped = run.config.scope(STAGE, function)
        assert scoped.autogen_policy is False
        policy_text = run.files[f".chalice/{scoped.iam_policy_file}"]
        assert "${" not in policy_text
        assert ":us-east-1:123456789012:" in policy_text
    take_payments = run.files[".chalice/policy-dev-take_payments.json"]
    assert rehearsal["first"].outputs["PaymentsQueueArn"] in take_payments
    assert "table/shop-dev-orders" in take_payments


def test_api_gateway_answers_its_own_errors_with_cors_and_throttles_the_stage(
    rehearsal: dict[str, Any],
) -> None:
    origin = f"'{rehearsal['first'].outputs['CorsOrigin']}'"
    responses = rehearsal["gateway"]["responses"]
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX", "UNAUTHORIZED"):
        assert responses[kind] == {"gatewayresponse.header.Access-Control-Allow-Origin": origin}
    stage = rehearsal["gateway"]["stage"]
    assert stage["accessLogSettings"] == {
        "destinationArn": rehearsal["first"].outputs["ApiAccessLogsArn"],
        "format": operations.ACCESS_LOG_FORMAT,
    }
    assert (
        rehearsal["first"]
        .outputs["ApiAccessLogsArn"]
        .endswith(":log-group:/aws/apigateway/shop-dev-access")
    )
    settings = stage["methodSettings"]["*/*"]
    throttle = STAGES[STAGE].throttle
    assert settings["throttlingRateLimit"] == throttle.rate_limit
    assert settings["throttlingBurstLimit"] == throttle.burst_limit


def test_the_storefront_and_a_generated_config_js_are_in_the_bucket(
    rehearsal: dict[str, Any],
) -> None:
    objects = rehearsal["after_first"]
    api_url = rehearsal["first"].api_url.rstrip("/")
    assert objects["config.js"]["body"] == f'export const API_BASE_URL = "{api_url}";\n'.encode()
    assert objects["config.js"]["cache"] == "no-cache"
    assert objects["index.html"]["type"] == "text/html; charset=utf-8"
    assert objects["js/app.js"]["type"] == "text/javascript; charset=utf-8"
    assert objects["js/app.js"]["body"] == (ROOT / "static/js/app.js").read_bytes()
    assert "README.md" not in objects
    assert rehearsal["config_js_untouched"]


def test_a_redeploy_removes_what_static_no_longer_has(rehearsal: dict[str, Any]) -> None:
    assert "old.html" not in rehearsal["after_second"]
    assert set(rehearsal["after_second"]) == set(rehearsal["after_first"])


def test_chalices_records_outlive_the_build_directory(rehearsal: dict[str, Any]) -> None:
    record = rehearsal["state"] / "deployed" / f"{STAGE}.json"
    assert json.loads(record.read_text())["resources"] == []  # after destroy
    assert (rehearsal["build"] / f"deploy-{STAGE}" / ".chalice" / "deployed").is_symlink()
    # The second deploy updated the first API rather than making another.
    assert rehearsal["first"].api_url == rehearsal["second"].api_url


def test_destroy_deletes_the_app_empties_the_buckets_and_deletes_the_stack(
    rehearsal: dict[str, Any], aws: Aws
) -> None:
    assert [run.args[0] for run in rehearsal["runs"]] == ["deploy", "deploy", "delete"]
    assert rehearsal["runs_before_second_destroy"] == len(rehearsal["runs"])
    with pytest.raises(Exception, match="does not exist"):
        aws.client("cloudformation").describe_stacks(StackName="shop-dev")
    buckets = {bucket["Name"] for bucket in aws.client("s3").list_buckets()["Buckets"]}
    outputs = rehearsal["first"].outputs
    assert not {outputs["WebBucket"], outputs["ImagesBucket"]} & buckets


def test_the_deploy_prints_the_api_and_storefront_urls(rehearsal: dict[str, Any]) -> None:
    assert f"API:        {rehearsal['first'].api_url}" in rehearsal["log"]
    assert f"storefront: {rehearsal['first'].outputs['WebUrl']}" in rehearsal["log"]


def test_prod_is_destroyed_only_when_confirmed(aws: Aws) -> None:
    with pytest.raises(DeployError, match="CONFIRM=prod"):
        commands.destroy("prod", aws, commands.Options(log=lambda _: None))


def test_prod_is_deployed_only_with_a_verified_sender(aws: Aws) -> None:
    options = commands.Options(environ={}, log=lambda _: None)
    with pytest.raises(DeployError, match="MAIL_SENDER"):
        commands.deploy("prod", aws, options)
    assert "shop-prod" not in str(aws.client("cloudformation").list_stacks())


def test_the_orders_stream_mapping_bisects_retries_5_times_and_records_failures_in_its_queue(
    rehearsal: dict[str, Any],
) -> None:
    mapping, outputs = rehearsal["mapping"], rehearsal["first"].outputs
    assert mapping["EventSourceArn"] == outputs["OrdersStreamArn"]
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["MaximumRetryAttempts"] == ORDERS_STREAM.maximum_retry_attempts == 5
    assert mapping["DestinationConfig"] == {
        "OnFailure": {"Destination": outputs["OrdersStreamFailuresQueueArn"]}
    }
    assert outputs["OrdersStreamFailuresQueueArn"].endswith(":shop-dev-orders-stream-failures")
    logged = [line for line in rehearsal["log"] if line.startswith("stream mapping of ")]
    assert len(logged) == 2  # every deploy applies them again: Chalice's update leaves them be


def test_prod_is_not_deployed_with_the_simulated_payment_provider(aws: Aws) -> None:
    options = commands.Options(environ={"MAIL_SENDER": "orders@shop.example"}, log=lambda _: None)
    with pytest.raises(DeployError, match="simulated payment provider"):
        commands.deploy("prod", aws, options)
    assert "shop-prod" not in str(aws.client("cloudformation").list_stacks())


def test_the_storefront_and_images_are_served_by_the_distribution_over_https(
    rehearsal: dict[str, Any],
) -> None:
    outputs = rehearsal["first"].outputs
    assert outputs["WebUrl"] == f"https://{DISTRIBUTION_DOMAIN}"
    assert outputs["ImagesBaseUrl"] == outputs["WebUrl"] == outputs["CorsOrigin"]
    env = _stage_env(rehearsal["runs"][0])
    assert env["IMAGES_BASE_URL"] == env["CORS_ORIGIN"] == f"https://{DISTRIBUTION_DOMAIN}"


def test_a_redeploy_moves_stored_image_urls_of_the_bucket_to_the_distribution(
    rehearsal: dict[str, Any],
) -> None:
    assert rehearsal["image_urls"] == {
        "regional": f"https://{DISTRIBUTION_DOMAIN}/products/p1/a.png",
        "global": f"https://{DISTRIBUTION_DOMAIN}/products/p2/b.png",
        "elsewhere": OLD_IMAGE_URLS["elsewhere"],
    }
    assert "product images: 2 stored URLs moved to" in " ".join(rehearsal["log"])
