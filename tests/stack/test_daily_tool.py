"""The local stack as a daily tool: honest ports, clean stops, supervised children, reloads.

One stack of this module's own runs on a copy of the project (so a test can edit its app.py) with
an empty store in a temporary directory.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from devstack.settings import free_port
from harness.stack import ROOT, RunningStack, start_stack, stop_stack
from tests.support.over_http import one_line_order
from tests.support.waiting import wait_for

pytestmark = pytest.mark.stack

SIGTERM_ROUNDS = 20
FULFILLED_WITHIN = 30.0  # seconds, generous: the pump may be restarting meanwhile
SAVED_WITHIN = 1.5  # seconds: what changed is on disk within a second (a delta, in milliseconds)
RELOAD_WITHIN = 10.0


def _copy_project(into: Path) -> Path:
    """The parts of the project a stack runs from, copied so that a test may edit them."""
    project = into / "project"
    project.mkdir()
    shutil.copy(ROOT / "app.py", project / "app.py")
    ignore = shutil.ignore_patterns("__pycache__")
    for part in ("chalicelib", ".chalice", "static"):
        shutil.copytree(ROOT / part, project / part, ignore=ignore)
    shutil.rmtree(project / ".chalice" / "deployed", ignore_errors=True)
    return project


LIGHT_APP = '''"""The lightest app the devstack runs: its API and pump start in no time."""

from chalice import Chalice

app = Chalice(app_name="shop")


@app.route("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
'''


def _light_project(into: Path) -> Path:
    """A project of one route and no handlers, for tests of the devstack's own start and stop."""
    project = into / "light"
    project.mkdir()
    (project / "app.py").write_text(LIGHT_APP)
    shutil.copytree(
        ROOT / ".chalice", project / ".chalice", ignore=shutil.ignore_patterns("deployed")
    )
    return project


def _copy_store(source: Path, into: Path) -> None:
    """A running stack's store, copied whole file by whole file (the base first, then deltas)."""
    into.mkdir(parents=True)
    names = sorted(path.name for path in source.iterdir() if not path.name.startswith("."))
    for name in names:
        with contextlib.suppress(FileNotFoundError):  # a delta a new base made redundant
            shutil.copy(source / name, into / name)


class Daily:
    """This module's stack, which tests may stop, kill and start again on the same store."""

    def __init__(self, base: Path):
        self.state = base / "state"
        self.knobs = {
            "DEVSTACK_PROJECT_DIR": str(_copy_project(base)),
            "API_PORT": str(free_port()),
            "WEB_PORT": str(free_port()),
            "MOTO_PORT": str(free_port()),
        }
        self.stack = start_stack(self.state, **self.knobs)

    def restart(self, kill: bool = False) -> RunningStack:
        """Stop the stack (SIGTERM to its group, or SIGKILL to the devstack alone), start again."""
        if kill:
            self.stack.process.kill()
            self.stack.process.wait()
            _wait_for("the children's end", lambda: not _alive(self.stack.pids), 15)
        else:
            stop_stack(self.stack.process)
        self.stack = start_stack(self.state, **self.knobs)
        return self.stack


def _alive(pids: dict[str, int]) -> list[int]:
    return [pid for pid in pids.values() if Path(f"/proc/{pid}").exists() and not _zombie(pid)]


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


@pytest.fixture(scope="module")
def keeper(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daily]:
    """A stack on a copy of the project, on fixed free ports (a restart finds them again)."""
    keeper = Daily(tmp_path_factory.mktemp("daily"))
    yield keeper
    stop_stack(keeper.stack.process)


@pytest.fixture
def daily(keeper: Daily) -> RunningStack:
    """The module's stack as it runs now."""
    return keeper.stack


def _wait_for(what: str, check: Any, within: float) -> Any:
    return wait_for(check, within, what)


def _place_order(stack: RunningStack, headers: dict[str, str]) -> dict[str, Any]:
    products = requests.get(f"{stack.api_url}/products", params={"limit": 100}, timeout=10)
    product = next(p for p in products.json()["items"] if p["stock"] >= 1)
    placed = requests.post(
        f"{stack.api_url}/orders",
        json=one_line_order(product["productId"]),
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
        timeout=15,
    )
    assert placed.status_code == 201, placed.text
    order: dict[str, Any] = placed.json()
    return order


