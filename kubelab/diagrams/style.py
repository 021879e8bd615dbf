"""The one visual language of every kubelab diagram, and its legend.

Pods are coloured by state (ready green, not ready amber, terminating grey, pending amber
and dotted); Services and virtual IPs are blue; nodes are grey boxes; DNS is purple; the
client is slate; anything refused or dropped is red. An edge from a Service to a pod is
solid when the pod is a ready endpoint, dashed when it is not ready, dotted when it is
terminating; a selector that misses is a red dashed edge.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import graphviz  # type: ignore[import-untyped]

FONT = "Helvetica"
FONT_SIZE = "11"
SMALL = "9"
MUTED = "#616161"  # secondary text


class Look(NamedTuple):
    """A box's fill and line colours, and its legend text."""

    fill: str
    line: str
    text: str


class Line(NamedTuple):
    """An edge's colour and style, and its legend text."""

    color: str
    style: str  # "solid" | "dashed" | "dotted" | "bold"
    text: str


LOOKS: dict[str, Look] = {
    "ready": Look("#e8f5e9", "#2e7d32", "pod, ready"),
    "not-ready": Look("#fff3e0", "#ef6c00", "pod, not ready"),
    "terminating": Look("#eeeeee", "#757575", "pod, terminating"),
    "pending": Look("#fffde7", "#f9a825", "pod, pending (no IP)"),
    "finished": Look("#fafafa", "#bdbdbd", "pod, finished"),
    "service": Look("#e3f2fd", "#1565c0", "Service / virtual IP"),
    "slice": Look("#ede7f6", "#4527a0", "EndpointSlice"),
    "node": Look("#f5f5f5", "#9e9e9e", "node"),
    "client": Look("#eceff1", "#37474f", "client"),
    "dns": Look("#f3e5f5", "#6a1b9a", "DNS"),
    "answer": Look("#e8f5e9", "#2e7d32", "name that answered"),
    "nxdomain": Look("#fafafa", "#9e9e9e", "NXDOMAIN (no such name)"),
    "record": Look("#ffffff", "#6a1b9a", "DNS record"),
    "entry": Look("#e0f2f1", "#00695c", "node port / load balancer"),
    "kube-proxy": Look("#ffffff", "#1565c0", "kube-proxy's choice"),
    "failed": Look("#ffebee", "#c62828", "refused / dropped"),
    "note": Look("#ffffff", "#bdbdbd", "note"),
}

LINES: dict[str, Line] = {
    "to-ready": Line("#2e7d32", "solid", "selects; ready endpoint"),
    "to-not-ready": Line("#ef6c00", "dashed", "selects; not ready"),
    "to-terminating": Line("#757575", "dotted", "selects; terminating"),
    "to-pending": Line("#f9a825", "dashed", "selects; no IP yet"),
    "to-finished": Line("#bdbdbd", "dotted", "selects; finished"),
    "mismatch": Line("#c62828", "dashed", "selector misses"),
    "path": Line("#37474f", "solid", "request path"),
    "snat": Line("#ff8f00", "solid", "SNAT: source address rewritten"),
    "blocked": Line("#c62828", "bold", "refused / dropped"),
    "next-try": Line("#9e9e9e", "dashed", "next name to try"),
    "lists": Line("#4527a0", "solid", "EndpointSlice lists it"),
}


def to_state(state: str) -> str:
    """The line toward a pod in `state` (a key of LOOKS)."""
    return f"to-{state}"


# -- text --------------------------------------------------------------------------------


def esc(text: object) -> str:
    """Text made safe for an HTML-like label."""
    return html.escape(str(text), quote=True)


def font(text: str, color: str | None = None, size: str | None = None, bold: bool = False,
         strike: bool = False) -> str:
    """Escaped text with font markup (HTML-like labels; both renderers draw these)."""
    out = esc(text)
    if bold:
        out = f"<B>{out}</B>"
    if strike:
        out = f"<S>{out}</S>"
    attrs = (f' COLOR="{color}"' if color else "") + (f' POINT-SIZE="{size}"' if size else "")
    return f"<FONT{attrs}>{out}</FONT>" if attrs else out


def row(cell: str, port: str | None = None, bgcolor: str | None = None) -> str:
    """One left-aligned table row holding already-marked-up text."""
    attrs = (f' PORT="{port}"' if port else "") + (f' BGCOLOR="{bgcolor}"' if bgcolor else "")
    return f'<TR><TD ALIGN="LEFT" BALIGN="LEFT"{attrs}>{cell}</TD></TR>'


