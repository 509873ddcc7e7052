"""Fixtures for tests of the local stack.

`stack` starts `python -m devstack` once per session, on free ports, and yields where it runs and
how to sign in; any stack test (orders journey, browser tests) can take it:

    @pytest.mark.stack
    def test_something(stack):
        requests.get(f"{stack.api_url}/products")
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from devstack.moto_server import local_client

ROOT = Path(__file__).resolve().parents[2]
READY_PREFIX = "DEVSTACK READY "
STARTUP_TIMEOUT = 90.0
# Only these reach the stack: the test session's own settings (SHOP_STAGE=test...) must not.
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


@dataclass(frozen=True)
class Credentials:
    """An account the stack created."""

    email: str
    password: str


@dataclass
class RunningStack:
    """A local stack started by a test: its URLs, demo accounts and process."""

    api_url: str
    web_url: str
    moto_url: str
    admin: Credentials
    shopper: Credentials
    pids: dict[str, int]
    env: dict[str, str]
    startup_seconds: float
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)

    def log(self) -> str:
        """Everything the stack has printed so far."""
        return "".join(self.output)

    def login(self, email: str, password: str) -> requests.Response:
        """POST /auth/login on the stack's API."""
        body = {"email": email, "password": password}
        return requests.post(f"{self.api_url}/auth/login", json=body, timeout=10)

    def bearer(self, email: str, password: str) -> dict[str, str]:
        """The Authorization header of a user who logs in successfully."""
        answer = self.login(email, password)
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['idToken']}"}

    def aws(self, service: str) -> Any:
        """A boto3 client of the stack's moto."""
        return local_client(self.moto_url, service)


@pytest.fixture(autouse=True)
def tables() -> None:
    """These tests bring their own moto; they need none of the API tests' in-process tables."""


def _free_port() -> int:
    from devstack.settings import free_port

    return free_port()


def start_stack(state_dir: Path, **knobs: str) -> RunningStack:
    """Start `python -m devstack` on free ports and wait for its READY line."""
    env = {key: os.environ[key] for key in PASSED_THROUGH if key in os.environ}
    env.update(
        API_PORT=str(_free_port()),
        WEB_PORT=str(_free_port()),
        MOTO_PORT="0",
        DEVSTACK_PROJECT_DIR=str(ROOT),
        DEVSTACK_DIR=str(state_dir),  # stack.json and the store: a new, empty one per test
        PYTHONUNBUFFERED="1",
    )
    env.update(knobs)
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output: list[str] = []
    ready: dict[str, Any] = {}
    seen = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if line.startswith(READY_PREFIX):
                ready.update(json.loads(line.removeprefix(READY_PREFIX)))
                seen.set()
        seen.set()  # the stack exited before it was ready

    threading.Thread(target=read, daemon=True).start()
    if not seen.wait(STARTUP_TIMEOUT) or not ready:
        stop_stack(process)
        pytest.fail("the local stack did not start:\n" + "".join(output[-60:]))
    return RunningStack(
        api_url=ready["apiUrl"],
        web_url=ready["webUrl"],
        moto_url=ready["motoUrl"],
        admin=Credentials(**ready["admin"]),
        shopper=Credentials(**ready["shopper"]),
        pids={"devstack": process.pid, **ready["pids"]},
        env=ready["env"],
        startup_seconds=time.monotonic() - started,
        process=process,
        output=output,
    )


def stop_stack(process: subprocess.Popen[str], grace: float = 20.0) -> None:
    """SIGTERM the stack's process group, as a terminal would; SIGKILL it after `grace`."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The local stack, started once for the session."""
    running = start_stack(tmp_path_factory.mktemp("devstack"))
    yield running
    stop_stack(running.process)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, once for every browser test; the screenshots folder emptied first."""
    from tests.stack.browser import fresh_screenshot_dir, launch_chromium

    fresh_screenshot_dir()
    with launch_chromium() as chromium:
        yield chromium
