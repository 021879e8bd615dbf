"""The workloads a fresh kind cluster runs: control-plane static pods, kube-proxy, kindnet,
CoreDNS and local-path-provisioner, as manifests for the simulated API server.

Sources: kubernetes/kubernetes cmd/kubeadm/app/phases/controlplane/manifests.go and
etcd/local.go (static pods), cmd/kubeadm/app/phases/addons/dns/manifests.go (CoreDNS and
the kube-dns Service), cmd/kubeadm/app/phases/addons/proxy/manifests.go (kube-proxy);
kubernetes-sigs/kind pkg/build/nodeimage/const_cni.go (kindnet),
pkg/build/nodeimage/const_storage.go (local-path-storage), pkg/cluster/internal/kubeadm
(kind's kubeadm config: podSubnet 10.244.0.0/16, serviceSubnet 10.96.0.0/16);
pkg/controller/daemon/util/daemonset_util.go (the tolerations and node affinity the
DaemonSet controller adds to its pods). The DaemonSets themselves are not simulated: their
pods are created directly, owned by a DaemonSet reference as on a real cluster.
"""

from __future__ import annotations

from typing import Any

from kubelab.mock import controller_utils as cu
from kubelab.mock import kindnode

Object = dict[str, Any]

POD_SUBNET = "10.244.0.0/16"
SERVICE_SUBNET = "10.96.0.0/16"
NODE_CRITICAL = 2000001000  # the system-node-critical PriorityClass
CLUSTER_CRITICAL = 2000000000  # system-cluster-critical
_PKI = "/etc/kubernetes/pki"


def _host_path(name: str, path: str, kind: str = "DirectoryOrCreate") -> Object:
    return {"hostPath": {"path": path, "type": kind}, "name": name}


def _mount(name: str, path: str, read_only: bool = False) -> Object:
    mount: Object = {"mountPath": path, "name": name}
    if read_only:
        mount["readOnly"] = True
    return mount


def _http_probe(path: str, port: int, host: str, scheme: str, failure: int,
                initial: int | None = 10, period: int = 10, timeout: int = 15) -> Object:
    probe: Object = {"failureThreshold": failure,
                     "httpGet": {"host": host, "path": path, "port": port, "scheme": scheme}}
    if initial is not None:
        probe["initialDelaySeconds"] = initial
    probe.update({"periodSeconds": period, "successThreshold": 1, "timeoutSeconds": timeout})
    return probe


_CA_VOLUMES = (
    ("ca-certs", "/etc/ssl/certs"),
    ("etc-ca-certificates", "/etc/ca-certificates"),
    ("k8s-certs", _PKI),
    ("usr-local-share-ca-certificates", "/usr/local/share/ca-certificates"),
    ("usr-share-ca-certificates", "/usr/share/ca-certificates"),
)


def _static_pod(component: str, node: Object, image: str, command: list[str],
                probes: Object, cpu: str, volumes: list[Object], mounts: list[Object],
                annotations: Object, memory: str | None = None) -> Object:
    """A kubeadm static pod as the API shows its mirror: owned by the node, hostNetwork."""
    node_name = node["metadata"]["name"]
    requests: Object = {"cpu": cpu}
    if memory:
        requests["memory"] = memory
    container: Object = {"command": command, "image": image, "imagePullPolicy": "IfNotPresent",
                         **probes, "name": component, "resources": {"requests": requests},
                         "volumeMounts": mounts}
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "annotations": annotations,
            "labels": {"component": component, "tier": "control-plane"},
            "name": f"{component}-{node_name}", "namespace": "kube-system",
            "ownerReferences": [{"apiVersion": "v1", "controller": True, "kind": "Node",
                                 "name": node_name, "uid": node["metadata"]["uid"]}],
        },
        "spec": {
            "containers": [container],
            "hostNetwork": True,
            "nodeName": node_name,
            "priority": NODE_CRITICAL,
            "priorityClassName": "system-node-critical",
            "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "tolerations": [{"effect": "NoExecute", "operator": "Exists"}],
            "volumes": volumes,
        },
    }


