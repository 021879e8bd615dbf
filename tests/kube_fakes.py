"""A fake of the API server's REST surface, for the real backend's unit tests.

It implements kubelab.kube.api.Transport: objects stored by path, GET/POST/PUT/PATCH/
DELETE with the server's 404/409 Status errors, lists with label and field selectors,
and the pod proxy to netexec's /shell answered by a function the test gives. Every
request is recorded, so a test can assert what was (or was not) sent.
"""

from __future__ import annotations

import copy
import http.server
import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from kubelab import errors, selectors
from kubelab.kinds import RESOURCES, Resource, resource_for_object
from kubelab.kube import translate

Object = dict[str, Any]
FIXTURES = Path(__file__).parent / "fixtures" / "kube"

_COLLECTION = re.compile(
    r"^(?P<base>/api/v1|/apis/[^/]+/[^/]+)(?:/namespaces/(?P<ns>[^/]+))?/(?P<plural>[a-z]+)$")
_PROXY = re.compile(r"^/api/v1/namespaces/(?P<ns>[^/]+)/pods/(?P<pod>[^/:]+):(?P<port>\d+)"
                    r"/proxy/shell$")


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: Object | None
    content_type: str | None


Shell = Callable[[str, str, int, str], Object]  # namespace, pod, port, cmd -> netexec JSON


def _by_plural(plural: str, base: str) -> Resource:
    for res in RESOURCES:
        if res.plural == plural and translate.base_path(res) == base:
            return res
    raise KeyError(plural)


@dataclass
class FakeApiServer:
    objects: dict[str, Object] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    shell: Shell | None = None
    raw: dict[str, Object] = field(default_factory=dict)  # GET path -> answer (e.g. /version)
    _serial: int = 100

    # -- setting up ------------------------------------------------------------------

    def add(self, obj: Object) -> Object:
        res = resource_for_object(obj)
        meta = obj.setdefault("metadata", {})
        meta.setdefault("uid", f"uid-{meta['name']}")
        meta.setdefault("resourceVersion", "1")
        ns = meta.get("namespace") if res.namespaced else None
        self.objects[translate.object_path(res, meta["name"], ns)] = obj
        return obj

    def namespace(self, name: str, managed: bool = True) -> Object:
        labels = {"app.kubernetes.io/managed-by": "kubelab"} if managed else {}
        return self.add({"apiVersion": "v1", "kind": "Namespace",
                         "metadata": {"name": name, "labels": labels}})

    def writes(self) -> list[Call]:
        return [c for c in self.calls if c.method != "GET"]

    # -- the Transport ---------------------------------------------------------------

    def request(self, method: str, path: str, *, query: Any = (), body: Object | None = None,
                content_type: str | None = None, timeout: float | None = None) -> bytes:
        q = dict(query)
        self.calls.append(Call(method, path, q, copy.deepcopy(body), content_type))
        proxy = _PROXY.match(path)
        if proxy:
            if self.shell is None:
                raise AssertionError(f"unexpected probe call {path}")
            answer = self.shell(proxy["ns"], proxy["pod"], int(proxy["port"]), q["cmd"])
            return json.dumps(answer).encode()
        handler = getattr(self, "_" + method.lower())
        return json.dumps(handler(path, q, body)).encode()

    def _get(self, path: str, query: dict[str, str], _body: Object | None) -> Object:
        if path in self.raw:
            return self.raw[path]
        if path in self.objects:
            return copy.deepcopy(self.objects[path])
        found = _COLLECTION.match(path)
        if found and found["plural"] in {r.plural for r in RESOURCES}:
            return self._list(found, query)
        raise self._missing(path)

    def _list(self, found: re.Match[str], query: dict[str, str]) -> Object:
        res = _by_plural(found["plural"], found["base"])
        items = []
        for obj in self.objects.values():
            meta = obj["metadata"]
            if obj["kind"] != res.kind or (found["ns"] and meta.get("namespace") != found["ns"]):
                continue
            selector = selectors.parse(query.get("labelSelector") or None)
            if not selectors.matches(selector, meta.get("labels") or {}):
                continue
            wanted = query.get("fieldSelector", "")
            if wanted and wanted != f"metadata.name={meta['name']}":
                continue
            item = copy.deepcopy(obj)
            item.pop("kind"), item.pop("apiVersion")
            items.append(item)
        return {"kind": f"{res.kind}List", "apiVersion": res.api_version,
                "metadata": {"resourceVersion": str(self._serial)}, "items": items}

    def _post(self, path: str, _query: dict[str, str], body: Object | None) -> Object:
        assert body is not None
        obj = copy.deepcopy(body)
        res = resource_for_object(obj)
        meta = obj.setdefault("metadata", {})
        found = _COLLECTION.match(path)
        assert found, path
        if found["ns"] and translate.object_path(
                _by_plural("namespaces", "/api/v1"), found["ns"], None) not in self.objects:
            raise errors.not_found("namespaces", found["ns"])
        if not meta.get("name"):
            if not meta.get("generateName"):
                raise errors.ApiError(errors.status_failure(
                    422, "Invalid", f'{res.kind} "" is invalid: metadata.name: Required value: '
                    "name or generateName is required"))
            meta["name"] = meta["generateName"] + "x7k2q"
        if found["ns"]:
            meta["namespace"] = found["ns"]
        target = f"{path}/{meta['name']}"
        if target in self.objects:
            raise errors.already_exists(res.plural, meta["name"], res.group)
        self._serial += 1
        meta.update(uid=f"uid-{meta['name']}", resourceVersion=str(self._serial))
        self.objects[target] = obj
        return copy.deepcopy(obj)

    def _put(self, path: str, _query: dict[str, str], body: Object | None) -> Object:
        assert body is not None
        if path not in self.objects:
            raise self._missing(path)
        self._serial += 1
        obj = copy.deepcopy(body)
        obj["metadata"]["resourceVersion"] = str(self._serial)
        self.objects[path] = obj
        return copy.deepcopy(obj)

    def _patch(self, path: str, _query: dict[str, str], body: Object | None) -> Object:
        if path not in self.objects:
            raise self._missing(path)
        _merge(self.objects[path], body or {})
        return copy.deepcopy(self.objects[path])

    def _delete(self, path: str, _query: dict[str, str], _body: Object | None) -> Object:
        if path not in self.objects:
            raise self._missing(path)
        return self.objects.pop(path)

    def _missing(self, path: str) -> errors.ApiError:
        parts = unquote(path).rstrip("/").split("/")
        plural, name = parts[-2], parts[-1]
        group = parts[2] if parts[1] == "apis" else ""
        return errors.not_found(plural, name, group)


