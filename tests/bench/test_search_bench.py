"""The search section's code works at tiny sizes and renders; nothing here asserts a time.

It runs in a child process, as `python -m bench` runs it: the route's part imports the app with
the benchmark's own settings, which this test session's settings must not shadow.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench import report, search

ROOT = Path(__file__).resolve().parents[2]
RUN = """
import json, sys
from bench import search
with open(sys.argv[1], "w") as out:
    json.dump(search.run(smoke=True), out)
"""


def test_the_search_section_measures_both_sizes_and_renders_its_targets(tmp_path: Path) -> None:
    out = tmp_path / "search.json"
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    result = json.loads(out.read_text())

    assert [size["products"] for size in result["sizes"]] == [200, 500]
    assert all(
        size["query_ms"]["wall"]["n"] > 0 < size["snapshot_bytes"] for size in result["sizes"]
    )
    assert [size["products"] for size in result["route"]] == [200, 500]
    assert all(size["query_ms"]["wall"]["n"] > 0 for size in result["route"])
    assert result["relevance"]["queries"] >= 40
    rendered = report.SECTIONS["search"][1](result)
    assert "## 7. Search" in rendered
    assert "Through the route" in rendered
    assert len(search.targets(result)) == 2