def _mirror_annotations(rng: Any, seen: str) -> Object:
    config_hash = f"{rng.getrandbits(128):032x}"
    return {"kubernetes.io/config.hash": config_hash, "kubernetes.io/config.mirror": config_hash,
            "kubernetes.io/config.seen": seen, "kubernetes.io/config.source": "file"}


def control_plane_pods(node: Object, ip: str, rng: Any, seen: str) -> list[Object]:
    """etcd, kube-apiserver, kube-controller-manager and kube-scheduler of the node."""
    name = node["metadata"]["name"]
    etcd_annotations = {"kubeadm.kubernetes.io/etcd.advertise-client-urls": f"https://{ip}:2379",
                        **_mirror_annotations(rng, seen)}
    etcd = _static_pod(
        "etcd", node, kindnode.ETCD_IMAGE,
        ["etcd", f"--advertise-client-urls=https://{ip}:2379",
         f"--cert-file={_PKI}/etcd/server.crt", "--client-cert-auth=true",
         "--data-dir=/var/lib/etcd", "--feature-gates=InitialCorruptCheck=true",
         f"--initial-advertise-peer-urls=https://{ip}:2380",
         f"--initial-cluster={name}=https://{ip}:2380", f"--key-file={_PKI}/etcd/server.key",
         f"--listen-client-urls=https://127.0.0.1:2379,https://{ip}:2379",
         "--listen-metrics-urls=http://127.0.0.1:2381", f"--listen-peer-urls=https://{ip}:2380",
         f"--name={name}", f"--peer-cert-file={_PKI}/etcd/peer.crt",
         "--peer-client-cert-auth=true", f"--peer-key-file={_PKI}/etcd/peer.key",
         f"--peer-trusted-ca-file={_PKI}/etcd/ca.crt", "--snapshot-count=10000",
         f"--trusted-ca-file={_PKI}/etcd/ca.crt", "--watch-progress-notify-interval=5s"],
        {"livenessProbe": _http_probe("/livez", 2381, "127.0.0.1", "HTTP", 8),
         "readinessProbe": _http_probe("/readyz", 2381, "127.0.0.1", "HTTP", 3, None, 1),
         "startupProbe": _http_probe("/readyz", 2381, "127.0.0.1", "HTTP", 24)},
        "100m",
        [_host_path("etcd-certs", f"{_PKI}/etcd"), _host_path("etcd-data", "/var/lib/etcd")],
        [_mount("etcd-data", "/var/lib/etcd"), _mount("etcd-certs", f"{_PKI}/etcd")],
        etcd_annotations, memory="100Mi")
    ca_volumes = [_host_path(v, p) for v, p in _CA_VOLUMES]
    ca_mounts = [_mount(v, p, True) for v, p in _CA_VOLUMES]
    apiserver = _static_pod(
        "kube-apiserver", node, kindnode.APISERVER_IMAGE,
        ["kube-apiserver", f"--advertise-address={ip}", "--allow-privileged=true",
         "--authorization-mode=Node,RBAC", f"--client-ca-file={_PKI}/ca.crt",
         "--enable-admission-plugins=NodeRestriction", "--enable-bootstrap-token-auth=true",
         f"--etcd-cafile={_PKI}/etcd/ca.crt",
         f"--etcd-certfile={_PKI}/apiserver-etcd-client.crt",
         f"--etcd-keyfile={_PKI}/apiserver-etcd-client.key",
         "--etcd-servers=https://127.0.0.1:2379",
         f"--kubelet-client-certificate={_PKI}/apiserver-kubelet-client.crt",
         f"--kubelet-client-key={_PKI}/apiserver-kubelet-client.key",
         "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
         f"--proxy-client-cert-file={_PKI}/front-proxy-client.crt",
         f"--proxy-client-key-file={_PKI}/front-proxy-client.key",
         "--requestheader-allowed-names=front-proxy-client",
         f"--requestheader-client-ca-file={_PKI}/front-proxy-ca.crt",
         "--requestheader-extra-headers-prefix=X-Remote-Extra-",
         "--requestheader-group-headers=X-Remote-Group",
         "--requestheader-username-headers=X-Remote-User", "--runtime-config=",
         "--secure-port=6443",
         "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
         f"--service-account-key-file={_PKI}/sa.pub",
         f"--service-account-signing-key-file={_PKI}/sa.key",
         f"--service-cluster-ip-range={SERVICE_SUBNET}",
         f"--tls-cert-file={_PKI}/apiserver.crt", f"--tls-private-key-file={_PKI}/apiserver.key"],
        {"livenessProbe": _http_probe("/livez", 6443, ip, "HTTPS", 8),
         "readinessProbe": _http_probe("/readyz", 6443, ip, "HTTPS", 3, None, 1),
         "startupProbe": _http_probe("/livez", 6443, ip, "HTTPS", 24)},
        "250m", ca_volumes, ca_mounts,
        {"kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint": f"{ip}:6443",
         **_mirror_annotations(rng, seen)})
    conf = "/etc/kubernetes/controller-manager.conf"
    controller_manager = _static_pod(
        "kube-controller-manager", node, kindnode.CONTROLLER_MANAGER_IMAGE,
        ["kube-controller-manager", "--allocate-node-cidrs=true",
         f"--authentication-kubeconfig={conf}", f"--authorization-kubeconfig={conf}",
         "--bind-address=127.0.0.1", f"--client-ca-file={_PKI}/ca.crt",
         f"--cluster-cidr={POD_SUBNET}", "--cluster-name=kubelab",
         f"--cluster-signing-cert-file={_PKI}/ca.crt",
         f"--cluster-signing-key-file={_PKI}/ca.key",
         "--controllers=*,bootstrapsigner,tokencleaner", "--enable-hostpath-provisioner=true",
         f"--kubeconfig={conf}", "--leader-elect=true",
         f"--requestheader-client-ca-file={_PKI}/front-proxy-ca.crt",
         f"--root-ca-file={_PKI}/ca.crt", f"--service-account-private-key-file={_PKI}/sa.key",
         f"--service-cluster-ip-range={SERVICE_SUBNET}", "--use-service-account-credentials=true"],
        {"livenessProbe": _http_probe("/healthz", 10257, "127.0.0.1", "HTTPS", 8),
         "startupProbe": _http_probe("/healthz", 10257, "127.0.0.1", "HTTPS", 24)},
        "200m",
        [*ca_volumes[:2], _host_path("flexvolume-dir",
                                     "/usr/libexec/kubernetes/kubelet-plugins/volume/exec"),
         *ca_volumes[2:3], _host_path("kubeconfig", conf, "FileOrCreate"), *ca_volumes[3:]],
        [*ca_mounts[:2], _mount("flexvolume-dir",
                                "/usr/libexec/kubernetes/kubelet-plugins/volume/exec"),
         *ca_mounts[2:3], _mount("kubeconfig", conf, True), *ca_mounts[3:]],
        _mirror_annotations(rng, seen))
    scheduler_conf = "/etc/kubernetes/scheduler.conf"
    scheduler = _static_pod(
        "kube-scheduler", node, kindnode.SCHEDULER_IMAGE,
        ["kube-scheduler", f"--authentication-kubeconfig={scheduler_conf}",
         f"--authorization-kubeconfig={scheduler_conf}", "--bind-address=127.0.0.1",
         f"--kubeconfig={scheduler_conf}", "--leader-elect=true"],
        {"livenessProbe": _http_probe("/livez", 10259, "127.0.0.1", "HTTPS", 8),
         "readinessProbe": _http_probe("/readyz", 10259, "127.0.0.1", "HTTPS", 3, None, 1),
         "startupProbe": _http_probe("/livez", 10259, "127.0.0.1", "HTTPS", 24)},
        "100m", [_host_path("kubeconfig", scheduler_conf, "FileOrCreate")],
        [_mount("kubeconfig", scheduler_conf, True)], _mirror_annotations(rng, seen))
    return [etcd, apiserver, controller_manager, scheduler]


