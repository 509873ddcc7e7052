"""The one boundary the offline rehearsal replaces: running the Chalice CLI in a build dir."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from deploy import DeployError


class ChaliceRunner(Protocol):
    """Runs `chalice <args>` in `cwd` with `env`; raises if it fails."""

    def __call__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        """Run Chalice."""
        ...


def chalice_executable() -> str:
    """The `chalice` of the running interpreter's environment (so the runtime is this Python's)."""
    beside = Path(sys.executable).with_name("chalice")
    if beside.exists():
        return str(beside)
    found = shutil.which("chalice")
    if found is None:
        raise DeployError("chalice is not installed; run make deploy (it installs the venv)")
    return found


def run_chalice(args: list[str], cwd: Path, env: dict[str, str]) -> None:
    """Run the real Chalice CLI; DeployError if it fails."""
    argv = [chalice_executable(), *args]
    done = subprocess.run(argv, cwd=cwd, env=env, check=False)  # noqa: S603 (our own argv)
    if done.returncode != 0:
        raise DeployError(f"chalice {' '.join(args)} failed (exit {done.returncode})")


@dataclass(frozen=True)
class DeployedApi:
    """The REST API Chalice deployed."""

    rest_api_id: str
    url: str


def deployed_api(state: dict[str, Any] | None) -> DeployedApi:
    """The REST API in Chalice's deployed record; DeployError if it has none."""
    for resource in (state or {}).get("resources", []):
        if resource.get("resource_type") == "rest_api":
            return DeployedApi(resource["rest_api_id"], resource["rest_api_url"])
    raise DeployError("chalice deploy recorded no REST API; see its output above")
