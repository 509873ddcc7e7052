"""Section 10 prices an order from counted calls: its item sizes and units follow AWS's rules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.cost import PRICES, Units, item_bytes, render

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def tables() -> None:
    """The section brings its own moto; these tests need none of the API tests' tables."""


def test_an_item_is_sized_by_its_names_and_values_as_dynamodb_counts_them() -> None:
    assert item_bytes({"pk": {"S": "abc"}}) == 2 + 3
    assert item_bytes({"n": {"N": "12345"}}) == 1 + 4  # 5 significant digits: 3 bytes + 1
    assert item_bytes({"ok": {"BOOL": True}, "no": {"NULL": True}}) == 2 + 1 + 2 + 1
    assert item_bytes({"l": {"L": [{"S": "ab"}]}}) == 1 + 3 + 2 + 1
    assert item_bytes({"m": {"M": {"k": {"S": "v"}}}}) == 1 + 3 + 1 + 1 + 1
    assert item_bytes({"pk": "abc"}) == item_bytes({"pk": {"S": "abc"}})  # boto3's plain values


def test_reads_and_writes_round_up_to_their_units() -> None:
    units = Units()
    units.read(1, consistent=False)  # eventually consistent: half a unit per 4 KB
    units.read(4097, consistent=True)  # strongly consistent, just over 4 KB: two units
    units.write(10)  # one unit per 1 KB, at least one
    units.write(1025, factor=2)  # a transaction writes twice
    assert (units.rru, units.wru) == (0.5 + 2, 1 + 4)


@pytest.fixture(scope="module")
def priced(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The section run once at its smoke size, in its own process as `make bench` runs it."""
    out = tmp_path_factory.mktemp("cost") / "cost.json"
    argv = [sys.executable, "-m", "bench.cost", "--smoke", "--out", str(out)]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def test_one_order_uses_every_per_order_service_and_no_workflow(priced: dict[str, Any]) -> None:
    units = {row["key"]: row["units"] for row in priced["rows"]}
    assert set(units) == set(PRICES)
    assert units["apigw"] == 17  # 10 pages, 3 cart lines, the cart, checkout, delivery, the order
    for key in ("lambda_requests", "lambda_gb_s", "wru", "rru", "sns", "sqs", "firehose", "logs"):
        assert units[key] > 0, key
    assert units["sfn"] == 0  # workflows run only for returns
    functions = priced["functions"]
    assert {"api_handler", "take_payments", "ship_orders", "notify_shoppers"} <= set(functions)


def test_the_total_is_the_sum_of_its_parts_and_the_report_shows_it(priced: dict[str, Any]) -> None:
    parts = sum(row["usd_per_1000"] for row in priced["rows"])
    assert priced["usd_per_1000"] == pytest.approx(parts)
    text = render(priced)
    assert "## 10. Cost per 1,000 orders" in text
    assert f"${priced['usd_per_1000']:.3f}" in text
    assert priced["prices_checked"] in text
