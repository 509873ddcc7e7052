"""The lock files (docs/decisions/0001-locked-dependencies.md): every package, runtime and dev,
pinned with its hashes; the Lambda's pins the venv's; the venv installed from them."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pytest

from tests.deploy.locks import canonical, hashes, pins, unpinned

ROOT = Path(__file__).resolve().parents[2]
RUNTIME, DEV, UV, CHECKOV = (
    ROOT / name
    for name in (
        "requirements.txt",
        "requirements-dev.txt",
        "requirements-uv.txt",
        "tools/checkov.txt",
    )
)


@pytest.mark.parametrize("lock", [RUNTIME, DEV, UV, CHECKOV], ids=lambda path: path.name)
def test_every_requirement_of_a_lock_is_pinned_with_its_hashes(lock: Path) -> None:
    assert unpinned(lock) == []
    listed = hashes(lock)
    assert listed
    assert [name for name, found in listed.items() if not found] == []


def test_the_venv_lock_pins_the_lambdas_packages_at_the_same_versions() -> None:
    runtime, dev = pins(RUNTIME), pins(DEV)
    assert {name: dev.get(name) for name in runtime} == runtime
    assert {name: set(hashes(DEV)[name]) for name in runtime} == {
        name: set(found) for name, found in hashes(RUNTIME).items()
    }


@pytest.mark.parametrize(
    ("asked", "lock"),
    [("requirements.in", RUNTIME), ("requirements-dev.in", DEV), ("tools/checkov.in", CHECKOV)],
    ids=["runtime", "dev", "checkov"],
)
def test_each_lock_holds_what_its_input_asks_for(asked: str, lock: Path) -> None:
    wanted, locked = pins(ROOT / asked), pins(lock)
    assert wanted
    assert {name: locked.get(name) for name in wanted} == wanted


def test_the_installer_is_the_one_the_venv_lock_names() -> None:
    assert pins(UV) == {"uv": pins(DEV)["uv"]}


def test_the_venv_has_every_locked_package_at_its_locked_version() -> None:
    installed = {
        canonical(dist.metadata["Name"]): dist.version for dist in metadata.distributions()
    }
    locked = pins(DEV)
    assert {name: installed.get(name) for name in locked} == locked
