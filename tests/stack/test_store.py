"""devstack/store.py: a base and deltas of what changed bring moto back as it was, and a torn
delta costs only what it held.

The store hooks moto for a whole process, so each step runs in a process of its own (moto's server
in it, with the store's middleware, as in the devstack) and answers what it saw as JSON: one writes
(a base, then deltas, a new base by a forked child, more deltas), the next ones load.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from harness.stack import ROOT

COMMON = """
import json, os, sys
from pathlib import Path
os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                  AWS_DEFAULT_REGION="us-east-1")
from devstack import store as st
st.track_changes()
from devstack.moto_server import start_moto
from moto.dynamodb.models import dynamodb_backends

store = st.Store(Path(sys.argv[1]))
snapshotter = st.Snapshotter(store, lambda: {"facts": "kept"}, st.ReadWriteLock())


def stock_table():
    return dynamodb_backends["123456789012"]["us-east-1"].tables["stock"]


def state(server):
    ddb, s3, sqs = server.client("dynamodb"), server.client("s3"), server.client("sqs")
    stock = {i["id"]["S"]: i["n"]["N"] for i in ddb.scan(TableName="stock")["Items"]}
    found = ddb.scan(TableName="lines")["Items"]
    lines = sorted(f'{i["order"]["S"]}/{i["line"]["N"]}' for i in found)
    objects = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="lake").get("Contents", []))
    queue = sqs.get_queue_url(QueueName="jobs")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    return {"stock": stock, "lines": lines, "objects": objects,
            "messages": attributes["ApproximateNumberOfMessages"],
            "stream": len(stock_table().stream_shard.items),
            "files": sorted(p.name for p in store.directory.iterdir())}
"""

WRITE = COMMON + textwrap.dedent(
    """
    server = start_moto(port=0, middleware=lambda app: st.PersistentMoto(app, snapshotter))
    ddb, s3, sqs = server.client("dynamodb"), server.client("s3"), server.client("sqs")
    ddb.create_table(
        TableName="stock", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    ddb.create_table(
        TableName="lines", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "order", "KeyType": "HASH"},
                   {"AttributeName": "line", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "order", "AttributeType": "S"},
                              {"AttributeName": "line", "AttributeType": "N"}],
    )
    s3.create_bucket(Bucket="lake")
    queue = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    for i in range(30):
        ddb.put_item(TableName="stock", Item={"id": {"S": f"p{i}"}, "n": {"N": "5"}})
    snapshotter.write_base()
    seen = {"after_base": sorted(p.name for p in store.directory.iterdir())}

    def put(name, n):
        ddb.put_item(TableName="stock", Item={"id": {"S": name}, "n": {"N": str(n)}})

    def line(order, number, delete=False):
        key = {"order": {"S": order}, "line": {"N": str(number)}}
        if delete:
            ddb.delete_item(TableName="lines", Key=key)
        else:
            ddb.put_item(TableName="lines", Item={**key, "sku": {"S": "x"}})

    # Delta 1: items put and updated in both tables, an object, a message.
    put("a", 1)
    put("b", 2)
    ddb.update_item(TableName="stock", Key={"id": {"S": "a"}}, UpdateExpression="SET n = :n",
                    ExpressionAttributeValues={":n": {"N": "10"}})
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": "lines", "Item": {"order": {"S": "o1"}, "line": {"N": "1"}}}},
        {"Put": {"TableName": "lines", "Item": {"order": {"S": "o1"}, "line": {"N": "2"}}}},
    ])
    s3.put_object(Bucket="lake", Key="2026/k1.json", Body=b"one")
    sqs.send_message(QueueUrl=queue, MessageBody="m1")
    snapshotter.snapshot()
    # Delta 2: deletes and one more of each.
    ddb.delete_item(TableName="stock", Key={"id": {"S": "b"}})
    put("c", 3)
    line("o1", 2, delete=True)
    s3.put_object(Bucket="lake", Key="2026/k2.json", Body=b"two")
    s3.delete_object(Bucket="lake", Key="2026/k1.json")
    snapshotter.snapshot()
    # Delta 3 is due a new base: a forked child writes it; the deltas it covers go.
    put("d", 4)
    st.COMPACT_AFTER_DELTAS = 3
    snapshotter.snapshot()
    seen["forked_a_base"] = snapshotter._base is not None
    snapshotter._reap(wait=True)
    st.COMPACT_AFTER_DELTAS = 600
    seen["after_new_base"] = sorted(p.name for p in store.directory.iterdir())
    # Deltas 4 and 5, on the new base.
    put("e", 5)
    line("o2", 1)
    snapshotter.snapshot()
    put("f", 6)
    ddb.delete_item(TableName="stock", Key={"id": {"S": "a"}})
    snapshotter.snapshot()
    seen["state"] = state(server)
    server.stop()
    print(json.dumps(seen))
    """
)

LOAD = COMMON + textwrap.dedent(
    """
    snapshot = store.load()
    server = start_moto(port=0)
    print(json.dumps({"meta": snapshot.meta, "skipped": snapshot.skipped, "state": state(server)}))
    server.stop()
    """
)


def _run(script: str, directory: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", script, str(directory)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A store written by a process of its own, and what that process saw."""
    directory = tmp_path_factory.mktemp("store")
    return directory, _run(WRITE, directory)