# -- DaemonSet pods -------------------------------------------------------------------------


def _daemon_tolerations(host_network: bool) -> list[Object]:
    """Tolerations AddOrUpdateDaemonPodTolerations adds to every daemon pod."""
    added = [
        {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists"},
        {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists"},
        {"effect": "NoSchedule", "key": "node.kubernetes.io/disk-pressure", "operator": "Exists"},
        {"effect": "NoSchedule", "key": "node.kubernetes.io/memory-pressure",
         "operator": "Exists"},
        {"effect": "NoSchedule", "key": "node.kubernetes.io/pid-pressure", "operator": "Exists"},
        {"effect": "NoSchedule", "key": "node.kubernetes.io/unschedulable", "operator": "Exists"},
    ]
    if host_network:
        added.append({"effect": "NoSchedule", "key": "node.kubernetes.io/network-unavailable",
                      "operator": "Exists"})
    return [{"operator": "Exists"}, *added]


class DaemonSet:
    """Just enough of a DaemonSet to stamp out its pods: a name, a uid, a template."""

    def __init__(self, name: str, uid: str, labels: Object, spec: Object) -> None:
        self.name, self.uid, self.labels, self.spec = name, uid, labels, spec
        self.revision = cu.compute_hash({"labels": labels, "spec": spec})

    def pod_for(self, node_name: str) -> Object:
        spec = {
            **self.spec,
            "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchFields": [
                    {"key": "metadata.name", "operator": "In", "values": [node_name]}]}]}}},
            "nodeName": node_name,
            "tolerations": _daemon_tolerations(bool(self.spec.get("hostNetwork"))),
        }
        return {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {
                "generateName": f"{self.name}-", "namespace": "kube-system",
                "labels": {"controller-revision-hash": self.revision, **self.labels,
                           "pod-template-generation": "1"},
                "ownerReferences": [{"apiVersion": "apps/v1", "blockOwnerDeletion": True,
                                     "controller": True, "kind": "DaemonSet",
                                     "name": self.name, "uid": self.uid}],
            },
            "spec": spec,
        }


