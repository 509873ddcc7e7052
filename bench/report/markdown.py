"""Markdown for the report: numbers formatted one way everywhere, and tables built from data.

A table is a list of `Column`s, each a header and how to read its cell from one row's data, and
the rows themselves: `table(COLUMNS, rows)`. The report's tables are declared in
`bench/report/tables.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

Result = dict[str, Any]


class Column(NamedTuple):
    """One column of a table: its header, and its cell read from a row's data."""

    header: str
    cell: Callable[[Any], Any]


def ms(value: float | None) -> str:
    """Milliseconds with one decimal and thousands separators; '-' for none."""
    return "-" if value is None else f"{value:,.1f}"


def ratio(value: float | None) -> str:
    """A ratio as '1.23x'; '-' for none."""
    return "-" if value is None else f"{value:.2f}x"


def met(value: bool | None) -> str:
    """A target's verdict: met, **missed**, or '-' where there is none."""
    return {True: "met", False: "**missed**", None: "-"}[value]


def mb(size: int) -> str:
    """Bytes as megabytes with one decimal."""
    return f"{size / 1_000_000:.1f} MB"


def grid(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A Markdown table of ready-made cells."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def table(columns: Sequence[Column], rows: Iterable[Any]) -> str:
    """A Markdown table: one line per row, each cell read by its column."""
    return grid(
        [column.header for column in columns], [[c.cell(row) for c in columns] for row in rows]
    )


def paragraphs(*parts: str) -> str:
    """Parts separated by blank lines."""
    return "\n\n".join(parts)
