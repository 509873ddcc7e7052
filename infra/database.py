"""The DynamoDB tables, one per aggregate, as docs/data-model.md lays them out.

They are written out here rather than derived from the PynamoDB models so that the infrastructure
reads on its own; tests/infra/test_template_parity.py proves the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from infra.cfn import Json, deleted_with_stack, get_att, if_, logical_id, ref, stage_name


@dataclass(frozen=True)
class Index:
    """A global secondary index projecting all attributes."""

    name: str
    hash_key: str
    range_key: str | None = None


@dataclass(frozen=True)
class Table:
    """One table: its keys, indexes, TTL attribute and stream view."""

    name: str
    hash_key: str
    range_key: str | None = None
    indexes: tuple[Index, ...] = ()
    ttl: str | None = None
    stream: str | None = None
    key_types: dict[str, str] = field(default_factory=dict)

    @property
    def logical_id(self) -> str:
        """The table's logical id in the template, e.g. `OrdersTable`."""
        return logical_id(self.name, "Table")

    def key_type(self, attribute: str) -> str:
        """The DynamoDB scalar type (S, N or B) of a key attribute; S unless said otherwise."""
        return self.key_types.get(attribute, "S")


TABLES: tuple[Table, ...] = (
    Table(
        "products",
        "productId",
        indexes=(
            Index("active-index", "listed", "sortKey"),
            Index("category-index", "listedCategory", "sortKey"),
        ),
        stream="NEW_AND_OLD_IMAGES",  # the search index's feed (decision 0101)
    ),
    Table("users", "userId"),
    Table("carts", "userId"),
    Table(
        "orders",
        "orderId",
        indexes=(
            Index("user-index", "userId", "sortKey"),
            Index("status-index", "status", "sortKey"),
        ),
        stream="NEW_AND_OLD_IMAGES",
    ),
    Table("idempotency", "idempotencyKey", ttl="expiresAt"),
    Table("ledger", "orderId", "entry"),
    Table("notifications", "userId", "sortKey"),
    # The sales aggregates: a day's totals, a product's day and the events already counted.
    Table("reports", "pk", "sk", ttl="expiresAt"),
    Table("pricing", "pk", "sk", indexes=(Index("list-index", "listed", "sortKey"),)),
    Table(
        "returns",
        "returnId",
        indexes=(
            Index("user-index", "userId", "sortKey"),
            Index("status-index", "status", "sortKey"),
        ),
        stream="NEW_AND_OLD_IMAGES",
    ),
)


def _key_schema(hash_key: str, range_key: str | None) -> list[Json]:
    schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return schema


def _attribute_definitions(table: Table) -> list[Json]:
    names = [table.hash_key, table.range_key]
    for index in table.indexes:
        names += [index.hash_key, index.range_key]
    unique = dict.fromkeys(name for name in names if name)
    return [{"AttributeName": name, "AttributeType": table.key_type(name)} for name in unique]


def table_resource(table: Table) -> Json:
    """The `AWS::DynamoDB::Table` resource of one table."""
    props: Json = {
        "TableName": stage_name(table.name),
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": _attribute_definitions(table),
        "KeySchema": _key_schema(table.hash_key, table.range_key),
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "DeletionProtectionEnabled": if_("IsProd", True, False),
    }
    if table.indexes:
        props["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index.name,
                "KeySchema": _key_schema(index.hash_key, index.range_key),
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in table.indexes
        ]
    if table.ttl:
        props["TimeToLiveSpecification"] = {"AttributeName": table.ttl, "Enabled": True}
    if table.stream:
        props["StreamSpecification"] = {"StreamViewType": table.stream}
    return deleted_with_stack({"Type": "AWS::DynamoDB::Table", "Properties": props})


def resources() -> Json:
    """Every table resource, by logical id."""
    return {table.logical_id: table_resource(table) for table in TABLES}


def outputs() -> Json:
    """The table names (PRODUCTS_TABLE, ...) and the streams (PRODUCTS_STREAM_ARN, ORDERS_...)."""
    out: Json = {
        logical_id(table.name, "Table"): {
            "Description": f"{table.name.upper()}_TABLE: the {table.name} table's name",
            "Value": ref(table.logical_id),
        }
        for table in TABLES
    }
    out["ProductsStreamArn"] = {
        "Description": "PRODUCTS_STREAM_ARN: the products stream, the search index's feed",
        "Value": get_att("ProductsTable", "StreamArn"),
    }
    out["OrdersStreamArn"] = {
        "Description": "ORDERS_STREAM_ARN: the orders stream, the outbox of the order events",
        "Value": get_att("OrdersTable", "StreamArn"),
    }
    out["ReturnsStreamArn"] = {
        "Description": "RETURNS_STREAM_ARN: the returns stream, the outbox of the return events",
        "Value": get_att("ReturnsTable", "StreamArn"),
    }
    return out
