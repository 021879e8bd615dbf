"""The learner-facing verbs. `Lab` holds a Backend and never imports one.

`apply` behaves like `kubectl apply` (client-side, with the last-applied-configuration
annotation); `create` is the strict create. Objects in and out are the API's JSON dicts.
"""

from __future__ import annotations

import builtins
import json
from typing import TYPE_CHECKING, Any

import yaml

from kubelab import errors, merge
from kubelab.backend import Backend, ClusterInfo, DnsAnswer, Object, RequestResult
from kubelab.kinds import Resource, resource_for, resource_for_object
from kubelab.kubectl import Table, Text, Yaml, describe, get_table, to_yaml

if TYPE_CHECKING:  # the diagrams are imported when first drawn: `import kubelab` stays light
    from kubelab.diagrams import Diagram, Explanation

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def load_objects(source: Object | str | list[Object]) -> builtins.list[Object]:
    """A dict, a list of dicts, or YAML text (several documents, or a kind: List)."""
    if isinstance(source, str):
        try:
            docs = [doc for doc in yaml.safe_load_all(source) if doc is not None]
        except yaml.YAMLError as exc:
            raise errors.UsageError(f"the YAML could not be read: {exc}") from None
    elif isinstance(source, dict):
        docs = [source]
    elif isinstance(source, list):
        docs = list(source)
    else:
        raise errors.UsageError(
            f"expected a manifest (dict) or YAML text, got {type(source).__name__}"
        )
    objects: list[Object] = []
    for doc in docs:
        if not isinstance(doc, dict):
            raise errors.UsageError(f"each YAML document must be a mapping, got: {doc!r}")
        if doc.get("kind") == "List":
            objects.extend(doc.get("items") or [])
        else:
            objects.append(doc)
    if not objects:
        raise errors.UsageError("no objects passed to apply (the YAML is empty)")
    return objects


def _split_kind_name(kind: str, name: str | None) -> tuple[Resource, str]:
    """Accept `("svc", "web")` and the kubectl form `("svc/web")`."""
    if name is None:
        if "/" not in kind:
            raise errors.UsageError(
                f"name the object: ({kind!r}, 'NAME') or '{kind}/NAME', as kubectl takes it"
            )
        kind, name = kind.split("/", 1)
    return resource_for(kind), name


