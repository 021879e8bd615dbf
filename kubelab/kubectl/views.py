"""What the kubectl views return: text that prints as kubectl prints it and stays aligned
in a notebook (an HTML <pre>) and in IPython."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from kubelab.kubectl._tabwriter import GET_MINWIDTH, GET_PADDING, align

_PRE = '<pre style="white-space: pre; line-height: 1.3;">{}</pre>'


class Text(str):
    """Text exactly as kubectl writes it, shown verbatim (monospaced) in Jupyter."""

    def _repr_html_(self) -> str:
        return _PRE.format(html.escape(str(self)))

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self).rstrip("\n"))


class Yaml(Text):
    """An object as `kubectl get -o yaml` prints it."""


def _cell(value: str) -> str:
    """A cell is cut at its first line break, marked "..." (cli-runtime tableprinter.go)."""
    cut = min((i for i in (value.find(ch) for ch in "\f\n\r") if i >= 0), default=-1)
    return value if cut < 0 else value[:cut] + "..."


class Table:
    """A `kubectl get` table: `.columns`, `.rows` (cells as strings) and the printed text.

    `str(table)` is what kubectl writes: columns aligned by its tabwriter, and, for an
    empty list, the "No resources found" line. Warnings the API server sends with the
    list (v1 Endpoints is deprecated) come first, as kubectl prints them.
    """

    def __init__(
        self,
        columns: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        empty_message: str = "No resources found in default namespace.",
        warnings: Sequence[str] = (),
    ) -> None:
        self.columns = list(columns)
        self.rows = [list(row) for row in rows]
        self.empty_message = empty_message
        self.warnings = list(warnings)

    def column(self, name: str) -> list[str]:
        """The cells of one column, by its header (`table.column("STATUS")`)."""
        try:
            index = self.columns.index(name.upper())
        except ValueError:
            known = ", ".join(self.columns)
            raise KeyError(f"no column {name!r} in this table (columns: {known})") from None
        return [row[index] for row in self.rows]

    def __str__(self) -> str:
        warnings = "".join(f"Warning: {warning}\n" for warning in self.warnings)
        if not self.rows:
            return warnings + self.empty_message + "\n"
        lines = [self.columns, *([_cell(cell) for cell in row] for row in self.rows)]
        body = "".join("\t".join(cells) + "\n" for cells in lines)
        return warnings + align(body, minwidth=GET_MINWIDTH, padding=GET_PADDING)

    def __repr__(self) -> str:
        return f"<Table {len(self.rows)} rows: {' '.join(self.columns)}>"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Table):
            return (self.columns, self.rows) == (other.columns, other.rows)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def _repr_html_(self) -> str:
        return _PRE.format(html.escape(str(self)))

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self).rstrip("\n"))
