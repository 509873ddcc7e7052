"""infra.provision creates, on moto, exactly what the template declares."""

from __future__ import annotations

import json
from typing import Any

import pytest

from devstack.moto_server import LockedMotoServer
from infra.creators import SKIPPED
from infra.provision import Stack, create_stack
from infra.template import build_template, env_from_outputs
from tests.infra import views

PARAMETERS: dict[str, Any] = {
    "Stage": "local",
    "QueueVisibilityTimeout": 2,
    "CorsOrigin": "http://127.0.0.1:8080",
}


@pytest.fixture(scope="module")
def stack(moto: LockedMotoServer) -> Stack:
    """The template, provisioned once for the module."""
    return create_stack(build_template(), PARAMETERS, moto.endpoint_url)


@pytest.fixture(scope="module")
def aws(moto: LockedMotoServer) -> Any:
    """boto3 clients on the module's moto, by service name."""
    return moto.client


def _declared(kind: str) -> dict[str, dict[str, Any]]:
    return views.of_type(kind, **PARAMETERS)


def test_every_resource_was_created_but_the_stand_ins_each_skipped_with_its_reason(
    stack: Stack,
) -> None:
    resources = build_template()["Resources"]
    stand_ins = {name for name, body in resources.items() if body["Type"] in SKIPPED}
    assert stand_ins == {"Distribution", "OriginAccessControl", "SecurityHeadersPolicy"}
    assert set(stack.skipped) == stand_ins
    for name in stand_ins:
        kind = resources[name]["Type"]
        assert stack.skipped[name] == f"{kind}: {SKIPPED[kind]}"
    assert set(stack.physical_ids) == set(resources) - stand_ins


def test_every_table_is_created_as_declared(stack: Stack, aws: Any) -> None:
    ddb = aws("dynamodb")
    for declared in _declared("AWS::DynamoDB::Table").values():
        name = declared["TableName"]
        table = ddb.describe_table(TableName=name)["Table"]
        assert views.key_schema(table["KeySchema"]) == views.key_schema(declared["KeySchema"])
        assert sorted(table["AttributeDefinitions"], key=str) == sorted(
            declared["AttributeDefinitions"], key=str
        )
        assert {
            index["IndexName"]: (views.key_schema(index["KeySchema"]), index["Projection"])
            for index in table.get("GlobalSecondaryIndexes", [])
        } == {
            index["IndexName"]: (views.key_schema(index["KeySchema"]), index["Projection"])
            for index in declared.get("GlobalSecondaryIndexes", [])
        }
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        stream = declared.get("StreamSpecification", {}).get("StreamViewType")
        assert table.get("StreamSpecification", {}).get("StreamViewType") == stream
        backups = ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
        assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
        ttl = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        expected_ttl = declared.get("TimeToLiveSpecification", {}).get("AttributeName")
        assert ttl.get("AttributeName") == expected_ttl


def test_each_queue_redrives_to_its_dead_letter_queue_after_5_receives(
    stack: Stack, aws: Any
) -> None:
    sqs = aws("sqs")
    for consumer in ("PAYMENTS", "FULFILLMENT", "NOTIFICATIONS"):
        url = stack.env[f"{consumer}_QUEUE_URL"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert json.loads(attributes["RedrivePolicy"]) == {
            "deadLetterTargetArn": stack.env[f"{consumer}_DLQ_ARN"],
            "maxReceiveCount": 5,
        }
        assert attributes["VisibilityTimeout"] == "2"
        (statement,) = json.loads(attributes["Policy"])["Statement"]
        assert statement["Condition"] == {
            "ArnEquals": {"aws:SourceArn": stack.env["EVENTS_TOPIC_ARN"]}
        }
        assert statement["Resource"] == stack.env[f"{consumer}_QUEUE_ARN"]


def test_every_subscription_filters_as_declared(stack: Stack, aws: Any) -> None:
    sns = aws("sns")
    topic = stack.env["EVENTS_TOPIC_ARN"]
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    declared = {
        stack.env[f"{name.removesuffix('Subscription').upper()}_QUEUE_ARN"]: props
        for name, props in _declared("AWS::SNS::Subscription").items()
        if props["Protocol"] == "sqs"
    }
    subscriptions = [s for s in subscriptions if s["Protocol"] == "sqs"]  # the lake: test_lake
    assert {subscription["Endpoint"] for subscription in subscriptions} == set(declared)
    for subscription in subscriptions:
        attributes = sns.get_subscription_attributes(
            SubscriptionArn=subscription["SubscriptionArn"]
        )["Attributes"]
        expected = declared[subscription["Endpoint"]]
        assert json.loads(attributes["FilterPolicy"]) == expected["FilterPolicy"]
        assert attributes["RawMessageDelivery"] == "true"
        assert attributes["FilterPolicyScope"] == "MessageAttributes"


def _drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    answer = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"]
    )
    messages: list[dict[str, Any]] = answer.get("Messages", [])
    return messages


