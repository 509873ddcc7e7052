"""The event lake in the template: delivery stream, subscription, bucket, Glue table, Athena."""

from __future__ import annotations

import re
from typing import Any

import pytest

from chalicelib.domain import event_schema
from infra import lake
from tests.infra import views

STAGES = ("local", "dev", "prod")


def _one(kind: str, stage: str = "dev") -> dict[str, Any]:
    (props,) = views.of_type(kind, stage=stage).values()
    return props


@pytest.mark.parametrize("stage", STAGES)
def test_the_delivery_stream_lands_events_by_arrival_date_in_the_lake_bucket(stage):
    stream = _one("AWS::KinesisFirehose::DeliveryStream", stage)
    s3 = stream["ExtendedS3DestinationConfiguration"]

    assert stream["DeliveryStreamName"] == f"shop-{stage}-events"
    assert stream["DeliveryStreamType"] == "DirectPut"
    assert stream["DeliveryStreamEncryptionConfigurationInput"] == {"KeyType": "AWS_OWNED_CMK"}
    assert s3["BucketARN"] == "att:LakeBucket.Arn"
    assert s3["RoleARN"] == "att:LakeDeliveryRole.Arn"
    assert s3["Prefix"] == (
        "events/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"
    )
    assert s3["ErrorOutputPrefix"].startswith("errors/!{firehose:error-output-type}/")
    assert s3["CompressionFormat"] == "UNCOMPRESSED"
    assert s3["CloudWatchLoggingOptions"]["Enabled"] is True


def test_the_topic_delivers_every_event_raw_to_the_stream():
    (subscription,) = [
        props
        for props in views.of_type("AWS::SNS::Subscription").values()
        if props["Protocol"] == "firehose"
    ]

    assert subscription["TopicArn"] == "ref:EventsTopic"
    assert subscription["Endpoint"] == "att:EventsDeliveryStream.Arn"
    assert subscription["RawMessageDelivery"] is True
    assert "FilterPolicy" not in subscription
    assert subscription["SubscriptionRoleArn"] == "att:LakeSubscriptionRole.Arn"


def test_the_roles_allow_sns_to_put_records_and_firehose_to_write_the_bucket_only():
    resources = views.resources("dev")
    sns_role = resources["LakeSubscriptionRole"]["Properties"]
    firehose_role = resources["LakeDeliveryRole"]["Properties"]

    (trust,) = sns_role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "sns.amazonaws.com"}
    (statement,) = sns_role["Policies"][0]["PolicyDocument"]["Statement"]
    assert "firehose:PutRecord" in statement["Action"]
    assert statement["Resource"] == "att:EventsDeliveryStream.Arn"
    (trust,) = firehose_role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "firehose.amazonaws.com"}
    writes = firehose_role["Policies"][0]["PolicyDocument"]["Statement"][0]
    assert "s3:PutObject" in writes["Action"]
    assert writes["Resource"][0] == "att:LakeBucket.Arn"


@pytest.mark.parametrize("stage", STAGES)
def test_the_lake_bucket_is_private_and_moves_to_infrequent_access_after_30_days(stage):
    bucket = views.of_type("AWS::S3::Bucket", stage=stage)["LakeBucket"]
    rules = {rule["Id"]: rule for rule in bucket["LifecycleConfiguration"]["Rules"]}

    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    events = rules["events-to-infrequent-access-after-30-days"]
    assert (events["Status"], events["Prefix"]) == ("Enabled", "events/")
    assert events["Transitions"] == [{"StorageClass": "STANDARD_IA", "TransitionInDays": 30}]


def test_the_glue_table_columns_are_the_one_event_schema():
    table = _one("AWS::Glue::Table")["TableInput"]
    columns = table["StorageDescriptor"]["Columns"]

    assert columns == event_schema.glue_columns()
    assert [c["Name"] for c in columns] == [
        name.lower() for name in event_schema.json_schema()["properties"]
    ]
    assert [k["Name"] for k in table["PartitionKeys"]] == ["year", "month", "day"]
    assert table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] == (
        "org.openx.data.jsonserde.JsonSerDe"
    )


def test_the_glue_table_projects_the_partitions_the_stream_writes():
    table = _one("AWS::Glue::Table")["TableInput"]
    parameters = table["Parameters"]
    location = table["StorageDescriptor"]["Location"]

    assert parameters["projection.enabled"] == "true"
    assert location == "s3://shop-dev-lake-ref:AWS::AccountId/events/"
    assert parameters["storage.location.template"] == (
        location + "year=${year}/month=${month}/day=${day}/"
    )
    assert _one("AWS::Glue::Database")["DatabaseInput"]["Name"] == "shop_dev_lake"


def test_the_workgroup_keeps_encrypted_results_in_the_lake_and_holds_the_saved_queries():
    workgroup = _one("AWS::Athena::WorkGroup")
    queries = views.of_type("AWS::Athena::NamedQuery", stage="dev").values()
    config = workgroup["WorkGroupConfiguration"]

    assert workgroup["Name"] == "shop-dev-lake"
    assert config["EnforceWorkGroupConfiguration"] is True
    assert config["ResultConfiguration"]["OutputLocation"].endswith("/athena-results/")
    assert config["ResultConfiguration"]["EncryptionConfiguration"] == {
        "EncryptionOption": "SSE_S3"
    }
    assert {q["Name"] for q in queries} == {
        "shop-dev-revenue-by-day",
        "shop-dev-top-products",
        "shop-dev-funnel-placed-to-delivered",
    }
    for query in queries:
        assert (query["Database"], query["WorkGroup"]) == ("ref:LakeDatabase", "ref:LakeWorkGroup")
        assert "PARTITION BY eventid" in query["QueryString"]  # duplicates dropped first


def test_the_top_products_query_reads_only_fields_the_lines_have():
    fields = {name.lower() for name, _ in event_schema.LINE_FIELDS}
    text = lake.SAVED_QUERIES["top-products"][1]

    used = set(re.findall(r"\bline\.(\w+)", text))

    assert used
    assert used <= fields
