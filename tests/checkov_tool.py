"""checkov, run as a subprocess from its own environment, against the table in docs/deploy.md.

checkov pins an older boto3 than the project's, so `make` installs it into `.tools/checkov`
(`make .tools/checkov/.installed`) and the tests run its executable. docs/deploy.md lists every
check that still fails, with the resources it fails on, the templates it applies to and a reason.
A failure the table does not list fails the test, and so does a row that no longer fails anywhere.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKOV = ROOT / ".tools" / "checkov" / "bin" / "checkov"
DOCS = ROOT / "docs" / "deploy.md"
SECTION = "## checkov: the checks that still fail"


@dataclass(frozen=True)
class Documented:
    """One row of the table: a check, the resources it fails on, where, and why."""

    check: str
    resources: tuple[str, ...]  # patterns over checkov's `Type.LogicalId`
    templates: tuple[str, ...]  # infra and/or package
    reason: str

    def covers(self, check: str, resource: str, template: str) -> bool:
        """Whether this row explains `check` failing on `resource` in `template`."""
        return (
            check == self.check
            and template in self.templates
            and any(fnmatch.fnmatchcase(resource, pattern) for pattern in self.resources)
        )


def documented() -> list[Documented]:
    """The table of docs/deploy.md's checkov section."""
    text = DOCS.read_text()
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if not line.startswith("| CKV"):
            continue
        check, resources, templates, reason = (cell.strip() for cell in line.strip("|").split("|"))
        rows.append(
            Documented(
                check,
                tuple(re.findall(r"`([^`]+)`", resources)),
                tuple(t.strip() for t in templates.split(",")),
                reason,
            )
        )
    return rows


def failed_checks(files: list[Path]) -> set[tuple[str, str]]:
    """checkov's failed (check, resource) pairs over `files`; AssertionError if it cannot run."""
    if not CHECKOV.exists():
        raise AssertionError("checkov is not installed: run make .tools/checkov/.installed")
    argv = [str(CHECKOV), "--framework", "cloudformation", "--compact", "--quiet"]
    argv += ["--output", "json", "--skip-download"]
    for path in files:
        argv += ["--file", str(path)]
    env = {**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}
    done = subprocess.run(argv, capture_output=True, text=True, timeout=900, env=env, check=False)
    if done.returncode not in (0, 1):  # 1: some check failed
        raise AssertionError(f"checkov failed ({done.returncode}): {done.stderr[-2000:]}")
    reports = json.loads(done.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    failed = set()
    for report in reports:
        if report.get("summary", {}).get("parsing_errors"):
            raise AssertionError(f"checkov could not parse a template: {report['summary']}")
        for check in report.get("results", {}).get("failed_checks", []):
            failed.add((check["check_id"], check["resource"]))
    return failed


def unexplained(failed: set[tuple[str, str]], template: str) -> list[tuple[str, str]]:
    """The failures no row of the table explains."""
    rows = documented()
    return sorted(
        (check, resource)
        for check, resource in failed
        if not any(row.covers(check, resource, template) for row in rows)
    )


def stale(failed: set[tuple[str, str]], template: str) -> list[str]:
    """The rows for `template` that no failure matches any more."""
    return [
        row.check + " " + ",".join(row.resources)
        for row in documented()
        if template in row.templates
        and not any(row.covers(check, resource, template) for check, resource in failed)
    ]
