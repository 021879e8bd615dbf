"""The EndpointSlice controller and the v1 Endpoints controller of kube-controller-manager.

`install(api)` appends both to the simulated cluster's controllers. They share one
informer cache of pods and Services (endpointindex) and only work on the Services a change
touched. Source: pkg/controller/endpointslice/endpointslice_controller.go (syncService and
the informer handlers); the slices themselves are planned in slicereconciler.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kubelab import errors
from kubelab.kinds import resource_for
from kubelab.mock import controller_utils as cu
from kubelab.mock import endpointutil as eu
from kubelab.mock import slicereconciler
from kubelab.mock.endpointindex import Key, PodServiceIndex
from kubelab.mock.legacy_endpoints import EndpointsController
from kubelab.mock.slicebuild import CONTROLLER_NAME, slice_name

if TYPE_CHECKING:
    from kubelab.mock.api import ApiServer

Object = dict[str, Any]
_SLICES = resource_for("endpointslices")


def install(api: ApiServer) -> None:
    """Add the EndpointSlice and Endpoints controllers, primed with what the store holds."""
    index = PodServiceIndex()
    slices = EndpointSliceController(index)
    endpoints = EndpointsController(index)
    for plural in ("services", "pods", "endpointslices"):
        for obj in api.store.items(plural):
            slices.observe(plural, "ADDED", obj)
    endpoints.queue_leftovers(api)
    api.controllers.extend([slices, endpoints])


class EndpointSliceController:
    """Keeps one or more EndpointSlices per Service with a selector (a Controller)."""

    def __init__(
        self, index: PodServiceIndex, max_endpoints: int = slicereconciler.MAX_ENDPOINTS_PER_SLICE
    ) -> None:
        self.index = index
        self.max_endpoints = max_endpoints
        self.triggers = eu.TriggerTimeTracker()
        self._dirty: set[Key] = set()
        index.subscribers.append(self._dirty)
        self._managed: dict[Key, dict[str, Object]] = {}  # (ns, service) -> name -> slice
        self._seen: dict[Key, tuple[str | None, bool]] = {}  # (ns, slice) -> (service, mine)
        self._writing = False

    # -- informer handlers -----------------------------------------------------------------

    def observe(self, plural: str, event: str, obj: Object) -> None:
        if plural in ("pods", "services"):
            self.index.observe(plural, event, obj)  # the shared cache also feeds Endpoints
        elif plural == "endpointslices":
            self._observe_slice(event, obj)

    def _observe_slice(self, event: str, obj: Object) -> None:
        """Index managed slices by Service; requeue a Service when someone else touched one.

        onEndpointSliceAdd/Update/Delete: a change that is not this controller's own write
        (the endpointSliceTracker's "ShouldSync") requeues the Service.
        """
        meta = obj["metadata"]
        namespace, name = meta.get("namespace", ""), meta["name"]
        labels = meta.get("labels") or {}
        service = labels.get(eu.LABEL_SERVICE_NAME) or None
        mine = labels.get(eu.LABEL_MANAGED_BY) == CONTROLLER_NAME
        before = self._seen.pop((namespace, name), None)
        if before is not None and before[0] and before[1]:
            self._managed.get((namespace, before[0]), {}).pop(name, None)
        if event != "DELETED":
            self._seen[(namespace, name)] = (service, mine)
            if service and mine:
                self._managed.setdefault((namespace, service), {})[name] = obj
        if self._writing:
            return
        queue = set()
        if before is not None and before[0] != service:
            queue = {before[0], service}
        elif mine or (before is not None and before[1]):
            queue = {service}
        self._dirty.update((namespace, s) for s in queue if s)

    # -- the work loop ---------------------------------------------------------------------

    def sync(self, api: ApiServer) -> bool:
        return cu.sync_each(self._dirty, lambda key: self._sync_service(api, key))

    def next_deadline(self, api: ApiServer) -> float | None:
        return None

    def _sync_service(self, api: ApiServer, key: Key) -> bool:
        """syncService: ExternalName and selector-less Services are left alone (their slices
        too: upstream does not clean up when a selector is removed, kubernetes#118376)."""
        service = self.index.services.get(key)
        if service is None:
            self.triggers.delete(*key)
            return self._delete_orphans(api, key)
        if (service.get("spec") or {}).get("type") == "ExternalName":
            return False
        selector = eu.service_selector(service)
        if selector is None:
            return False
        pods = self.index.pods_selected(key[0], selector)
        existing = [
            s
            for s in self._managed.get(key, {}).values()
            if "deletionTimestamp" not in s["metadata"]
        ]
        trigger = self.triggers.compute(service, pods)
        plans = slicereconciler.reconcile(
            service,
            pods,
            existing,
            lambda node: api.store.get("nodes", "", node),
            self.max_endpoints,
        )
        wrote = False
        for plan in plans:
            wrote = self._finalize(api, service, plan, trigger) or wrote
        return wrote

    def _finalize(
        self, api: ApiServer, service: Object, plan: slicereconciler.Plan, trigger: str | None
    ) -> bool:
        """finalize: creates (not for a Service being deleted), updates, then deletes."""
        wrote = False
        self._writing = True
        try:
            if "deletionTimestamp" not in service["metadata"]:
                for endpoint_slice in plan.create:
                    wrote = self._create(api, _as_written(endpoint_slice, trigger)) or wrote
            for endpoint_slice in plan.update:
                before = api.store.get(
                    "endpointslices",
                    service["metadata"]["namespace"],
                    endpoint_slice["metadata"]["name"],
                )
                after = api.update_object(_as_written(endpoint_slice, trigger))
                wrote = wrote or after is not before
            for endpoint_slice in plan.delete:
                wrote = self._delete(api, endpoint_slice) or wrote
        finally:
            self._writing = False
        return wrote

    @staticmethod
    def _create(api: ApiServer, endpoint_slice: Object) -> bool:
        try:
            api.create_object(endpoint_slice)
        except errors.ApiError as err:
            if err.code == 403:  # the namespace is terminating: creates keep failing, drop it
                return False
            raise
        return True

    @staticmethod
    def _delete(api: ApiServer, endpoint_slice: Object) -> bool:
        meta = endpoint_slice["metadata"]
        try:
            api.delete_object(_SLICES, meta["name"], meta.get("namespace"))
        except errors.ApiError as err:
            if err.code == 404:
                return False
            raise
        return True

    def _delete_orphans(self, api: ApiServer, key: Key) -> bool:
        """The Service is gone: remove the slices it owned.

        Upstream leaves this to the garbage collector (ownerReferences); doing it here gives
        the same result whether or not the collector has run yet.
        """
        doomed = [
            s
            for s in self._managed.get(key, {}).values()
            if any(
                ref.get("kind") == "Service" and ref.get("name") == key[1] and ref.get("controller")
                for ref in s["metadata"].get("ownerReferences") or ()
            )
        ]
        self._writing = True
        try:
            results = [self._delete(api, s) for s in sorted(doomed, key=slice_name)]
            return any(results)
        finally:
            self._writing = False


def _as_written(endpoint_slice: Object, trigger: str | None) -> Object:
    """The request body: the trigger-time annotation set (or cleared), and empty lists as
    the API returns them after storage (protobuf keeps no empty list: `null`)."""
    meta = dict(endpoint_slice["metadata"])
    annotations = dict(meta.get("annotations") or {})
    if trigger:
        annotations[eu.LAST_CHANGE_TRIGGER_TIME] = trigger
    else:
        annotations.pop(eu.LAST_CHANGE_TRIGGER_TIME, None)
    if annotations:
        meta["annotations"] = dict(sorted(annotations.items()))
    else:
        meta.pop("annotations", None)
    written = {k: v for k, v in endpoint_slice.items() if k not in ("endpoints", "ports")}
    written["metadata"] = meta
    written["endpoints"] = endpoint_slice.get("endpoints") or None
    written["ports"] = endpoint_slice.get("ports") or None
    return written
