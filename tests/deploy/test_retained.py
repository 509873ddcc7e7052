"""prod's data outlives `make destroy`, and the next deploy takes it back instead of colliding.

On a moto server: prod is deployed by the deploy's own code (only `chalice deploy` is a stand-in),
a product and an image are written, prod is destroyed with its flag, and the tables (with the
product), the images bucket (with the image) and the user pool are still there; the deploy then
finds exactly those, by the names the template gives them. moto cannot import resources into a
stack (its IMPORT change set creates them again), so the import request itself is checked against
CloudFormation's API with botocore's Stubber.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from deploy import DeployError, commands, retained
from deploy.aws import Aws
from devstack.moto_server import LockedMotoServer
from infra.database import TABLES
from infra.template import RETAINED_IN_PROD, build_template
from tests.deploy.rehearsal import FakeChalice, rehearsal_template

ROOT = Path(__file__).resolve().parents[2]
# A region of its own: moto's state is per process, shared with other modules on this worker.
REGION = "eu-north-1"
ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def aws(moto: LockedMotoServer) -> Aws:
    """The deploy's clients, pointed at moto."""
    return Aws(REGION, endpoint_url=moto.endpoint_url)


@pytest.fixture(scope="module")
def after_destroy(aws: Aws, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """prod deployed, written to, destroyed with CONFIRM=prod; what is left, and what was found."""
    idp = aws.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="shop-prod-users")["UserPool"]
    client = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="shop-prod-web")
    secret = aws.client("secretsmanager").create_secret(Name="prod-cursor", SecretString="k")
    stand_ins = {
        "UserPoolId": pool["Id"],
        "UserPoolArn": pool["Arn"],
        "UserPoolClientId": client["UserPoolClient"]["ClientId"],
        "CursorSecretArn": secret["ARN"],
    }
    work = tmp_path_factory.mktemp("prod")
    log: list[str] = []
    options = commands.Options(
        project=ROOT,
        build_root=work / "build",
        state=work / "state",
        template=rehearsal_template(stand_ins, stage="prod"),
        runner=FakeChalice(aws.client("apigateway"), REGION),
        environ={"PATH": "/usr/bin", "AWS_DEFAULT_REGION": REGION, "MAIL_SENDER": "o@shop.test"},
        allow_simulated_payments=True,
        delay=1,
        log=log.append,
    )
    deployed = commands.deploy("prod", aws, options)
    outputs = deployed.outputs
    aws.client("dynamodb").put_item(
        TableName=outputs["ProductsTable"], Item={"productId": {"S": "p-kept"}}
    )
    aws.client("s3").put_object(
        Bucket=outputs["ImagesBucket"], Key="products/p-kept/a.png", Body=b"png"
    )
    with pytest.raises(DeployError, match="CONFIRM=prod"):
        commands.destroy("prod", aws, options)
    commands.destroy("prod", aws, options, confirm="prod")
    parameters = {"Stage": "prod"}
    return {
        "outputs": outputs,
        "pool": pool["Id"],
        "found": retained.find(aws, build_template("prod"), parameters),
        "log": log,
    }


def test_destroying_prod_deletes_the_stack_and_keeps_the_tables_with_their_items(
    aws: Aws, after_destroy: dict[str, Any]
) -> None:
    with pytest.raises(Exception, match="does not exist"):
        aws.client("cloudformation").describe_stacks(StackName="shop-prod")
    ddb = aws.client("dynamodb")
    for table in TABLES:
        assert ddb.describe_table(TableName=f"shop-prod-{table.name}")["Table"]
    item = ddb.get_item(TableName="shop-prod-products", Key={"productId": {"S": "p-kept"}})
    assert item["Item"]["productId"] == {"S": "p-kept"}


def test_destroying_prod_keeps_the_images_and_removes_the_storefront(
    aws: Aws, after_destroy: dict[str, Any]
) -> None:
    outputs, s3 = after_destroy["outputs"], aws.client("s3")
    image = s3.get_object(Bucket=outputs["ImagesBucket"], Key="products/p-kept/a.png")
    assert image["Body"].read() == b"png"
    buckets = {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}
    assert outputs["WebBucket"] not in buckets
    assert f"kept s3://{outputs['ImagesBucket']} and its objects (retained)" in after_destroy["log"]


def test_the_next_deploy_finds_every_retained_resource_by_its_name(
    after_destroy: dict[str, Any],
) -> None:
    found = {item.logical_id: item.identifier for item in after_destroy["found"]}
    assert set(found) == set(RETAINED_IN_PROD)
    assert found["OrdersTable"] == {"TableName": "shop-prod-orders"}
    assert found["ImagesBucket"] == {"BucketName": f"shop-prod-images-{ACCOUNT}"}
    assert found["UserPool"] == {"UserPoolId": after_destroy["pool"]}


