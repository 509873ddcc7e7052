"""Every table of the report, as data: its columns, each a header and how to read the cell.

The sections (`bench/report/sections.py`) pick the rows from a run's results and lay these out;
changing what a table shows is an edit here, not in the prose around it.
"""

from __future__ import annotations

from typing import Any

from bench.report.markdown import Column, mb, met, ms, ratio


def _ops(counts: dict[str, int]) -> str:
    return ", ".join(f"{op} {n}" for op, n in counts.items())


def _p50_p99(values: dict[str, Any]) -> str:
    return f"{ms(values['p50'])} / {ms(values['p99'])}"


def _growth(small: dict[str, Any], large: dict[str, Any], key: str = "p50") -> str:
    return f"{ms(small[key])} → {ms(large[key])}"


COLD_START = [
    Column("app", lambda v: v["app"]),
    Column("wall p50 ms", lambda v: ms(v["wall_ms"]["p50"])),
    Column("wall p10 - p90 ms", lambda v: f"{ms(v['wall_ms']['p10'])} - {ms(v['wall_ms']['p90'])}"),
    Column("import p50 ms", lambda v: ms(v["import_ms"]["p50"])),
    Column("request p50 ms", lambda v: ms(v["request_ms"]["p50"])),
]
IMPORT_CUMULATIVE = [
    Column("module", lambda m: m["module"]),
    Column("whose", lambda m: m["owner"]),
    Column("cumulative ms", lambda m: ms(m["ms"])),
]
IMPORT_SELF = [
    Column("package", lambda p: p["package"]),
    Column("whose", lambda p: p["owner"]),
    Column("self ms", lambda p: ms(p["ms"])),
]
CALLS = [
    Column("operation", lambda row: row["operation"]),
    Column("DynamoDB calls by type", lambda row: _ops(row["dynamodb"]) or "none"),
    Column("total", lambda row: row["total"]),
    Column("target", lambda row: "-" if row["target"] is None else row["target"]),
    Column("met", lambda row: met(row["met"])),
    Column("other AWS", lambda row: _ops(row["other_aws"]) or ""),
]
MOVES = [
    Column("operation", lambda move: move["operation"]),
    Column("GetItem at most (the fix)", lambda move: move["at_most"]),
    Column("GetItem this run", lambda move: move["now"]),
    Column(
        "all DynamoDB calls this run (total)",
        lambda move: f"{_ops(move['row']['dynamodb'])} ({move['row']['total']})",
    ),
]
LATENCY = [
    Column("route", lambda row: row["route"]),
    Column("ours p50 / p99 ms", lambda row: _p50_p99(row["ours"])),
    Column("raw p50 / p99 ms", lambda row: _p50_p99(row["raw"])),
    Column("ratio p50 / p99", lambda row: f"{ratio(row['ratio_p50'])} / {ratio(row['ratio_p99'])}"),
    Column(
        "client side ours / raw p50 ms",
        lambda row: f"{ms(row['ours_client']['p50'])} / {ms(row['raw_client']['p50'])}",
    ),
    Column("client ratio", lambda row: ratio(row["client_ratio_p50"])),
    Column("target 1.5x", lambda row: met(row["met"])),
]
SCALING = [
    Column("case", lambda case: f"{case['case']}, page of {case['page']}"),
    Column("items", lambda case: f"{case['sizes'][0]:,} → {case['sizes'][1]:,}"),
    Column("ours p50 ms", lambda case: _growth(case["small"]["ours"], case["large"]["ours"])),
    Column("ours growth", lambda case: ratio(case["ours_ratio"])),
    Column("raw growth", lambda case: ratio(case["raw_ratio"])),
    Column(
        "client side ours, fastest sample ms",
        lambda case: _growth(case["small"]["ours_client"], case["large"]["ours_client"], "min")
        + f" (p50 {_growth(case['small']['ours_client'], case['large']['ours_client'])})",
    ),
    Column("client growth", lambda case: ratio(case["ours_client_ratio"])),
    Column(
        "one Query, Limit=page+1", lambda case: "yes" if case["one_bounded_query"] else "**no**"
    ),
    Column("target 1.3x (client)", lambda case: met(case["met_client_side"])),
    Column(
        "sample pairs small / large",
        lambda case: f"{case['small']['runs']} / {case['large']['runs']}",
    ),
    Column("load + small run", lambda case: f"{case['load_seconds']} s"),
]
PACKAGE_LARGEST = [
    Column("member", lambda m: m["name"]),
    Column("unzipped", lambda m: f"{m['bytes']:,}"),
    Column("zipped", lambda m: f"{m['zipped']:,}"),
]
PACKAGE_BY_PACKAGE = [
    Column("package", lambda p: p["package"]),
    Column("unzipped", lambda p: mb(p["bytes"])),
    Column("share", lambda p: f"{p['share']:.0%}"),
]
# Two-column tables: one row per measure, its value read from the results.
MEASURE = [Column("measure", lambda row: row[0]), Column("value", lambda row: row[1])]
MACHINE = [Column("machine", lambda row: row[0]), Column("", lambda row: row[1])]
TARGETS = [
    Column("target", lambda row: row[0]),
    Column("this run", lambda row: row[1]),
    Column("verdict", lambda row: row[2]),
    Column("reason and plan if missed", lambda row: row[3]),
]
