"""What Lambda hands a function: the SQS and DynamoDB Streams event shapes, and the context object.

The shapes follow the Lambda developer guide ("Using Lambda with Amazon SQS", "... with DynamoDB"):
camelCase message attributes with base64 binaries for SQS; for streams the record as
GetRecords returns it, with an epoch-seconds ApproximateCreationDateTime and base64 binaries.
"""

from __future__ import annotations

import base64
import datetime
import time
import uuid
from typing import Any

Json = dict[str, Any]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _message_attribute(value: Json) -> Json:
    attribute: Json = {
        "stringListValues": value.get("StringListValues", []),
        "binaryListValues": [_b64(item) for item in value.get("BinaryListValues", [])],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = _b64(value["BinaryValue"])
    return attribute


def sqs_record(message: Json, queue_arn: str, region: str) -> Json:
    """One record of an SQS event, from a message as ReceiveMessage answers it."""
    record: Json = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {
            name: _message_attribute(value)
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def _as_json(value: Any) -> Any:
    """Attribute values as they travel in JSON: binaries base64-encoded."""
    if isinstance(value, bytes | bytearray):
        return _b64(bytes(value))
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    if isinstance(value, list | set | tuple):
        return [_as_json(item) for item in value]
    return value


def dynamodb_record(record: Json, stream_arn: str) -> Json:
    """One record of a DynamoDB Streams event, from a record as GetRecords answers it."""
    change = dict(record["dynamodb"])
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, datetime.datetime):
        change["ApproximateCreationDateTime"] = int(created.timestamp())
    for image in ("Keys", "NewImage", "OldImage"):
        if image in change:
            change[image] = _as_json(change[image])
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": record["awsRegion"],
        "dynamodb": change,
        "eventSourceARN": stream_arn,
    }


class LambdaContext:
    """The context object of the Python runtime, as far as handlers read it."""

    def __init__(
        self, function_name: str, timeout_seconds: float, memory_mb: int, region: str, account: str
    ):
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account}:function:{function_name}"
        self.memory_limit_in_mb = str(memory_mb)
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function's timeout."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))
