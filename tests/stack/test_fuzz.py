"""Schemathesis against the local stack's own /openapi.json: no 500s, every answer as documented.

CI runs a short profile; `make fuzz` runs the full one (FUZZ_PROFILE=full, over 1,000 generated
requests). Each profile fuzzes twice: with an admin's ID token, so the admin routes are reached, and
with a shopper's, so they are refused as documented. FUZZ_SEED replays a run. docs/hardening.md has
the figures.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from harness.stack import Credentials, RunningStack, start_stack, stop_stack

pytestmark = pytest.mark.stack

CONFIG = Path(__file__).with_name("schemathesis.toml")
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "ignored_auth",
)
ALL_PHASES = "examples,coverage,fuzzing,stateful"
CI_SEED = 20261127


@dataclass(frozen=True)
class Pass:
    """One schemathesis run: whose token, which phases, how many cases per operation."""

    who: str
    phases: str
    max_examples: int


PROFILES = {
    "ci": (Pass("admin", "coverage,fuzzing", 3), Pass("shopper", "fuzzing", 3)),
    "full": (Pass("admin", ALL_PHASES, 25), Pass("shopper", ALL_PHASES, 25)),
}
MIN_REQUESTS = {"ci": 100, "full": 1000}


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """A stack of its own: fuzzing archives products and fills carts other stack tests rely on."""
    running = start_stack(tmp_path_factory.mktemp("fuzz-stack"))
    yield running
    stop_stack(running.process)


def id_token(stack: RunningStack, account: Credentials) -> str:
    """Log in through the API, as a client would."""
    answer = requests.post(
        f"{stack.api_url}/auth/login",
        json={"email": account.email, "password": account.password},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["idToken"]
    return token


def schemathesis(stack: RunningStack, token: str, run: Pass, seed: int, workdir: Path) -> str:
    """Run schemathesis once; assert it found nothing; return what it printed."""
    argv = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(CONFIG),
        "run",
        f"{stack.api_url}/openapi.json",
        "--url",
        stack.api_url,
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        run.phases,
        "--max-examples",
        str(run.max_examples),
        "--seed",
        str(seed),
        "--generation-database",
        "none",
        "--no-color",
        "--report",
        "junit",
        "--report-dir",
        str(workdir / run.who),
    ]
    done = subprocess.run(argv, cwd=workdir, capture_output=True, text=True, timeout=1800)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"schemathesis as {run.who} (seed {seed}):\n{output[-6000:]}"
    return output


def generated(output: str) -> int:
    """How many requests schemathesis generated, from its summary."""
    found = re.search(r"(\d+) generated", output)
    assert found is not None, output[-2000:]
    return int(found.group(1))


def test_fuzzing_finds_no_server_error_and_no_undocumented_answer(
    fuzz_stack: RunningStack, tmp_path: Path
) -> None:
    profile = os.environ.get("FUZZ_PROFILE", "ci")
    default_seed = CI_SEED if profile == "ci" else random.randrange(2**31)
    seed = int(os.environ.get("FUZZ_SEED") or default_seed)
    accounts = {"admin": fuzz_stack.admin, "shopper": fuzz_stack.shopper}
    total = 0

    for run in PROFILES[profile]:
        started = time.monotonic()
        output = schemathesis(
            fuzz_stack, id_token(fuzz_stack, accounts[run.who]), run, seed, tmp_path
        )
        count = generated(output)
        total += count
        print(
            f"fuzz {profile} as {run.who}: {count} requests, 0 failures, "
            f"{time.monotonic() - started:.0f} s, phases {run.phases}, "
            f"max-examples {run.max_examples}, seed {seed}"
        )

    assert total >= MIN_REQUESTS[profile]
