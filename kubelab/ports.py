"""Which container port a Service port reaches on a pod. Pure functions, shared by views.

Source: FindPort in staging/src/k8s.io/endpointslice/utils.go (kubernetes/kubernetes): a
numeric targetPort is used as it is; a named one is looked up among the pod's container
ports by name AND the Service port's protocol, in the containers and in the restartable
init containers (sidecars). A missing targetPort defaults to the port (the API server's
defaulting, pkg/apis/core/v1/defaults.go).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

Object = Mapping[str, Any]


class ContainerPort(NamedTuple):
    """One port a container of a pod declares."""

    container: str
    name: str  # "" when the port has no name
    number: int
    protocol: str


def target_port(service_port: Object) -> int | str:
    """The Service port's targetPort: a number, a port name, or the port itself if unset."""
    value = service_port.get("targetPort", service_port.get("port"))
    return value if isinstance(value, str) else int(value or 0)


def container_ports(pod: Object) -> list[ContainerPort]:
    """Every port the pod's containers and sidecar init containers declare, in spec order."""
    spec = pod.get("spec") or {}
    sidecars = [c for c in spec.get("initContainers") or () if c.get("restartPolicy") == "Always"]
    return [
        ContainerPort(
            str(container.get("name", "")),
            str(port.get("name", "")),
            int(port["containerPort"]),
            str(port.get("protocol", "TCP")),
        )
        for container in [*(spec.get("containers") or ()), *sidecars]
        for port in container.get("ports") or ()
        if "containerPort" in port
    ]


def resolve_target_port(service_port: Object, pod: Object) -> int | None:
    """The pod port a Service port sends to; None when a named targetPort is not on the pod.

    The EndpointSlice controller calls this for every pod of every Service, so it walks
    the spec directly instead of building `container_ports`.
    """
    target = target_port(service_port)
    if isinstance(target, int):
        return target
    protocol = service_port.get("protocol", "TCP")
    spec = pod.get("spec") or {}
    for container in spec.get("containers") or ():
        number = _named_port(container, target, protocol)
        if number is not None:
            return number
    for container in spec.get("initContainers") or ():
        if container.get("restartPolicy") == "Always":
            number = _named_port(container, target, protocol)
            if number is not None:
                return number
    return None


def _named_port(container: Object, name: str, protocol: str) -> int | None:
    for port in container.get("ports") or ():
        if (port.get("name") == name and port.get("protocol", "TCP") == protocol
                and "containerPort" in port):
            return int(port["containerPort"])
    return None


def declares(pod: Object, number: int, protocol: str = "TCP") -> bool:
    """Whether a container of the pod declares this port number (declaring is informative:
    a process may listen on a port no container declares)."""
    return any(p.number == number and p.protocol == protocol for p in container_ports(pod))
