"""The benchmarks' code works: every section at tiny sizes, and the report renders from it.

Performance is only measured by `make bench`; nothing here asserts a time. The sections run in a
child process, as `python -m bench` runs them: each imports the app with its own settings.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from bench import report
from bench.package import inspect

ROOT = Path(__file__).resolve().parents[2]
IN_ONE_PROCESS = """
import json, sys
from bench import calls, latency, scaling
results = {name: module.run(smoke=True) for name, module in
           (("calls", calls), ("latency", latency), ("scaling", scaling))}
with open(sys.argv[1], "w") as out:
    json.dump(results, out)
"""


def _run(argv: list[str]) -> None:
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The in-process sections' results at tiny sizes."""
    out = tmp_path_factory.mktemp("bench") / "results.json"
    _run([sys.executable, "-c", IN_ONE_PROCESS, str(out)])
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def test_every_route_and_handler_is_counted_and_none_scans(smoke: dict[str, Any]) -> None:
    counted = {row["operation"] for row in smoke["calls"]["rows"]}
    assert {
        "GET /products/{id}",
        "GET /orders",
        "POST /orders, 3 lines, Idempotency-Key",
    } <= counted
    for handler in ("publish_order_events", "take_payments", "ship_orders", "notify_shoppers"):
        assert any(operation.startswith(handler) for operation in counted), handler
    assert smoke["calls"]["scans"] == []


def test_order_moves_use_the_order_their_caller_read(smoke: dict[str, Any]) -> None:
    """Call counts are exact, not timings: a move adds no GetItem beyond the caller's own read."""
    rows = {row["operation"]: row for row in smoke["calls"]["rows"]}
    for operation, (before, saved) in report.MOVES_BEFORE.items():
        assert rows[operation]["dynamodb"].get("GetItem", 0) <= before - saved, operation


def test_every_main_route_is_timed_beside_its_raw_baseline(smoke: dict[str, Any]) -> None:
    routes = [row["route"] for row in smoke["latency"]["rows"]]
    assert len(routes) == 7
    for row in smoke["latency"]["rows"]:
        assert row["ours"]["n"] == row["raw"]["n"] > 0


def test_the_list_routes_send_one_bounded_query_at_both_sizes(smoke: dict[str, Any]) -> None:
    assert all(case["one_bounded_query"] for case in smoke["scaling"]["cases"])


def test_the_report_renders_from_the_results(smoke: dict[str, Any]) -> None:
    machine = {
        "cpu": "cpu",
        "cores": 2,
        "python": "3.11",
        "os": "os",
        "commit": "abc",
        "versions": {"chalice": "1"},
        "load_average": "0",
    }
    text = report.render(smoke, machine, 1.0, smoke=True)
    for title in ("## 2. DynamoDB calls", "## 3. Latency", "## 4. Scaling", "Scan: none"):
        assert title in text
    assert "The saving holds in this run" in text
    assert "what-if" not in text


def test_a_cold_start_of_each_app_answers_its_request(tmp_path: Path) -> None:
    out = tmp_path / "coldstart.json"
    _run([sys.executable, "-m", "bench.coldstart", "--smoke", "--out", str(out)])
    result = json.loads(out.read_text())
    assert set(result["variants"]) == {"hello world", "boto3 GetItem", "shop"}
    assert "## 1. Cold start" in report.cold_start(result)


def test_the_package_inspection_finds_the_largest_members(tmp_path: Path) -> None:
    archive = tmp_path / "deployment.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("app.py", "x" * 10)
        zipped.writestr("botocore/data/big.json", "y" * 1000)
    result = inspect(archive)
    assert result["largest"][0]["name"] == "botocore/data/big.json"
    assert result["by_package"][0]["package"] == "botocore"
    assert "## 6. The deployment package" in report.package(
        {"source": "test", "build_seconds": None, **result}
    )


def test_bulk_products_are_shaped_exactly_as_the_model_writes_them() -> None:
    from bench import data
    from chalicelib.storage.models import Product

    values = data.product_values(7)
    assert data.product_item(7) == Product(**values).serialize()


@pytest.mark.stack
def test_the_local_stack_takes_concurrent_orders_to_fulfilled(tmp_path: Path) -> None:
    out = tmp_path / "e2e.json"
    _run([sys.executable, "-m", "bench.e2e", "--smoke", "--out", str(out)])
    result = json.loads(out.read_text())
    assert result["orders_placed"] > 0
    assert result["never_fulfilled"] == 0
    # The poller read the admin's FULFILLED listing, a page or more per round, without errors.
    assert result["errors"] == {}
    assert result["poll_round_ms"]["n"] > 0
    assert result["poll_pages_max"] >= 1
    text = report.e2e(result)
    assert "## 5. The local stack" in text
    assert "Found and fixed, in the benchmark" in text


class _Listing:
    """GET /admin/orders?status=FULFILLED over fixed orders, newest first, as the API pages it."""

    def __init__(self, created: list[str]) -> None:
        self.orders = [{"orderId": f"o{n}", "createdAt": at} for n, at in enumerate(created)]
        self.pages = 0

    def get(self, url: str, params: dict[str, str], **_: Any) -> Any:
        start, limit = int(params.get("cursor", 0)), int(params["limit"])
        items = self.orders[start : start + limit]
        more = start + limit < len(self.orders)
        self.pages += 1
        body = {"items": items, "nextCursor": str(start + limit) if more else None}
        return type("Answer", (), {"status_code": 200, "json": lambda _self: body})()


def test_a_poll_round_pages_down_to_the_oldest_pending_order_and_no_further() -> None:
    from bench import e2e

    created = [f"2025-01-01T00:00:{59 - n:02d}Z" for n in range(3 * e2e.PAGE)]  # newest first
    listing = _Listing(created)
    done = {f"o{n}": e2e.Placed(f"o{n}", created[n], answered=0.0) for n in (3, e2e.PAGE + 2)}
    # Still on its way (not in the listing), placed in the second page's span.
    waiting = e2e.Placed("late", created[e2e.PAGE + 5], answered=0.0)
    run = e2e.Run()
    assert e2e._listing_round("api", listing, {}, {**done, "late": waiting}, run) == 2
    assert all(order.fulfilled is not None for order in done.values())
    assert waiting.fulfilled is None
    assert listing.pages == 2  # the third page is older than every order still pending
    assert run.errors == {}


def test_a_section_run_alone_is_merged_into_the_last_runs_results() -> None:
    from bench.__main__ import merge

    machine = {"commit": "new", "load_average": "1.0 / 1.0 / 1.0"}
    last = {
        "sections": {"calls": {"n": 1}, "e2e": {"n": 1}},
        "machine": {"commit": "old"},
        "seconds": 200.0,
        "smoke": False,
    }
    rerun = {"sections": {"e2e": {"n": 2}}, "machine": machine, "seconds": 70.0, "smoke": False}
    merged = merge(last, rerun)
    assert merged["sections"] == {"calls": {"n": 1}, "e2e": {"n": 2}}
    assert merged["machine"] == {"commit": "old"}
    assert merged["reruns"] == [
        {"sections": ["e2e"], "commit": "new", "load_average": "1.0 / 1.0 / 1.0", "seconds": 70.0}
    ]
    assert merge({**last, "smoke": True}, rerun) == rerun
