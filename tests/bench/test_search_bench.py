"""The search section's code works at tiny sizes and renders; nothing here asserts a time."""

from __future__ import annotations

from bench import report, search


def test_the_search_section_measures_both_sizes_and_renders_its_targets() -> None:
    result = search.run(smoke=True)

    assert [size["products"] for size in result["sizes"]] == [200, 500]
    assert all(
        size["query_ms"]["wall"]["n"] > 0 < size["snapshot_bytes"] for size in result["sizes"]
    )
    assert result["relevance"]["queries"] >= 40
    assert "## 7. Search" in report.SECTIONS["search"][1](result)
    assert len(search.targets(result)) == 2
