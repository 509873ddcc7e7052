"""How each resource type of the template is created with boto3 (on moto, or any endpoint).

One function per CloudFormation type, taking the resolved properties and answering the resource's
`Ref` value and its `Fn::GetAtt` attributes. A property a creator does not know is an error, so a
change to the template is never dropped on the floor locally.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from infra.intrinsics import Json, TemplateError


@dataclass
class Created:
    """A created resource: what `Ref` answers and what `Fn::GetAtt` can ask for."""

    ref: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class Target:
    """Where resources are created: a boto3 client factory, the region and the account."""

    client: Callable[[str], Any]
    region: str
    account: str


Creator = Callable[[Target, Json], Created]


def _attribute(value: Any) -> str:
    """An SQS or SNS attribute value: JSON for documents, lower case for booleans."""
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _check(kind: str, props: Json, known: set[str]) -> None:
    unknown = set(props) - known
    if unknown:
        raise TemplateError(f"{kind}: infra.creators does not apply {sorted(unknown)}")


def _table(target: Target, props: Json) -> Created:
    _check(
        "AWS::DynamoDB::Table",
        props,
        {
            "TableName",
            "BillingMode",
            "AttributeDefinitions",
            "KeySchema",
            "GlobalSecondaryIndexes",
            "StreamSpecification",
            "TimeToLiveSpecification",
            "PointInTimeRecoverySpecification",
            "DeletionProtectionEnabled",
        },
    )
    ddb = target.client("dynamodb")
    name = props["TableName"]
    request = {
        key: props[key]
        for key in (
            "TableName",
            "BillingMode",
            "AttributeDefinitions",
            "KeySchema",
            "GlobalSecondaryIndexes",
            "DeletionProtectionEnabled",
        )
        if key in props
    }
    if "StreamSpecification" in props:
        request["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    table = ddb.create_table(**request)["TableDescription"]
    if "TimeToLiveSpecification" in props:
        ddb.update_time_to_live(
            TableName=name, TimeToLiveSpecification=props["TimeToLiveSpecification"]
        )
    if "PointInTimeRecoverySpecification" in props:
        ddb.update_continuous_backups(
            TableName=name,
            PointInTimeRecoverySpecification=props["PointInTimeRecoverySpecification"],
        )
    attributes = {"Arn": table["TableArn"]}
    if "LatestStreamArn" in table:
        attributes["StreamArn"] = table["LatestStreamArn"]
    return Created(name, attributes)


def _topic(target: Target, props: Json) -> Created:
    _check("AWS::SNS::Topic", props, {"TopicName"})
    arn = target.client("sns").create_topic(Name=props["TopicName"])["TopicArn"]
    return Created(arn, {"TopicArn": arn, "TopicName": props["TopicName"]})


def _queue(target: Target, props: Json) -> Created:
    _check(
        "AWS::SQS::Queue",
        props,
        {
            "QueueName",
            "VisibilityTimeout",
            "MessageRetentionPeriod",
            "SqsManagedSseEnabled",
            "RedrivePolicy",
        },
    )
    sqs = target.client("sqs")
    attributes = {key: _attribute(value) for key, value in props.items() if key != "QueueName"}
    url = sqs.create_queue(QueueName=props["QueueName"], Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return Created(url, {"Arn": arn["QueueArn"], "QueueName": props["QueueName"], "QueueUrl": url})


def _queue_policy(target: Target, props: Json) -> Created:
    _check("AWS::SQS::QueuePolicy", props, {"Queues", "PolicyDocument"})
    for url in props["Queues"]:
        target.client("sqs").set_queue_attributes(
            QueueUrl=url, Attributes={"Policy": json.dumps(props["PolicyDocument"])}
        )
    return Created(",".join(props["Queues"]))


def _subscription(target: Target, props: Json) -> Created:
    passed = {"RawMessageDelivery", "FilterPolicy", "FilterPolicyScope", "SubscriptionRoleArn"}
    _check("AWS::SNS::Subscription", props, {"TopicArn", "Protocol", "Endpoint", *passed})
    attributes = {key: _attribute(value) for key, value in props.items() if key in passed}
    arn = target.client("sns").subscribe(
        TopicArn=props["TopicArn"],
        Protocol=props["Protocol"],
        Endpoint=props["Endpoint"],
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    return Created(arn)


def _alarm(target: Target, props: Json) -> Created:
    request = {**props, "Threshold": float(props["Threshold"])}
    cloudwatch = target.client("cloudwatch")
    cloudwatch.put_metric_alarm(**request)
    alarm = cloudwatch.describe_alarms(AlarmNames=[props["AlarmName"]])["MetricAlarms"][0]
    return Created(props["AlarmName"], {"Arn": alarm["AlarmArn"]})


def _user_pool(target: Target, props: Json) -> Created:
    request = {("PoolName" if k == "UserPoolName" else k): value for k, value in props.items()}
    pool = target.client("cognito-idp").create_user_pool(**request)["UserPool"]
    provider = f"cognito-idp.{target.region}.amazonaws.com/{pool['Id']}"
    return Created(
        pool["Id"],
        {"Arn": pool["Arn"], "ProviderName": provider, "ProviderURL": f"https://{provider}"},
    )


def _user_pool_client(target: Target, props: Json) -> Created:
    client = target.client("cognito-idp").create_user_pool_client(**props)["UserPoolClient"]
    return Created(client["ClientId"], {"Name": client["ClientName"]})


def _user_pool_group(target: Target, props: Json) -> Created:
    target.client("cognito-idp").create_group(**props)
    return Created(props["GroupName"])


def _cors_rule(rule: Json) -> Json:
    renamed = {"MaxAge": "MaxAgeSeconds", "Id": "ID", "ExposedHeaders": "ExposeHeaders"}
    return {renamed.get(key, key): value for key, value in rule.items()}


def _website(config: Json) -> Json:
    website: Json = {"IndexDocument": {"Suffix": config["IndexDocument"]}}
    if "ErrorDocument" in config:
        website["ErrorDocument"] = {"Key": config["ErrorDocument"]}
    return website


def _bucket(target: Target, props: Json) -> Created:
    _check(
        "AWS::S3::Bucket",
        props,
        {
            "BucketName",
            "PublicAccessBlockConfiguration",
            "OwnershipControls",
            "CorsConfiguration",
            "WebsiteConfiguration",
            "BucketEncryption",
            "VersioningConfiguration",
            "LifecycleConfiguration",
        },
    )
    s3 = target.client("s3")
    name = props["BucketName"]
    if target.region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": target.region}
        )
    if "PublicAccessBlockConfiguration" in props:
        s3.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
        )
    if "OwnershipControls" in props:
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=props["OwnershipControls"])
    if "CorsConfiguration" in props:
        rules = [_cors_rule(rule) for rule in props["CorsConfiguration"]["CorsRules"]]
        s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": rules})
    if "BucketEncryption" in props:
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
                    for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
                ]
            },
        )
    if "VersioningConfiguration" in props:
        s3.put_bucket_versioning(
            Bucket=name, VersioningConfiguration=props["VersioningConfiguration"]
        )
    if "LifecycleConfiguration" in props:
        rules = [_lifecycle_rule(rule) for rule in props["LifecycleConfiguration"]["Rules"]]
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
    if "WebsiteConfiguration" in props:
        s3.put_bucket_website(
            Bucket=name, WebsiteConfiguration=_website(props["WebsiteConfiguration"])
        )
    region = target.region
    return Created(
        name,
        {
            "Arn": f"arn:aws:s3:::{name}",
            "DomainName": f"{name}.s3.amazonaws.com",
            "RegionalDomainName": f"{name}.s3.{region}.amazonaws.com",
            "WebsiteURL": f"http://{name}.s3-website-{region}.amazonaws.com",
        },
    )


def _lifecycle_rule(rule: Json) -> Json:
    known = {"Id", "Status", "Prefix", "NoncurrentVersionExpiration", "Transitions"}
    _check("LifecycleConfiguration.Rules", rule, known | {"ExpirationInDays"})
    out: Json = {
        "ID": rule["Id"],
        "Status": rule["Status"],
        "Filter": {"Prefix": rule.get("Prefix", "")},
    }
    if "NoncurrentVersionExpiration" in rule:
        out["NoncurrentVersionExpiration"] = rule["NoncurrentVersionExpiration"]
    if "Transitions" in rule:
        out["Transitions"] = [
            {"StorageClass": t["StorageClass"], "Days": t["TransitionInDays"]}
            for t in rule["Transitions"]
        ]
    if "ExpirationInDays" in rule:
        out["Expiration"] = {"Days": rule["ExpirationInDays"]}
    return out


def _bucket_policy(target: Target, props: Json) -> Created:
    _check("AWS::S3::BucketPolicy", props, {"Bucket", "PolicyDocument"})
    target.client("s3").put_bucket_policy(
        Bucket=props["Bucket"], Policy=json.dumps(props["PolicyDocument"])
    )
    return Created(props["Bucket"])


def _secret(target: Target, props: Json) -> Created:
    _check("AWS::SecretsManager::Secret", props, {"Name", "Description", "GenerateSecretString"})
    manager = target.client("secretsmanager")
    value = manager.get_random_password(**props.get("GenerateSecretString", {}))["RandomPassword"]
    name = props.get("Name") or f"secret-{uuid.uuid4().hex[:12]}"  # CloudFormation names it
    request = {"Name": name, "SecretString": value}
    if "Description" in props:
        request["Description"] = props["Description"]
    arn = manager.create_secret(**request)["ARN"]
    return Created(arn, {"Id": arn})


def _dashboard(target: Target, props: Json) -> Created:
    _check("AWS::CloudWatch::Dashboard", props, {"DashboardName", "DashboardBody"})
    target.client("cloudwatch").put_dashboard(
        DashboardName=props["DashboardName"], DashboardBody=props["DashboardBody"]
    )
    return Created(props["DashboardName"])


def _log_group(target: Target, props: Json) -> Created:
    _check("AWS::Logs::LogGroup", props, {"LogGroupName", "RetentionInDays"})
    logs = target.client("logs")
    name = props["LogGroupName"]
    logs.create_log_group(logGroupName=name)
    if "RetentionInDays" in props:
        logs.put_retention_policy(logGroupName=name, retentionInDays=props["RetentionInDays"])
    arn = f"arn:aws:logs:{target.region}:{target.account}:log-group:{name}:*"
    return Created(name, {"Arn": arn})


def _role(target: Target, props: Json) -> Created:
    _check("AWS::IAM::Role", props, {"AssumeRolePolicyDocument", "ManagedPolicyArns", "Policies"})
    iam = target.client("iam")
    name = f"shop-role-{uuid.uuid4().hex[:12]}"  # CloudFormation names it
    role = iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=json.dumps(props["AssumeRolePolicyDocument"])
    )["Role"]
    for arn in props.get("ManagedPolicyArns", []):
        iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    for policy in props.get("Policies", []):
        iam.put_role_policy(
            RoleName=name,
            PolicyName=policy["PolicyName"],
            PolicyDocument=json.dumps(policy["PolicyDocument"]),
        )
    return Created(name, {"Arn": role["Arn"], "RoleId": role["RoleId"]})


def _gateway_account(target: Target, props: Json) -> Created:
    _check("AWS::ApiGateway::Account", props, {"CloudWatchRoleArn"})
    target.client("apigateway").update_account(
        patchOperations=[
            {"op": "replace", "path": "/cloudwatchRoleArn", "value": props["CloudWatchRoleArn"]}
        ]
    )
    return Created(f"account-{target.account}")


def _log_stream(target: Target, props: Json) -> Created:
    _check("AWS::Logs::LogStream", props, {"LogGroupName", "LogStreamName"})
    target.client("logs").create_log_stream(
        logGroupName=props["LogGroupName"], logStreamName=props["LogStreamName"]
    )
    return Created(props["LogStreamName"])


def _delivery_stream(target: Target, props: Json) -> Created:
    known = {
        "DeliveryStreamName",
        "DeliveryStreamType",
        "DeliveryStreamEncryptionConfigurationInput",
    }
    _check(
        "AWS::KinesisFirehose::DeliveryStream",
        props,
        known | {"ExtendedS3DestinationConfiguration"},
    )
    firehose = target.client("firehose")
    name = props["DeliveryStreamName"]
    firehose.create_delivery_stream(
        DeliveryStreamName=name,
        DeliveryStreamType=props["DeliveryStreamType"],
        DeliveryStreamEncryptionConfigurationInput=props[
            "DeliveryStreamEncryptionConfigurationInput"
        ],
        ExtendedS3DestinationConfiguration=props["ExtendedS3DestinationConfiguration"],
    )
    arn = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"][
        "DeliveryStreamARN"
    ]
    return Created(name, {"Arn": arn})


def _glue_database(target: Target, props: Json) -> Created:
    _check("AWS::Glue::Database", props, {"CatalogId", "DatabaseInput"})
    target.client("glue").create_database(
        CatalogId=props["CatalogId"], DatabaseInput=props["DatabaseInput"]
    )
    return Created(props["DatabaseInput"]["Name"])


def _glue_table(target: Target, props: Json) -> Created:
    _check("AWS::Glue::Table", props, {"CatalogId", "DatabaseName", "TableInput"})
    target.client("glue").create_table(
        CatalogId=props["CatalogId"],
        DatabaseName=props["DatabaseName"],
        TableInput=props["TableInput"],
    )
    return Created(props["TableInput"]["Name"])


def _workgroup(target: Target, props: Json) -> Created:
    known = {"Name", "Description", "RecursiveDeleteOption", "WorkGroupConfiguration"}
    _check("AWS::Athena::WorkGroup", props, known)
    # RecursiveDeleteOption is CloudFormation's, for deleting the stack: nothing to create.
    target.client("athena").create_work_group(
        Name=props["Name"],
        Description=props["Description"],
        Configuration=props["WorkGroupConfiguration"],
    )
    return Created(props["Name"])


def _named_query(target: Target, props: Json) -> Created:
    _check(
        "AWS::Athena::NamedQuery",
        props,
        {"Name", "Description", "Database", "WorkGroup", "QueryString"},
    )
    answer = target.client("athena").create_named_query(**props)
    return Created(answer["NamedQueryId"])


def _state_machine(target: Target, props: Json) -> Created:
    _check(
        "AWS::StepFunctions::StateMachine",
        props,
        {"StateMachineName", "StateMachineType", "RoleArn", "DefinitionString"},
    )
    arn = target.client("stepfunctions").create_state_machine(
        name=props["StateMachineName"],
        type=props.get("StateMachineType", "STANDARD"),
        roleArn=props["RoleArn"],
        definition=props["DefinitionString"],
    )["stateMachineArn"]
    return Created(arn, {"Arn": arn, "Name": props["StateMachineName"]})


CREATORS: dict[str, Creator] = {
    "AWS::DynamoDB::Table": _table,
    "AWS::SNS::Topic": _topic,
    "AWS::SQS::Queue": _queue,
    "AWS::SQS::QueuePolicy": _queue_policy,
    "AWS::SNS::Subscription": _subscription,
    "AWS::CloudWatch::Alarm": _alarm,
    "AWS::Cognito::UserPool": _user_pool,
    "AWS::Cognito::UserPoolClient": _user_pool_client,
    "AWS::Cognito::UserPoolGroup": _user_pool_group,
    "AWS::S3::Bucket": _bucket,
    "AWS::S3::BucketPolicy": _bucket_policy,
    "AWS::SecretsManager::Secret": _secret,
    "AWS::CloudWatch::Dashboard": _dashboard,
    "AWS::Logs::LogGroup": _log_group,
    "AWS::IAM::Role": _role,
    "AWS::ApiGateway::Account": _gateway_account,
    "AWS::Logs::LogStream": _log_stream,
    "AWS::KinesisFirehose::DeliveryStream": _delivery_stream,
    "AWS::Glue::Database": _glue_database,
    "AWS::Glue::Table": _glue_table,
    "AWS::Athena::WorkGroup": _workgroup,
    "AWS::Athena::NamedQuery": _named_query,
    "AWS::StepFunctions::StateMachine": _state_machine,
}

# Types the template may use that have no local counterpart, and why. Each stands in by name: a
# reference to it resolves to a placeholder (`StandIn`), and an output that needs it is left out.
_NO_CLOUDFRONT = (
    "moto has no CloudFront control plane that serves content; locally the storefront and the "
    "images are served by the devstack and by moto's S3 over plain HTTP"
)
SKIPPED: dict[str, str] = {
    "AWS::CloudFront::Distribution": _NO_CLOUDFRONT,
    "AWS::CloudFront::OriginAccessControl": _NO_CLOUDFRONT,
    "AWS::CloudFront::ResponseHeadersPolicy": _NO_CLOUDFRONT,
}


NOT_CREATED = "not-created-locally"


class StandIn(dict[str, str]):
    """The attributes of a skipped resource: any one answers a placeholder naming it."""

    def __init__(self, logical_id: str):
        super().__init__()
        self.logical_id = logical_id

    def __missing__(self, attribute: str) -> str:
        return f"{self.logical_id}.{attribute}.{NOT_CREATED}"


def stand_in(logical_id: str) -> Created:
    """What a skipped resource answers to `Ref` and `Fn::GetAtt`."""
    return Created(f"{logical_id}-{NOT_CREATED}", StandIn(logical_id))
