"""Objects and probe results drawn as graphviz graphs, in one visual language.

Pure functions build a `graphviz.Digraph` (DOT); `Diagram` draws it to SVG when shown.
Nothing here imports a backend: the facade gathers the objects and passes them in.
"""

from __future__ import annotations

from kubelab.diagrams.cluster import cluster_graph
from kubelab.diagrams.dns import dns_graph
from kubelab.diagrams.render import (
    Diagram,
    Renderer,
    RenderError,
    find_renderer,
    locate,
    render_svg,
)
from kubelab.diagrams.request import request_graph
from kubelab.diagrams.service import service_graph
from kubelab.diagrams.snapshot import Snapshot, gather
from kubelab.diagrams.whynot import Explanation, Finding, why_not

__all__ = [
    "Diagram",
    "Explanation",
    "Finding",
    "RenderError",
    "Renderer",
    "Snapshot",
    "cluster_graph",
    "dns_graph",
    "find_renderer",
    "gather",
    "locate",
    "render_svg",
    "request_graph",
    "service_graph",
    "why_not",
]