def _merge(target: Object, patch: Object) -> None:
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def pod(name: str, namespace: str, *, ip: str = "10.244.1.7", node: str = "kubelab-worker",
        labels: dict[str, str] | None = None, probe: bool = True, port: int = 8080,
        owners: bool = False) -> Object:
    """A running, ready agnhost netexec pod as the API returns it."""
    container: Object = {"name": "app", "image": "registry.k8s.io/e2e-test-images/agnhost:2.53",
                         "args": ["netexec", f"--http-port={port}"],
                         "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}]}
    if probe:
        from kubelab.kube import readiness

        container["readinessProbe"] = dict(readiness.PROBE, timeoutSeconds=1)
    meta: Object = {"name": name, "namespace": namespace, "labels": labels or {"app": name}}
    if owners:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                    "name": "web-7d4f9c6b8", "uid": "rs-uid", "controller": True}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": {"containers": [container], "nodeName": node},
            "status": {"phase": "Running", "podIP": ip,
                       "conditions": [{"type": "Ready", "status": "True"}]}}


def node(name: str, ip: str, control_plane: bool = False) -> Object:
    labels = {"kubernetes.io/hostname": name}
    if control_plane:
        labels["node-role.kubernetes.io/control-plane"] = ""
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels},
            "spec": {"podCIDR": "10.244.0.0/24"},
            "status": {"addresses": [{"type": "InternalIP", "address": ip},
                                     {"type": "Hostname", "address": name}]}}


def kind_cluster(server: FakeApiServer) -> FakeApiServer:
    """The objects of a fresh kind cluster `kubelab` that the probes look at."""
    server.add(node("kubelab-control-plane", "172.18.0.2", control_plane=True))
    server.add(node("kubelab-worker", "172.18.0.3"))
    server.add(node("kubelab-worker2", "172.18.0.4"))
    server.namespace("default", managed=False)
    server.namespace("kube-system", managed=False)
    for item in fixture("service_list.json")["items"]:
        server.add({"apiVersion": "v1", "kind": "Service", **item})
    return server


class _Netexec(http.server.BaseHTTPRequestHandler):
    """agnhost netexec's /hostname and /clientip, as pod "web-1" answers them."""

    protocol_version = "HTTP/1.1"  # keep-alive: both paths on one connection

    def do_GET(self) -> None:
        host, port = self.client_address[:2]
        body = ("web-1" if self.path == "/hostname" else f"{host}:{port}").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def netexec_server() -> Iterator[int]:
    """A netexec stand-in on a free localhost port: yields the port, stops afterwards."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Netexec)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
