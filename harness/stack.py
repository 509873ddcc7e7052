"""The local stack as a child process: `python -m devstack` on free ports, ready when it says so.

The stack tests' `stack` fixture and the end-to-end benchmark both start it this way: only a few
variables of the caller's environment reach it, it prints one `DEVSTACK READY {json}` line when
every part answers, and stopping it signals its whole process group, as a terminal's Ctrl-C does.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from devstack.moto_server import local_client
from devstack.settings import free_port

ROOT = Path(__file__).resolve().parents[1]
READY_PREFIX = "DEVSTACK READY "
STARTUP_TIMEOUT = 90.0
# Only these reach the stack: the test session's own settings (SHOP_STAGE=test...) must not.
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


class StackDidNotStart(RuntimeError):
    """The stack exited, or printed no READY line in time; the message holds its last output."""


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


def start_stack(state_dir: Path, **knobs: str) -> RunningStack:
    """Start `python -m devstack` on free ports and wait for its READY line."""
    env = {key: os.environ[key] for key in PASSED_THROUGH if key in os.environ}
    env.update(
        API_PORT=str(free_port()),
        WEB_PORT=str(free_port()),
        MOTO_PORT="0",
        DEVSTACK_PROJECT_DIR=str(ROOT),
        DEVSTACK_DIR=str(state_dir),  # stack.json and the store: a new, empty one per test
        PYTHONUNBUFFERED="1",
    )
    env.update(knobs)
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
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
        raise StackDidNotStart("the local stack did not start:\n" + "".join(output[-60:]))
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