def _status(stack: RunningStack, order_id: str, headers: dict[str, str]) -> str:
    try:
        answer = requests.get(f"{stack.api_url}/orders/{order_id}", headers=headers, timeout=10)
    except requests.ConnectionError:
        return ""  # the API is restarting
    return str(answer.json().get("status", "")) if answer.status_code == 200 else ""


def _fulfilled(stack: RunningStack, order_id: str, headers: dict[str, str]) -> bool:
    return _status(stack, order_id, headers) == "FULFILLED"


def _pids(stack: RunningStack) -> dict[str, int]:
    state = json.loads((Path(stack.env["DEVSTACK_API_GATE"]).parent / "stack.json").read_text())
    return dict(state["pids"])


def _world(stack: RunningStack) -> dict[str, Any]:
    """A product the admin added, a user who registered and that user's FULFILLED order."""
    admin = stack.bearer(stack.admin.email, stack.admin.password)
    product = requests.post(
        f"{stack.api_url}/products",
        json={"name": "Kept Kettle", "priceCents": 2599, "category": "kitchen", "stock": 9},
        headers=admin,
        timeout=10,
    )
    assert product.status_code == 201, product.text
    email, password = f"keeper-{uuid.uuid4().hex[:8]}@example.com", "Keeper-Passw0rd!"
    registered = requests.post(
        f"{stack.api_url}/auth/register",
        json={"email": email, "password": password, "name": "Kay Keeper"},
        timeout=10,
    )
    assert registered.status_code == 201, registered.text
    headers = stack.bearer(email, password)
    order = _place_order(stack, headers)
    _wait_for("FULFILLED", lambda: _fulfilled(stack, order["orderId"], headers), FULFILLED_WITHIN)
    return {
        "productId": product.json()["productId"],
        "email": email,
        "password": password,
        "orderId": order["orderId"],
    }


def _still_there(stack: RunningStack, world: dict[str, Any]) -> None:
    product = requests.get(f"{stack.api_url}/products/{world['productId']}", timeout=10)
    assert (product.status_code, product.json().get("name")) == (200, "Kept Kettle")
    headers = stack.bearer(world["email"], world["password"])
    assert _status(stack, world["orderId"], headers) == "FULFILLED"


def test_the_api_answers_the_storefront_on_127_0_0_1_and_localhost_and_no_other_origin(
    daily: RunningStack,
) -> None:
    port = daily.web_url.rsplit(":", 1)[1]
    seen = {}
    for origin in (f"http://127.0.0.1:{port}", f"http://localhost:{port}", "http://evil.test"):
        preflight = requests.options(
            f"{daily.api_url}/products",
            headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
            timeout=10,
        )
        listing = requests.get(f"{daily.api_url}/products", headers={"Origin": origin}, timeout=10)
        seen[origin] = {
            preflight.headers.get("Access-Control-Allow-Origin"),
            listing.headers.get("Access-Control-Allow-Origin"),
        }
    assert seen == {
        f"http://127.0.0.1:{port}": {f"http://127.0.0.1:{port}"},
        f"http://localhost:{port}": {f"http://localhost:{port}"},
        "http://evil.test": {f"http://127.0.0.1:{port}"},
    }


def test_one_line_per_request_and_no_library_chatter(daily: RunningStack) -> None:
    marker = f"/products/prd_{uuid.uuid4().hex}"
    requests.get(f"{daily.api_url}{marker}", timeout=10)
    # A client that goes away before its answer is written: no traceback.
    with socket.create_connection(("127.0.0.1", int(daily.api_url.rsplit(":", 1)[1]))) as raw:
        raw.sendall(b"GET /products?limit=100 HTTP/1.1\r\nHost: x\r\n\r\n")
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    time.sleep(1.0)
    log = daily.log()
    assert "Override settings for pynamo" not in log
    assert "Found credentials" not in log
    assert "Traceback" not in log
    assert f'"GET {marker}' not in log  # the server's access line: the app's JSON line is the one