def _field_env(name: str, path: str) -> Object:
    return {"name": name, "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": path}}}


def kube_proxy(uid: str) -> DaemonSet:
    return DaemonSet("kube-proxy", uid, {"k8s-app": "kube-proxy"}, {
        "containers": [{
            "command": ["/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf",
                        "--hostname-override=$(NODE_NAME)"],
            "env": [_field_env("NODE_NAME", "spec.nodeName")],
            "image": kindnode.KUBE_PROXY_IMAGE, "imagePullPolicy": "IfNotPresent",
            "name": "kube-proxy", "securityContext": {"privileged": True},
            "volumeMounts": [_mount("kube-proxy", "/var/lib/kube-proxy"),
                             _mount("xtables-lock", "/run/xtables.lock"),
                             _mount("lib-modules", "/lib/modules", True)],
        }],
        "hostNetwork": True, "nodeSelector": {"kubernetes.io/os": "linux"},
        "priority": NODE_CRITICAL, "priorityClassName": "system-node-critical",
        "serviceAccountName": "kube-proxy",
        "volumes": [{"configMap": {"defaultMode": 420, "name": "kube-proxy"}, "name": "kube-proxy"},
                    _host_path("xtables-lock", "/run/xtables.lock", "FileOrCreate"),
                    _host_path("lib-modules", "/lib/modules", "")],
    })


