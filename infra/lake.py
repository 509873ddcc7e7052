"""The event lake: every domain event, through Kinesis Data Firehose, into S3 as JSON lines.

The events topic delivers every message, raw, to a Firehose delivery stream (an SNS subscription
of protocol `firehose`, so nothing in the app's code path changes). Firehose writes them under
`events/year=YYYY/month=MM/day=DD/` by their date of arrival; a Glue table whose columns come from
the one event schema (chalicelib/domain/event_schema.py) describes them, with partition projection
so Athena needs no crawler; an Athena workgroup keeps its results in the same private bucket and
holds the saved queries. After 30 days the objects move to infrequent access.
"""

from __future__ import annotations

from chalicelib.domain.event_schema import glue_columns
from infra.cfn import Json, deleted_with_stack, get_att, ref, stage_name, sub
from infra.messaging import TOPIC
from infra.storage import ENCRYPTED, OWNER_ENFORCED, PRIVATE

BUCKET, STREAM, DATABASE, TABLE = "LakeBucket", "EventsDeliveryStream", "LakeDatabase", "LakeTable"
WORKGROUP = "LakeWorkGroup"
BUCKET_NAME = "shop-${Stage}-lake-${AWS::AccountId}"
DATABASE_NAME = "shop_${Stage}_lake"
TABLE_NAME = "events"
EVENTS_PREFIX = "events/"
# Firehose evaluates these at delivery, by the record's arrival time (UTC).
PARTITIONED_PREFIX = "events/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"
ERROR_PREFIX = (
    "errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/"
    "day=!{timestamp:dd}/"
)
RESULTS_PREFIX = "athena-results/"
INFREQUENT_ACCESS_AFTER_DAYS = 30
RESULTS_KEPT_DAYS = 30
FIRST_YEAR = 2026  # partition projection's first year; Athena finds nothing before it


def _bucket() -> Json:
    return {
        "Type": "AWS::S3::Bucket",
        "Properties": {
            "BucketName": sub(BUCKET_NAME),
            "PublicAccessBlockConfiguration": PRIVATE,
            "OwnershipControls": OWNER_ENFORCED,
            "BucketEncryption": ENCRYPTED,
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "Id": "events-to-infrequent-access-after-30-days",
                        "Status": "Enabled",
                        "Prefix": EVENTS_PREFIX,
                        "Transitions": [
                            {
                                "StorageClass": "STANDARD_IA",
                                "TransitionInDays": INFREQUENT_ACCESS_AFTER_DAYS,
                            }
                        ],
                    },
                    {
                        "Id": "query-results-go-after-30-days",
                        "Status": "Enabled",
                        "Prefix": RESULTS_PREFIX,
                        "ExpirationInDays": RESULTS_KEPT_DAYS,
                    },
                ]
            },
        },
    }


def _role(service: str, policy_name: str, statements: list[Json]) -> Json:
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": service},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"aws:SourceAccount": ref("AWS::AccountId")}},
                    }
                ],
            },
            "Policies": [
                {
                    "PolicyName": policy_name,
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
                }
            ],
        },
    }


def _firehose_role() -> Json:
    arn = get_att(BUCKET, "Arn")
    return _role(
        "firehose.amazonaws.com",
        "WriteTheLake",
        [
            {
                "Effect": "Allow",
                "Action": [
                    "s3:AbortMultipartUpload",
                    "s3:GetBucketLocation",
                    "s3:GetObject",
                    "s3:ListBucket",
                    "s3:ListBucketMultipartUploads",
                    "s3:PutObject",
                ],
                "Resource": [arn, sub(f"arn:${{AWS::Partition}}:s3:::{BUCKET_NAME}/*")],
            },
            {
                "Effect": "Allow",
                "Action": ["logs:PutLogEvents"],
                "Resource": get_att("LakeDeliveryLogGroup", "Arn"),
            },
        ],
    )


def _sns_role() -> Json:
    return _role(
        "sns.amazonaws.com",
        "DeliverEventsToTheLake",
        [
            {
                "Effect": "Allow",
                "Action": [
                    "firehose:DescribeDeliveryStream",
                    "firehose:PutRecord",
                    "firehose:PutRecordBatch",
                ],
                "Resource": get_att(STREAM, "Arn"),
            }
        ],
    )


