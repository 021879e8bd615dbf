"""Objects as the API server of a kind cluster returns them, written by hand, for the
kubectl view tests. Every builder returns a fresh dict; `NOW` is the moment the tests
look at them."""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any

Obj = dict[str, Any]

NOW = datetime(2024, 1, 15, 12, 0, 0, tzinfo=timezone.utc)
CREATED = "2024-01-15T11:55:00Z"  # five minutes before NOW

_TOLERATIONS = [
    {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists",
     "tolerationSeconds": 300},
    {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists",
     "tolerationSeconds": 300},
]


def _meta(name: str, **extra: Any) -> Obj:
    meta: Obj = {"creationTimestamp": CREATED, "name": name, "namespace": "default",
                 "resourceVersion": "1042", "uid": f"uid-{name}"}
    meta.update(extra)
    return meta


def service(name: str = "web", **spec: Any) -> Obj:
    base: Obj = {
        "clusterIP": "10.96.23.45", "clusterIPs": ["10.96.23.45"],
        "internalTrafficPolicy": "Cluster", "ipFamilies": ["IPv4"],
        "ipFamilyPolicy": "SingleStack",
        "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}],
        "selector": {"app": "web"}, "sessionAffinity": "None", "type": "ClusterIP",
    }
    base.update(spec)
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": _meta(name, labels={"app": "web"}),
            "spec": base, "status": {"loadBalancer": {}}}


def nodeport_service() -> Obj:
    return service(
        "web-np", clusterIP="10.96.100.7", clusterIPs=["10.96.100.7"], type="NodePort",
        externalTrafficPolicy="Cluster",
        ports=[{"name": "http", "nodePort": 30080, "port": 80, "protocol": "TCP",
                "targetPort": 8080},
               {"name": "https", "nodePort": 31443, "port": 443, "protocol": "TCP",
                "targetPort": 8443}],
    )


def loadbalancer_service(ip: str | None) -> Obj:
    svc = service(
        "web-lb", allocateLoadBalancerNodePorts=True, clusterIP="10.96.200.9",
        clusterIPs=["10.96.200.9"], externalTrafficPolicy="Cluster", type="LoadBalancer",
        ports=[{"name": "http", "nodePort": 31380, "port": 80, "protocol": "TCP",
                "targetPort": 8080}],
    )
    if ip:  # the API server defaults ipMode to VIP for an ingress IP
        svc["status"] = {"loadBalancer": {"ingress": [{"ip": ip, "ipMode": "VIP"}]}}
    return svc


def headless_service() -> Obj:
    return service("web-headless", clusterIP="None", clusterIPs=["None"],
                   ports=[{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}])


def externalname_service() -> Obj:
    svc = service("db", externalName="db.example.com", type="ExternalName", sessionAffinity="None")
    for field in ("clusterIP", "clusterIPs", "internalTrafficPolicy", "ipFamilies",
                  "ipFamilyPolicy", "ports", "selector"):
        del svc["spec"][field]
    del svc["metadata"]["labels"]
    return svc


def _kube_api_access() -> Obj:
    return {"name": "kube-api-access-5xq8n", "projected": {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}],
                       "name": "kube-root-ca.crt"}},
        {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1",
                                                 "fieldPath": "metadata.namespace"},
                                    "path": "namespace"}]}},
    ]}}


def _conditions(ready: str, *, scheduled: str = "True") -> list[Obj]:
    when = "2024-01-15T11:55:04Z"
    return [
        {"lastProbeTime": None, "lastTransitionTime": when, "status": ready,
         "type": "PodReadyToStartContainers"},
        {"lastProbeTime": None, "lastTransitionTime": CREATED, "status": "True",
         "type": "Initialized"},
        {"lastProbeTime": None, "lastTransitionTime": when, "status": ready, "type": "Ready"},
        {"lastProbeTime": None, "lastTransitionTime": when, "status": ready,
         "type": "ContainersReady"},
        {"lastProbeTime": None, "lastTransitionTime": CREATED, "status": scheduled,
         "type": "PodScheduled"},
    ]


