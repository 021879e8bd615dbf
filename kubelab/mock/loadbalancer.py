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
Key = tuple[str, str]  # (namespace, name)

FINALIZER = "service.kubernetes.io/load-balancer-cleanup"
KIND_NETWORK = ipaddress.IPv4Network("172.18.0.0/16")
GATEWAY = KIND_NETWORK.network_address + 1


def wants_load_balancer(svc: Object) -> bool:
    spec = svc.get("spec") or {}
    return spec.get("type") == "LoadBalancer" and spec.get("loadBalancerClass") is None


def _ingress_ip(svc: Object) -> str | None:
    ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    return ingress[0].get("ip") if ingress else None


def _ingress_address(svc: Object) -> ipaddress.IPv4Address | None:
    """The address a Service holds on the network (set by this controller or another)."""
    try:
        return ipaddress.IPv4Address(_ingress_ip(svc) or "")
    except ValueError:
        return None


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


def _key(svc: Object) -> Key:
    return svc["metadata"].get("namespace", ""), svc["metadata"]["name"]


def _set_finalizer(api: ApiServer, svc: Object, present: bool) -> bool | None:
    """Add or remove the cleanup finalizer; None when the write failed (tried again later)."""
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
        return None  # tried again at the next change of a Service or Node
    return True


class LoadBalancerController:
    """Gives LoadBalancer Services an address on the kind network (a Controller).

    Incremental: a Service is looked at when it changes. One that could not get what it
    wants (its requested address is taken, a finalizer write failed) waits, and is tried
    again at the next change of any Service or Node, which may have freed the way."""

    def __init__(self) -> None:
        self._primed = False
        self._dirty: set[Key] = set()
        self._waiting: set[Key] = set()
        self._held: dict[Key, ipaddress.IPv4Address] = {}  # ingress addresses by Service
        self._nodes: set[ipaddress.IPv4Address] | None = None  # None: read them again

    def observe(self, plural: str, event: str, obj: Object) -> None:
        if plural == "services":
            key = _key(obj)
            address = _ingress_address(obj) if event != "DELETED" else None
            if address is None:
                self._held.pop(key, None)
            else:
                self._held[key] = address
            self._dirty.add(key)
        elif plural == "nodes":
            self._nodes = None
        else:
            return
        self._dirty |= self._waiting

    def next_deadline(self, api: ApiServer) -> float | None:
        return None

    def sync(self, api: ApiServer) -> bool:
        if not self._primed:
            self._primed = True
            self._dirty.update(_key(svc) for svc in api.store.items("services"))
        if not self._dirty:
            return False
        keys = sorted(self._dirty)
        self._dirty.clear()
        taken: set[ipaddress.IPv4Address] | None = None
        wrote = False
        for key in keys:
            svc = api.store.get("services", *key)
            self._waiting.discard(key)
            if svc is None:
                continue
            wanted = wants_load_balancer(svc)
            if wanted != (FINALIZER in svc["metadata"].get("finalizers", [])):
                done = _set_finalizer(api, svc, wanted)
            elif wanted:
                if taken is None:
                    taken = self._taken(api)
                done = self._ensure(api, svc, taken)
            else:
                continue
            if done is None:
                self._waiting.add(key)
            wrote = bool(done) or wrote
        return wrote

    def _taken(self, api: ApiServer) -> set[ipaddress.IPv4Address]:
        """Addresses nobody may be given: the gateway, the nodes, every Service's ingress."""
        if self._nodes is None:
            self._nodes = _node_addresses(api)
        return self._nodes | {GATEWAY} | set(self._held.values())

    def _ensure(
        self, api: ApiServer, svc: Object, taken: set[ipaddress.IPv4Address]
    ) -> bool | None:
        """Write the status; False when it is already right, None when no address is free."""
        ip = _ingress_ip(svc) or self._pick(svc, taken)
        if ip is None:
            return None  # docker refused the requested address: the Service stays pending
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
