"""What a diagram reads: the objects of one moment, and what a pod's status says about it.

Everything here reads the API's JSON dicts; nothing knows a backend. `gather` takes anything
with the facade's `list` verb, so the views stay independent of how objects are fetched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

Object = dict[str, Any]

SERVICE_NAME_LABEL = "kubernetes.io/service-name"  # k8s.io/api/discovery/v1/well_known_labels.go


class Lister(Protocol):
    """The one facade verb a snapshot needs."""

    def list(
        self, kind: str, namespace: str | None = ..., selector: str | None = ...,
        all_namespaces: bool = ...,
    ) -> list[Object]: ...


@dataclass(frozen=True)
class Snapshot:
    """Nodes, pods, Services and EndpointSlices as the API returned them."""

    nodes: tuple[Object, ...] = ()
    pods: tuple[Object, ...] = ()
    services: tuple[Object, ...] = ()
    endpointslices: tuple[Object, ...] = ()

    def pods_in(self, namespace: str) -> list[Object]:
        return [p for p in self.pods if namespace_of(p) == namespace]

    def service(self, name: str, namespace: str) -> Object | None:
        return next(
            (s for s in self.services if name_of(s) == name and namespace_of(s) == namespace),
            None,
        )

    def slices_of(self, service: Object) -> list[Object]:
        """The EndpointSlices labelled with this Service's name, in its namespace."""
        name, namespace = name_of(service), namespace_of(service)
        return [
            s for s in self.endpointslices
            if namespace_of(s) == namespace and labels_of(s).get(SERVICE_NAME_LABEL) == name
        ]


def gather(lab: Lister, namespace: str, all_namespaces: bool = False) -> Snapshot:
    """Read what the diagrams need, through the facade: one list call per kind."""

    def read(kind: str) -> tuple[Object, ...]:
        return tuple(lab.list(kind, namespace=namespace, all_namespaces=all_namespaces))

    return Snapshot(
        nodes=tuple(lab.list("nodes")),
        pods=read("pods"),
        services=read("services"),
        endpointslices=read("endpointslices"),
    )


# -- reading objects ---------------------------------------------------------------------


def name_of(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))


def namespace_of(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("namespace", ""))


def labels_of(obj: Mapping[str, Any]) -> dict[str, str]:
    return dict((obj.get("metadata") or {}).get("labels") or {})


def pod_ip(pod: Object) -> str:
    status = pod.get("status") or {}
    ips = [e.get("ip", "") for e in status.get("podIPs") or ()]
    return str(status.get("podIP") or (ips[0] if ips else ""))


def node_of(pod: Object) -> str:
    return str((pod.get("spec") or {}).get("nodeName") or "")


def node_ip(node: Object) -> str:
    """The node's InternalIP (on kind: its address on the kind Docker network)."""
    for address in (node.get("status") or {}).get("addresses") or ():
        if address.get("type") == "InternalIP":
            return str(address.get("address", ""))
    return ""


def node_roles(node: Object) -> list[str]:
    """The roles kubectl shows: labels node-role.kubernetes.io/<role>."""
    prefix = "node-role.kubernetes.io/"
    return sorted(k[len(prefix):] for k in labels_of(node) if k.startswith(prefix))


def ingress_ips(service: Object) -> list[str]:
    """The load balancer's addresses, as status.loadBalancer.ingress lists them."""
    ingress = ((service.get("status") or {}).get("loadBalancer") or {}).get("ingress") or ()
    return [str(i.get("ip") or i.get("hostname")) for i in ingress
            if i.get("ip") or i.get("hostname")]


def service_selector(service: Object) -> dict[str, str]:
    return dict((service.get("spec") or {}).get("selector") or {})


# -- what a pod's status says --------------------------------------------------------------


class PodState(NamedTuple):
    """How a diagram shows a pod: one of STATES, and why, in a few words."""

    state: str  # "ready" | "not-ready" | "terminating" | "pending" | "finished"
    reason: str


STATES = ("ready", "not-ready", "terminating", "pending", "finished")


def condition(pod: Object, kind: str) -> Object | None:
    for cond in (pod.get("status") or {}).get("conditions") or ():
        if cond.get("type") == kind:
            return dict(cond)
    return None


def condition_text(cond: Object | None) -> str:
    """`Ready=False (ContainersNotReady: containers with unready status: [app])`."""
    if cond is None:
        return "no Ready condition yet"
    why = ": ".join(str(cond[k]) for k in ("reason", "message") if cond.get(k))
    text = f"{cond.get('type')}={cond.get('status')}"
    return f"{text} ({why})" if why else text


def pod_state(pod: Object) -> PodState:
    """Terminating, finished, pending (no node or no IP), ready, or not ready."""
    meta = pod.get("metadata") or {}
    status = pod.get("status") or {}
    if meta.get("deletionTimestamp"):
        grace = meta.get("deletionGracePeriodSeconds")
        return PodState("terminating", "terminating" + (f" (grace {grace} s)" if grace else ""))
    phase = status.get("phase", "Pending")
    if phase in ("Succeeded", "Failed"):
        return PodState("finished", phase)
    if not node_of(pod) or not pod_ip(pod):
        scheduled = condition(pod, "PodScheduled")
        if scheduled is not None and scheduled.get("status") == "False":
            return PodState("pending", f"Pending: {scheduled.get('reason', 'not scheduled')}")
        return PodState("pending", "Pending: no IP yet")
    ready = condition(pod, "Ready")
    if ready is not None and ready.get("status") == "True":
        return PodState("ready", "ready")
    reason = (ready or {}).get("reason") or "no Ready condition yet"
    return PodState("not-ready", f"not ready: {reason}")


def endpoint_conditions(slices: Iterable[Object], pod: str) -> Object | None:
    """The conditions (ready/serving/terminating) of the endpoint whose targetRef is `pod`."""
    for item in slices:
        for endpoint in item.get("endpoints") or ():
            ref = endpoint.get("targetRef") or {}
            if ref.get("kind", "Pod") == "Pod" and ref.get("name") == pod:
                return dict(endpoint.get("conditions") or {})
    return None