def pod(name: str = "web-7d4b9c6f5-x2k4p", *, node: str = "kind-worker",
        ip: str = "10.244.1.5", host_ip: str = "172.18.0.3") -> Obj:
    """A running pod of the web Deployment, on a worker."""
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": _meta(
            name, generateName="web-7d4b9c6f5-",
            labels={"app": "web", "pod-template-hash": "7d4b9c6f5"},
            ownerReferences=[{"apiVersion": "apps/v1", "blockOwnerDeletion": True,
                              "controller": True, "kind": "ReplicaSet",
                              "name": "web-7d4b9c6f5", "uid": "uid-web-7d4b9c6f5"}],
        ),
        "spec": {
            "containers": [{
                "image": "nginx:1.27", "imagePullPolicy": "IfNotPresent", "name": "nginx",
                "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                "readinessProbe": {"failureThreshold": 3, "httpGet": {
                    "path": "/", "port": 8080, "scheme": "HTTP"}, "periodSeconds": 10,
                    "successThreshold": 1, "timeoutSeconds": 1},
                "resources": {}, "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
                "volumeMounts": [{"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                                  "name": "kube-api-access-5xq8n", "readOnly": True}],
            }],
            "dnsPolicy": "ClusterFirst", "enableServiceLinks": True, "nodeName": node,
            "preemptionPolicy": "PreemptLowerPriority", "priority": 0,
            "restartPolicy": "Always", "schedulerName": "default-scheduler",
            "securityContext": {}, "serviceAccount": "default",
            "serviceAccountName": "default", "terminationGracePeriodSeconds": 30,
            "tolerations": copy.deepcopy(_TOLERATIONS), "volumes": [_kube_api_access()],
        },
        "status": {
            "conditions": _conditions("True"),
            "containerStatuses": [{
                "containerID": "containerd://4f1c2d3e", "image": "docker.io/library/nginx:1.27",
                "imageID": "docker.io/library/nginx@sha256:0a1b2c", "lastState": {},
                "name": "nginx", "ready": True, "restartCount": 0, "started": True,
                "state": {"running": {"startedAt": "2024-01-15T11:55:04Z"}},
            }],
            "hostIP": host_ip, "hostIPs": [{"ip": host_ip}], "phase": "Running",
            "podIP": ip, "podIPs": [{"ip": ip}], "qosClass": "BestEffort",
            "startTime": CREATED,
        },
    }


def creating_pod() -> Obj:
    """Scheduled a few seconds ago; the image is still being pulled, no IP yet."""
    obj = pod("web-7d4b9c6f5-q8m3z", node="kind-worker2", host_ip="172.18.0.4")
    obj["metadata"]["creationTimestamp"] = "2024-01-15T11:59:57Z"
    status = obj["status"]
    status["conditions"] = _conditions("False")
    status["containerStatuses"] = [{
        "image": "nginx:1.27", "imageID": "", "lastState": {}, "name": "nginx", "ready": False,
        "restartCount": 0, "started": False, "state": {"waiting": {"reason": "ContainerCreating"}},
    }]
    status["qosClass"] = "BestEffort"
    for field in ("podIP", "podIPs"):
        del status[field]
    return obj


def unschedulable_pod() -> Obj:
    """Fits no node: Pending, no node, no IP."""
    obj = pod("web-7d4b9c6f5-zz9tk")
    del obj["spec"]["nodeName"]
    obj["status"] = {
        "conditions": [{"lastProbeTime": None, "lastTransitionTime": CREATED,
                        "message": "0/3 nodes are available: 3 node(s) didn't match Pod's node "
                                   "affinity/selector.",
                        "reason": "Unschedulable", "status": "False", "type": "PodScheduled"}],
        "phase": "Pending", "qosClass": "BestEffort",
    }
    return obj


def terminating_pod() -> Obj:
    obj = pod("web-7d4b9c6f5-m4n7w", node="kind-worker2", ip="10.244.2.7", host_ip="172.18.0.4")
    obj["metadata"]["deletionTimestamp"] = "2024-01-15T12:00:25Z"
    obj["metadata"]["deletionGracePeriodSeconds"] = 30
    return obj