def test_a_base_then_a_delta_per_save_and_a_new_base_drops_the_deltas_it_covers(
    written: tuple[Path, dict[str, Any]],
) -> None:
    _, seen = written
    assert seen["after_base"] == ["moto.pickle"]
    assert seen["forked_a_base"] is True
    assert seen["after_new_base"] == ["moto.pickle"]
    assert seen["state"]["files"] == [
        "moto.pickle",
        "moto.pickle.delta-000000004",
        "moto.pickle.delta-000000005",
    ]


def test_loading_the_base_and_its_deltas_brings_back_every_item_object_message_and_record(
    written: tuple[Path, dict[str, Any]],
) -> None:
    directory, seen = written
    loaded = _run(LOAD, directory)
    assert loaded["skipped"] == ""
    assert loaded["meta"] == {"facts": "kept"}
    assert loaded["state"] == seen["state"]
    assert sorted(loaded["state"]["stock"]) == sorted(
        [f"p{i}" for i in range(30)] + ["c", "d", "e", "f"]
    )
    assert loaded["state"]["lines"] == ["o1/1", "o2/1"]
    assert loaded["state"]["objects"] == ["2026/k2.json"]
    assert loaded["state"]["messages"] == "1"


def test_a_torn_last_delta_is_set_aside_and_everything_before_it_stays(
    written: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    directory, _ = written
    torn = tmp_path / "torn"
    torn.mkdir()
    for path in directory.iterdir():
        (torn / path.name).write_bytes(path.read_bytes())
    last = torn / "moto.pickle.delta-000000005"
    last.write_bytes(last.read_bytes()[: last.stat().st_size // 2])

    loaded = _run(LOAD, torn)

    assert loaded["skipped"].startswith(
        "the store's changes from moto.pickle.delta-000000005 on could not be read (unreadable"
    )
    assert loaded["state"]["stock"]["a"] == "10"  # delta 5 deleted it; delta 1 updated it
    assert "f" not in loaded["state"]["stock"]
    assert "e" in loaded["state"]["stock"]
    assert [name for name in loaded["state"]["files"] if name.endswith(".corrupt")]
    assert "moto.pickle.delta-000000005" not in loaded["state"]["files"]


def test_a_missing_delta_keeps_the_ones_before_the_gap(
    written: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    directory, _ = written
    gap = tmp_path / "gap"
    gap.mkdir()
    for path in directory.iterdir():
        if path.name != "moto.pickle.delta-000000004":
            (gap / path.name).write_bytes(path.read_bytes())

    loaded = _run(LOAD, gap)

    assert "delta 4 is missing" in loaded["skipped"]
    assert "e" not in loaded["state"]["stock"]
    assert "d" in loaded["state"]["stock"]  # in the base
