"""`python -m devstack`: run the local stack until Ctrl-C or SIGTERM (docs/local-stack.md)."""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType

# First of all: from here on a stop signal only asks for the stop, which the one code path in main()
# performs. (A handler that raised instead could interrupt the cleanup itself: a second Ctrl-C, or
# SIGTERM to the whole group.)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
STOPPED = "devstack: stopped"
stop = threading.Event()
_started = threading.Event()  # set once main() may have started something


def _ask_to_stop(signum: int, frame: FrameType | None) -> None:
    if not _started.is_set():  # still importing: nothing to clean up, no need to wait
        sys.stdout.write(STOPPED + "\n")
        sys.stdout.flush()
        os._exit(0)
    stop.set()


for _signum in STOP_SIGNALS:
    signal.signal(_signum, _ask_to_stop)

import json  # noqa: E402
from typing import Any  # noqa: E402

from devstack.ports import PortBusy  # noqa: E402
from devstack.processes import Stopping, exit_with_parent  # noqa: E402
from devstack.settings import DevSettings  # noqa: E402
from devstack.stack import READY_PREFIX, LocalStack  # noqa: E402

SUPERVISE_SECONDS = 0.5


def banner(info: dict[str, Any]) -> str:
    """What a developer reads once the stack is up."""
    admin, shopper = info["admin"], info["shopper"]
    return "\n".join(
        [
            "",
            f"  The shop runs locally (ready in {info['timings']['total']} s).",
            f"    storefront  {info['webUrl']}",
            f"    API         {info['apiUrl']}   (try {info['apiUrl']}/products)",
            f"    moto        {info['motoUrl']}   (AWS_ENDPOINT_URL for boto3 and the aws CLI)",
            f"    admin       {admin['email']} / {admin['password']}",
            f"    shopper     {shopper['email']} / {shopper['password']}",
            f"  {_data_line(info)}",
            "  Edits to app.py and chalicelib/ restart the API and the pump.",
            "  Ctrl-C stops everything.",
            "",
        ]
    )


def _data_line(info: dict[str, Any]) -> str:
    if not info.get("store"):
        return "Data lives in memory only (DEVSTACK_PERSIST=0)."
    where = os.path.relpath(info["store"])
    if info.get("restored"):
        return f"Data restored from {where}; `make dev-reset` starts clean."
    return f"Data persists in {where}; `make dev-reset` starts clean."


def main() -> int:
    """Start the stack, print where it is, supervise it until Ctrl-C or SIGTERM."""
    _started.set()
    if os.environ.get("DEVSTACK_EXIT_WITH_PARENT", "1") == "1":
        exit_with_parent()
    stack = LocalStack(DevSettings.from_env(), stop)
    code = 0
    try:
        info = stack.start()
        print(banner(info), flush=True)
        if not sys.stdout.isatty():
            # For programs (tests, benchmarks) reading the output; a person has the banner, and
            # the same facts are in the state file (.devstack/stack.json).
            print(READY_PREFIX + json.dumps(info), flush=True)
        while not stop.wait(SUPERVISE_SECONDS):
            for line in stack.supervise():
                print(line, flush=True)
    except Stopping:
        pass
    except PortBusy as exc:
        print(f"devstack: {exc}", file=sys.stderr, flush=True)
        code = 1
    except Exception as exc:
        print(f"devstack: could not start: {exc}", file=sys.stderr, flush=True)
        code = 1
    finally:
        stack.stop()
        print(STOPPED, flush=True)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