def test_nothing_is_imported_where_nothing_was_retained(
    aws: Aws, after_destroy: dict[str, Any]
) -> None:
    assert retained.find(aws, build_template("prod"), {"Stage": "prod"}) != []  # from above
    assert retained.find(aws, build_template("dev"), {"Stage": "dev"}) == []


def test_the_import_template_holds_only_the_retained_resources_without_foreign_references() -> None:
    template = build_template("prod")
    found = [
        retained.Retained("OrdersTable", "AWS::DynamoDB::Table", {"TableName": "shop-prod-orders"}),
        retained.Retained("ImagesBucket", "AWS::S3::Bucket", {"BucketName": "b"}),
    ]
    imported = retained.import_template(template, found)
    assert set(imported["Resources"]) == {"OrdersTable", "ImagesBucket"}
    assert "Outputs" not in imported
    for body in imported["Resources"].values():
        assert body["DeletionPolicy"] == "Retain"
    # The bucket's CORS names the storefront's origin, another resource: it comes with the update.
    bucket = imported["Resources"]["ImagesBucket"]["Properties"]
    assert "CorsConfiguration" not in bucket
    assert bucket["BucketName"] == template["Resources"]["ImagesBucket"]["Properties"]["BucketName"]
    assert imported["Resources"]["OrdersTable"] == template["Resources"]["OrdersTable"]


def test_the_retained_resources_are_imported_into_a_new_stack_before_the_update() -> None:
    cfn = boto3.client("cloudformation", region_name=REGION)
    template = build_template("prod")
    found = [
        retained.Retained("OrdersTable", "AWS::DynamoDB::Table", {"TableName": "shop-prod-orders"}),
        retained.Retained("UserPool", "AWS::Cognito::UserPool", {"UserPoolId": "us-east-1_X"}),
    ]
    with Stubber(cfn) as stub:
        stub.add_response(
            "create_change_set",
            {"Id": "arn:cs", "StackId": "arn:stack"},
            {
                "StackName": "shop-prod",
                "ChangeSetName": retained.CHANGE_SET,
                "ChangeSetType": "IMPORT",
                "TemplateBody": ANY,
                "Parameters": [{"ParameterKey": "Stage", "ParameterValue": "prod"}],
                "ResourcesToImport": [
                    {
                        "ResourceType": "AWS::DynamoDB::Table",
                        "LogicalResourceId": "OrdersTable",
                        "ResourceIdentifier": {"TableName": "shop-prod-orders"},
                    },
                    {
                        "ResourceType": "AWS::Cognito::UserPool",
                        "LogicalResourceId": "UserPool",
                        "ResourceIdentifier": {"UserPoolId": "us-east-1_X"},
                    },
                ],
                "Tags": [{"Key": "app", "Value": "shop"}],
            },
        )
        stub.add_response(
            "describe_change_set",
            {"Status": "CREATE_COMPLETE", "ExecutionStatus": "AVAILABLE", "Changes": []},
        )
        stub.add_response("execute_change_set", {})
        stub.add_response(
            "describe_stacks",
            {
                "Stacks": [
                    {
                        "StackName": "shop-prod",
                        "CreationTime": "2026-01-01T00:00:00Z",
                        "StackStatus": "IMPORT_COMPLETE",
                    }
                ]
            },
        )
        new = retained.NewStack("shop-prod", template, {"Stage": "prod"})
        retained.import_into_new_stack(cfn, new, found, 1)
        stub.assert_no_pending_responses()


def test_a_failed_import_says_what_it_tried_to_import() -> None:
    cfn = boto3.client("cloudformation", region_name=REGION)
    found = [retained.Retained("OrdersTable", "AWS::DynamoDB::Table", {"TableName": "t"})]
    with Stubber(cfn) as stub:
        stub.add_response("create_change_set", {"Id": "arn:cs", "StackId": "arn:stack"})
        stub.add_response(
            "describe_change_set",
            {"Status": "FAILED", "StatusReason": "drifted", "ExecutionStatus": "UNAVAILABLE"},
        )
        new = retained.NewStack("shop-prod", build_template("prod"), {"Stage": "prod"})
        with pytest.raises(DeployError, match="importing the retained OrdersTable"):
            retained.import_into_new_stack(cfn, new, found, 1)


def test_the_import_template_is_valid_cloudformation() -> None:
    cfnlint_api = pytest.importorskip("cfnlint.api")
    found = [retained.Retained(name, "x", {}) for name in RETAINED_IN_PROD]
    imported = retained.import_template(build_template("prod"), found)
    config = cfnlint_api.ManualArgs(regions=[REGION])
    matches = cfnlint_api.lint(json.dumps(imported), config=config)
    assert [str(match) for match in matches] == []
