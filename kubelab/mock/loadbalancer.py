"""kind's LoadBalancer support, as cloud-provider-kind gives it.

cloud-provider-kind runs one Envoy container per LoadBalancer Service on the kind docker
network (172.18.0.0/16 on a default install: gateway 172.18.0.1, nodes from 172.18.0.2),
and reports that container's address: status.loadBalancer.ingress[0] = {ip, ipMode:
Proxy, ports: [{port, protocol}, ...]}. Docker gives a new container the lowest free
address of the network; `spec.loadBalancerIP` is passed to docker as `--ip`.

Like every cloud provider's service controller (k8s.io/cloud-provider
controllers/service), it first puts the finalizer service.kubernetes.io/load-balancer-cleanup
on the Service, and takes it off when the Service stops being a LoadBalancer. Services
whose spec.loadBalancerClass is set belong to another controller and are left alone
(wantsLoadBalancer). The address goes back when the Service is deleted or stops being a
LoadBalancer (the registry then clears status.loadBalancer: dropTypeDependentFields).

Sources: kubernetes-sigs/cloud-provider-kind pkg/loadbalancer/server.go
(GetLoadBalancer, createLoadBalancer), kind's docs (the "kind" docker network).
"""

from __future__ import annotations

import copy
import ipaddress
from typing import TYPE_CHECKING, Any

from kubelab import errors

if TYPE_CHECKING:
    from kubelab.mock.api import ApiServer

Object = dict[str, Any]

FINALIZER = "service.kubernetes.io/load-balancer-cleanup"
KIND_NETWORK = ipaddress.IPv4Network("172.18.0.0/16")
GATEWAY = KIND_NETWORK.network_address + 1


def wants_load_balancer(svc: Object) -> bool:
    spec = svc.get("spec") or {}
    return spec.get("type") == "LoadBalancer" and spec.get("loadBalancerClass") is None


def _ingress_ip(svc: Object) -> str | None:
    ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    return ingress[0].get("ip") if ingress else None


def _ingress_addresses(services: list[Object]) -> set[ipaddress.IPv4Address]:
    """Addresses already handed out (by this controller or another on the same network)."""
    found = set()
    for svc in services:
        try:
            found.add(ipaddress.IPv4Address(_ingress_ip(svc) or ""))
        except ValueError:
            continue
    return found


def _node_addresses(api: ApiServer) -> set[ipaddress.IPv4Address]:
    """The nodes' addresses: kind's containers take 172.18.0.2 .. 172.18.0.N+1."""
    nodes = list(api.store.items("nodes"))
    taken = {GATEWAY + 1 + i for i in range(len(nodes))}
    for node in nodes:
        for address in (node.get("status") or {}).get("addresses") or []:
            if address.get("type") == "InternalIP":
                try:
                    taken.add(ipaddress.IPv4Address(address.get("address", "")))
                except ValueError:
                    continue
    return taken


def desired_status(svc: Object, ip: str) -> Object:
    """What cloud-provider-kind writes: one IPv4 ingress in Proxy mode, with the ports."""
    status = copy.deepcopy(svc.get("status") or {})
    ports = [
        {"port": port.get("port"), "protocol": port.get("protocol", "TCP")}
        for port in (svc.get("spec") or {}).get("ports") or []
    ]
    status["loadBalancer"] = {"ingress": [{"ip": ip, "ipMode": "Proxy", "ports": ports}]}
    return status


def _set_finalizer(api: ApiServer, svc: Object, present: bool) -> bool:
    updated = copy.deepcopy(svc)
    finalizers = [f for f in updated["metadata"].get("finalizers", []) if f != FINALIZER]
    if present:
        finalizers.append(FINALIZER)
    if finalizers:
        updated["metadata"]["finalizers"] = finalizers
    else:
        updated["metadata"].pop("finalizers", None)
    try:
        api.update_object(updated)
    except errors.ApiError:
        return False  # tried again at the next change of a Service or Node
    return True


class LoadBalancerController:
    """Gives LoadBalancer Services an address on the kind network (a Controller)."""

    def __init__(self) -> None:
        self._dirty = True

    def observe(self, plural: str, event: str, obj: Object) -> None:
        if plural in ("services", "nodes"):
            self._dirty = True

    def next_deadline(self, api: ApiServer) -> float | None:
        return None

    def sync(self, api: ApiServer) -> bool:
        if not self._dirty:
            return False
        self._dirty = False
        services = list(api.store.items("services"))
        taken = _node_addresses(api) | {GATEWAY}
        taken |= _ingress_addresses(services)
        wrote = False
        for svc in services:
            wanted = wants_load_balancer(svc)
            if wanted != (FINALIZER in svc["metadata"].get("finalizers", [])):
                wrote = _set_finalizer(api, svc, wanted) or wrote
            elif wanted:
                wrote = self._ensure(api, svc, taken) or wrote
        return wrote

    def _ensure(self, api: ApiServer, svc: Object, taken: set[ipaddress.IPv4Address]) -> bool:
        ip = _ingress_ip(svc) or self._pick(svc, taken)
        if ip is None:
            return False  # docker refused the requested address: the Service stays pending
        status = desired_status(svc, ip)
        if status == svc.get("status"):
            return False
        updated = copy.deepcopy(svc)
        updated["status"] = status
        api.update_status(updated)
        return True

    @staticmethod
    def _pick(svc: Object, taken: set[ipaddress.IPv4Address]) -> str | None:
        requested = (svc.get("spec") or {}).get("loadBalancerIP")
        if requested:
            try:
                address = ipaddress.IPv4Address(requested)
            except ValueError:
                return None
            if address not in KIND_NETWORK or address in taken:
                return None
        else:
            address = next(a for a in KIND_NETWORK.hosts() if a not in taken)
        taken.add(address)
        return str(address)
