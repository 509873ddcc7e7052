"""`python -m devstack`: run the local stack until Ctrl-C or SIGTERM (docs/local-stack.md)."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from types import FrameType
from typing import Any

from devstack.processes import exit_with_parent
from devstack.settings import DevSettings
from devstack.stack import READY_PREFIX, LocalStack


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


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
            "  Ctrl-C stops everything.",
            "",
        ]
    )


def main() -> int:
    """Start the stack, print where it is, and keep it up until interrupted or a part dies."""
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    if os.environ.get("DEVSTACK_EXIT_WITH_PARENT", "1") == "1":
        exit_with_parent()
    stack = LocalStack(DevSettings.from_env())
    code = 0
    try:
        info = stack.start()
        print(banner(info), flush=True)
        if not sys.stdout.isatty():
            # For programs (tests, benchmarks) reading the output; a person has the banner, and
            # the same facts are in the state file (.devstack/stack.json).
            print(READY_PREFIX + json.dumps(info), flush=True)
        while (failed := stack.failed_child()) is None:
            time.sleep(0.5)
        print(f"devstack: {failed.name} exited ({failed.process.returncode}); stopping", flush=True)
        code = 1
    except KeyboardInterrupt:
        pass
    except Exception as exc:
        print(f"devstack: could not start: {exc}", file=sys.stderr, flush=True)
        code = 1
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)  # a second Ctrl-C must not cut the cleanup short
        stack.stop()
        print("devstack: stopped", flush=True)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
