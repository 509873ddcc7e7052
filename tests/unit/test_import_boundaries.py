"""Nothing outside tests/ imports the tests: what the tests share with bench/ lives in harness/."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE_TESTS = ("app.py", "chalicelib", "bench", "devstack", "harness", "deploy", "infra")


def _imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    text = path.read_text()
    if "tests" not in text:  # no import of tests/ can hide in it: skip parsing
        return modules
    for node in ast.walk(ast.parse(text, str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def _sources() -> list[Path]:
    found = []
    for name in OUTSIDE_TESTS:
        path = ROOT / name
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return found


def test_no_code_outside_tests_imports_the_tests() -> None:
    sources = _sources()
    assert len(sources) > 50
    importing = {
        str(path.relative_to(ROOT)): sorted(
            module for module in _imported_modules(path) if module.split(".")[0] == "tests"
        )
        for path in sources
    }
    assert {path: modules for path, modules in importing.items() if modules} == {}
