"""The one schema of a domain event: every field any event may carry, with its type.

The Glue table that describes the event lake takes its columns from here (infra/lake.py), and the
lake's completeness test checks every line it reads against `json_schema()`, so the two cannot drift
apart. Fields an event type does not use are absent (or null); a field added by a later issue
must be added here, or Athena will not see it (the JSON schema lets unknown fields through so an
older lake reader never rejects a newer event).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Field:
    """One top-level field: its JSON name, its Glue (Hive) type and whether every event has it."""

    name: str
    glue_type: str
    required: bool = False
    comment: str = ""


LINE_FIELDS: tuple[tuple[str, str], ...] = (
    ("productId", "string"),
    ("variantId", "string"),
    ("name", "string"),
    ("quantity", "int"),
    ("lineTotalCents", "bigint"),
    ("discountCents", "bigint"),
)
LINE_TYPE = "array<struct<" + ",".join(f"{name}:{kind}" for name, kind in LINE_FIELDS) + ">>"

FIELDS: tuple[Field, ...] = (
    Field("type", "string", True, "OrderPlaced, PaymentCaptured, ..."),
    Field("eventId", "string", True, "one change; the same on every redelivery"),
    Field("orderId", "string", True),
    Field("userId", "string", True),
    Field("occurredAt", "string", True, "ISO 8601, UTC"),
    Field("status", "string", comment="the order's status after an order event"),
    Field("totalCents", "bigint", comment="the order's total, on order events"),
    Field("currency", "string"),
    Field("trackingNumber", "string"),
    Field("email", "string", comment="the shopper's contact email, on order events"),
    Field("failureReason", "string"),
    Field("correlationId", "string", comment="the request that placed the order"),
    Field("amountCents", "bigint", comment="captured or refunded, on money events"),
    Field("returnId", "string", comment="on return events and a return's refund"),
    Field("units", "int", comment="units captured, on PaymentCaptured"),
    Field("items", LINE_TYPE, comment="the order's lines, on PaymentCaptured"),
)

_JSON_TYPES = {"string": "string", "int": "integer", "bigint": "integer"}


def glue_columns() -> list[dict[str, str]]:
    """The Glue table's columns, in the schema's order."""
    columns = []
    for field in FIELDS:
        column = {"Name": field.name.lower(), "Type": field.glue_type}
        if field.comment:
            column["Comment"] = field.comment
        columns.append(column)
    return columns


def _line_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["productId", "name", "quantity", "lineTotalCents"],
        "properties": {name: {"type": [_JSON_TYPES[kind], "null"]} for name, kind in LINE_FIELDS},
    }


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) every event, as published, satisfies."""
    properties: dict[str, Any] = {}
    for field in FIELDS:
        if field.name == "items":
            properties[field.name] = {"type": "array", "items": _line_schema()}
        elif field.required:
            properties[field.name] = {"type": _JSON_TYPES[field.glue_type], "minLength": 1}
        else:
            properties[field.name] = {"type": [_JSON_TYPES[field.glue_type], "null"]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": [field.name for field in FIELDS if field.required],
        "properties": properties,
    }