def test_a_killed_pump_is_restarted_and_an_order_placed_around_it_is_fulfilled(
    daily: RunningStack,
) -> None:
    headers = daily.bearer(daily.shopper.email, daily.shopper.password)
    pump = _pids(daily)["pump"]

    os.kill(pump, signal.SIGKILL)
    order = _place_order(daily, headers)

    _wait_for("the pump's restart", lambda: _pids(daily)["pump"] != pump, 15)
    _wait_for("FULFILLED", lambda: _fulfilled(daily, order["orderId"], headers), FULFILLED_WITHIN)
    assert f"devstack: pump exited (-{int(signal.SIGKILL)}); restarting it in" in daily.log()


def test_a_killed_api_is_restarted_and_the_data_is_still_there(daily: RunningStack) -> None:
    headers = daily.bearer(daily.shopper.email, daily.shopper.password)
    order = _place_order(daily, headers)
    api = _pids(daily)["api"]

    os.kill(api, signal.SIGKILL)

    _wait_for("the API's restart", lambda: _status(daily, order["orderId"], headers), 15)
    assert _pids(daily)["api"] != api
    assert daily.process.poll() is None


def test_an_edited_route_answers_at_the_next_request_with_the_data_kept(
    daily: RunningStack,
) -> None:
    headers = daily.bearer(daily.shopper.email, daily.shopper.password)
    order = _place_order(daily, headers)
    app_py = Path(daily.env["DEVSTACK_API_GATE"]).parents[1] / "project" / "app.py"
    probe = f"/reload-probe-{uuid.uuid4().hex[:8]}"
    app_py.write_text(
        app_py.read_text()
        + f"\n\n@app.route({probe!r})\ndef reload_probe() -> dict[str, str]:\n"
        + '    return {"edited": "yes"}\n'
    )

    def edited() -> bool:
        try:
            return requests.get(f"{daily.api_url}{probe}", timeout=5).status_code == 200
        except requests.ConnectionError:
            return False

    _wait_for("the edited route", edited, RELOAD_WITHIN)
    assert _status(daily, order["orderId"], headers) in {"PENDING", "CONFIRMED", "FULFILLED"}
    assert "app.py changed; restarting the api and the pump" in daily.log()


def test_a_restart_keeps_a_product_a_user_who_can_log_in_and_a_fulfilled_order(
    keeper: Daily,
) -> None:
    world = _world(keeper.stack)
    seeded = requests.get(f"{keeper.stack.api_url}/products", params={"limit": 100}, timeout=10)

    stack = keeper.restart()

    _still_there(stack, world)
    again = requests.get(f"{stack.api_url}/products", params={"limit": 100}, timeout=10)
    assert again.json()["items"] == seeded.json()["items"]  # the seed was not made again


def test_kill_9_of_the_stack_loses_at_most_the_last_second(keeper: Daily) -> None:
    world = _world(keeper.stack)
    time.sleep(SAVED_WITHIN)  # the delta of the last write is at most a second behind it

    stack = keeper.restart(kill=True)

    _still_there(stack, world)


