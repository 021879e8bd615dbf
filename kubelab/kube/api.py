"""The REST verbs kubelab uses, over any Transport that speaks the API's JSON.

`Transport` is the one thing a real client (client.py) and a test's fake provide: one
HTTP request in, the answer's bytes out, a kubelab.ApiError (the server's Status) for a
refusal, a SetupError when nothing answers.
"""

from __future__ import annotations

from typing import Any, Protocol

from kubelab.errors import ApiError, UsageError
from kubelab.kinds import Resource, resource_for
from kubelab.kube import probes, safety, translate
from kubelab.kube.translate import Query

Object = dict[str, Any]

DEFAULT_TIMEOUT = 30.0  # seconds for one API call


class Transport(Protocol):
    def request(self, method: str, path: str, *, query: Query = (),
                body: Object | None = None, content_type: str | None = None,
                timeout: float | None = None) -> bytes: ...


class Api:
    """get / list / create / replace / patch / delete as the API's JSON dicts."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def raw(self, path: str, query: Query = (), timeout: float = DEFAULT_TIMEOUT) -> Object:
        return translate.decode(self.transport.request("GET", path, query=query,
                                                       timeout=timeout))

    def get(self, res: Resource, name: str, namespace: str | None) -> Object:
        return self.raw(translate.object_path(res, name, namespace))

    def list(self, res: Resource, namespace: str | None, selector: str | None = None,
             field_selector: str | None = None) -> list[Object]:
        listed = self.raw(translate.collection_path(res, namespace),
                          translate.list_query(selector, field_selector))
        return translate.items_of(listed, res)

    def create(self, res: Resource, body: Object, namespace: str | None) -> Object:
        answer = self.transport.request("POST", translate.collection_path(res, namespace),
                                        body=body, timeout=DEFAULT_TIMEOUT)
        return translate.decode(answer)

    def replace(self, res: Resource, body: Object, namespace: str | None) -> Object:
        name = (body.get("metadata") or {}).get("name")
        if not name:
            raise UsageError(f"replace needs metadata.name: which {res.singular} to replace?")
        answer = self.transport.request("PUT", translate.object_path(res, name, namespace),
                                        body=body, timeout=DEFAULT_TIMEOUT)
        return translate.decode(answer)

    def patch(self, res: Resource, name: str, namespace: str | None, patch: Object,
              patch_type: str) -> Object:
        answer = self.transport.request(
            "PATCH", translate.object_path(res, name, namespace), body=patch,
            content_type=translate.patch_content_type(patch_type), timeout=DEFAULT_TIMEOUT)
        return translate.decode(answer)

    def delete(self, res: Resource, name: str, namespace: str | None) -> None:
        self.transport.request("DELETE", translate.object_path(res, name, namespace),
                               timeout=DEFAULT_TIMEOUT)

    def shell(self, namespace: str, pod: str, port: int, command: str,
              timeout: float = DEFAULT_TIMEOUT) -> probes.ShellResult:
        """Run a shell command in an agnhost netexec container: GET its /shell through
        the API server's pod proxy."""
        path = f"/api/v1/namespaces/{namespace}/pods/{pod}:{port}/proxy/shell"
        answer = self.transport.request("GET", path, query=[("cmd", command)],
                                        timeout=timeout)
        return probes.parse_shell(answer)


def ensure_namespace(api: Api, name: str) -> None:
    """Create the namespace (labelled as kubelab's), or check that the one there is."""
    namespaces = resource_for("namespaces")
    try:
        found = api.get(namespaces, name, None)
    except ApiError as err:
        if err.code != 404:
            raise
        api.create(namespaces, safety.namespace_manifest(name), None)
        return
    safety.check_home_namespace(found)
