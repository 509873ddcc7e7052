"""The restore drill: a table back from a backup or a point in time, without touching live data.

DynamoDB restores only into a new table. The drill restores `shop-<stage>-<table>` into a side
table `shop-<stage>-<table>-restored-<UTC stamp>`, compares the two by key, and on request copies
back the items the live table has lost, each only if its key is still absent (so nothing written
since is overwritten). The side table is left for inspection; delete it when done. docs/deploy.md
has the drill step by step.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from deploy import DeployError
from infra.database import TABLES, Table

Json = dict[str, Any]


@dataclass(frozen=True)
class Comparison:
    """The live and the restored table, compared by key."""

    live_items: int
    restored_items: int
    missing_in_live: list[Json] = field(default_factory=list)  # keys of items only restored


def table_of(name: str) -> Table:
    """The template's table of a base name (`orders`); DeployError for any other."""
    for table in TABLES:
        if table.name == name:
            return table
    raise DeployError(f"no table {name!r}; one of {', '.join(t.name for t in TABLES)}")


def live_name(stage: str, table: str) -> str:
    """The table's name in a stage."""
    return f"shop-{stage}-{table_of(table).name}"


def backup(ddb: Any, stage: str, table: str, now: datetime.datetime | None = None) -> str:
    """Take an on-demand backup of a stage's table; answer its ARN."""
    stamp = (now or datetime.datetime.now(datetime.UTC)).strftime("%Y%m%dT%H%M%SZ")
    name = live_name(stage, table)
    answer = ddb.create_backup(TableName=name, BackupName=f"{name}-{stamp}")
    return str(answer["BackupDetails"]["BackupArn"])


@dataclass(frozen=True)
class Source:
    """What a restore starts from: a backup, or (PITR) a moment, or neither (the latest
    restorable time); and `now`, which names the side table (the clock's time by default)."""

    backup_arn: str | None = None
    point_in_time: datetime.datetime | None = None
    now: datetime.datetime | None = None


def restore(
    ddb: Any, stage: str, table: str, source_of: Source | None = None, *, delay: int = 20
) -> str:
    """Restore into a new side table, from a backup or (PITR) a moment; answer the side table.

    Without a backup or a moment, the latest restorable time is used.
    """
    source_of = source_of or Source()
    backup_arn, point_in_time = source_of.backup_arn, source_of.point_in_time
    source = live_name(stage, table)
    stamp = (source_of.now or datetime.datetime.now(datetime.UTC)).strftime("%Y%m%d%H%M%S")
    target = f"{source}-restored-{stamp}"
    try:
        if backup_arn:
            ddb.restore_table_from_backup(TargetTableName=target, BackupArn=backup_arn)
        elif point_in_time is not None:
            ddb.restore_table_to_point_in_time(
                SourceTableName=source, TargetTableName=target, RestoreDateTime=point_in_time
            )
        else:
            ddb.restore_table_to_point_in_time(
                SourceTableName=source, TargetTableName=target, UseLatestRestorableTime=True
            )
    except ClientError as exc:
        raise DeployError(f"restoring {source} into {target} failed: {exc}") from exc
    ddb.get_waiter("table_exists").wait(
        TableName=target, WaiterConfig={"Delay": delay, "MaxAttempts": 7200 // delay}
    )
    return target


def _keys(ddb: Any, name: str, key_names: list[str]) -> list[Json]:
    keys: list[Json] = []
    request: Json = {
        "TableName": name,
        "ProjectionExpression": ", ".join(f"#k{i}" for i in range(len(key_names))),
        "ExpressionAttributeNames": {f"#k{i}": key for i, key in enumerate(key_names)},
    }
    for page in ddb.get_paginator("scan").paginate(**request):
        keys += page.get("Items", [])
    return keys


def _key_names(table: str) -> list[str]:
    spec = table_of(table)
    return [name for name in (spec.hash_key, spec.range_key) if name]


def compare(ddb: Any, stage: str, table: str, restored: str) -> Comparison:
    """Which restored items the live table no longer has (a Scan of both: an operator's tool)."""
    names = _key_names(table)
    live = _keys(ddb, live_name(stage, table), names)
    side = _keys(ddb, restored, names)
    present = {tuple(sorted((k, str(v)) for k, v in item.items())) for item in live}
    missing = [
        item for item in side if tuple(sorted((k, str(v)) for k, v in item.items())) not in present
    ]
    return Comparison(len(live), len(side), missing)


def copy_back(ddb: Any, stage: str, table: str, restored: str, keys: list[Json]) -> int:
    """Put each restored item of `keys` back into the live table if its key is still absent."""
    names = _key_names(table)
    live = live_name(stage, table)
    copied = 0
    for key in keys:
        item = ddb.get_item(TableName=restored, Key=key, ConsistentRead=True).get("Item")
        if item is None:
            continue
        try:
            ddb.put_item(
                TableName=live,
                Item=item,
                ConditionExpression="attribute_not_exists(#k)",
                ExpressionAttributeNames={"#k": names[0]},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            continue  # written again since the comparison: the live item wins
        copied += 1
    return copied
