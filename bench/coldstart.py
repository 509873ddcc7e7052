"""Section 1: a fresh process that imports the app and answers GET /products/{id}.

Each run is a new `python -c` against one moto server, through Chalice's LocalGateway, interleaved
with two baselines: a Chalice hello-world and a Chalice app with one boto3 client and one GetItem.
Then `python -X importtime -c "import app"` shows where the import time goes.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from typing import Any

from bench import data, stats
from bench.moto_server import boto3_client, moto_endpoint
from bench.shop import ROOT

_REQUEST = """
from chalice.config import Config
from chalice.local import LocalGateway
answer = LocalGateway(app, Config()).handle_request(
    method="GET", path="/products/" + os.environ["BENCH_PRODUCT_ID"], headers={}, body=b"")
_t2 = time.perf_counter()
assert answer["statusCode"] == 200, answer
print(json.dumps({"import_ms": (_t1 - _t0) * 1000, "request_ms": (_t2 - _t1) * 1000}))
"""
_APPS = {
    "hello world": """
from chalice import Chalice
app = Chalice(app_name="hello")

@app.route("/products/{product_id}")
def get_product(product_id):
    return {"productId": product_id}
""",
    "boto3 GetItem": """
import boto3
from chalice import Chalice
app = Chalice(app_name="getitem")
_dynamodb = []

@app.route("/products/{product_id}")
def get_product(product_id):
    if not _dynamodb:
        _dynamodb.append(boto3.client("dynamodb"))
    item = _dynamodb[0].get_item(
        TableName=os.environ["PRODUCTS_TABLE"], Key={"productId": {"S": product_id}})["Item"]
    return {"productId": item["productId"]["S"], "name": item["name"]["S"]}
""",
    "shop": """
from app import app
""",
}
VARIANTS = tuple(_APPS)


def script(variant: str) -> str:
    """The `python -c` program of one variant: import (timed), then one request (timed)."""
    return (
        "import time\n_t0 = time.perf_counter()\nimport json, os\n"
        + _APPS[variant]
        + "\n_t1 = time.perf_counter()\n"
        + _REQUEST
    )


def run_once(variant: str, env: dict[str, str]) -> dict[str, float]:
    """One cold start: wall time of the whole process, and its own import and request times."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", script(variant)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"{variant} cold start failed:\n{done.stderr[-3000:]}")
    inner = json.loads(done.stdout.strip().splitlines()[-1])
    return {"wall_ms": wall, **inner}


def import_profile(env: dict[str, str], runs: int) -> dict[str, Any]:
    """`-X importtime` of `import app`: the top 15 cumulative and self time per package."""
    cumulative: dict[str, list[float]] = defaultdict(list)
    by_package: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import app"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        selfs: dict[str, float] = defaultdict(float)
        for name, self_us, cumulative_us in _importtime_lines(done.stderr):
            cumulative[name].append(cumulative_us / 1000)
            selfs[_package(name)] += self_us / 1000
        for package, ms in selfs.items():
            by_package[package].append(ms)
    top = sorted(
        ((name, statistics.median(ms)) for name, ms in cumulative.items()),
        key=lambda pair: -pair[1],
    )[:15]
    packages = sorted(
        ((name, statistics.median(ms)) for name, ms in by_package.items()),
        key=lambda pair: -pair[1],
    )
    return {
        "top_cumulative": [
            {"module": name, "ms": round(ms, 1), "owner": _owner(name)} for name, ms in top
        ],
        "self_by_package": [
            {"package": name, "ms": round(ms, 1), "owner": _owner(name)}
            for name, ms in packages[:12]
        ],
        "total_ms": round(max((ms for _, ms in top), default=0.0), 1),
    }


def _importtime_lines(stderr: str) -> list[tuple[str, float, float]]:
    lines = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        self_us, cumulative_us, name = line.removeprefix("import time:").split("|")
        lines.append((name.strip(), float(self_us), float(cumulative_us)))
    return lines


def _package(module: str) -> str:
    return module.split(".")[0]


def _owner(module: str) -> str:
    root = _package(module)
    if root in ("app", "chalicelib"):
        return "ours"
    if root in sys.stdlib_module_names or root.startswith("_"):
        return "stdlib"
    return "third-party"


def run(smoke: bool = False) -> dict[str, Any]:
    """Interleaved cold starts of the three variants, and the app's import profile."""
    runs = 2 if smoke else 21
    with moto_endpoint() as env:
        item = data.product_item(0)
        boto3_client(env, "dynamodb").put_item(TableName=env["PRODUCTS_TABLE"], Item=item)
        env["BENCH_PRODUCT_ID"] = item["productId"]["S"]
        for variant in VARIANTS[:: 3 if smoke else 1]:  # compile .pyc files, warm the page cache
            run_once(variant, env)
        samples: dict[str, list[dict[str, float]]] = {v: [] for v in VARIANTS}
        for i in range(runs):
            order = VARIANTS if i % 2 == 0 else tuple(reversed(VARIANTS))
            for variant in order:
                samples[variant].append(run_once(variant, env))
        profile = import_profile(env, 1 if smoke else 5)
    result: dict[str, Any] = {"runs": runs, "variants": {}}
    for variant, runs_of in samples.items():
        result["variants"][variant] = {
            key: stats.summary([s[key] for s in runs_of])
            for key in ("wall_ms", "import_ms", "request_ms")
        }
    shop, floor = (result["variants"][v]["wall_ms"]["p50"] for v in ("shop", "boto3 GetItem"))
    result["ratio_vs_boto3"] = stats.ratio(shop, floor)
    hello = result["variants"]["hello world"]["wall_ms"]["p50"]
    result["ratio_vs_hello"] = stats.ratio(shop, hello)
    result["target"] = 1.3
    result["met"] = result["ratio_vs_boto3"] <= 1.3
    result["import_profile"] = profile
    return result


if __name__ == "__main__":
    from bench.cli import section_main

    section_main(run)
