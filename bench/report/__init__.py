"""BENCHMARKS.md from the sections' results: tables, each target met or why not, and what to fix.

Only numbers come from the run. The tables are declared as data (`tables.py`, laid out by
`markdown.py`); each section (`sections.py`) wraps its tables in what was measured and the
explanation its verdict calls for (`notes.py`); `summary.py` lists the targets and `findings.py`
the problems found, fixed or open, with this run's check of each fix. The history of those fixes,
with the numbers before each, is in docs/benchmark-findings.md, not in the generated report.
"""

from __future__ import annotations

from typing import Any

from bench.report import tables
from bench.report.findings import MOVES_BEFORE, problems
from bench.report.markdown import Result, table
from bench.report.sections import SECTIONS, calls, cold_start, e2e, latency, package, scaling
from bench.report.summary import targets

__all__ = [
    "MOVES_BEFORE",
    "SECTIONS",
    "calls",
    "cold_start",
    "e2e",
    "latency",
    "package",
    "render",
    "scaling",
]


def _machine(machine: Result, seconds: float, reruns: list[Result]) -> list[tuple[str, Any]]:
    versions = ", ".join(f"{name} {v}" for name, v in machine["versions"].items())
    rerun_rows = [
        (
            "re-run alone since: "
            + ", ".join(
                SECTIONS[name][0] if name in SECTIONS else name for name in rerun["sections"]
            ),
            f"commit {rerun['commit']}, {rerun['seconds']:.0f} s, load average "
            f"{rerun['load_average']} at its end",
        )
        for rerun in reruns
    ]
    return [
        ("CPU", f"{machine['cpu']}, {machine['cores']} cores"),
        ("Python / OS", f"{machine['python']} / {machine['os']}"),
        ("versions", versions),
        ("commit measured", machine["commit"]),
        ("run time", f"{seconds:.0f} s"),
        ("load average (1 / 5 / 15 min) at the end", machine["load_average"]),
        *rerun_rows,
    ]


def _section(title: str, result: Result, render_section: Any) -> str:
    if "failed" in result:
        return (
            f"## {title}\n\n**This section failed: {result['failed']}.**\n\n"
            f"```\n{result['log_tail']}\n```"
        )
    text: str = render_section(result)
    return text


def render(
    results: dict[str, Result],
    machine: Result,
    seconds: float,
    *,
    smoke: bool,
    reruns: list[Result] | None = None,
) -> str:
    """The whole report; `reruns` are sections re-run alone since (`python -m bench --only`)."""
    parts = [
        "# Benchmarks",
        "Written by `make bench` (`python -m bench`, code in `bench/`); every number below is "
        "from its last run"
        + (
            ", or from a later re-run of its section alone where the table says so"
            if reruns
            else ""
        )
        + ", and every comparison is against a baseline measured in the same run. "
        + ("**This is a smoke run at tiny sizes: its numbers mean nothing.**" if smoke else ""),
        table(tables.MACHINE, _machine(machine, seconds, reruns or [])),
        "## Targets",
        targets(results),
        problems(results),
    ]
    parts += [
        _section(title, results[name], render_section)
        for name, (title, render_section) in SECTIONS.items()
        if name in results
    ]
    return "\n\n".join(parts) + "\n"
