"""Provisioned concurrency for the API's function, through the alias `live`: a per-stage knob.

Chalice's config has no such setting, and `chalice deploy` points API Gateway at `$LATEST`, which
cannot carry provisioned concurrency. So with the knob above 0 (deploy/stages.py), after every
`chalice deploy` the deploy publishes a version of the API handler, moves the alias `live` to it,
provisions the concurrency there, lets API Gateway invoke the alias, and points every integration
of the API at the alias (the stage is redeployed right after, with the gateway responses). With the
knob at 0, any provisioned concurrency left on the alias is removed; Chalice's next deploy points
the API back at `$LATEST` by itself. The packaged template does the same with SAM's
`AutoPublishAlias` (deploy/package.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from deploy import DeployError

ALIAS = "live"
PERMISSION = "shop-apigateway-invokes-live"


@dataclass(frozen=True)
class Provisioned:
    """What the deploy set: the alias, its version and how many instances it keeps warm."""

    alias_arn: str
    version: str
    count: int
    integrations: int  # integrations moved to the alias


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def api_handler_arn(deployed: dict[str, Any] | None) -> str:
    """The API handler's ARN in Chalice's deployed record."""
    for resource in (deployed or {}).get("resources", []):
        if resource.get("resource_type") == "lambda_function" and resource["name"] == "api_handler":
            return str(resource["lambda_arn"])
    raise DeployError("chalice deploy recorded no api_handler function; see its output above")


def _move_alias(lambda_client: Any, name: str, version: str) -> str:
    try:
        answer = lambda_client.update_alias(FunctionName=name, Name=ALIAS, FunctionVersion=version)
    except ClientError as exc:
        if _code(exc) != "ResourceNotFoundException":
            raise
        answer = lambda_client.create_alias(FunctionName=name, Name=ALIAS, FunctionVersion=version)
    return str(answer["AliasArn"])


def _allow_api(lambda_client: Any, name: str, source_arn: str) -> None:
    try:
        lambda_client.add_permission(
            FunctionName=name,
            Qualifier=ALIAS,
            StatementId=PERMISSION,
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=source_arn,
        )
    except ClientError as exc:
        if _code(exc) != "ResourceConflictException":  # already allowed
            raise


def _point_integrations(apigateway: Any, rest_api_id: str, function_arn: str) -> int:
    alias_arn = f"{function_arn}:{ALIAS}"
    moved = 0
    pages = apigateway.get_paginator("get_resources").paginate(
        restApiId=rest_api_id, embed=["methods"]
    )
    for page in pages:
        for resource in page.get("items", []):
            for method in resource.get("resourceMethods", {}):
                integration = apigateway.get_integration(
                    restApiId=rest_api_id, resourceId=resource["id"], httpMethod=method
                )
                uri = str(integration.get("uri", ""))
                if f"{function_arn}/invocations" not in uri:
                    continue  # a mock (CORS preflight), or already the alias
                apigateway.update_integration(
                    restApiId=rest_api_id,
                    resourceId=resource["id"],
                    httpMethod=method,
                    patchOperations=[
                        {
                            "op": "replace",
                            "path": "/uri",
                            "value": uri.replace(function_arn, alias_arn),
                        }
                    ],
                )
                moved += 1
    return moved


def configure(
    lambda_client: Any,
    apigateway: Any,
    deployed: dict[str, Any] | None,
    rest_api_id: str,
    count: int,
) -> Provisioned | None:
    """Apply the stage's provisioned concurrency (see the module); None when it is off."""
    function_arn = api_handler_arn(deployed)
    name = function_arn.rsplit(":", 1)[-1]
    if count <= 0:
        try:
            lambda_client.delete_provisioned_concurrency_config(FunctionName=name, Qualifier=ALIAS)
        except ClientError as exc:
            if _code(exc) != "ResourceNotFoundException":
                raise
        return None
    version = str(lambda_client.publish_version(FunctionName=name)["Version"])
    alias_arn = _move_alias(lambda_client, name, version)
    lambda_client.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier=ALIAS, ProvisionedConcurrentExecutions=count
    )
    region, account = function_arn.split(":")[3:5]
    _allow_api(lambda_client, name, f"arn:aws:execute-api:{region}:{account}:{rest_api_id}/*")
    moved = _point_integrations(apigateway, rest_api_id, function_arn)
    return Provisioned(alias_arn, version, count, moved)
