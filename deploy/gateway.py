"""What `chalice deploy` cannot say about the API: CORS on API Gateway's own errors, throttling.

API Gateway answers some requests itself, before any Lambda runs: a missing or expired token (401
from the Cognito authorizer), throttling (429), an unknown route (403), its own 5xx. Without an
`Access-Control-Allow-Origin` header the browser hides those answers from the storefront, which
then cannot tell an expired token (refresh and retry) from a network failure. Gateway responses add
the header; they are part of the API's definition, so they need a new deployment of the stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deploy.stages import Throttle

GATEWAY_RESPONSES = ("DEFAULT_4XX", "DEFAULT_5XX", "UNAUTHORIZED")
ORIGIN_HEADER = "gatewayresponse.header.Access-Control-Allow-Origin"


def quoted(origin: str) -> str:
    """A static header value as API Gateway wants it: in single quotes."""
    return f"'{origin}'"


def gateway_responses(header_value: Any) -> dict[str, Any]:
    """The gateway responses, as the OpenAPI extension `x-amazon-apigateway-gateway-responses`."""
    return {
        kind: {"responseParameters": {ORIGIN_HEADER: header_value}} for kind in GATEWAY_RESPONSES
    }


def throttling_patch(throttle: Throttle) -> list[dict[str, str]]:
    """The update_stage operations that throttle every method of a stage."""
    return [
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": str(throttle.rate_limit)},
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(throttle.burst_limit)},
    ]


def access_log_patch(destination_arn: str, log_format: str) -> list[dict[str, str]]:
    """The update_stage operations that send one access-log line per request to a log group."""
    return [
        {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": destination_arn},
        {"op": "replace", "path": "/accessLogSettings/format", "value": log_format},
    ]


@dataclass(frozen=True)
class Edge:
    """What a stage's edge gets: the CORS origin of API Gateway's own answers, throttling, and
    where its access logs go (a log group's ARN and the line format)."""

    origin: str
    throttle: Throttle
    access_logs: tuple[str, str] | None = None


def configure_api(apigateway: Any, rest_api_id: str, stage_name: str, edge: Edge) -> None:
    """Add the CORS gateway responses, redeploy the stage, throttle it and send its access logs
    where `edge` says; all idempotent."""
    for kind, response in gateway_responses(quoted(edge.origin)).items():
        apigateway.put_gateway_response(
            restApiId=rest_api_id,
            responseType=kind,
            responseParameters=response["responseParameters"],
        )
    apigateway.create_deployment(
        restApiId=rest_api_id, stageName=stage_name, description="shop deploy: gateway responses"
    )
    patch = throttling_patch(edge.throttle)
    if edge.access_logs is not None:
        patch += access_log_patch(*edge.access_logs)
    apigateway.update_stage(restApiId=rest_api_id, stageName=stage_name, patchOperations=patch)
