"""What `chalice deploy` cannot set on a stream mapping: bisect, bounded retries, a failure queue.

Chalice 1.34 creates and updates a DynamoDB stream mapping with its batch size and window only
(chalice/awsclient.py), so after every `chalice deploy` the deploy applies infra.streams' settings
to each mapping Chalice recorded (UpdateEventSourceMapping). The packaged template declares the
same settings on the SAM event (deploy/package.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from deploy import DeployError
from infra import streams

CHALICE_SUFFIX = "-dynamodb-event-source"  # chalice/deploy/appgraph.py names the mapping so


@dataclass(frozen=True)
class Applied:
    """One mapping the deploy configured."""

    function: str
    uuid: str
    properties: dict[str, Any]


def recorded_stream_mappings(deployed: dict[str, Any] | None) -> dict[str, str]:
    """Each stream handler's mapping UUID in Chalice's deployed record, by handler name."""
    found = {}
    for resource in (deployed or {}).get("resources", []):
        if resource.get("resource_type") == "dynamodb_event":
            found[str(resource["name"]).removesuffix(CHALICE_SUFFIX)] = str(resource["event_uuid"])
    return found


def _update(lambda_client: Any, uuid: str, properties: dict[str, Any], settle: float) -> None:
    # A mapping Chalice has just created or updated may still be settling (ResourceInUse).
    for attempt in range(10):
        try:
            lambda_client.update_event_source_mapping(UUID=uuid, **properties)
            return
        except ClientError as exc:
            if (
                exc.response.get("Error", {}).get("Code") != "ResourceInUseException"
                or attempt == 9
            ):
                raise
            time.sleep(settle)


def configure(
    lambda_client: Any,
    deployed: dict[str, Any] | None,
    outputs: dict[str, str],
    settle_seconds: float = 3.0,
) -> list[Applied]:
    """Apply infra.streams' settings to every stream mapping Chalice deployed (idempotent)."""
    applied = []
    for function, uuid in sorted(recorded_stream_mappings(deployed).items()):
        settings = streams.for_function(function)
        if settings is None:
            raise DeployError(f"the stream handler {function} has no settings in infra/streams.py")
        output = f"{settings.queue_logical_id}Arn"
        if output not in outputs:
            raise DeployError(f"the stack has no output {output}; redeploy the stack")
        properties = settings.mapping_properties(outputs[output])
        _update(lambda_client, uuid, properties, settle_seconds)
        applied.append(Applied(function, uuid, properties))
    return applied
