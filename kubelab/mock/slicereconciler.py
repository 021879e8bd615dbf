"""The EndpointSlice reconciler: from a Service and its pods to slices to create, update, delete.

A pure plan, step by step as staging/src/k8s.io/endpointslice/reconciler.go does it
(Reconcile, reconcileByAddressType, reconcileByPortMapping, getSliceToFill, the placeholder
slice, finalize's creates-into-updates) with trafficdist/trafficdist.go for hints. Where Go
iterates a map or a set (random order), this follows a fixed one: pods by name, slices by
name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kubelab.mock import endpointutil as eu
from kubelab.mock.slicebuild import (
    address_types,
    beyond_hash,
    copy_slice,
    endpoint_hash,
    endpoint_ports,
    new_slice,
    order_ports,
    owned_by,
    pod_to_endpoint,
    port_map_key,
    slice_labels,
    slice_name,
)

Object = dict[str, Any]
NodeLookup = Callable[[str], "Object | None"]

MAX_ENDPOINTS_PER_SLICE = 100  # kube-controller-manager --max-endpoints-per-slice default
_CLOSE_TRAFFIC = ("PreferClose", "PreferSameZone", "PreferSameNode")
_TOPOLOGY_ANNOTATIONS = (
    "service.kubernetes.io/topology-aware-hints",
    "service.kubernetes.io/topology-mode",
)


@dataclass
class Plan:
    """One finalize call: the writes for one address type of one Service."""

    create: list[Object] = field(default_factory=list)
    update: list[Object] = field(default_factory=list)
    delete: list[Object] = field(default_factory=list)


# -- the plan ------------------------------------------------------------------------------


def reconcile(
    service: Object,
    pods: list[Object],
    existing: list[Object],
    node: NodeLookup,
    max_endpoints: int = MAX_ENDPOINTS_PER_SLICE,
) -> list[Plan]:
    """Reconcile: one plan per address type, then one deleting slices of dropped types."""
    supported = address_types(service)
    by_type: dict[str, list[Object]] = {}
    unsupported = Plan()
    for endpoint_slice in sorted(existing, key=slice_name):
        if endpoint_slice.get("addressType") in supported:
            by_type.setdefault(endpoint_slice["addressType"], []).append(endpoint_slice)
        else:
            unsupported.delete.append(endpoint_slice)
    plans = [
        _plan_address_type(service, pods, by_type.get(kind, []), kind, node, max_endpoints)
        for kind in supported
    ]
    return [*plans, unsupported]


def _plan_address_type(
    service: Object,
    pods: list[Object],
    existing: list[Object],
    address_type: str,
    node: NodeLookup,
    max_endpoints: int,
) -> Plan:
    """reconcileByAddressType."""
    plan = Plan()
    existing_by_ports: dict[tuple[Any, ...], list[Object]] = {}
    for endpoint_slice in existing:
        if owned_by(endpoint_slice, service):
            key = port_map_key(endpoint_slice.get("ports"))
            existing_by_ports.setdefault(key, []).append(endpoint_slice)
        else:
            plan.delete.append(endpoint_slice)

    desired_ports: dict[tuple[Any, ...], list[Object]] = {}
    desired: dict[tuple[Any, ...], dict[tuple[Any, ...], Object]] = {}
    publish = bool((service.get("spec") or {}).get("publishNotReadyAddresses"))
    for pod in pods:
        if not eu.should_pod_be_in_endpoints(pod, include_terminating=True):
            continue
        ports = endpoint_ports(service, pod)
        key = port_map_key(ports)
        endpoints = desired.setdefault(key, {})
        if key not in desired_ports:
            desired_ports[key] = order_ports(ports)
        node_obj = node((pod.get("spec") or {}).get("nodeName") or "")
        if node_obj is None and not publish:
            continue  # upstream also requeues the Service until the Node shows up
        endpoint = pod_to_endpoint(pod, node_obj, service, address_type)
        if endpoint["addresses"]:
            endpoints[endpoint_hash(endpoint)] = endpoint

    for key, endpoints in desired.items():
        meta = (desired_ports[key], address_type)
        part = _plan_port_mapping(
            service, existing_by_ports.get(key, []), endpoints, meta, max_endpoints
        )
        plan.create += part.create
        plan.update += part.update
        plan.delete += part.delete
    for key, slices in existing_by_ports.items():
        if key not in desired:
            plan.delete += slices

    _add_placeholder(plan, service, existing, address_type)
    _reconcile_hints(plan, service, existing)
    _creates_to_updates(plan, service)
    return plan


def _plan_port_mapping(
    service: Object,
    existing: list[Object],
    desired: dict[tuple[Any, ...], Object],
    meta: tuple[list[Object], str],
    max_endpoints: int,
) -> Plan:
    """reconcileByPortMapping: keep, refresh and refill slices; create only what is left."""
    by_name: dict[str, Object] = {}
    unchanged: list[str] = []
    to_update: list[str] = []
    to_delete: list[str] = []
    # 1. Drop endpoints no longer desired, refresh the changed ones, mirror Service labels.
    for endpoint_slice in existing:
        name = slice_name(endpoint_slice)
        by_name[name] = endpoint_slice
        kept: list[Object] = []
        refreshed = False
        for endpoint in endpoint_slice.get("endpoints") or ():
            wanted = desired.pop(endpoint_hash(endpoint), None)
            if wanted is not None:
                kept.append(wanted)
                refreshed = refreshed or beyond_hash(wanted) != beyond_hash(endpoint)
        labels, labels_changed = slice_labels(endpoint_slice["metadata"].get("labels"), service)
        if refreshed or len(endpoint_slice.get("endpoints") or ()) != len(kept):
            if not kept:
                to_delete.append(name)
                continue
            copied = copy_slice(endpoint_slice)
            copied["endpoints"] = kept
            copied["metadata"]["labels"] = labels
            by_name[name] = copied
            to_update.append(name)
        elif labels_changed:
            copied = copy_slice(endpoint_slice)
            copied["metadata"]["labels"] = labels
            by_name[name] = copied
            to_update.append(name)
        else:
            unchanged.append(name)

    queue = list(desired.values())  # PopAny, in pod-name order here
    # 2. Fill the slices being updated anyway, fullest first.
    if queue and to_update:
        for name in sorted(to_update, key=lambda n: (-len(by_name[n]["endpoints"]), n)):
            room = max_endpoints - len(by_name[name]["endpoints"])
            if room > 0:
                by_name[name]["endpoints"] += queue[:room]
                del queue[:room]

    # 3. Put what is left into one unchanged slice that fits, or into new slices.
    created: list[Object] = []
    while queue:
        target: Object | None = None
        if len(queue) < max_endpoints and unchanged:
            target = _slice_to_fill([by_name[n] for n in unchanged], len(queue), max_endpoints)
        if target is None:
            target = new_slice(service, meta[0], meta[1])
        else:
            target = copy_slice(target)
            by_name[slice_name(target)] = target
        room = max_endpoints - len(target["endpoints"])
        target["endpoints"] += queue[:room]
        del queue[:room]
        if slice_name(target):
            to_update.append(slice_name(target))
            unchanged.remove(slice_name(target))
        else:
            created.append(target)
    return Plan(
        create=created,
        update=[by_name[n] for n in sorted(set(to_update))],
        delete=[by_name[n] for n in sorted(to_delete)],
    )


def _slice_to_fill(slices: list[Object], count: int, max_endpoints: int) -> Object | None:
    """getSliceToFill: the slice that ends closest to full with `count` more endpoints."""
    closest_diff, closest = max_endpoints, None
    for endpoint_slice in slices:
        diff = max_endpoints - (count + len(endpoint_slice.get("endpoints") or ()))
        if 0 <= diff < closest_diff:
            closest_diff, closest = diff, endpoint_slice
            if diff == 0:
                break
    return closest


def _add_placeholder(plan: Plan, service: Object, existing: list[Object], kind: str) -> None:
    """A Service whose slices would all go keeps one empty placeholder slice."""
    if len(existing) != len(plan.delete) or plan.create:
        return
    placeholder = new_slice(service, [], kind)
    if len(plan.delete) == 1 and _same_placeholder(plan.delete[0], placeholder):
        plan.delete.clear()  # it already is the placeholder: leave it be
    else:
        plan.create.append(placeholder)


def _same_placeholder(endpoint_slice: Object, placeholder: Object) -> bool:
    """placeholderSliceCompare: namespace, labels, owners and the (empty) content."""
    meta, want = endpoint_slice["metadata"], placeholder["metadata"]
    return (
        meta.get("namespace") == want["namespace"]
        and (meta.get("labels") or {}) == want["labels"]
        and (meta.get("ownerReferences") or []) == want["ownerReferences"]
        and endpoint_slice.get("addressType") == placeholder["addressType"]
        and not endpoint_slice.get("endpoints")
        and not endpoint_slice.get("ports")
    )


def _reconcile_hints(plan: Plan, service: Object, existing: list[Object]) -> None:
    """trafficDistribution hints (trafficdist.ReconcileHints), else hints removed.

    The topology annotation path needs zones; kind's nodes have none, so it removes hints.
    """
    spec, annotations = service.get("spec") or {}, service["metadata"].get("annotations") or {}
    annotated = any(annotations.get(a) in ("Auto", "auto") for a in _TOPOLOGY_ANNOTATIONS)
    distribution = spec.get("trafficDistribution")
    if annotated or distribution not in _CLOSE_TRAFFIC:
        for endpoint_slice in [*plan.create, *plan.update]:
            endpoint_slice["endpoints"] = [_without_hints(e) for e in endpoint_slice["endpoints"]]
        return
    same_node = distribution == "PreferSameNode"
    changed = {slice_name(s) for s in [*plan.update, *plan.delete]}
    for endpoint_slice in existing:
        if slice_name(endpoint_slice) not in changed and _needs_hints(endpoint_slice, same_node):
            plan.update.append(copy_slice(endpoint_slice))
    for endpoint_slice in [*plan.create, *plan.update]:
        endpoint_slice["endpoints"] = [_hinted(e, same_node) for e in endpoint_slice["endpoints"]]


def _without_hints(endpoint: Object) -> Object:
    return {k: v for k, v in endpoint.items() if k != "hints"} if "hints" in endpoint else endpoint


def _wanted_hints(endpoint: Object, same_node: bool) -> Object | None:
    hints: Object = {}
    if endpoint.get("zone"):
        hints["forZones"] = [{"name": endpoint["zone"]}]
    if endpoint.get("nodeName") and same_node:
        hints["forNodes"] = [{"name": endpoint["nodeName"]}]
    return hints or None


def _needs_hints(endpoint_slice: Object, same_node: bool) -> bool:
    for endpoint in endpoint_slice.get("endpoints") or ():
        if (endpoint.get("conditions") or {}).get("ready") is True:
            have = endpoint.get("hints") or {}
            want = _wanted_hints(endpoint, same_node) or {}
            for part in ("forZones", "forNodes"):
                if (have.get(part) or None) != want.get(part):
                    return True
    return False


def _hinted(endpoint: Object, same_node: bool) -> Object:
    if (endpoint.get("conditions") or {}).get("ready") is not True:
        return endpoint  # not-ready endpoints keep whatever they had
    hints = _wanted_hints(endpoint, same_node)
    bare = _without_hints(endpoint)
    return {**bare, "hints": hints} if hints else bare


def _creates_to_updates(plan: Plan, service: Object) -> None:
    """finalize: a slice about to be created takes the name of one about to be deleted."""
    i = 0
    while i < len(plan.delete) and plan.create:
        doomed, fresh = plan.delete[i], plan.create[-1]
        if doomed.get("addressType") == fresh["addressType"] and owned_by(doomed, service):
            fresh["metadata"]["name"] = slice_name(doomed)
            plan.create.pop()
            plan.update.append(fresh)
            plan.delete.pop(i)
        else:
            i += 1
