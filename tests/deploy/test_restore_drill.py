"""The restore drill of docs/deploy.md, on a moto server: back up, lose data, restore, copy back.

moto keeps a true copy of a table in a backup, so the backup path is proven end to end. Its
point-in-time restore copies the table as it is now, whatever the moment asked (moto's own note),
so that path is proven only to name, create and compare the side table.
"""

from __future__ import annotations

import datetime
from typing import Any

import boto3
import pytest

from deploy import DeployError, restore
from deploy.__main__ import main
from devstack.moto_server import LockedMotoServer
from infra.provision import create_stack
from infra.template import build_template

STAGE = "dev"
# A region of its own: moto's state is per process, shared with other modules on this worker.
REGION = "eu-west-3"
NOW = datetime.datetime(2026, 12, 2, 6, 0, tzinfo=datetime.UTC)


@pytest.fixture(scope="module")
def ddb(moto: LockedMotoServer) -> Any:
    """The stage's tables, provisioned from the template, with three orders in them."""
    create_stack(build_template(), {"Stage": STAGE}, moto.endpoint_url, region=REGION)
    client = boto3.client(
        "dynamodb",
        region_name=REGION,
        endpoint_url=moto.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    for order in ("o1", "o2", "o3"):
        client.put_item(
            TableName="shop-dev-orders",
            Item={"orderId": {"S": order}, "status": {"S": "PENDING"}, "sortKey": {"S": order}},
        )
    return client


def test_a_backup_restores_what_was_lost_and_leaves_what_was_written_since(ddb: Any) -> None:
    arn = restore.backup(ddb, STAGE, "orders", now=NOW)
    ddb.delete_item(TableName="shop-dev-orders", Key={"orderId": {"S": "o1"}})
    ddb.put_item(
        TableName="shop-dev-orders",
        Item={"orderId": {"S": "o2"}, "status": {"S": "CONFIRMED"}, "sortKey": {"S": "o2"}},
    )
    ddb.put_item(
        TableName="shop-dev-orders",
        Item={"orderId": {"S": "o4"}, "status": {"S": "PENDING"}, "sortKey": {"S": "o4"}},
    )

    side = restore.restore(ddb, STAGE, "orders", restore.Source(backup_arn=arn, now=NOW), delay=1)
    found = restore.compare(ddb, STAGE, "orders", side)
    copied = restore.copy_back(ddb, STAGE, "orders", side, found.missing_in_live)

    assert side == "shop-dev-orders-restored-20261202060000"
    assert (found.restored_items, found.live_items) == (3, 3)
    assert found.missing_in_live == [{"orderId": {"S": "o1"}}]
    assert copied == 1
    items = ddb.scan(TableName="shop-dev-orders")["Items"]
    status = {item["orderId"]["S"]: item["status"]["S"] for item in items}
    # o1 is back as it was; o2 keeps its newer status; o4, written after the backup, stays.
    assert status == {"o1": "PENDING", "o2": "CONFIRMED", "o3": "PENDING", "o4": "PENDING"}


def test_copy_back_never_overwrites_an_item_written_after_the_comparison(ddb: Any) -> None:
    arn = restore.backup(ddb, STAGE, "orders", now=NOW)
    ddb.delete_item(TableName="shop-dev-orders", Key={"orderId": {"S": "o3"}})
    later = NOW + datetime.timedelta(seconds=1)
    side = restore.restore(ddb, STAGE, "orders", restore.Source(backup_arn=arn, now=later), delay=1)
    found = restore.compare(ddb, STAGE, "orders", side)
    ddb.put_item(
        TableName="shop-dev-orders",
        Item={"orderId": {"S": "o3"}, "status": {"S": "CANCELLED"}, "sortKey": {"S": "o3"}},
    )
    assert restore.copy_back(ddb, STAGE, "orders", side, found.missing_in_live) == 0
    item = ddb.get_item(TableName="shop-dev-orders", Key={"orderId": {"S": "o3"}})["Item"]
    assert item["status"] == {"S": "CANCELLED"}


def test_point_in_time_recovery_restores_into_a_side_table(ddb: Any) -> None:
    later = NOW + datetime.timedelta(seconds=2)
    side = restore.restore(
        ddb, STAGE, "ledger", restore.Source(point_in_time=NOW, now=later), delay=1
    )
    assert side == "shop-dev-ledger-restored-20261202060002"
    assert ddb.describe_table(TableName=side)["Table"]["TableStatus"] == "ACTIVE"
    assert restore.compare(ddb, STAGE, "ledger", side).missing_in_live == []


def test_the_command_line_runs_the_drill(
    ddb: Any, moto: LockedMotoServer, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.endpoint_url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    assert main(["backup", "--stage", STAGE, "--table", "carts"]) == 0
    arn = capsys.readouterr().out.split("backup: ", 1)[1].strip()
    assert ":table/shop-dev-carts/backup/" in arn
    assert main(["restore", "--stage", STAGE, "--table", "carts", "--backup-arn", arn]) == 0
    out = capsys.readouterr().out
    assert "restored into shop-dev-carts-restored-" in out
    assert "0 restored items are missing from the live table" in out


def test_an_unknown_table_is_refused() -> None:
    with pytest.raises(DeployError, match="no table 'order'"):
        restore.live_name("prod", "order")