def _log_group() -> Json:
    return {
        "Type": "AWS::Logs::LogGroup",
        "Properties": {
            "LogGroupName": sub("/aws/kinesisfirehose/shop-${Stage}-events"),
            "RetentionInDays": 30,
        },
    }


def _log_stream() -> Json:
    return {
        "Type": "AWS::Logs::LogStream",
        "Properties": {"LogGroupName": ref("LakeDeliveryLogGroup"), "LogStreamName": "S3Delivery"},
    }


def _delivery_stream() -> Json:
    return {
        "Type": "AWS::KinesisFirehose::DeliveryStream",
        "Properties": {
            "DeliveryStreamName": stage_name("events"),
            "DeliveryStreamType": "DirectPut",
            "DeliveryStreamEncryptionConfigurationInput": {"KeyType": "AWS_OWNED_CMK"},
            "ExtendedS3DestinationConfiguration": {
                "BucketARN": get_att(BUCKET, "Arn"),
                "RoleARN": get_att("LakeDeliveryRole", "Arn"),
                "Prefix": PARTITIONED_PREFIX,
                "ErrorOutputPrefix": ERROR_PREFIX,
                "BufferingHints": {"IntervalInSeconds": 60, "SizeInMBs": 5},
                "CompressionFormat": "UNCOMPRESSED",
                "CloudWatchLoggingOptions": {
                    "Enabled": True,
                    "LogGroupName": ref("LakeDeliveryLogGroup"),
                    "LogStreamName": ref("LakeDeliveryLogStream"),
                },
            },
        },
    }


def _subscription() -> Json:
    return {
        "Type": "AWS::SNS::Subscription",
        "Properties": {
            "TopicArn": ref(TOPIC),
            "Protocol": "firehose",
            "Endpoint": get_att(STREAM, "Arn"),
            "SubscriptionRoleArn": get_att("LakeSubscriptionRole", "Arn"),
            # Every event type: no filter. Raw: the record is the event's JSON line itself.
            "RawMessageDelivery": True,
        },
    }


def _database() -> Json:
    return {
        "Type": "AWS::Glue::Database",
        "Properties": {
            "CatalogId": ref("AWS::AccountId"),
            "DatabaseInput": {
                "Name": sub(DATABASE_NAME),
                "Description": "The shop's domain events, as Firehose lands them in the lake",
            },
        },
    }


def _location(suffix: str = "") -> Json:
    return sub(f"s3://{BUCKET_NAME}/{EVENTS_PREFIX}{suffix}")


def _table() -> Json:
    projection = {
        "projection.enabled": "true",
        "projection.year.type": "integer",
        "projection.year.range": f"{FIRST_YEAR},2100",
        "projection.month.type": "integer",
        "projection.month.range": "1,12",
        "projection.month.digits": "2",
        "projection.day.type": "integer",
        "projection.day.range": "1,31",
        "projection.day.digits": "2",
        "storage.location.template": _location("year=${!year}/month=${!month}/day=${!day}/"),
    }
    return {
        "Type": "AWS::Glue::Table",
        "Properties": {
            "CatalogId": ref("AWS::AccountId"),
            "DatabaseName": ref(DATABASE),
            "TableInput": {
                "Name": TABLE_NAME,
                "Description": "One row per delivered event; drop duplicates by eventid",
                "TableType": "EXTERNAL_TABLE",
                "Parameters": {"classification": "json", **projection},
                "PartitionKeys": [
                    {"Name": "year", "Type": "string"},
                    {"Name": "month", "Type": "string"},
                    {"Name": "day", "Type": "string"},
                ],
                "StorageDescriptor": {
                    "Columns": glue_columns(),
                    "Location": _location(),
                    "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
                    "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                    "SerdeInfo": {
                        "SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe",
                        "Parameters": {"case.insensitive": "TRUE", "ignore.malformed.json": "TRUE"},
                    },
                },
            },
        },
    }


