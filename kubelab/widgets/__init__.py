"""Widgets that change the cluster through the `Lab` facade and redraw at once.

    import kubelab.widgets as kw
    kw.selector_explorer(lab, "web")

The only package of kubelab that imports ipywidgets. Every widget acts through `Lab`, so
it works the same on the simulation and on a real cluster, and shows an error from the
API server inside itself, worded as kubectl prints it.
"""

from __future__ import annotations

from kubelab.widgets.dns_explorer import DnsExplorer, dns_explorer
from kubelab.widgets.replicas import Replicas, replicas
from kubelab.widgets.selector_explorer import SelectorExplorer, selector_explorer
from kubelab.widgets.service_types import ServiceTypes, service_types
from kubelab.widgets.traffic import Traffic, traffic

__all__ = [
    "DnsExplorer",
    "Replicas",
    "SelectorExplorer",
    "ServiceTypes",
    "Traffic",
    "dns_explorer",
    "replicas",
    "selector_explorer",
    "service_types",
    "traffic",
]
