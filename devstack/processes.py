"""Child processes that never outlive the devstack, restarted when they die.

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
from dataclasses import dataclass
from pathlib import Path

PR_SET_PDEATHSIG = 1
# Looked up once, here: between fork and exec the child should only make the one C call.
_prctl = ctypes.CDLL(None).prctl if sys.platform.startswith("linux") else None
FIRST_BACKOFF = 0.5
MAX_BACKOFF = 10.0
STABLE_SECONDS = 10.0  # a child up this long starts its next backoff from the first again


class Stopping(Exception):
    """The devstack was asked to stop while it was starting."""


def _die_with_parent() -> None:
    # Linux sends the signal when the thread that forked the child ends: start children from the
    # main thread, which lives as long as the devstack.
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def exit_with_parent(signum: int = signal.SIGTERM) -> None:
    """Get SIGTERM (or `signum`) when the process that started this one dies, even by SIGKILL.

    Linux only.

    A test or benchmark killed by a timeout never runs its cleanup; without this, the stack it
    started in a session of its own would run on, orphaned, holding its ports.
    """
    if _prctl is None:
        return
    parent = os.getppid()
    _prctl(PR_SET_PDEATHSIG, signum)
    if os.getppid() != parent:  # the parent died before the request took effect
        os.kill(os.getpid(), signum)


@dataclass(frozen=True)
class Command:
    """What a child runs: its argv, its environment and its working directory."""

    argv: list[str]
    env: dict[str, str]
    cwd: Path


class Child:
    """A child process whose output is forwarded with a `[name]` prefix; it can be restarted."""

    def __init__(
        self,
        name: str,
        command: Command,
        ready: str = "",
        before_start: Callable[[], None] | None = None,
    ):
        self.name = name
        self.before_start = before_start
        self.argv, self.env, self.cwd = command.argv, command.env, command.cwd
        self._marker = ready
        self.restarts = 0
        self.backoff = FIRST_BACKOFF
        self.due: float | None = None  # when a dead child is to be started again
        self.start()

    def start(self) -> None:
        """Start (or start again) the process."""
        if self.before_start is not None:
            self.before_start()
        self.ready = threading.Event()
        self.started = time.monotonic()
        self.due = None
        self.process = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
            text=True,
            bufsize=1,
        )
        threading.Thread(
            target=self._forward,
            args=(self.process, self.ready),
            name=f"{self.name}-output",
            daemon=True,
        ).start()

    def _forward(self, process: subprocess.Popen[str], ready: threading.Event) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(f"[{self.name}] {line}")
            sys.stdout.flush()
            if self._marker and self._marker in line:
                ready.set()

    @property
    def pid(self) -> int:
        """The child's process id (also its process group id)."""
        return self.process.pid

    def alive(self) -> bool:
        """Whether the child is still running."""
        return self.process.poll() is None

    def supervise(self, now: float) -> str | None:
        """If the child died, schedule or perform its restart; a line to print when it died."""
        if self.alive():
            return None
        if self.due is None:
            up = now - self.started
            self.backoff = (
                FIRST_BACKOFF if up > STABLE_SECONDS else min(self.backoff * 2, MAX_BACKOFF)
            )
            self.due = now + self.backoff
            return (
                f"devstack: {self.name} exited ({self.process.returncode}); "
                f"restarting it in {self.backoff:g} s"
            )
        if now >= self.due:
            self._reap()
            self.restarts += 1
            self.start()
        return None

    def _reap(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)  # anything the dead leader left in its group

    def terminate(self) -> None:
        """SIGTERM the child's process group (see `stop`)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGTERM)

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM the child's process group; SIGKILL it if it has not exited after `grace`."""
        self.terminate()
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            self._reap()
            self.process.wait()
        # The group may outlive its leader by a moment; make sure nothing of it is left.
        self._reap()


def wait_until(
    check: Callable[[], bool],
    timeout: float,
    what: str,
    child: Child | None,
    stop: threading.Event | None = None,
) -> None:
    """Poll `check` until it is true; raise if `timeout` passes, `child` exits or `stop` is set."""
    deadline = time.monotonic() + timeout
    while not check():
        if stop is not None and stop.is_set():
            raise Stopping(what)
        if child is not None and not child.alive():
            raise RuntimeError(f"{child.name} exited with {child.process.returncode}: {what}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"not ready after {timeout:.0f} s: {what}")
        time.sleep(0.05)


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