def _workgroup() -> Json:
    return {
        "Type": "AWS::Athena::WorkGroup",
        "Properties": {
            "Name": stage_name("lake"),
            "Description": "Queries over the event lake",
            "RecursiveDeleteOption": True,
            "WorkGroupConfiguration": {
                "EnforceWorkGroupConfiguration": True,
                "PublishCloudWatchMetricsEnabled": True,
                "BytesScannedCutoffPerQuery": 10 * 1024**3,
                "ResultConfiguration": {
                    "OutputLocation": sub(f"s3://{BUCKET_NAME}/{RESULTS_PREFIX}"),
                    "EncryptionConfiguration": {"EncryptionOption": "SSE_S3"},
                },
            },
        },
    }


# Each reads every copy once: duplicates (at-least-once delivery) are dropped by eventid first.
_ONCE = (
    "WITH once AS (SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY eventid "
    "ORDER BY occurredat) AS copy FROM events) WHERE copy = 1)\n"
)
SAVED_QUERIES: dict[str, tuple[str, str]] = {
    "revenue-by-day": (
        "Orders, revenue, refunds and net per UTC day and currency",
        _ONCE + "SELECT substr(occurredat, 1, 10) AS day, currency,\n"
        "  count_if(type = 'PaymentCaptured') AS orders,\n"
        "  sum(if(type = 'PaymentCaptured', amountcents, 0)) AS revenue_cents,\n"
        "  sum(if(type = 'PaymentRefunded', amountcents, 0)) AS refunds_cents,\n"
        "  sum(if(type = 'PaymentCaptured', amountcents, -amountcents)) AS net_cents\n"
        "FROM once WHERE type IN ('PaymentCaptured', 'PaymentRefunded')\n"
        "GROUP BY 1, 2 ORDER BY 1, 2",
    ),
    "top-products": (
        "The ten products with the most revenue (lines less discounts), with their units",
        _ONCE + "SELECT line.productid AS product_id, arbitrary(line.name) AS name,\n"
        "  sum(line.quantity) AS units,\n"
        "  sum(line.linetotalcents - coalesce(line.discountcents, 0)) AS revenue_cents\n"
        "FROM once CROSS JOIN UNNEST(items) AS t(line)\n"
        "WHERE type = 'PaymentCaptured'\n"
        "GROUP BY line.productid ORDER BY revenue_cents DESC LIMIT 10",
    ),
    "funnel-placed-to-delivered": (
        "How many orders reached each step, from placed to delivered",
        _ONCE + "SELECT count(DISTINCT if(type = 'OrderPlaced', orderid)) AS placed,\n"
        "  count(DISTINCT if(type = 'OrderConfirmed', orderid)) AS confirmed,\n"
        "  count(DISTINCT if(type = 'OrderFulfilled', orderid)) AS fulfilled,\n"
        "  count(DISTINCT if(type = 'OrderDelivered', orderid)) AS delivered\n"
        "FROM once",
    ),
}


def _saved_query(name: str, description: str, text: str) -> Json:
    return {
        "Type": "AWS::Athena::NamedQuery",
        "Properties": {
            "Name": stage_name(name),
            "Description": description,
            "Database": ref(DATABASE),
            "WorkGroup": ref(WORKGROUP),
            "QueryString": text,
        },
    }


def _query_id(name: str) -> str:
    return "LakeQuery" + "".join(part.capitalize() for part in name.split("-"))


def resources() -> Json:
    """The lake bucket, the delivery stream and its subscription, Glue and Athena."""
    out: Json = {
        BUCKET: deleted_with_stack(_bucket()),
        "LakeDeliveryLogGroup": deleted_with_stack(_log_group()),
        "LakeDeliveryLogStream": _log_stream(),
        "LakeDeliveryRole": _firehose_role(),
        STREAM: _delivery_stream(),
        "LakeSubscriptionRole": _sns_role(),
        "LakeSubscription": _subscription(),
        DATABASE: _database(),
        TABLE: _table(),
        WORKGROUP: _workgroup(),
    }
    for name, (description, text) in SAVED_QUERIES.items():
        out[_query_id(name)] = _saved_query(name, description, text)
    return out


def outputs() -> Json:
    """LAKE_BUCKET (the stream, the Glue database and the workgroup are named by the stage)."""
    return {"LakeBucket": {"Description": "LAKE_BUCKET: the event lake", "Value": ref(BUCKET)}}
