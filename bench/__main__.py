"""`python -m bench [--smoke] [--only a,b] [--report PATH]`: run the sections, write the report.

`--from-results build/bench/results.json` re-renders the report from a run's saved numbers.
`--only a,b` re-runs some sections and merges them into the saved numbers of the last run (if it
had the same `--smoke`): the report shows every section, and says which were re-run alone.

Each section runs in a fresh interpreter (its own environment, its own moto, nothing cached from
another section) and hands back JSON; the report is written from all of them at the end. A section
that fails is reported as failed, the others still run, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import machine, report
from bench.shop import ROOT

# Cheapest first; each with a timeout well inside the 10-minute budget.
SECTIONS = {
    "calls": 120,
    "coldstart": 240,
    "latency": 240,
    "scaling": 360,
    "e2e": 240,
    "package": 240,
    "search": 240,
    "soak": 1200,
    "persistence": 600,
    "cost": 180,
}
LOGS = ROOT / "build" / "bench"


def run_section(name: str, smoke: bool, timeout: int) -> dict[str, Any]:
    """One section in its own process; its JSON, or what went wrong."""
    LOGS.mkdir(parents=True, exist_ok=True)
    out, log = LOGS / f"{name}.json", LOGS / f"{name}.log"
    out.unlink(missing_ok=True)
    argv = [sys.executable, "-m", f"bench.{name}", "--out", str(out)] + (["--smoke"] * smoke)
    started = time.perf_counter()
    with log.open("w") as sink:
        try:
            done = subprocess.run(
                argv, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT, timeout=timeout, check=False
            )
            failure = None if done.returncode == 0 else f"exit status {done.returncode}"
        except subprocess.TimeoutExpired:
            failure = f"timed out after {timeout} s"
    elapsed = round(time.perf_counter() - started, 1)
    if failure is None and out.exists():
        return {**json.loads(out.read_text()), "seconds": elapsed}
    tail = log.read_text()[-1500:]
    return {"failed": failure or "no output", "log_tail": tail, "seconds": elapsed}


def main(argv: list[str] | None = None) -> int:
    """Run the chosen sections and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, to prove the code runs")
    parser.add_argument("--only", help="comma-separated sections (default: all)")
    parser.add_argument("--report", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument("--from-results", help="only re-render the report from a results.json")
    parser.add_argument(
        "--no-merge",
        action="store_true",
        help="with --only: report only these sections, not merged into the last run's results",
    )
    args = parser.parse_args(argv)
    if args.from_results:
        saved = json.loads(Path(args.from_results).read_text())
        Path(args.report).write_text(_render(saved))
        return 0
    names = args.only.split(",") if args.only else list(SECTIONS)
    started = time.perf_counter()
    results: dict[str, Any] = {}
    for name in names:
        print(f"bench: {name} ...", flush=True)
        results[name] = run_section(name, args.smoke, SECTIONS[name])
        state = results[name].get("failed") or "done"
        print(f"bench: {name} {state} in {results[name]['seconds']} s", flush=True)
    total = round(time.perf_counter() - started, 1)
    described = machine.describe(ROOT)
    saved = {"sections": results, "machine": described, "seconds": total, "smoke": args.smoke}
    previous = LOGS / "results.json"
    if args.only and not args.no_merge and previous.exists():
        saved = merge(json.loads(previous.read_text()), saved)
    Path(args.report).write_text(_render(saved))
    previous.write_text(json.dumps(saved, indent=2) + "\n")
    print(f"bench: wrote {args.report} in {total} s", flush=True)
    return 1 if any("failed" in result for result in results.values()) else 0


def merge(last: dict[str, Any], rerun: dict[str, Any]) -> dict[str, Any]:
    """The last run's results with some sections re-run alone: theirs replace the saved ones.

    The machine, run time and load average stay the last run's; each re-run is recorded beside
    them (its sections, commit, load average and time) so the report says which numbers are
    newer. A last run with a different `--smoke` is not merged into: the re-run stands alone.
    """
    if last.get("smoke") != rerun["smoke"]:
        return rerun
    names = list(rerun["sections"])
    reruns = [
        {**entry, "sections": [n for n in entry["sections"] if n not in names]}
        for entry in last.get("reruns", [])
    ]
    described = rerun["machine"]
    reruns = [entry for entry in reruns if entry["sections"]] + [
        {
            "sections": names,
            "commit": described["commit"],
            "load_average": described["load_average"],
            "seconds": rerun["seconds"],
        }
    ]
    return {**last, "sections": {**last["sections"], **rerun["sections"]}, "reruns": reruns}


def _render(saved: dict[str, Any]) -> str:
    return report.render(
        saved["sections"],
        saved["machine"],
        saved["seconds"],
        smoke=saved["smoke"],
        reruns=saved.get("reruns", []),
    )


if __name__ == "__main__":
    raise SystemExit(main())
