"""A deployed stack's outputs, made up but shaped like the real ones, for rendering policies."""

from __future__ import annotations

from infra.database import TABLES
from infra.messaging import CONSUMERS
from infra.streams import MAPPINGS

REGION = "eu-west-1"
ACCOUNT = "111122223333"


def stack_outputs(stage: str, region: str = REGION, account: str = ACCOUNT) -> dict[str, str]:
    """Every output of the template, with values in AWS's formats."""
    outputs = {table.logical_id: f"shop-{stage}-{table.name}" for table in TABLES}
    for streamed in ("orders", "products", "returns"):
        outputs[f"{streamed.capitalize()}StreamArn"] = (
            f"arn:aws:dynamodb:{region}:{account}:table/shop-{stage}-{streamed}"
            "/stream/2026-01-01T00:00:00"
        )
    outputs["ReturnsStateMachineArn"] = (
        f"arn:aws:states:{region}:{account}:stateMachine:shop-{stage}-returns"
    )
    for suffix, name in (("Queue", "return-steps"), ("Dlq", "return-steps-dlq")):
        outputs[f"ReturnSteps{suffix}Arn"] = f"arn:aws:sqs:{region}:{account}:shop-{stage}-{name}"
        outputs[f"ReturnSteps{suffix}Url"] = (
            f"https://sqs.{region}.amazonaws.com/{account}/shop-{stage}-{name}"
        )
    outputs["EventsTopicArn"] = f"arn:aws:sns:{region}:{account}:shop-{stage}-events"
    for consumer in CONSUMERS:
        for suffix, name in (("Queue", consumer.name), ("Dlq", f"{consumer.name}-dlq")):
            prefix = consumer.name.capitalize() + suffix
            outputs[f"{prefix}Arn"] = f"arn:aws:sqs:{region}:{account}:shop-{stage}-{name}"
            outputs[f"{prefix}Url"] = (
                f"https://sqs.{region}.amazonaws.com/{account}/shop-{stage}-{name}"
            )
    for mapping in MAPPINGS:
        failures = mapping.queue_name(stage)
        outputs[f"{mapping.queue_logical_id}Arn"] = f"arn:aws:sqs:{region}:{account}:{failures}"
        outputs[f"{mapping.queue_logical_id}Url"] = (
            f"https://sqs.{region}.amazonaws.com/{account}/{failures}"
        )
    pool = f"{region}_AbCdEfGhI"
    outputs["UserPoolId"] = pool
    outputs["UserPoolClientId"] = "1example23456789"
    outputs["UserPoolArn"] = f"arn:aws:cognito-idp:{region}:{account}:userpool/{pool}"
    images, web = f"shop-{stage}-images-{account}", f"shop-{stage}-web-{account}"
    website = f"http://{web}.s3-website-{region}.amazonaws.com"
    outputs.update(
        {
            "ImagesBucket": images,
            "ImagesBaseUrl": f"https://{images}.s3.{region}.amazonaws.com",
            "WebBucket": web,
            "SearchBucket": f"shop-{stage}-search-{account}",
            "WebUrl": website,
            "CorsOrigin": website,
            "CursorSecretArn": f"arn:aws:secretsmanager:{region}:{account}:secret:CursorSecret-x",
        }
    )
    return outputs