def kindnet(uid: str, control_plane: str) -> DaemonSet:
    return DaemonSet("kindnet", uid, {"app": "kindnet", "k8s-app": "kindnet", "tier": "node"}, {
        "containers": [{
            "env": [_field_env("HOST_IP", "status.hostIP"), _field_env("POD_IP", "status.podIP"),
                    {"name": "POD_SUBNET", "value": POD_SUBNET},
                    {"name": "CONTROL_PLANE_ENDPOINT", "value": f"{control_plane}:6443"}],
            "image": kindnode.KINDNETD_IMAGE, "imagePullPolicy": "IfNotPresent",
            "name": "kindnet-cni",
            "resources": {"requests": {"cpu": "100m", "memory": "50Mi"}},
            "securityContext": {"capabilities": {"add": ["NET_RAW", "NET_ADMIN"]},
                                "privileged": False},
            "volumeMounts": [_mount("cni-cfg", "/etc/cni/net.d"),
                             _mount("xtables-lock", "/run/xtables.lock"),
                             _mount("lib-modules", "/lib/modules", True),
                             _mount("nri-plugin", "/var/run/nri")],
        }],
        "hostNetwork": True, "nodeSelector": {"kubernetes.io/os": "linux"},
        "priority": NODE_CRITICAL, "priorityClassName": "system-node-critical",
        "serviceAccountName": "kindnet",
        "volumes": [_host_path("cni-cfg", "/etc/cni/net.d", ""),
                    _host_path("xtables-lock", "/run/xtables.lock", "FileOrCreate"),
                    _host_path("lib-modules", "/lib/modules", ""),
                    _host_path("nri-plugin", "/var/run/nri", "")],
    })


# -- add-ons --------------------------------------------------------------------------------


def coredns_deployment(replicas: int = 2) -> Object:
    labels = {"k8s-app": "kube-dns"}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"labels": dict(labels), "name": "coredns", "namespace": "kube-system"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1},
                         "type": "RollingUpdate"},
            "template": {"metadata": {"labels": dict(labels)}, "spec": {
                "affinity": {"podAntiAffinity": {
                    "preferredDuringSchedulingIgnoredDuringExecution": [{
                        "podAffinityTerm": {
                            "labelSelector": {"matchExpressions": [
                                {"key": "k8s-app", "operator": "In", "values": ["kube-dns"]}]},
                            "topologyKey": "kubernetes.io/hostname"},
                        "weight": 100}]}},
                "containers": [{
                    "args": ["-conf", "/etc/coredns/Corefile"],
                    "image": kindnode.COREDNS_IMAGE, "imagePullPolicy": "IfNotPresent",
                    "livenessProbe": {"failureThreshold": 5, "httpGet": {
                        "path": "/health", "port": "liveness-probe", "scheme": "HTTP"},
                        "initialDelaySeconds": 60, "successThreshold": 1, "timeoutSeconds": 5},
                    "name": "coredns",
                    "ports": [
                        {"containerPort": 53, "name": "dns", "protocol": "UDP"},
                        {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"},
                        {"containerPort": 9153, "name": "metrics", "protocol": "TCP"},
                        {"containerPort": 8080, "name": "liveness-probe", "protocol": "TCP"},
                        {"containerPort": 8181, "name": "readiness-probe", "protocol": "TCP"}],
                    "readinessProbe": {"httpGet": {"path": "/ready", "port": "readiness-probe",
                                                   "scheme": "HTTP"}},
                    "resources": {"limits": {"memory": "170Mi"},
                                  "requests": {"cpu": "100m", "memory": "70Mi"}},
                    "securityContext": {"allowPrivilegeEscalation": False,
                                        "capabilities": {"add": ["NET_BIND_SERVICE"],
                                                         "drop": ["ALL"]},
                                        "readOnlyRootFilesystem": True},
                    "volumeMounts": [_mount("config-volume", "/etc/coredns", True)],
                }],
                "dnsPolicy": "Default",
                "nodeSelector": {"kubernetes.io/os": "linux"},
                "priorityClassName": "system-cluster-critical",
                "priority": CLUSTER_CRITICAL,
                "serviceAccountName": "coredns",
                "tolerations": [
                    {"key": "CriticalAddonsOnly", "operator": "Exists"},
                    {"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}],
                "volumes": [{"configMap": {"items": [{"key": "Corefile", "path": "Corefile"}],
                                           "name": "coredns"}, "name": "config-volume"}],
            }},
        },
    }


def local_path_deployment() -> Object:
    labels = {"app": "local-path-provisioner"}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "local-path-provisioner", "namespace": "local-path-storage"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": dict(labels)},
            "template": {"metadata": {"labels": dict(labels)}, "spec": {
                "containers": [{
                    "command": ["local-path-provisioner", "--debug", "start", "--helper-image",
                                kindnode.LOCAL_PATH_HELPER_IMAGE, "--config",
                                "/etc/config/config.json"],
                    "env": [_field_env("POD_NAMESPACE", "metadata.namespace"),
                            {"name": "CONFIG_MOUNT_PATH", "value": "/etc/config/"}],
                    "image": kindnode.LOCAL_PATH_IMAGE, "imagePullPolicy": "IfNotPresent",
                    "name": "local-path-provisioner",
                    "volumeMounts": [_mount("config-volume", "/etc/config/")],
                }],
                "nodeSelector": {"kubernetes.io/os": "linux"},
                "serviceAccountName": "local-path-provisioner-service-account",
                "tolerations": [
                    {"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane",
                     "operator": "Equal"},
                    {"effect": "NoSchedule", "key": "node-role.kubernetes.io/master",
                     "operator": "Equal"}],
                "volumes": [{"configMap": {"name": "local-path-config"},
                             "name": "config-volume"}],
            }},
        },
    }


