"""`kubectl get`: a list of objects of one resource as kubectl's table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from kubelab.kinds import Resource
from kubelab.kubectl import _common as c
from kubelab.kubectl._timefmt import utc_now
from kubelab.kubectl.printers import DEFAULT_PRINTER, PRINTERS
from kubelab.kubectl.views import Table

# The API server sends this warning with every v1 Endpoints request since Kubernetes 1.33,
# and kubectl prints it before the table.
ENDPOINTS_WARNING = "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"


def get_table(
    res: Resource,
    objects: Sequence[Mapping[str, Any]],
    *,
    wide: bool = False,
    all_namespaces: bool = False,
    now: datetime | None = None,
    namespace: str = "default",
) -> Table:
    """The table `kubectl get <res> [-o wide] [-A]` prints for these objects, in their order.

    `now` is the cluster's clock (ages are counted to it); `namespace` is the one the list
    was taken from, named by the "No resources found in ... namespace." line.
    """
    printer = PRINTERS.get(res.kind, DEFAULT_PRINTER)
    columns = list(printer.columns) + (list(printer.wide) if wide else [])
    # kubectl adds NAMESPACE with -A, but never for cluster-scoped resources (get.go).
    with_namespace = all_namespaces and res.namespaced
    if with_namespace:
        columns.insert(0, "NAMESPACE")
    clock = utc_now(now)
    rows = []
    for obj in objects:
        cells = printer.row(obj, clock, wide)[: len(columns) - with_namespace]
        rows.append([c.namespace(obj), *cells] if with_namespace else cells)
    return Table(
        columns,
        rows,
        empty_message=_no_resources(all_namespaces, namespace),
        warnings=[ENDPOINTS_WARNING] if res.kind == "Endpoints" else [],
    )


def _no_resources(all_namespaces: bool, namespace: str) -> str:
    """What kubectl prints for an empty list (get.go). An empty list carries no objects to
    tell their scope, so even `kubectl get nodes` names the namespace (kubernetes#80855)."""
    if all_namespaces:
        return "No resources found"
    return f"No resources found in {namespace} namespace."
