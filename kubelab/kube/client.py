"""The API client: which kubeconfig, which context, and a Transport over the official
`kubernetes` client. The only module that imports `kubernetes`, and only when called.

Reading the kubeconfig to choose a context is pure YAML (no client needed, so the safety
rules are tested without it): $KUBECONFIG (a list of files, the first to name a context
or the current-context wins, as kubectl merges them) or ~/.kube/config. Nothing read here
is ever printed except context names and the server's address; no credential is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kubelab.errors import SetupError
from kubelab.kube import errors as kube_errors
from kubelab.kube.translate import Query

Object = dict[str, Any]


@dataclass(frozen=True)
class KubeConfig:
    """What kubelab needs from a kubeconfig: context names -> cluster names, the current
    context, cluster names -> server URLs, and the files read."""

    contexts: dict[str, str] = field(default_factory=dict)
    current: str | None = None
    servers: dict[str, str] = field(default_factory=dict)
    files: tuple[Path, ...] = ()

    @property
    def where(self) -> str:
        if not self.files:
            return "your kubeconfig (none found: $KUBECONFIG or ~/.kube/config)"
        return f"your kubeconfig ({', '.join(str(f) for f in self.files)})"

    def server_of(self, context: str) -> str:
        return self.servers.get(self.contexts.get(context, ""), "")


def kubeconfig_files(environ: dict[str, str] | None = None,
                     home: Path | None = None) -> list[Path]:
    env = dict(os.environ) if environ is None else environ
    if env.get("KUBECONFIG"):
        return [Path(p).expanduser() for p in env["KUBECONFIG"].split(os.pathsep) if p]
    return [(home or Path.home()) / ".kube" / "config"]


def read_kubeconfig(files: list[Path]) -> KubeConfig:
    contexts: dict[str, str] = {}
    servers: dict[str, str] = {}
    current: str | None = None
    read: list[Path] = []
    for path in files:
        if not path.is_file():
            continue
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise SetupError(f"kubeconfig {path} could not be read ({exc}): fix or move it"
                             ) from None
        if not isinstance(data, dict):
            continue
        read.append(path)
        for entry in data.get("contexts") or []:
            name = entry.get("name")
            if name and name not in contexts:
                contexts[name] = str((entry.get("context") or {}).get("cluster", ""))
        for entry in data.get("clusters") or []:
            name = entry.get("name")
            if name and name not in servers:
                servers[name] = str((entry.get("cluster") or {}).get("server", ""))
        current = current or data.get("current-context") or None
    return KubeConfig(contexts, current, servers, tuple(read))


def cluster_name(context: str, config: KubeConfig) -> str:
    """kind-kubelab -> kubelab (kind's own naming); else the kubeconfig's cluster name."""
    if context.startswith("kind-"):
        return context[len("kind-"):]
    return config.contexts.get(context) or context


class ClientTransport:
    """One HTTP request through kubernetes.client.ApiClient, answers as raw bytes."""

    def __init__(self, api_client: Any, where: str) -> None:
        self.api_client = api_client
        self.where = where

    def request(self, method: str, path: str, *, query: Query = (),
                body: Object | None = None, content_type: str | None = None,
                timeout: float | None = None) -> bytes:
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = content_type or "application/json"
        try:
            serialized = self.api_client.param_serialize(
                method=method, resource_path=path, query_params=list(query) or None,
                header_params=headers, body=body, auth_settings=["BearerToken"])
            response = self.api_client.call_api(*serialized, _request_timeout=timeout)
            data = response.read()
        except ApiException as exc:
            raise kube_errors.from_exception(exc, self.where) from None
        except (HTTPError, OSError) as exc:
            raise kube_errors.unreachable(self.where, str(exc)) from None
        if not 200 <= int(response.status) <= 299:
            raise kube_errors.from_response(int(response.status), response.reason, data)
        return bytes(data or b"")


def open_transport(context: str, config: KubeConfig) -> ClientTransport:
    """An ApiClient for the context (any auth the official client supports)."""
    try:
        from kubernetes import config as kube_config
        from kubernetes.client import Configuration
    except ImportError:
        raise kube_errors.missing_client() from None
    configuration = Configuration()
    try:
        kube_config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=os.pathsep.join(str(f) for f in config.files) or None,
            context=context, client_configuration=configuration, persist_config=False)
    except Exception as exc:  # the client raises ConfigException, ValueError, OSError...
        raise SetupError(
            f'the context "{context}" of {config.where} could not be loaded '
            f"({type(exc).__name__}): check it with `kubectl --context {context} get nodes`"
        ) from None
    configuration.retries = 1  # an absent cluster should fail fast, not after retries
    from kubernetes.client import ApiClient

    server = configuration.host or config.server_of(context)
    return ClientTransport(ApiClient(configuration), f'context "{context}" ({server})')