def crashing_pod() -> Obj:
    obj = pod("api-6b8d5f7c9-lm2np", ip="10.244.1.9")
    obj["metadata"]["creationTimestamp"] = "2024-01-14T09:30:00Z"  # 26h30m ago
    obj["status"]["conditions"] = _conditions("False")
    obj["status"]["containerStatuses"] = [{
        "containerID": "containerd://77aa", "image": "docker.io/library/nginx:1.27",
        "imageID": "docker.io/library/nginx@sha256:0a1b2c",
        "lastState": {"terminated": {"containerID": "containerd://77aa", "exitCode": 1,
                                     "finishedAt": "2024-01-15T11:59:19Z", "reason": "Error",
                                     "startedAt": "2024-01-15T11:59:18Z"}},
        "name": "nginx", "ready": False, "restartCount": 3, "started": False,
        "state": {"waiting": {"message": "back-off 40s restarting failed container",
                              "reason": "CrashLoopBackOff"}},
    }]
    return obj


def endpoint_slice(n_ready: int = 2, n_not_ready: int = 1) -> Obj:
    endpoints = []
    for i in range(n_ready + n_not_ready):
        ready = i < n_ready
        endpoints.append({
            "addresses": [f"10.244.{1 + i % 2}.{5 + i}"],
            "conditions": {"ready": ready, "serving": ready, "terminating": False},
            "nodeName": "kind-worker" if i % 2 == 0 else "kind-worker2",
            "targetRef": {"kind": "Pod", "name": f"web-7d4b9c6f5-p{i}", "namespace": "default",
                          "uid": f"uid-p{i}"},
        })
    return {
        "addressType": "IPv4", "apiVersion": "discovery.k8s.io/v1", "endpoints": endpoints,
        "kind": "EndpointSlice",
        "metadata": _meta(
            "web-8xk2q", generateName="web-",
            annotations={"endpoints.kubernetes.io/last-change-trigger-time":
                         "2024-01-15T11:55:04Z"},
            labels={"endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
                    "kubernetes.io/service-name": "web"},
            ownerReferences=[{"apiVersion": "v1", "blockOwnerDeletion": True, "controller": True,
                              "kind": "Service", "name": "web", "uid": "uid-web"}],
        ),
        "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
    }


def endpoints(addresses: tuple[str, ...], not_ready: tuple[str, ...] = ()) -> Obj:
    subset: Obj = {"ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}
    if addresses:
        subset["addresses"] = [{"ip": ip, "nodeName": "kind-worker"} for ip in addresses]
    if not_ready:
        subset["notReadyAddresses"] = [{"ip": ip, "nodeName": "kind-worker"} for ip in not_ready]
    return {"apiVersion": "v1", "kind": "Endpoints",
            "metadata": _meta("web", labels={"app": "web"}),
            "subsets": [subset] if (addresses or not_ready) else []}


def _template(hash_label: str | None = None) -> Obj:
    labels = {"app": "web"}
    if hash_label:
        labels["pod-template-hash"] = hash_label
    return {"metadata": {"labels": labels}, "spec": {
        "containers": [{"image": "nginx:1.27", "imagePullPolicy": "IfNotPresent", "name": "nginx",
                        "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                        "resources": {}, "terminationMessagePath": "/dev/termination-log",
                        "terminationMessagePolicy": "File"}],
        "dnsPolicy": "ClusterFirst", "restartPolicy": "Always",
        "schedulerName": "default-scheduler", "securityContext": {},
        "terminationGracePeriodSeconds": 30}}


def deployment() -> Obj:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": _meta("web", annotations={"deployment.kubernetes.io/revision": "1"},
                          generation=1, labels={"app": "web"}),
        "spec": {"progressDeadlineSeconds": 600, "replicas": 3, "revisionHistoryLimit": 10,
                 "selector": {"matchLabels": {"app": "web"}},
                 "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                              "type": "RollingUpdate"},
                 "template": _template()},
        "status": {
            "availableReplicas": 2, "observedGeneration": 1, "readyReplicas": 2,
            "replicas": 3, "unavailableReplicas": 1, "updatedReplicas": 3,
            "conditions": [
                {"lastTransitionTime": CREATED, "lastUpdateTime": CREATED,
                 "message": "Deployment has minimum availability.",
                 "reason": "MinimumReplicasAvailable", "status": "True", "type": "Available"},
                {"lastTransitionTime": CREATED, "lastUpdateTime": CREATED,
                 "message": 'ReplicaSet "web-7d4b9c6f5" has successfully progressed.',
                 "reason": "NewReplicaSetAvailable", "status": "True", "type": "Progressing"},
            ],
        },
    }


