"""`explain` on a real cluster: the path one real request took, the Service's endpoints
as the EndpointSlices list them, and where kube-proxy's rules can be read (pure).

The simulation prints kube-proxy's iptables rules itself; on a real cluster they live in
each node's kernel, and kubelab shows the command that prints them instead.
"""

from __future__ import annotations

from typing import Any

from kubelab.backend import RequestResult

Object = dict[str, Any]


def _line(step: str, detail: str) -> str:
    return f"{step + ':':<14}{detail}"


def endpoints_line(service: Object, slices: list[Object]) -> str:
    meta = service["metadata"]
    mine = [s for s in slices
            if (s["metadata"].get("labels") or {}).get("kubernetes.io/service-name")
            == meta["name"] and s["metadata"].get("namespace") == meta.get("namespace")]
    shown = []
    for slice_ in mine:
        port = next((p.get("port") for p in slice_.get("ports") or []), None)
        for ep in slice_.get("endpoints") or []:
            pod = (ep.get("targetRef") or {}).get("name", "?")
            state = "ready" if (ep.get("conditions") or {}).get("ready") else "not ready"
            for address in ep.get("addresses") or []:
                shown.append(f"{address}:{port} {pod} ({state})")
    return ", ".join(sorted(shown)) or "none (no ready pod matches the selector)"


def explain_text(target: str, result: RequestResult, service: Object | None,
                 slices: list[Object], rules_node: str) -> str:
    """The hops of one request, then (for a Service) its endpoints and its rules."""
    lines = [_line("request", target)]
    lines += [_line(hop.step, hop.detail) for hop in result.hops]
    if service is not None:
        meta = service["metadata"]
        lines.append(_line("endpoints", endpoints_line(service, slices)))
        lines.append(_line("rules", "kube-proxy's rules live in each node's kernel; on kind, "
                           "print them with:"))
        lines.append(f"{'':16}docker exec {rules_node} iptables-save -t nat | grep "
                     f"'{meta.get('namespace', 'default')}/{meta['name']}'")
    pod = f" (pod {result.pod})" if result.pod else ""
    lines.append(_line("outcome", result.outcome + pod))
    return "\n".join(lines)
