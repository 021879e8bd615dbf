"""What the lessons show about a real cluster: version, CIDRs, the DNS service's IP.

Read, never assumed: the API server's /version; the service CIDR from the ServiceCIDR
object `kubernetes` (networking.k8s.io/v1, GA since Kubernetes 1.33); the pod CIDR from
kube-proxy's configuration (kube-system/kube-proxy, `clusterCIDR`, as kind writes it),
else summed up from the nodes' podCIDRs; the cluster domain from the kubelet's
configuration (kube-system/kubelet-config, `clusterDomain`); the DNS IP from the
kube-dns Service. Whatever a cluster does not show stays empty.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import yaml

from kubelab.backend import ClusterInfo
from kubelab.errors import ApiError
from kubelab.kinds import resource_for
from kubelab.kube.api import Api

Object = dict[str, Any]


def _config_value(text: str, key: str) -> str:
    try:
        config = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        return ""
    return str(config.get(key) or "") if isinstance(config, dict) else ""


def pod_cidr_from(proxy_config: str, node_cidrs: list[str]) -> str:
    """kube-proxy's clusterCIDR, else the smallest /16 (or the list) holding every node's."""
    found = _config_value(proxy_config, "clusterCIDR")
    if found or not node_cidrs:
        return found
    nets = [ipaddress.ip_network(c, strict=False) for c in node_cidrs]
    wide = {n.supernet(new_prefix=16) if n.version == 4 and n.prefixlen > 16 else n
            for n in nets}
    return ",".join(sorted(str(n) for n in wide))


def domain_from(kubelet_config: str) -> str:
    return _config_value(kubelet_config, "clusterDomain").rstrip(".") or "cluster.local"


def service_cidr_from(servicecidrs: Object) -> str:
    for item in servicecidrs.get("items") or []:
        if item.get("metadata", {}).get("name") == "kubernetes":
            return ",".join((item.get("spec") or {}).get("cidrs") or [])
    return ""


def _try(read: Any, default: Any) -> Any:
    try:
        return read()
    except ApiError:
        return default


def _configmap(api: Api, name: str, key: str) -> str:
    cm = _try(lambda: api.raw(f"/api/v1/namespaces/kube-system/configmaps/{name}"), {})
    return str((cm.get("data") or {}).get(key, ""))


def cluster_info(api: Api, cluster: str, context: str) -> ClusterInfo:
    version = _try(lambda: api.raw("/version"), {}).get("gitVersion", "")
    nodes = _try(lambda: api.list(resource_for("nodes"), None), [])
    node_cidrs = [n["spec"]["podCIDR"] for n in nodes if (n.get("spec") or {}).get("podCIDR")]
    dns = _try(lambda: api.get(resource_for("services"), "kube-dns", "kube-system"), {})
    return ClusterInfo(
        backend="kube",
        name=cluster,
        kubernetes_version=version,
        service_cidr=service_cidr_from(
            _try(lambda: api.raw("/apis/networking.k8s.io/v1/servicecidrs"), {})),
        pod_cidr=pod_cidr_from(_configmap(api, "kube-proxy", "config.conf"), node_cidrs),
        dns_ip=str((dns.get("spec") or {}).get("clusterIP", "")),
        domain=domain_from(_configmap(api, "kubelet-config", "kubelet")),
        context=context,
    )