def kube_dns_service(dns_ip: str) -> Object:
    """kubeadm's CoreDNSService: the kube-dns name kept for compatibility."""
    return {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {
            "annotations": {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"},
            "labels": {"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true",
                       "kubernetes.io/name": "CoreDNS"},
            "name": "kube-dns", "namespace": "kube-system",
        },
        "spec": {
            "clusterIP": dns_ip,
            "ports": [
                {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153}],
            "selector": {"k8s-app": "kube-dns"},
        },
    }


def kubernetes_service(cluster_ip: str) -> Object:
    """The apiserver's own Service (pkg/controlplane/controller/kubernetesservice)."""
    return {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"labels": {"component": "apiserver", "provider": "kubernetes"},
                     "name": "kubernetes", "namespace": "default"},
        "spec": {"clusterIP": cluster_ip,
                 "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}],
                 "sessionAffinity": "None", "type": "ClusterIP"},
    }


def kubernetes_endpoints(ip: str) -> tuple[Object, Object]:
    """What the apiserver's endpoint reconciler writes (pkg/controlplane/reconcilers:
    the Endpoints, marked skip-mirror, and its EndpointSlice from endpointsadapter.go)."""
    endpoints = {
        "apiVersion": "v1", "kind": "Endpoints",
        "metadata": {"labels": {"endpointslice.kubernetes.io/skip-mirror": "true"},
                     "name": "kubernetes", "namespace": "default"},
        "subsets": [{"addresses": [{"ip": ip}],
                     "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}],
    }
    endpoint_slice = {
        "addressType": "IPv4",
        "apiVersion": "discovery.k8s.io/v1",
        "endpoints": [{"addresses": [ip], "conditions": {"ready": True}}],
        "kind": "EndpointSlice",
        "metadata": {"labels": {"kubernetes.io/service-name": "kubernetes"},
                     "name": "kubernetes", "namespace": "default"},
        "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}],
    }
    return endpoints, endpoint_slice
