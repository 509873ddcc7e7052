"""Reading the requirements files: each pinned package and the hashes the lock gives it."""

from __future__ import annotations

import re
from pathlib import Path

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")
_HASH = re.compile(r"--hash=sha256:([0-9a-f]{64})")


def canonical(name: str) -> str:
    """A distribution name as PyPI compares it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements(path: Path) -> list[str]:
    """The file's requirements, each with its continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", path.read_text())
    lines = (line.split(" #", 1)[0].strip() for line in joined.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def pins(path: Path) -> dict[str, str]:
    """Each package the file pins with ==, by canonical name, and its version."""
    found = {}
    for line in _requirements(path):
        match = _PIN.match(line)
        if match:
            found[canonical(match[1])] = match[2]
    return found


def hashes(path: Path) -> dict[str, list[str]]:
    """Each package the file pins, by canonical name, and the sha256 hashes it lists."""
    found = {}
    for line in _requirements(path):
        match = _PIN.match(line)
        if match:
            found[canonical(match[1])] = _HASH.findall(line)
    return found


def unpinned(path: Path) -> list[str]:
    """The file's requirement lines that pin nothing (other than -r/-c includes)."""
    return [
        line for line in _requirements(path) if not _PIN.match(line) and not line.startswith("-")
    ]
