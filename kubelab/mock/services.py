"""The Service kind: defaults, allocation, the registry's strategy and validation.

`install(api)` registers the Service handler and kind's load-balancer controller.
Order of a create (mock/api.py): decode + SetDefaults_Service -> BeginCreate (normalize
clusterIPs, allocate IPs and ports) -> PrepareForCreate -> validation -> store; a
failure hands every allocation back. Updates also patch in the values the server
allocated before (so re-applying a manifest keeps them) and drop the fields a type
change makes meaningless (strategy.dropTypeDependentFields).

Sources (kubernetes/kubernetes): pkg/registry/core/service/strategy.go,
pkg/registry/core/service/storage/storage.go and alloc.go, pkg/apis/core/v1/defaults.go,
pkg/apis/core/validation/validation.go. Defaults of kind: --service-cluster-ip-range
10.96.0.0/16 and --service-node-port-range 30000-32767.
"""

from __future__ import annotations

from kubelab.mock import meta
from kubelab.mock.allocators import ClusterIPAllocator, NodePortAllocator
from kubelab.mock.api import ApiServer, Finish, Handler
from kubelab.mock.field import FieldError
from kubelab.mock.loadbalancer import LoadBalancerController
from kubelab.mock.service_alloc import ServiceAllocators, patch_allocated_values
from kubelab.mock.service_decode import check_types
from kubelab.mock.service_defaults import (
    Object,
    externally_accessible,
    needs_health_check,
    prune,
    set_defaults,
    spec_of,
)
from kubelab.mock.service_ip_fields import normalize_cluster_ips
from kubelab.mock.service_validation import validate_service, validate_service_update

SERVICE_CIDR = "10.96.0.0/16"
NODE_PORT_RANGE = (30000, 32767)


class ServiceHandler(Handler):
    """The Service registry of one simulated API server."""

    def __init__(self, api: ApiServer) -> None:
        self.allocators = ServiceAllocators(
            ClusterIPAllocator(SERVICE_CIDR, api.rng("clusterip")),
            NodePortAllocator(*NODE_PORT_RANGE, api.rng("nodeport")),
        )

    def name_errors(self, name: str) -> list[str]:
        """Service names are DNS-1035 labels: they become DNS names and env var prefixes."""
        return meta.dns1035_label_errors(name)

    def default(self, obj: Object) -> None:
        check_types(obj)
        set_defaults(obj)

    def begin_create(self, obj: Object) -> Finish:
        normalize_cluster_ips(obj, None)
        txn = self.allocators.allocate_create(obj)
        prune(obj)
        return txn.finish

    def prepare_create(self, obj: Object) -> None:
        obj["status"] = {"loadBalancer": {}}
        _drop_unread_fields(obj)

    def validate_create(self, obj: Object) -> list[FieldError]:
        return validate_service(obj)

    def prepare_update(self, new: Object, old: Object) -> None:
        super().prepare_update(new, old)
        drop_type_dependent_fields(new, old)
        _drop_unread_fields(new)

    def begin_update(self, new: Object, old: Object) -> Finish:
        patch_allocated_values(new, old)
        normalize_cluster_ips(new, old)
        txn = self.allocators.allocate_update(new, old)
        prune(new)
        return txn.finish

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        return validate_service_update(new, old)

    def deleted(self, old: Object) -> None:
        self.allocators.release(old)


def _drop_unread_fields(svc: Object) -> None:
    """ExternalName never shows internalTrafficPolicy (storage.defaultOnReadService).

    Upstream drops it on read, after validation; a value validation would refuse is kept
    here so that validation still sees it.
    """
    spec = spec_of(svc)
    if spec.get("type") == "ExternalName" and spec.get("internalTrafficPolicy") in (
        "Cluster",
        "Local",
    ):
        del spec["internalTrafficPolicy"]
    prune(svc)


def drop_type_dependent_fields(new: Object, old: Object) -> None:
    """A type change wipes the fields the old type used, if the user left them unchanged."""
    spec, old_spec = spec_of(new), spec_of(old)
    new_type, old_type = spec.get("type"), old_spec.get("type")
    if old_type != "ExternalName" and new_type == "ExternalName":
        if _same(spec, old_spec, "clusterIP") and _same(spec, old_spec, "clusterIPs"):
            spec.pop("clusterIP", None)  # released by the allocation step
            spec.pop("clusterIPs", None)
        for key in ("ipFamilies", "ipFamilyPolicy"):
            if _same(spec, old_spec, key):
                spec.pop(key, None)
    leaves_node_ports = _uses_node_ports(old_type) and not _uses_node_ports(new_type)
    if leaves_node_ports and _node_port_set(new) <= _node_port_set(old):
        for port in spec.get("ports") or []:
            port.pop("nodePort", None)  # no new node port asked for: released by allocation
    leaves_check = needs_health_check(old) and not needs_health_check(new)
    if leaves_check and _same(spec, old_spec, "healthCheckNodePort"):
        spec.pop("healthCheckNodePort", None)
    if old_type == "LoadBalancer" and new_type != "LoadBalancer":
        for key in ("allocateLoadBalancerNodePorts", "loadBalancerClass"):
            if _same(spec, old_spec, key):
                spec.pop(key, None)
    leaves_outside = externally_accessible(old) and not externally_accessible(new)
    if leaves_outside and _same(spec, old_spec, "externalTrafficPolicy"):
        spec.pop("externalTrafficPolicy", None)
    if new_type != "LoadBalancer":
        new.setdefault("status", {})["loadBalancer"] = {}


def _same(spec: Object, old_spec: Object, key: str) -> bool:
    return spec.get(key) == old_spec.get(key)


def _uses_node_ports(kind: object) -> bool:
    return kind in ("NodePort", "LoadBalancer")


def _node_port_set(svc: Object) -> set[int]:
    return {p["nodePort"] for p in spec_of(svc).get("ports") or [] if p.get("nodePort")}


def install(api: ApiServer) -> None:
    """Serve Services on `api` and run kind's LoadBalancer controller beside it."""
    api.handlers["services"] = ServiceHandler(api)
    api.controllers.append(LoadBalancerController())