def test_a_torn_delta_loses_only_its_own_changes_and_says_so(keeper: Daily) -> None:
    world = _world(keeper.stack)
    time.sleep(SAVED_WITHIN)
    admin = keeper.stack.bearer(keeper.stack.admin.email, keeper.stack.admin.password)
    later = {"name": "Torn Toaster", "priceCents": 1999, "category": "kitchen", "stock": 1}
    requests.post(f"{keeper.stack.api_url}/products", json=later, headers=admin, timeout=10)
    stop_stack(keeper.stack.process)
    deltas = sorted((keeper.state / "store").glob("moto.pickle.delta-*"))
    assert deltas, "the stop wrote no delta (the product and its indexing are changes)"
    last = deltas[-1]
    last.write_bytes(last.read_bytes()[: last.stat().st_size // 2])

    stack = keeper.restart(kill=False)

    assert f"devstack: the store's changes from {last.name} on could not be read" in stack.log()
    assert "Traceback" not in stack.log()
    assert '"restored": true' in stack.log()
    _still_there(stack, world)


def test_a_corrupt_store_starts_clean_with_a_message(keeper: Daily) -> None:
    stop_stack(keeper.stack.process)
    snapshot = keeper.state / "store" / "moto.pickle"
    snapshot.write_bytes(snapshot.read_bytes()[: snapshot.stat().st_size // 2])

    stack = keeper.restart(kill=False)

    assert "devstack: the store could not be read (unreadable" in stack.log()
    assert "Traceback" not in stack.log()
    assert list((keeper.state / "store").glob("moto.pickle.*.corrupt"))
    products = requests.get(f"{stack.api_url}/products", params={"limit": 100}, timeout=10)
    assert "Kept Kettle" not in {p["name"] for p in products.json()["items"]}
    stack.bearer(stack.shopper.email, stack.shopper.password)  # the seed is back


def test_a_busy_port_fails_within_seconds_naming_it_and_its_knob(
    daily: RunningStack, tmp_path: Path
) -> None:
    busy = daily.api_url.rsplit(":", 1)[1]
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(API_PORT=busy, WEB_PORT="0", MOTO_PORT="0", DEVSTACK_DIR=str(tmp_path))
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "devstack"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert time.monotonic() - started < 5
    assert done.returncode == 1
    assert f"port {busy} on 127.0.0.1 is in use (API_PORT)" in done.stderr
    assert not (tmp_path / "stack.json").exists()
    assert (Path(daily.env["DEVSTACK_API_GATE"]).parent / "stack.json").exists()


def _processes_with(marker: str) -> list[int]:
    """Pids of this user's processes whose environment holds `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.skipif(not Path("/proc").exists(), reason="reads /proc")
def test_sigterm_at_any_moment_stops_cleanly_every_time(keeper: Daily, tmp_path: Path) -> None:
    """SIGTERM during start-up or after, 20 times: the clean-stop line, and no process left.

    The rounds share one store, a copy of this module's stack's (so none provisions or seeds), and
    run a one-route app (the devstack's own start and stop are under test, not the shop's), each on
    ports of its own: each start is a quick restore, and the signal lands in the imports, the
    restore, the children's start or a running stack.
    """
    _copy_store(keeper.state / "store", tmp_path / "store")
    light = _light_project(tmp_path)
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(DEVSTACK_DIR=str(tmp_path), DEVSTACK_PROJECT_DIR=str(light))
    failures = []
    for round_ in range(SIGTERM_ROUNDS):
        ports = {knob: str(free_port()) for knob in ("API_PORT", "WEB_PORT", "MOTO_PORT")}
        stack = subprocess.Popen(
            [sys.executable, "-m", "devstack"],
            cwd=ROOT,
            env={**env, **ports},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        # From the moment the devstack catches SIGTERM (before that the interpreter is still
        # starting and the default action applies), 0 s to 2.85 s: imports, restore, children,
        # a running stack.
        _wait_for("SIGTERM caught", functools.partial(_catches_sigterm, stack.pid), 30)
        time.sleep(round_ * 0.15)
        os.killpg(stack.pid, signal.SIGTERM)
        output, _ = stack.communicate(timeout=30)
        left = _wait_for_none(f"DEVSTACK_DIR={tmp_path}")
        if "devstack: stopped" not in output or left or "Traceback" in output:
            failures.append((round_, left, output[-1500:]))
    assert failures == []
    last = start_stack(tmp_path, DEVSTACK_PROJECT_DIR=str(light), MOTO_PORT=str(free_port()))
    stop_stack(last.process)
    assert '"restored": true' in last.log()  # and the store survived every round


def _catches_sigterm(pid: int) -> bool:
    """Whether the process has a handler for SIGTERM (its SigCgt mask in /proc)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True  # gone: the round will say why
    caught = next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught, 16) >> (signal.SIGTERM - 1) & 1)


def _wait_for_none(marker: str, within: float = 5.0) -> list[int]:
    deadline = time.monotonic() + within
    while (left := _processes_with(marker)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return list(left)