def test_an_event_reaches_only_the_queues_subscribed_to_its_type(stack: Stack, aws: Any) -> None:
    sns, sqs = aws("sns"), aws("sqs")
    body = json.dumps({"type": "OrderConfirmed", "orderId": "ord-1"})
    sns.publish(
        TopicArn=stack.env["EVENTS_TOPIC_ARN"],
        Message=body,
        MessageAttributes={"type": {"DataType": "String", "StringValue": "OrderConfirmed"}},
    )
    received = {
        consumer: _drain(sqs, stack.env[f"{consumer}_QUEUE_URL"])
        for consumer in ("PAYMENTS", "FULFILLMENT", "NOTIFICATIONS")
    }
    assert received["PAYMENTS"] == []
    for consumer in ("FULFILLMENT", "NOTIFICATIONS"):
        (message,) = received[consumer]
        assert message["Body"] == body  # raw delivery: no SNS envelope
        assert message["MessageAttributes"]["type"]["StringValue"] == "OrderConfirmed"


def test_the_user_pool_signs_in_by_email_with_a_public_client_and_an_admin_group(
    stack: Stack, aws: Any
) -> None:
    idp = aws("cognito-idp")
    pool_id = stack.env["USER_POOL_ID"]
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["Arn"] == stack.env["USER_POOL_ARN"]
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["AutoVerifiedAttributes"] == ["email"]
    # A changed e-mail address takes effect only once the shopper confirms its code.
    assert pool["UserAttributeUpdateSettings"] == {
        "AttributesRequireVerificationBeforeUpdate": ["email"]
    }
    declared_pool = _declared("AWS::Cognito::UserPool")["UserPool"]
    assert pool["Policies"] == declared_pool["Policies"]
    client = idp.describe_user_pool_client(
        UserPoolId=pool_id, ClientId=stack.env["USER_POOL_CLIENT_ID"]
    )["UserPoolClient"]
    assert "ClientSecret" not in client
    assert set(client["ExplicitAuthFlows"]) == {
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }
    assert idp.get_group(UserPoolId=pool_id, GroupName="admin")["Group"]["GroupName"] == "admin"


def test_the_buckets_are_private_with_cors_and_readable_by_the_distribution_only(
    stack: Stack, aws: Any
) -> None:
    s3 = aws("s3")
    images, web = stack.env["IMAGES_BUCKET"], stack.env["WEB_BUCKET"]
    (rule,) = s3.get_bucket_cors(Bucket=images)["CORSRules"]
    assert rule["AllowedOrigins"] == ["http://127.0.0.1:8080"]
    assert {"GET", "PUT"} <= set(rule["AllowedMethods"])
    for bucket in (images, web):
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert block == dict.fromkeys(
            ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"),
            True,
        )
        (read,) = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
        assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"}
        assert (read["Action"], read["Resource"]) == ("s3:GetObject", f"arn:aws:s3:::{bucket}/*")
        # The distribution stands in locally: its ARN names the placeholder.
        assert read["Condition"]["StringEquals"]["AWS:SourceArn"].endswith(
            ":distribution/Distribution-not-created-locally"
        )


def _alarms(aws: Any, namespace: str) -> list[dict[str, Any]]:
    alarms = aws("cloudwatch").describe_alarms(AlarmNamePrefix="shop-local-")["MetricAlarms"]
    return [alarm for alarm in alarms if alarm.get("Namespace") == namespace]


def test_every_dead_letter_queue_and_the_stream_failure_queue_has_its_alarm(
    stack: Stack, aws: Any
) -> None:
    watched = {alarm["Dimensions"][0]["Value"] for alarm in _alarms(aws, "AWS/SQS")}
    assert watched == {
        *(
            f"shop-local-{name}-dlq"
            for name in ("payments", "fulfillment", "notifications", "reports", "return-steps")
        ),
        "shop-local-orders-stream-failures",
        "shop-local-products-stream-failures",
    }


def test_the_orders_stream_has_an_on_failure_queue_and_an_iterator_age_alarm(
    stack: Stack, aws: Any
) -> None:
    url = stack.outputs["OrdersStreamFailuresQueueUrl"]
    assert url.endswith("/shop-local-orders-stream-failures")
    assert stack.outputs["OrdersStreamFailuresQueueArn"].endswith(
        ":shop-local-orders-stream-failures"
    )
    (alarm,) = [
        a
        for a in _alarms(aws, "AWS/Lambda")
        if a["MetricName"] == "IteratorAge" and "orders" in a["AlarmName"]
    ]
    assert alarm["Dimensions"] == [
        {"Name": "FunctionName", "Value": "shop-local-publish_order_events"}
    ]
    assert (alarm["Statistic"], alarm["Threshold"]) == ("Maximum", 60_000)


def test_the_outputs_are_the_apps_environment_but_those_of_stand_ins(stack: Stack) -> None:
    assert stack.env["ORDERS_STREAM_ARN"].startswith(
        "arn:aws:dynamodb:us-east-1:123456789012:table/shop-local-orders/stream/"
    )
    assert stack.env["PRODUCTS_TABLE"] == "shop-local-products"
    assert stack.env["CORS_ORIGIN"] == "http://127.0.0.1:8080"
    every_output = env_from_outputs(dict.fromkeys(build_template()["Outputs"], ""))
    # The distribution's URLs have no local value: the devstack serves both over HTTP.
    of_the_distribution = {"IMAGES_BASE_URL", "WEB_URL", "DISTRIBUTION_ID"}
    assert set(stack.env) == set(every_output) - of_the_distribution