class Lab:
    """A cluster to learn on: the verbs lessons use, on the simulation or a real cluster."""

    def __init__(self, backend: Backend, namespace: str = "default") -> None:
        self._backend = backend
        self.namespace = namespace

    def __repr__(self) -> str:
        info = self.info
        return (
            f"<kubelab.Lab {info.backend} cluster {info.name!r}, Kubernetes "
            f"{info.kubernetes_version}, namespace {self.namespace!r}>"
        )

    @property
    def info(self) -> ClusterInfo:
        return self._backend.info()

    @property
    def backend(self) -> Backend:
        return self._backend

    # -- writing ------------------------------------------------------------------------

    def apply(
        self, manifest: Object | str | list[Object], namespace: str | None = None
    ) -> builtins.list[Object]:
        """Create or update each object, the way `kubectl apply -f` does."""
        return [self._apply_one(obj, namespace) for obj in load_objects(manifest)]

    def create(self, manifest: Object | str, namespace: str | None = None) -> Object:
        """Create one object; 409 AlreadyExists if the name is taken (`kubectl create -f`)."""
        objects = load_objects(manifest)
        if len(objects) != 1:
            raise errors.UsageError(f"create() takes one object; got {len(objects)} (use apply)")
        resource_for_object(objects[0])
        return self._backend.create(objects[0], self._namespace_for(objects[0], namespace))

    def replace(self, obj: Object, namespace: str | None = None) -> Object:
        """Replace an object whole (`kubectl replace`); a stale resourceVersion is 409."""
        resource_for_object(obj)
        return self._backend.replace(obj, self._namespace_for(obj, namespace))

    def patch(
        self,
        kind: str,
        name: str,
        patch: Object,
        namespace: str | None = None,
        type: str = "strategic",
    ) -> Object:
        """`kubectl patch --type strategic|merge`."""
        if type not in ("strategic", "merge"):
            raise errors.UsageError("patch type must be 'strategic' or 'merge'")
        res = resource_for(kind)
        return self._backend.patch(res, name, self._ns(res, namespace), patch, type)

    def delete(self, kind: str, name: str | None = None, namespace: str | None = None) -> None:
        """Delete an object (`kubectl delete svc web` or `delete("svc/web")`)."""
        res, name = _split_kind_name(kind, name)
        self._backend.delete(res, name, self._ns(res, namespace))

    # -- reading ------------------------------------------------------------------------

    def read(self, kind: str, name: str | None = None, namespace: str | None = None) -> Object:
        """One object as the API returns it; ApiError 404 if there is none."""
        res, name = _split_kind_name(kind, name)
        return self._backend.read(res, name, self._ns(res, namespace))

    def list(
        self,
        kind: str,
        namespace: str | None = None,
        selector: str | None = None,
        all_namespaces: bool = False,
    ) -> builtins.list[Object]:
        """Objects of a kind, optionally filtered by a label selector (`app=web,tier!=db`)."""
        res = resource_for(kind)
        ns = None if all_namespaces else self._ns(res, namespace)
        return self._backend.list(res, ns, selector)

    # -- the simulated world --------------------------------------------------------------

    def set_ready(self, pod: str, ready: bool = True, namespace: str | None = None) -> None:
        """Decide what the pod's readiness probe reports from now on."""
        self._backend.set_ready(pod, namespace or self.namespace, ready)

    def advance(self, seconds: float) -> None:
        """Let time pass on the cluster (grace periods, probe delays, affinity timeouts)."""
        self._backend.advance(seconds)

    # -- what kubectl would show ----------------------------------------------------------

    def get(self, kind: str, name: str | None = None, namespace: str | None = None,
            selector: str | None = None, wide: bool = False,
            all_namespaces: bool = False) -> Table:
        """A table shaped like `kubectl get KIND [NAME] [-o wide] [-l SELECTOR] [-A]`."""
        res = resource_for(kind)
        if name is not None:
            objects = [self.read(kind, name, namespace)]
        else:
            objects = self.list(kind, namespace, selector, all_namespaces)
        return get_table(res, objects, wide=wide, all_namespaces=all_namespaces,
                         now=self._backend.now(), namespace=namespace or self.namespace)

    def describe(self, kind: str, name: str | None = None, namespace: str | None = None) -> Text:
        """Text shaped like `kubectl describe svc/web`."""
        obj = self.read(kind, name, namespace)

        def related(
            kind: str, namespace: str | None, selector: str | None
        ) -> builtins.list[Object]:
            return self.list(kind, namespace, selector, all_namespaces=namespace is None)

        return describe(obj, related, now=self._backend.now())

    def yaml(self, obj_or_kind: Object | str, name: str | None = None,
             namespace: str | None = None) -> Yaml:
        """An object as `kubectl get -o yaml` prints it: pass the object, or kind and name."""
        obj = (self.read(obj_or_kind, name, namespace) if isinstance(obj_or_kind, str)
               else obj_or_kind)
        return to_yaml(obj)

    # -- probes: DNS and traffic, from inside the cluster -------------------------------------

    def resolve(self, name: str, type: str = "A", from_pod: str = "client",
                namespace: str | None = None) -> DnsAnswer:
        """Ask the cluster DNS from a pod (`nslookup`/`dig` inside the pod)."""
        return self._backend.resolve(name, type.upper(), from_pod, namespace or self.namespace)

    def request(self, target: str, *, from_pod: str | None = None, from_node: str | None = None,
                from_outside: bool = False, namespace: str | None = None,
                n: int = 1) -> builtins.list[RequestResult]:
        """Send n requests (new connections) to a name, IP:port, node port or LB IP."""
        if sum(bool(x) for x in (from_pod, from_node, from_outside)) > 1:
            raise errors.UsageError("give one client: from_pod=, from_node= or from_outside=True")
        if not isinstance(n, int) or n < 1:
            raise errors.UsageError("n must be a whole number of requests, 1 or more")
        return self._backend.request(target, from_pod=from_pod, from_node=from_node,
                                     from_outside=from_outside,
                                     namespace=namespace or self.namespace, n=n)

    def explain(self, target: str, *, from_pod: str | None = None, from_node: str | None = None,
                from_outside: bool = False, namespace: str | None = None) -> Text:
        """The path a request to target takes, step by step, with kube-proxy's rule table."""
        return Text(self._backend.explain(target, from_pod=from_pod, from_node=from_node,
                                          from_outside=from_outside,
                                          namespace=namespace or self.namespace))

    # -- diagrams: what happened, drawn ----------------------------------------------------

    def diagram(self, namespace: str | None = None, all_namespaces: bool = False) -> Diagram:
        """The cluster: nodes holding their pods, Services and the pods their selectors pick.

        One namespace (the lab's by default; kube-system only when asked), or all of them.
        """
        from kubelab import diagrams

        ns = namespace or self.namespace
        where = "all namespaces" if all_namespaces else f"namespace {ns}"
        data = diagrams.gather(self, ns, all_namespaces)
        return diagrams.Diagram(diagrams.cluster_graph(data, f"cluster {self.info.name} · {where}"))

    def diagram_service(self, name: str, namespace: str | None = None) -> Diagram:
        """One Service: entry points, its selector against each pod, its EndpointSlices, and
        the port chain port → targetPort → containerPort on every pod."""
        from kubelab import diagrams

        ns = namespace or self.namespace
        self.read("services", name, ns)  # a missing Service is the API server's 404
        data = diagrams.gather(self, ns)
        return diagrams.Diagram(diagrams.service_graph(data, name, ns))

    def diagram_dns(self, answer: DnsAnswer) -> Diagram:
        """A DNS answer (from `resolve`): the names tried along the search path, the records."""
        from kubelab import diagrams

        return diagrams.Diagram(diagrams.dns_graph(answer))

    def diagram_request(
        self, results: builtins.list[RequestResult] | RequestResult
    ) -> Diagram:
        """Requests (from `request`): the path client → ... → pod, with counts per pod."""
        from kubelab import diagrams

        if isinstance(results, RequestResult):
            results = [results]
        if not results:
            raise errors.UsageError("diagram_request() needs the results of lab.request(...)")
        return diagrams.Diagram(diagrams.request_graph(results))

    def why_not(self, service: str, pod: str, namespace: str | None = None) -> Explanation:
        """Why a pod does (not) get a Service's traffic: labels, namespace, readiness, ports."""
        from kubelab import diagrams

        ns = namespace or self.namespace
        svc = self.read("services", service, ns)
        try:
            target = self.read("pods", pod, ns)
        except errors.ApiError as err:
            others = [p for p in self.list("pods", all_namespaces=True)
                      if p["metadata"]["name"] == pod]
            if err.code != 404 or not others:
                raise
            target = others[0]  # in another namespace: the explanation says so
        slices = self.list("endpointslices", ns, selector=f"kubernetes.io/service-name={service}")
        return diagrams.why_not(svc, target, slices)

    # -- internals ------------------------------------------------------------------------

    def _ns(self, res: Resource, namespace: str | None) -> str | None:
        return (namespace or self.namespace) if res.namespaced else None

    def _namespace_for(self, obj: Object, namespace: str | None) -> str | None:
        res = resource_for_object(obj)
        if not res.namespaced:
            return None
        given = (obj.get("metadata") or {}).get("namespace")
        if given and namespace and given != namespace:
            raise errors.UsageError(
                f'the namespace from the provided object "{given}" does not match the '
                f'namespace "{namespace}". You must pass namespace="{given}" to perform '
                "this operation."
            )
        return str(given or namespace or self.namespace)

    def _apply_one(self, manifest: Object, namespace: str | None) -> Object:
        res = resource_for_object(manifest)
        ns = self._namespace_for(manifest, namespace)
        metadata = manifest.get("metadata") or {}
        name = metadata.get("name")
        if not name and metadata.get("generateName"):
            raise errors.UsageError("cannot use generateName with apply (use create)")
        desired = json.loads(json.dumps(manifest))
        desired.setdefault("metadata", {})
        annotations = dict(desired["metadata"].get("annotations") or {})
        annotations.pop(LAST_APPLIED, None)
        # What kubectl records: the manifest without its own record, in its namespace. Only
        # serialized, so a shallow copy does.
        recorded = {**desired, "metadata": {**desired["metadata"], "annotations": annotations}}
        if ns:
            recorded["metadata"]["namespace"] = ns
        annotations[LAST_APPLIED] = (
            json.dumps(recorded, sort_keys=True, separators=(",", ":")) + "\n"
        )
        desired["metadata"]["annotations"] = annotations
        if not name:
            return self._backend.create(desired, ns)  # the API server's 422 names the problem
        try:
            live = self._backend.read(res, name, ns)
        except errors.ApiError as err:
            if err.code != 404:
                raise
            return self._backend.create(desired, ns)
        last = json.loads((live["metadata"].get("annotations") or {}).get(LAST_APPLIED, "{}"))
        merged: dict[str, Any] = merge.three_way_merge(live, desired, last)
        return self._backend.replace(merged, ns)
