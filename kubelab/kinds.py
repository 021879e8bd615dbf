"""The resource types kubelab knows, and the names kubectl accepts for them."""

from __future__ import annotations

from dataclasses import dataclass

from kubelab.errors import UsageError


@dataclass(frozen=True)
class Resource:
    kind: str
    plural: str
    group: str
    version: str
    namespaced: bool
    short_names: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def qualified(self) -> str:
        """`services`, `deployments.apps`: how error messages name the resource."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


RESOURCES: tuple[Resource, ...] = (
    Resource("Namespace", "namespaces", "", "v1", False, ("ns",)),
    Resource("Node", "nodes", "", "v1", False, ("no",)),
    Resource("Pod", "pods", "", "v1", True, ("po",)),
    Resource("Service", "services", "", "v1", True, ("svc",)),
    Resource("Endpoints", "endpoints", "", "v1", True, ("ep",)),
    Resource("EndpointSlice", "endpointslices", "discovery.k8s.io", "v1", True),
    Resource("Deployment", "deployments", "apps", "v1", True, ("deploy",)),
    Resource("ReplicaSet", "replicasets", "apps", "v1", True, ("rs",)),
)

_BY_NAME: dict[str, Resource] = {}
for _res in RESOURCES:
    for _name in (_res.kind.lower(), _res.plural, *_res.short_names):
        _BY_NAME[_name] = _res
        _BY_NAME[f"{_name}.{_res.group}"] = _res if _res.group else _BY_NAME[_name]
_BY_KIND: dict[tuple[str, str], Resource] = {(r.kind, r.api_version): r for r in RESOURCES}


def resource_for(name: str) -> Resource:
    """`svc`, `services`, `Service`, `deployments.apps` -> the Resource, as kubectl does."""
    key = name.strip().lower()
    if key in _BY_NAME:
        return _BY_NAME[key]
    known = ", ".join(r.plural for r in RESOURCES)
    raise UsageError(f'the server doesn\'t have a resource type "{name}" (kubelab knows: {known})')


def find_resource(kind: object, api_version: object) -> Resource | None:
    """The Resource of a kind in an apiVersion, or None."""
    if isinstance(kind, str) and isinstance(api_version, str):
        return _BY_KIND.get((kind, api_version))
    return None


def resource_for_object(obj: dict[str, object]) -> Resource:
    """The Resource of a manifest, checked against its apiVersion as the API server would."""
    kind = obj.get("kind")
    api_version = obj.get("apiVersion")
    if not kind or not isinstance(kind, str):
        raise UsageError("Object 'Kind' is missing in the manifest: every object needs `kind:`")
    if not api_version or not isinstance(api_version, str):
        raise UsageError(
            f"Object 'apiVersion' is missing in the manifest of kind {kind}: "
            "every object needs `apiVersion:` (e.g. v1 or apps/v1)"
        )
    res = find_resource(kind, api_version)
    if res is not None:
        return res
    raise UsageError(
        f'no matches for kind "{kind}" in version "{api_version}" '
        "(kubelab knows: " + ", ".join(f"{r.api_version} {r.kind}" for r in RESOURCES) + ")"
    )
