"""Child processes that never outlive the devstack.

Each child starts in a session (and so a process group) of its own, and is stopped by signalling
that group: nothing it spawned is left behind. On Linux each child also gets SIGTERM if the devstack
dies without cleaning up (even by SIGKILL). Their output is copied, line by line and prefixed,
to the devstack's own stdout.
"""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

PR_SET_PDEATHSIG = 1
# Looked up once, here: between fork and exec the child should only make the one C call.
_prctl = ctypes.CDLL(None).prctl if sys.platform.startswith("linux") else None


def _die_with_parent() -> None:
    # Linux sends the signal when the thread that forked the child ends: start children from the
    # main thread, which lives as long as the devstack.
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def exit_with_parent() -> None:
    """Get SIGTERM when the process that started this one dies, even by SIGKILL (Linux only).

    A test or benchmark killed by a timeout never runs its cleanup; without this, the stack it
    started in a session of its own would run on, orphaned, holding its ports.
    """
    if _prctl is None:
        return
    parent = os.getppid()
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)


class Child:
    """A running child process whose output is forwarded with a `[name]` prefix."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], cwd: Path, ready: str = ""):
        self.name = name
        self.ready = threading.Event()
        self._marker = ready
        self.process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
            text=True,
            bufsize=1,
        )
        threading.Thread(target=self._forward, name=f"{name}-output", daemon=True).start()

    def _forward(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            sys.stdout.write(f"[{self.name}] {line}")
            sys.stdout.flush()
            if self._marker and self._marker in line:
                self.ready.set()

    @property
    def pid(self) -> int:
        """The child's process id (also its process group id)."""
        return self.process.pid

    def alive(self) -> bool:
        """Whether the child is still running."""
        return self.process.poll() is None

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM the child's process group; SIGKILL it if it has not exited after `grace`."""
        for signum in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signum)
            try:
                self.process.wait(grace)
                break
            except subprocess.TimeoutExpired:
                continue
        # The group may outlive its leader by a moment; make sure nothing of it is left.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)


def wait_until(check: Callable[[], bool], timeout: float, what: str, child: Child | None) -> None:
    """Poll `check` until it is true; raise if `timeout` passes or `child` exits first."""
    deadline = time.monotonic() + timeout
    while not check():
        if child is not None and not child.alive():
            raise RuntimeError(f"{child.name} exited with {child.process.returncode}: {what}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"not ready after {timeout:.0f} s: {what}")
        time.sleep(0.1)


def answers_http(host: str, port: int, path: str = "/") -> Callable[[], bool]:
    """A check that host:port answers HTTP at all (any status counts: the server is up)."""

    def check() -> bool:
        connection = http.client.HTTPConnection(host, port, timeout=2)
        try:
            connection.request("GET", path)
            connection.getresponse().read()
        except (OSError, http.client.HTTPException):
            return False
        finally:
            connection.close()
        return True

    return check
