"""Allocation for Services: cluster IPs, node ports and health-check node ports.

This runs in BeginCreate/BeginUpdate, before validation: a rejected request must give
back what it took, which the returned Transaction does. Deferred releases (a port an
update no longer uses) only happen once the update is stored.

Sources (kubernetes/kubernetes): pkg/registry/core/service/storage/storage.go
(patchAllocatedValues), storage/alloc.go (allocClusterIPs, initNodePorts, updateNodePorts,
allocHealthCheckNodePort, updateHealthCheckNodePort, releaseAllocatedResources).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from kubelab import errors
from kubelab.mock import field
from kubelab.mock.allocators import (
    AllocationError,
    ClusterIPAllocator,
    NodePortAllocator,
    Transaction,
)
from kubelab.mock.service_defaults import Object, needs_health_check, spec_of
from kubelab.mock.service_ip_fields import (
    CLUSTER_FAMILIES,
    init_ip_family_fields,
    invalid_service,
    matching_prefer_dual_stack,
)


def _unknown(message: str) -> errors.ApiError:
    """A plain Go error out of the registry: 500 with no reason (ErrorToAPIStatus)."""
    status = errors.status_failure(500, "", message)
    del status["reason"]
    return errors.ApiError(status)


# -- field fix-ups before allocation ------------------------------------------------------


def patch_allocated_values(new: Object, old: Object) -> None:
    """Resubmitting a manifest without the allocated values keeps them (for idempotence)."""
    spec, old_spec = spec_of(new), spec_of(old)
    if "ExternalName" not in (spec.get("type"), old_spec.get("type")):
        if not spec.get("clusterIP") and old_spec.get("clusterIP"):
            spec["clusterIP"] = old_spec["clusterIP"]
        if not spec.get("clusterIPs") and old_spec.get("clusterIPs"):
            spec["clusterIPs"] = list(old_spec["clusterIPs"])
    if _needs_node_port(new) and _needs_node_port(old):
        _patch_node_ports(spec.get("ports") or [], old_spec.get("ports") or [])
    if needs_health_check(new) and needs_health_check(old) and not spec.get("healthCheckNodePort"):
        spec["healthCheckNodePort"] = old_spec.get("healthCheckNodePort", 0)


def _patch_node_ports(ports: list[Object], old_ports: list[Object]) -> None:
    new_used = {p.get("nodePort") for p in ports if p.get("nodePort")}
    used = {p.get("nodePort") for p in old_ports if p.get("nodePort")} & new_used
    by_name = {p.get("name", ""): p.get("nodePort", 0) for p in old_ports}
    for port in ports:
        if not port.get("nodePort"):
            old_value = by_name.get(port.get("name", ""), 0)
            if old_value not in used:
                port["nodePort"] = old_value


def _needs_node_port(svc: Object) -> bool:
    return spec_of(svc).get("type") in ("NodePort", "LoadBalancer")


def _is_headless_ips(svc: Object) -> bool:
    ips = spec_of(svc).get("clusterIPs") or []
    return bool(ips) and ips[0] == "None"


# -- initIPFamilyFields ------------------------------------------------------------------


# -- the allocators of one cluster -------------------------------------------------------


class ServiceAllocators:
    """The cluster IP and node port pools of one simulated cluster."""

    def __init__(self, ips: ClusterIPAllocator, ports: NodePortAllocator) -> None:
        self.ips = ips
        self.ports = ports

    def allocate_create(self, svc: Object) -> Transaction:
        txn = Transaction()
        try:
            init_ip_family_fields(svc, None)
            self._alloc_cluster_ips(svc, txn)
            if _needs_node_port(svc):
                self._init_node_ports(svc, txn)
            if needs_health_check(svc):
                self._alloc_health_check_port(svc, txn)
        except BaseException:
            txn.revert()
            raise
        return txn

    def allocate_update(self, new: Object, old: Object) -> Transaction:
        txn = Transaction()
        try:
            init_ip_family_fields(new, old)
            self._update_cluster_ips(new, old, txn)
            self._update_all_node_ports(new, old, txn)
        except BaseException:
            txn.revert()
            raise
        return txn

    def release(self, svc: Object) -> None:
        """releaseAllocatedResources: what a deleted Service held goes back to the pools."""
        spec = spec_of(svc)
        if spec.get("type") != "ExternalName" and not _is_headless_ips(svc):
            for ip in spec.get("clusterIPs") or []:
                self.ips.release(ip)
        for port in _node_ports(svc):
            self.ports.release(port)
        if needs_health_check(svc) and spec.get("healthCheckNodePort"):
            self.ports.release(spec["healthCheckNodePort"])

    # -- cluster IPs

    def _alloc_cluster_ips(self, svc: Object, txn: Transaction) -> None:
        spec = spec_of(svc)
        if spec.get("type") == "ExternalName" or _is_headless_ips(svc):
            return
        ips: list[str] = list(spec.get("clusterIPs") or [])
        for i, family in enumerate(spec.get("ipFamilies") or []):
            if i >= len(ips):
                ips.append("")  # a marker: allocate one
            if family in CLUSTER_FAMILIES:
                ips[i] = self._take_ip(svc, ips, ips[i], txn)
        spec["clusterIPs"] = ips
        spec["clusterIP"] = ips[0]

    def _take_ip(self, svc: Object, ips: list[str], wanted: str, txn: Transaction) -> str:
        if not wanted:
            try:
                wanted = self.ips.allocate_next()
            except AllocationError as err:
                raise errors.internal_error(f"failed to allocate a serviceIP: {err}") from None
        else:
            try:
                self.ips.allocate(wanted)
            except AllocationError as err:
                detail = f"failed to allocate IP {wanted}: {err}"
                raise invalid_service(
                    svc, [field.invalid("spec.clusterIPs", ips, detail)]
                ) from None
        txn.took(partial(self.ips.release, wanted))
        return wanted

    def _update_cluster_ips(self, new: Object, old: Object, txn: Transaction) -> None:
        if matching_prefer_dual_stack(new, old):
            return
        old_type, new_type = spec_of(old).get("type"), spec_of(new).get("type")
        if old_type == "ExternalName" and new_type != "ExternalName":
            self._alloc_cluster_ips(new, txn)
        elif _is_headless_ips(old):
            return
        elif old_type != "ExternalName" and new_type == "ExternalName":
            for ip in spec_of(old).get("clusterIPs") or []:
                txn.release_on_commit(partial(self.ips.release, ip))
        # Upgrades to and downgrades from dual-stack cannot happen on a single-stack cluster.

    # -- node ports

    def _take_port(self, port: int, txn: Transaction) -> None:
        self.ports.allocate(port)
        txn.took(partial(self.ports.release, port))

    def _next_port(self, txn: Transaction) -> int:
        try:
            port = self.ports.allocate_next()
        except AllocationError as err:
            raise errors.internal_error(f"failed to allocate a nodePort: {err}") from None
        txn.took(partial(self.ports.release, port))
        return port

    def _take_requested(self, svc: Object, index: int, port: int, txn: Transaction) -> None:
        try:
            self._take_port(port, txn)
        except AllocationError as err:
            path = f"spec.ports[{index}].nodePort"
            raise invalid_service(svc, [field.invalid(path, port, str(err))]) from None

    def _init_node_ports(self, svc: Object, txn: Transaction) -> None:
        ports = spec_of(svc).get("ports") or []
        by_port: dict[Any, int] = {}
        for i, port in enumerate(ports):
            node_port = port.get("nodePort") or 0
            if not node_port and not _should_allocate(svc):
                continue  # respect explicit requests only
            shared = by_port.get(port.get("port"), 0)
            if not shared:
                requested = next(
                    (
                        p["nodePort"]
                        for p in ports
                        if p.get("port") == port.get("port") and p.get("nodePort")
                    ),
                    0,
                )
                if requested:
                    self._take_requested(svc, i, requested, txn)
                else:
                    requested = self._next_port(txn)
                port["nodePort"] = by_port[port.get("port")] = requested
            elif node_port != shared:
                if not node_port:
                    port["nodePort"] = shared
                else:
                    self._take_requested(svc, i, node_port, txn)

    def _update_all_node_ports(self, new: Object, old: Object, txn: Transaction) -> None:
        if _needs_node_port(old) and spec_of(new).get("type") in ("ExternalName", "ClusterIP"):
            for port in _node_ports(old):
                txn.release_on_commit(partial(self.ports.release, port))
        if _needs_node_port(new):
            self._update_node_ports(new, old, txn)
        if not needs_health_check(old) and needs_health_check(new):
            self._alloc_health_check_port(new, txn)
        elif needs_health_check(old) and not needs_health_check(new):
            check_port = spec_of(old).get("healthCheckNodePort", 0)
            txn.release_on_commit(partial(self.ports.release, check_port))

    def _update_node_ports(self, new: Object, old: Object, txn: Transaction) -> None:
        old_numbers = _node_ports(old)
        seen: list[tuple[str, int]] = []
        taken: set[int] = set()
        for i, port in enumerate(spec_of(new).get("ports") or []):
            node_port = port.get("nodePort") or 0
            if not node_port and not _should_allocate(new):
                continue
            if node_port:
                if node_port not in old_numbers and node_port not in taken:
                    self._take_requested(new, i, node_port, txn)
                    taken.add(node_port)
            else:
                node_port = port["nodePort"] = self._next_port(txn)
            key = (port.get("protocol", ""), node_port)
            if key in seen:
                raise _unknown(f"duplicate nodePort: {{{key[0]} {key[1]}}}")
            seen.append(key)
        still_used = _node_ports(new)
        for number in old_numbers:
            if number not in still_used:
                txn.release_on_commit(partial(self.ports.release, number))

    def _alloc_health_check_port(self, svc: Object, txn: Transaction) -> None:
        spec = spec_of(svc)
        wanted = spec.get("healthCheckNodePort") or 0
        if wanted:
            try:
                self._take_port(wanted, txn)
            except AllocationError as err:
                raise errors.internal_error(
                    f"failed to allocate requested HealthCheck NodePort {wanted}: {err}"
                ) from None
            return
        try:
            spec["healthCheckNodePort"] = self._next_port_raw(txn)
        except AllocationError as err:
            raise errors.internal_error(
                f"failed to allocate a HealthCheck NodePort 0: {err}"
            ) from None

    def _next_port_raw(self, txn: Transaction) -> int:
        port = self.ports.allocate_next()
        txn.took(partial(self.ports.release, port))
        return port


def _should_allocate(svc: Object) -> bool:
    spec = spec_of(svc)
    if spec.get("type") == "NodePort":
        return True
    return (
        spec.get("type") == "LoadBalancer"
        and spec.get("allocateLoadBalancerNodePorts") is not False
    )


def _node_ports(svc: Object) -> list[int]:
    return [p["nodePort"] for p in spec_of(svc).get("ports") or [] if p.get("nodePort")]