def table(rows: Iterable[str], look: str, dashed: bool = False, rounded: bool = True) -> str:
    """An HTML-like label: a box in `look`'s colours holding `rows`."""
    data = LOOKS[look]
    styles = [s for s in ("rounded" if rounded else "", "dashed" if dashed else "") if s]
    style = f' STYLE="{",".join(styles)}"' if styles else ""
    return (
        f'<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2" '
        f'BGCOLOR="{data.fill}" COLOR="{data.line}"{style}>{"".join(rows)}</TABLE>>'
    )


def node_id(*parts: str) -> str:
    """A DOT node name; no ':' (graphviz would read it as a port)."""
    return "/".join(parts).replace(":", "_")


# -- graphs ------------------------------------------------------------------------------


def new_graph(name: str, title: str = "", rankdir: str = "LR") -> graphviz.Digraph:
    """A digraph with the house defaults: left to right, one font, compact spacing."""
    g = graphviz.Digraph(name=name)
    g.attr(rankdir=rankdir, fontname=FONT, fontsize="12", nodesep="0.15", ranksep="0.5",
           newrank="true", labelloc="t", labeljust="l", bgcolor="white")
    if title:
        g.attr(label=title)
    g.attr("node", shape="plaintext", fontname=FONT, fontsize=FONT_SIZE, margin="0",
           width="0", height="0")
    g.attr("edge", fontname=FONT, fontsize=SMALL, color=LINES["path"].color,
           arrowsize="0.7")
    return g


def box_attrs(look: str, shape: str = "box", dashed: bool = False) -> dict[str, str]:
    """Attributes for a plain (non-table) node in `look`'s colours."""
    data = LOOKS[look]
    style = "filled,rounded" + (",dashed" if dashed else "")
    return {"shape": shape, "style": style, "fillcolor": data.fill, "color": data.line,
            "margin": "0.08,0.04"}


def line_attrs(kind: str, label: str = "", weight: float = 1.0) -> dict[str, str]:
    """Attributes for an edge of kind `kind` (a key of LINES)."""
    data = LINES[kind]
    attrs = {"color": data.color, "style": data.style, "fontcolor": data.color}
    if data.style == "bold":
        attrs["style"], attrs["penwidth"] = "solid", "2"
    if weight != 1.0:
        attrs["penwidth"] = f"{weight:.2g}"
    if label:
        attrs["label"] = label
    return attrs


# -- the legend ----------------------------------------------------------------------------

LEGEND_COLUMNS = 4  # entries per legend row


def _swatch(key: str) -> str:
    """Two table cells: a sample of the look or line, and what it means."""
    if key in LOOKS:
        look = LOOKS[key]
        sample = (f'<TD BGCOLOR="{look.fill}" COLOR="{look.line}" BORDER="1" WIDTH="24" '
                  'STYLE="rounded"> </TD>')
        text = look.text
    else:
        line = LINES[key]
        style = {"dashed": ' STYLE="dashed"', "dotted": ' STYLE="dotted"'}.get(line.style, "")
        sample = f'<TD SIDES="B" BORDER="2" COLOR="{line.color}" WIDTH="24"{style}> </TD>'
        text = line.text
    return f'{sample}<TD ALIGN="LEFT">{font(text, size=SMALL)}</TD>'


def legend_label(title: str, keys: Sequence[str]) -> str:
    """The graph's label: its title, then the legend, a few entries a row."""
    rows = []
    for start in range(0, len(keys), LEGEND_COLUMNS):
        cells = "".join(_swatch(k) for k in keys[start:start + LEGEND_COLUMNS])
        rows.append(f"<TR>{cells}</TR>")
    legend = (f'<TR><TD ALIGN="LEFT"><TABLE BORDER="0" CELLBORDER="0" CELLSPACING="3" '
              f'CELLPADDING="1">{"".join(rows)}</TABLE></TD></TR>') if rows else ""
    return (f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
            f'<TR><TD ALIGN="LEFT">{font(title, bold=True)}</TD></TR>{legend}</TABLE>>')


class Legend:
    """Collects the looks and lines a diagram used; draws only those, in a fixed order."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def use(self, key: str) -> str:
        if key not in LOOKS and key not in LINES:
            raise KeyError(f"no look or line named {key!r}")
        self.used.add(key)
        return key

    def keys(self) -> list[str]:
        order = [*LOOKS, *LINES]
        return [k for k in order if k in self.used and k != "note"]

    def draw(self, g: graphviz.Digraph, title: str) -> None:
        """Put the title and the legend above the drawing (outside its layout)."""
        g.attr(label=legend_label(title, self.keys()))
