"""The report's first table: every target, this run's figure, the verdict and, if missed, why."""

from __future__ import annotations

from typing import Any

from bench import search
from bench.report import notes, tables
from bench.report.markdown import Result, met, ratio, table


def _see(held: bool, where: str) -> str:
    return "" if held else where


def _cold_start(c: Result) -> list[list[Any]]:
    if "met" not in c:
        return []
    return [
        [
            "cold start ≤ 1.3x the boto3 GetItem app",
            ratio(c["ratio_vs_boto3"]),
            met(c["met"]),
            _see(c["met"], "section 1"),
        ]
    ]


def _calls(k: Result) -> list[list[Any]]:
    rows = [
        [
            f"{row['operation']}: ≤ {row['target']} DynamoDB calls",
            row["total"],
            met(row["met"]),
            _see(row["met"], "section 2"),
        ]
        for row in k.get("rows", [])
        if row["target"] is not None
    ]
    if "scans" in k:
        rows.append(["no Scan anywhere", f"{len(k['scans'])} Scans", met(not k["scans"]), ""])
    return rows


def _latency(r: Result) -> list[list[Any]]:
    return [
        [
            f"{row['route']} ≤ 1.5x raw (p50)",
            ratio(row["ratio_p50"]),
            met(row["met"]),
            _see(row["met"], "section 3: " + notes.latency_miss(row, 1.5, short=True)),
        ]
        for row in r.get("rows", [])
    ]


def _scaling(r: Result) -> list[list[Any]]:
    return [
        [
            f"{case['case']} ≤ 1.3x at {case['sizes'][1]:,} (client side / end to end)",
            f"{ratio(case['ours_client_ratio'])} / {ratio(case['ours_ratio'])}",
            f"{met(case['met_client_side'])} / {met(case['met_end_to_end'])}",
            "section 4: moto's Query is linear in the table; DynamoDB Local or a sandbox "
            "table for the end-to-end number",
        ]
        for case in r.get("cases", [])
    ]


def targets(results: dict[str, Result]) -> str:
    """The targets table of a run's results (sections that did not run add no rows)."""
    rows = (
        _cold_start(results.get("coldstart", {}))
        + _calls(results.get("calls", {}))
        + _latency(results.get("latency", {}))
        + _scaling(results.get("scaling", {}))
        + search.targets(results.get("search", {}))
    )
    return table(tables.TARGETS, rows)
