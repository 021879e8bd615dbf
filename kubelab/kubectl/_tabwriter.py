"""Column alignment the way Go's text/tabwriter does it, which is what kubectl prints through.

A line is split into cells at tabs; every cell but the last belongs to a column. A
column's width is decided per *block*: a run of consecutive lines that all have a cell in
that column. A line with fewer cells ends the block, so a heading line such as
"Containers:" restarts the alignment below it. Within a block, each column is as wide as
its widest cell plus `padding`, and never narrower than `minwidth`; cells are padded with
spaces (even empty ones and the last padded cell of a line); the last cell of a line is
written as it is. Source: Go src/text/tabwriter/tabwriter.go (format, writeLines).

kubectl's settings: `kubectl get` uses minwidth 6, padding 3
(staging/src/k8s.io/cli-runtime/pkg/printers/tabwriter.go); `kubectl describe` uses
minwidth 0, padding 2 (staging/src/k8s.io/kubectl/pkg/describe/describe.go tabbedString).
"""

from __future__ import annotations

GET_MINWIDTH, GET_PADDING = 6, 3
DESCRIBE_MINWIDTH, DESCRIBE_PADDING = 0, 2


def align(text: str, *, minwidth: int, padding: int) -> str:
    """Render tab-separated `text` with aligned columns."""
    rows = [line.split("\t") for line in text.split("\n")]
    widths: list[tuple[int, ...]] = [()] * len(rows)
    _assign_widths(rows, 0, len(rows), (), widths, minwidth, padding)
    return "\n".join(_render(row, widths[i]) for i, row in enumerate(rows))


def _has_column(row: list[str], column: int) -> bool:
    return column < len(row) - 1  # the last cell of a line is not in a column


def _assign_widths(
    rows: list[list[str]],
    start: int,
    stop: int,
    outer: tuple[int, ...],
    widths: list[tuple[int, ...]],
    minwidth: int,
    padding: int,
) -> None:
    """Give every line in rows[start:stop] the widths of the blocks it belongs to."""
    column = len(outer)
    line = start
    while line < stop:
        if not _has_column(rows[line], column):
            widths[line] = outer
            line += 1
            continue
        end = line
        width = minwidth
        while end < stop and _has_column(rows[end], column):
            width = max(width, len(rows[end][column]) + padding)
            end += 1
        _assign_widths(rows, line, end, (*outer, width), widths, minwidth, padding)
        line = end


def _render(row: list[str], widths: tuple[int, ...]) -> str:
    return "".join(cell.ljust(widths[i]) if i < len(widths) else cell for i, cell in enumerate(row))