def replica_set() -> Obj:
    return {
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": _meta(
            "web-7d4b9c6f5",
            annotations={"deployment.kubernetes.io/desired-replicas": "3",
                         "deployment.kubernetes.io/max-replicas": "4",
                         "deployment.kubernetes.io/revision": "1"},
            labels={"app": "web", "pod-template-hash": "7d4b9c6f5"},
            ownerReferences=[{"apiVersion": "apps/v1", "blockOwnerDeletion": True,
                              "controller": True, "kind": "Deployment", "name": "web",
                              "uid": "uid-web"}],
        ),
        "spec": {"replicas": 3, "selector": {"matchLabels": {
                     "app": "web", "pod-template-hash": "7d4b9c6f5"}},
                 "template": _template("7d4b9c6f5")},
        "status": {"availableReplicas": 2, "fullyLabeledReplicas": 3, "observedGeneration": 1,
                   "readyReplicas": 2, "replicas": 3},
    }


def node(name: str = "kind-worker", ip: str = "172.18.0.3", *, control_plane: bool = False,
         cidr: str = "10.244.1.0/24") -> Obj:
    labels = {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
              "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name,
              "kubernetes.io/os": "linux"}
    spec: Obj = {"podCIDR": cidr, "podCIDRs": [cidr], "providerID": f"kind://docker/kind/{name}"}
    if control_plane:
        labels["node-role.kubernetes.io/control-plane"] = ""
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
        spec["taints"] = [{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}]
    heartbeat = "2024-01-15T11:58:41Z"
    conditions = [
        {"lastHeartbeatTime": heartbeat, "lastTransitionTime": "2024-01-15T09:00:05Z",
         "message": f"kubelet has sufficient {what}", "reason": f"KubeletHasSufficient{reason}",
         "status": "False", "type": kind}
        for kind, what, reason in (("MemoryPressure", "memory available", "Memory"),
                                   ("DiskPressure", "disk space available", "Disk"),
                                   ("PIDPressure", "PID available", "PID"))
    ]
    conditions.append({"lastHeartbeatTime": heartbeat, "lastTransitionTime": "2024-01-15T09:00:30Z",
                       "message": "kubelet is posting ready status", "reason": "KubeletReady",
                       "status": "True", "type": "Ready"})
    resources = {"cpu": "8", "ephemeral-storage": "263174212Ki", "hugepages-1Gi": "0",
                 "hugepages-2Mi": "0", "memory": "16318712Ki", "pods": "110"}
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"annotations": {
            "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/containerd/containerd.sock",
            "node.alpha.kubernetes.io/ttl": "0",
            "volumes.kubernetes.io/controller-managed-attach-detach": "true"},
            "creationTimestamp": "2024-01-15T09:00:00Z", "labels": labels, "name": name,
            "resourceVersion": "880", "uid": f"uid-{name}"},
        "spec": spec,
        "status": {
            "addresses": [{"address": ip, "type": "InternalIP"},
                          {"address": name, "type": "Hostname"}],
            "allocatable": dict(resources), "capacity": dict(resources),
            "conditions": conditions,
            "nodeInfo": {"architecture": "amd64", "bootID": "6f8e2c1a",
                         "containerRuntimeVersion": "containerd://2.1.1",
                         "kernelVersion": "6.8.0-45-generic", "kubeProxyVersion": "",
                         "kubeletVersion": "v1.37.0", "machineID": "0c2d9e1f",
                         "operatingSystem": "linux", "osImage": "Debian GNU/Linux 12 (bookworm)",
                         "systemUUID": "a1b2c3d4"},
        },
    }


def namespace(name: str, created: str = "2024-01-15T09:00:00Z") -> Obj:
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"creationTimestamp": created,
                         "labels": {"kubernetes.io/metadata.name": name}, "name": name,
                         "resourceVersion": "20", "uid": f"uid-ns-{name}"},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}
