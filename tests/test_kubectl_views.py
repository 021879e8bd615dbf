"""kubectl's views, checked as whole printed texts against what the kubectl printers'
source gives for objects shaped like a kind cluster's (tests/kind_objects.py).

In expected texts a `$` ends a line whose trailing spaces kubectl prints (its tabwriter
pads a cell even when nothing follows it).
"""

# The expected texts are kubectl output, which is wider than the line limit.
# ruff: noqa: E501

from __future__ import annotations

import textwrap
from datetime import timedelta
from typing import Any

import kind_objects as k
import pytest

from kubelab.kinds import resource_for
from kubelab.kubectl import Table, describe, get_table, to_yaml
from kubelab.kubectl._pod_status import pod_ready_status_restarts
from kubelab.kubectl._quantity import parse_quantity
from kubelab.kubectl._tabwriter import align
from kubelab.kubectl._timefmt import human_duration
from kubelab.kubectl.yamlout import _key_order

NOW = k.NOW


def text(expected: str) -> str:
    return textwrap.dedent(expected).lstrip("\n").replace("$\n", "\n")


def nothing(kind: str, namespace: str | None, selector: str | None) -> list[dict[str, Any]]:
    return []


# -- building blocks ----------------------------------------------------------------------

S, M, H, D = 1, 60, 3600, 86400


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [  # from apimachinery pkg/util/duration/duration_test.go
        (-2, "<invalid>"), (-1.999999, "0s"), (0, "0s"), (0.999, "0s"), (1, "1s"),
        (70, "70s"), (119.999, "119s"), (2 * M, "2m"), (2 * M + 1, "2m1s"), (190, "3m10s"),
        (10 * M - 0.001, "9m59s"), (10 * M + 1, "10m"), (70 * M, "70m"),
        (3 * H - 0.001, "179m"), (3 * H, "3h"), (3 * H + M, "3h1m"), (8 * H - 0.001, "7h59m"),
        (8 * H + 59 * M, "8h"), (47 * H, "47h"), (2 * D, "2d"), (49 * H, "2d1h"),
        (8 * D - 0.001, "7d23h"), (8 * D + 23 * H, "8d"), (367 * D, "367d"),
        (730 * D - 0.001, "729d"), (730 * D, "2y"), (730 * D + 25 * H, "2y1d"),
        (8 * 365 * D - 0.001, "7y364d"), (8 * 365 * D + 2 * H, "8y"), (9 * 365 * D, "9y"),
    ],
)  # fmt: skip
def test_human_duration(seconds: float, expected: str) -> None:
    assert human_duration(timedelta(seconds=seconds)) == expected


@pytest.mark.parametrize(
    ("source", "minwidth", "padding", "expected"),
    [
        ("a\tb\nlonger\tc\n", 0, 2, "a       b\nlonger  c\n"),
        ("ab\tcd\n", 6, 3, "ab    cd\n"),  # never narrower than minwidth
        # a line without a tab ends the block: the columns below align afresh
        ("Name:\tx\nBlock:\nA:\ty\n", 0, 2, "Name:  x\nBlock:\nA:  y\n"),
        # a nested column only spans the lines that have it
        ("P:\ta\t1\nTargetPort:\tb\n", 0, 2, "P:           a  1\nTargetPort:  b\n"),
        ("Labels:\ta=1\n\tb=2\n", 0, 2, "Labels:  a=1\n         b=2\n"),
        ("IP:\t\nIPs:\tx\n", 0, 2, "IP:   \nIPs:  x\n"),  # empty cells are padded too
    ],
)
def test_align_like_go_tabwriter(source: str, minwidth: int, padding: int, expected: str) -> None:
    assert align(source, minwidth=minwidth, padding=padding) == expected


@pytest.mark.parametrize(
    ("quantity", "canonical"),
    [
        ("100m", "100m"), ("0.1", "100m"), ("1000m", "1"), ("1500m", "1500m"), ("2", "2"),
        ("20000", "20k"), ("500M", "500M"), ("1e3", "1e3"), ("512", "512"), ("0", "0"),
        ("70Mi", "70Mi"), ("1024Mi", "1Gi"), ("1.5Gi", "1536Mi"), ("16318712Ki", "16318712Ki"),
    ],
)  # fmt: skip
def test_quantities_print_canonical(quantity: str, canonical: str) -> None:
    assert str(parse_quantity(quantity)) == canonical


def _with_status(**container_status: Any) -> dict[str, Any]:
    pod = k.pod()
    pod["status"]["containerStatuses"][0].update(container_status)
    return pod


def _initializing() -> dict[str, Any]:
    pod = k.pod()
    pod["spec"]["initContainers"] = [{"name": "wait", "image": "busybox"}]
    pod["status"]["phase"] = "Pending"
    pod["status"]["conditions"] = []
    pod["status"]["initContainerStatuses"] = [
        {"name": "wait", "ready": False, "restartCount": 0, "state": {"running": {}}}
    ]
    pod["status"]["containerStatuses"][0].update(
        ready=False, state={"waiting": {"reason": "PodInitializing"}}
    )
    return pod


def _completed() -> dict[str, Any]:
    pod = _with_status(ready=False, state={"terminated": {"exitCode": 0, "reason": "Completed"}})
    pod["status"]["phase"] = "Succeeded"
    return pod


@pytest.mark.parametrize(
    ("pod", "cells"),
    [
        (k.pod(), ("1/1", "Running", "0")),
        (k.creating_pod(), ("0/1", "ContainerCreating", "0")),
        (k.unschedulable_pod(), ("0/1", "Pending", "0")),
        (k.terminating_pod(), ("1/1", "Terminating", "0")),
        (k.crashing_pod(), ("0/1", "CrashLoopBackOff", "3 (41s ago)")),
        (_initializing(), ("0/1", "Init:0/1", "0")),
        (_completed(), ("0/1", "Completed", "0")),
        (_with_status(ready=False, state={"terminated": {"exitCode": 137}}),
         ("0/1", "ExitCode:137", "0")),
    ],
)  # fmt: skip
def test_pod_ready_status_restarts(pod: dict[str, Any], cells: tuple[str, str, str]) -> None:
    assert pod_ready_status_restarts(pod, NOW) == cells


# -- kubectl get --------------------------------------------------------------------------

NODES = [
    k.node("kind-control-plane", "172.18.0.2", control_plane=True, cidr="10.244.0.0/24"),
    k.node(),
    k.node("kind-worker2", "172.18.0.4", cidr="10.244.2.0/24"),
]
SERVICES = [
    k.service(), k.nodeport_service(), k.loadbalancer_service(None),
    k.loadbalancer_service("172.18.255.200"), k.headless_service(), k.externalname_service(),
]  # fmt: skip
PODS = [k.pod(), k.creating_pod(), k.unschedulable_pod(), k.terminating_pod(), k.crashing_pod()]

GET_CASES = [
    ("services", SERVICES, {}, """
        NAME           TYPE           CLUSTER-IP    EXTERNAL-IP      PORT(S)                      AGE
        web            ClusterIP      10.96.23.45   <none>           80/TCP                       5m
        web-np         NodePort       10.96.100.7   <none>           80:30080/TCP,443:31443/TCP   5m
        web-lb         LoadBalancer   10.96.200.9   <pending>        80:31380/TCP                 5m
        web-lb         LoadBalancer   10.96.200.9   172.18.255.200   80:31380/TCP                 5m
        web-headless   ClusterIP      None          <none>           80/TCP                       5m
        db             ExternalName   <none>        db.example.com   <none>                       5m
        """),
    ("svc", [k.service(), k.externalname_service()], {"wide": True}, """
        NAME   TYPE           CLUSTER-IP    EXTERNAL-IP      PORT(S)   AGE   SELECTOR
        web    ClusterIP      10.96.23.45   <none>           80/TCP    5m    app=web
        db     ExternalName   <none>        db.example.com   <none>    5m    <none>
        """),
    ("pods", PODS, {}, """
        NAME                  READY   STATUS              RESTARTS      AGE
        web-7d4b9c6f5-x2k4p   1/1     Running             0             5m
        web-7d4b9c6f5-q8m3z   0/1     ContainerCreating   0             3s
        web-7d4b9c6f5-zz9tk   0/1     Pending             0             5m
        web-7d4b9c6f5-m4n7w   1/1     Terminating         0             5m
        api-6b8d5f7c9-lm2np   0/1     CrashLoopBackOff    3 (41s ago)   26h
        """),
    ("po", PODS[:3], {"wide": True, "all_namespaces": True}, """
        NAMESPACE   NAME                  READY   STATUS              RESTARTS   AGE   IP           NODE           NOMINATED NODE   READINESS GATES
        default     web-7d4b9c6f5-x2k4p   1/1     Running             0          5m    10.244.1.5   kind-worker    <none>           <none>
        default     web-7d4b9c6f5-q8m3z   0/1     ContainerCreating   0          3s    <none>       kind-worker2   <none>           <none>
        default     web-7d4b9c6f5-zz9tk   0/1     Pending             0          5m    <none>       <none>         <none>           <none>
        """),
    ("endpointslices", [k.endpoint_slice(), k.endpoint_slice(5, 0)], {}, """
        NAME        ADDRESSTYPE   PORTS   ENDPOINTS                                      AGE
        web-8xk2q   IPv4          8080    10.244.1.5,10.244.2.6,10.244.1.7               5m
        web-8xk2q   IPv4          8080    10.244.1.5,10.244.2.6,10.244.1.7 + 2 more...   5m
        """),
    ("ep", [k.endpoints(("10.244.1.5", "10.244.2.6")), k.endpoints((), ("10.244.1.5",)),
            k.endpoints(())], {}, """
        Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice
        NAME   ENDPOINTS                         AGE
        web    10.244.1.5:8080,10.244.2.6:8080   5m
        web                                      5m
        web    <none>                            5m
        """),
    ("deployments", [k.deployment()], {}, """
        NAME   READY   UP-TO-DATE   AVAILABLE   AGE
        web    2/3     3            2           5m
        """),
    ("deploy", [k.deployment()], {"wide": True}, """
        NAME   READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES       SELECTOR
        web    2/3     3            2           5m    nginx        nginx:1.27   app=web
        """),
    ("rs", [k.replica_set()], {"wide": True}, """
        NAME            DESIRED   CURRENT   READY   AGE   CONTAINERS   IMAGES       SELECTOR
        web-7d4b9c6f5   3         3         2       5m    nginx        nginx:1.27   app=web,pod-template-hash=7d4b9c6f5
        """),
    ("nodes", NODES, {}, """
        NAME                 STATUS   ROLES           AGE   VERSION
        kind-control-plane   Ready    control-plane   3h    v1.37.0
        kind-worker          Ready    <none>          3h    v1.37.0
        kind-worker2         Ready    <none>          3h    v1.37.0
        """),
    # -A adds no NAMESPACE column to a cluster-scoped resource
    ("no", NODES[:2], {"wide": True, "all_namespaces": True}, """
        NAME                 STATUS   ROLES           AGE   VERSION   INTERNAL-IP   EXTERNAL-IP   OS-IMAGE                         KERNEL-VERSION     CONTAINER-RUNTIME
        kind-control-plane   Ready    control-plane   3h    v1.37.0   172.18.0.2    <none>        Debian GNU/Linux 12 (bookworm)   6.8.0-45-generic   containerd://2.1.1
        kind-worker          Ready    <none>          3h    v1.37.0   172.18.0.3    <none>        Debian GNU/Linux 12 (bookworm)   6.8.0-45-generic   containerd://2.1.1
        """),
    ("ns", [k.namespace("default"), k.namespace("kube-system")], {}, """
        NAME          STATUS   AGE
        default       Active   3h
        kube-system   Active   3h
        """),
    ("pods", [], {}, "No resources found in default namespace.\n"),
    ("pods", [], {"namespace": "shop"}, "No resources found in shop namespace.\n"),
    ("pods", [], {"all_namespaces": True}, "No resources found\n"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "objects", "options", "expected"), GET_CASES)
def test_get_prints_the_kubectl_table(
    kind: str, objects: list[dict[str, Any]], options: dict[str, Any], expected: str
) -> None:
    table = get_table(resource_for(kind), objects, now=NOW, **options)
    assert str(table) == text(expected)


def test_table_cells_and_notebook_display() -> None:
    table = get_table(resource_for("svc"), [k.loadbalancer_service(None)], now=NOW)
    assert table.columns == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert table.column("external-ip") == ["<pending>"]
    assert isinstance(table, Table)
    html = table._repr_html_()
    assert html.startswith("<pre") and "&lt;pending&gt;" in html and "<pending>" not in html


def test_a_cell_is_cut_at_a_line_break() -> None:
    table = Table(["NAME", "MESSAGE"], [["a", "first line\nsecond"], ["bb", "x"]])
    assert str(table) == "NAME   MESSAGE\na      first line...\nbb     x\n"


def test_describe_and_yaml_show_verbatim_in_notebooks() -> None:
    shown = describe(k.service(), nothing)
    assert shown._repr_html_().startswith("<pre") and "&lt;none&gt;" in shown._repr_html_()
    assert "&quot;" in to_yaml({"port": "80"})._repr_html_()


def test_describe_names_the_kinds_it_knows() -> None:
    from kubelab import UsageError

    with pytest.raises(UsageError, match="describe does not know objects of kind 'ConfigMap'"):
        describe({"kind": "ConfigMap", "metadata": {"name": "x"}}, nothing)


def test_a_long_load_balancer_address_is_clipped_unless_wide() -> None:
    svc = k.loadbalancer_service("172.18.255.200")
    svc["status"]["loadBalancer"]["ingress"].append({"ip": "172.18.255.201", "ipMode": "VIP"})
    assert get_table(resource_for("svc"), [svc], now=NOW).column("EXTERNAL-IP") == [
        "172.18.255.20..."  # 13 characters and "...": 16 in all
    ]
    wide = get_table(resource_for("svc"), [svc], now=NOW, wide=True)
    assert wide.column("EXTERNAL-IP") == ["172.18.255.200,172.18.255.201"]


# -- kubectl describe ---------------------------------------------------------------------

DESCRIBE_SERVICE_CASES = [
    (k.service(), [k.endpoint_slice()], """
        Name:                     web
        Namespace:                default
        Labels:                   app=web
        Annotations:              <none>
        Selector:                 app=web
        Type:                     ClusterIP
        IP Family Policy:         SingleStack
        IP Families:              IPv4
        IP:                       10.96.23.45
        IPs:                      10.96.23.45
        Port:                     http  80/TCP
        TargetPort:               8080/TCP
        Endpoints:                10.244.1.5:8080,10.244.2.6:8080
        Session Affinity:         None
        Internal Traffic Policy:  Cluster
        Events:                   <none>
        """),
    # the slice carries only the "http" port, so "https" has no endpoints (and no <none>)
    (k.nodeport_service(), [k.endpoint_slice()], """
        Name:                     web-np
        Namespace:                default
        Labels:                   app=web
        Annotations:              <none>
        Selector:                 app=web
        Type:                     NodePort
        IP Family Policy:         SingleStack
        IP Families:              IPv4
        IP:                       10.96.100.7
        IPs:                      10.96.100.7
        Port:                     http  80/TCP
        TargetPort:               8080/TCP
        NodePort:                 http  30080/TCP
        Endpoints:                10.244.1.5:8080,10.244.2.6:8080
        Port:                     https  443/TCP
        TargetPort:               8443/TCP
        NodePort:                 https  31443/TCP
        Endpoints:                $
        Session Affinity:         None
        External Traffic Policy:  Cluster
        Internal Traffic Policy:  Cluster
        Events:                   <none>
        """),
    (k.loadbalancer_service("172.18.255.200"), [k.endpoint_slice(5, 0)], """
        Name:                     web-lb
        Namespace:                default
        Labels:                   app=web
        Annotations:              <none>
        Selector:                 app=web
        Type:                     LoadBalancer
        IP Family Policy:         SingleStack
        IP Families:              IPv4
        IP:                       10.96.200.9
        IPs:                      10.96.200.9
        LoadBalancer Ingress:     172.18.255.200 (VIP)
        Port:                     http  80/TCP
        TargetPort:               8080/TCP
        NodePort:                 http  31380/TCP
        Endpoints:                10.244.1.5:8080,10.244.2.6:8080,10.244.1.7:8080 + 2 more...
        Session Affinity:         None
        External Traffic Policy:  Cluster
        Internal Traffic Policy:  Cluster
        Events:                   <none>
        """),
    (k.headless_service(), [], """
        Name:                     web-headless
        Namespace:                default
        Labels:                   app=web
        Annotations:              <none>
        Selector:                 app=web
        Type:                     ClusterIP
        IP Family Policy:         SingleStack
        IP Families:              IPv4
        IP:                       None
        IPs:                      None
        Port:                     http  80/TCP
        TargetPort:               8080/TCP
        Endpoints:                <none>
        Session Affinity:         None
        Internal Traffic Policy:  Cluster
        Events:                   <none>
        """),
    (k.externalname_service(), [], """
        Name:              db
        Namespace:         default
        Labels:            <none>
        Annotations:       <none>
        Selector:          <none>
        Type:              ExternalName
        IP Families:       <none>
        IP:                $
        IPs:               <none>
        External Name:     db.example.com
        Session Affinity:  None
        Events:            <none>
        """),
]  # fmt: skip


@pytest.mark.parametrize(("svc", "slices", "expected"), DESCRIBE_SERVICE_CASES)
def test_describe_service(svc: dict[str, Any], slices: list[Any], expected: str) -> None:
    asked = []

    def related(kind: str, namespace: str | None, selector: str | None) -> list[Any]:
        asked.append((kind, namespace, selector))
        return slices

    assert describe(svc, related) == text(expected)
    name = svc["metadata"]["name"]
    assert asked == [("endpointslices", "default", f"kubernetes.io/service-name={name}")]


def test_endpoints_line_counts_quirk_of_upstream() -> None:
    """formatEndpointSlices decides "more" on meeting a fourth endpoint, ready or not."""
    shown = describe(k.headless_service(), lambda *args: [k.endpoint_slice(3, 1)])
    assert "Endpoints:                10.244.1.5:8080,10.244.2.6:8080,10.244.1.7:8080 + 0 more...\n" in shown


POD_TAIL = """
    Volumes:
      kube-api-access-5xq8n:
        Type:                    Projected (a volume that contains injected data from multiple sources)
        TokenExpirationSeconds:  3607
        ConfigMapName:           kube-root-ca.crt
        Optional:                false
        DownwardAPI:             true
    QoS Class:                   BestEffort
    Node-Selectors:              <none>
    Tolerations:                 node.kubernetes.io/not-ready:NoExecute op=Exists for 300s
                                 node.kubernetes.io/unreachable:NoExecute op=Exists for 300s
    Events:                      <none>
    """

DESCRIBE_POD_CASES = [
    (k.pod(), """
        Name:             web-7d4b9c6f5-x2k4p
        Namespace:        default
        Priority:         0
        Service Account:  default
        Node:             kind-worker/172.18.0.3
        Start Time:       Mon, 15 Jan 2024 11:55:00 +0000
        Labels:           app=web
                          pod-template-hash=7d4b9c6f5
        Annotations:      <none>
        Status:           Running
        IP:               10.244.1.5
        IPs:
          IP:           10.244.1.5
        Controlled By:  ReplicaSet/web-7d4b9c6f5
        Containers:
          nginx:
            Container ID:   containerd://4f1c2d3e
            Image:          nginx:1.27
            Image ID:       docker.io/library/nginx@sha256:0a1b2c
            Port:           8080/TCP (http)
            Host Port:      0/TCP (http)
            State:          Running
              Started:      Mon, 15 Jan 2024 11:55:04 +0000
            Ready:          True
            Restart Count:  0
            Readiness:      http-get http://:8080/ delay=0s timeout=1s period=10s #success=1 #failure=3
            Environment:    <none>
            Mounts:
              /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-5xq8n (ro)
        Conditions:
          Type                        Status
          PodReadyToStartContainers   True $
          Initialized                 True $
          Ready                       True $
          ContainersReady             True $
          PodScheduled                True $
        """),
    (k.unschedulable_pod(), """
        Name:             web-7d4b9c6f5-zz9tk
        Namespace:        default
        Priority:         0
        Service Account:  default
        Node:             <none>
        Labels:           app=web
                          pod-template-hash=7d4b9c6f5
        Annotations:      <none>
        Status:           Pending
        IP:               $
        IPs:              <none>
        Controlled By:    ReplicaSet/web-7d4b9c6f5
        Containers:
          nginx:
            Image:        nginx:1.27
            Port:         8080/TCP (http)
            Host Port:    0/TCP (http)
            Readiness:    http-get http://:8080/ delay=0s timeout=1s period=10s #success=1 #failure=3
            Environment:  <none>
            Mounts:
              /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-5xq8n (ro)
        Conditions:
          Type           Status
          PodScheduled   False $
        """),
]  # fmt: skip


@pytest.mark.parametrize(("pod", "expected"), DESCRIBE_POD_CASES)
def test_describe_pod(pod: dict[str, Any], expected: str) -> None:
    assert describe(pod, nothing, now=NOW) == text(expected) + text(POD_TAIL)


def test_describe_terminating_pod_reads_as_kubectl_does() -> None:
    """The deletion timestamp lies in the future, so its age is "<invalid>" (upstream)."""
    shown = describe(k.terminating_pod(), nothing, now=NOW)
    assert "Status:                    Terminating (lasts <invalid>)\n" in shown
    assert "Termination Grace Period:  30s\n" in shown


def test_describe_crash_looping_container_state() -> None:
    shown = describe(k.crashing_pod(), nothing, now=NOW)
    assert """
    Host Port:      0/TCP (http)
    State:          Waiting
      Reason:       CrashLoopBackOff
    Last State:     Terminated
      Reason:       Error
      Exit Code:    1
      Started:      Mon, 15 Jan 2024 11:59:18 +0000
      Finished:     Mon, 15 Jan 2024 11:59:19 +0000
    Ready:          False
    Restart Count:  3
""" in shown


def test_describe_deployment() -> None:
    old = k.replica_set()
    old["metadata"]["name"] = "web-5c9f7b8d4"
    old["spec"]["replicas"], old["status"] = 0, {"replicas": 0}
    old["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.26"
    asked = []

    def related(kind: str, namespace: str | None, selector: str | None) -> list[Any]:
        asked.append((kind, namespace, selector))
        return [old, k.replica_set()]

    assert describe(k.deployment(), related) == text("""
        Name:                   web
        Namespace:              default
        CreationTimestamp:      Mon, 15 Jan 2024 11:55:00 +0000
        Labels:                 app=web
        Annotations:            deployment.kubernetes.io/revision: 1
        Selector:               app=web
        Replicas:               3 desired | 3 updated | 3 total | 2 available | 1 unavailable
        StrategyType:           RollingUpdate
        MinReadySeconds:        0
        RollingUpdateStrategy:  25% max unavailable, 25% max surge
        Pod Template:
          Labels:  app=web
          Containers:
           nginx:
            Image:         nginx:1.27
            Port:          8080/TCP (http)
            Host Port:     0/TCP (http)
            Environment:   <none>
            Mounts:        <none>
          Volumes:         <none>
          Node-Selectors:  <none>
          Tolerations:     <none>
        Conditions:
          Type           Status  Reason
          ----           ------  ------
          Available      True    MinimumReplicasAvailable
          Progressing    True    NewReplicaSetAvailable
        OldReplicaSets:  web-5c9f7b8d4 (0/0 replicas created)
        NewReplicaSet:   web-7d4b9c6f5 (3/3 replicas created)
        Events:          <none>
        """)
    assert asked == [("replicasets", "default", "app=web")]


def test_describe_replica_set_counts_its_pods() -> None:
    shown = describe(k.replica_set(), lambda *a: [k.pod(), k.creating_pod(), k.unschedulable_pod()])
    assert shown.startswith(text("""
        Name:           web-7d4b9c6f5
        Namespace:      default
        Selector:       app=web,pod-template-hash=7d4b9c6f5
        Labels:         app=web
                        pod-template-hash=7d4b9c6f5
        Annotations:    deployment.kubernetes.io/desired-replicas: 3
                        deployment.kubernetes.io/max-replicas: 4
                        deployment.kubernetes.io/revision: 1
        Controlled By:  Deployment/web
        Replicas:       3 current / 3 desired
        Pods Status:    2 Running / 1 Waiting / 0 Succeeded / 0 Failed
        Pod Template:
        """))


def test_describe_endpoint_slice() -> None:
    assert describe(k.endpoint_slice(1, 1), nothing) == text("""
        Name:         web-8xk2q
        Namespace:    default
        Labels:       endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io
                      kubernetes.io/service-name=web
        Annotations:  endpoints.kubernetes.io/last-change-trigger-time: 2024-01-15T11:55:04Z
        AddressType:  IPv4
        Ports:
          Name  Port  Protocol
          ----  ----  --------
          http  8080  TCP
        Endpoints:
          - Addresses:  10.244.1.5
            Conditions:
              Ready:    true
            Hostname:   <unset>
            TargetRef:  Pod/web-7d4b9c6f5-p0
            NodeName:   kind-worker
            Zone:       <unset>
          - Addresses:  10.244.2.6
            Conditions:
              Ready:    false
            Hostname:   <unset>
            TargetRef:  Pod/web-7d4b9c6f5-p1
            NodeName:   kind-worker2
            Zone:       <unset>
        Events:         <none>
        """)


def test_describe_node() -> None:
    coredns = k.pod("coredns-668d6bf9bc-4xv2m")
    coredns["metadata"]["namespace"] = "kube-system"
    coredns["spec"]["containers"][0]["resources"] = {
        "limits": {"memory": "170Mi"}, "requests": {"cpu": "100m", "memory": "70Mi"}
    }
    cluster_pods = [k.pod(), coredns, k.creating_pod(), k.unschedulable_pod()]
    assert describe(k.node(), lambda *a: cluster_pods, now=NOW) == text("""
        Name:               kind-worker
        Roles:              <none>
        Labels:             beta.kubernetes.io/arch=amd64
                            beta.kubernetes.io/os=linux
                            kubernetes.io/arch=amd64
                            kubernetes.io/hostname=kind-worker
                            kubernetes.io/os=linux
        Annotations:        kubeadm.alpha.kubernetes.io/cri-socket: unix:///run/containerd/containerd.sock
                            node.alpha.kubernetes.io/ttl: 0
                            volumes.kubernetes.io/controller-managed-attach-detach: true
        CreationTimestamp:  Mon, 15 Jan 2024 09:00:00 +0000
        Taints:             <none>
        Unschedulable:      false
        Conditions:
          Type             Status  LastHeartbeatTime                 LastTransitionTime                Reason                       Message
          ----             ------  -----------------                 ------------------                ------                       -------
          MemoryPressure   False   Mon, 15 Jan 2024 11:58:41 +0000   Mon, 15 Jan 2024 09:00:05 +0000   KubeletHasSufficientMemory   kubelet has sufficient memory available
          DiskPressure     False   Mon, 15 Jan 2024 11:58:41 +0000   Mon, 15 Jan 2024 09:00:05 +0000   KubeletHasSufficientDisk     kubelet has sufficient disk space available
          PIDPressure      False   Mon, 15 Jan 2024 11:58:41 +0000   Mon, 15 Jan 2024 09:00:05 +0000   KubeletHasSufficientPID      kubelet has sufficient PID available
          Ready            True    Mon, 15 Jan 2024 11:58:41 +0000   Mon, 15 Jan 2024 09:00:30 +0000   KubeletReady                 kubelet is posting ready status
        Addresses:
          InternalIP:  172.18.0.3
          Hostname:    kind-worker
        Capacity:
          cpu:                8
          ephemeral-storage:  263174212Ki
          hugepages-1Gi:      0
          hugepages-2Mi:      0
          memory:             16318712Ki
          pods:               110
        Allocatable:
          cpu:                8
          ephemeral-storage:  263174212Ki
          hugepages-1Gi:      0
          hugepages-2Mi:      0
          memory:             16318712Ki
          pods:               110
        System Info:
          Machine ID:                 0c2d9e1f
          System UUID:                a1b2c3d4
          Boot ID:                    6f8e2c1a
          Kernel Version:             6.8.0-45-generic
          OS Image:                   Debian GNU/Linux 12 (bookworm)
          Operating System:           linux
          Architecture:               amd64
          Container Runtime Version:  containerd://2.1.1
          Kubelet Version:            v1.37.0
        PodCIDR:                      10.244.1.0/24
        PodCIDRs:                     10.244.1.0/24
        ProviderID:                   kind://docker/kind/kind-worker
        Non-terminated Pods:          (2 in total)
          Namespace                   Name                        CPU Requests  CPU Limits  Memory Requests  Memory Limits  Age
          ---------                   ----                        ------------  ----------  ---------------  -------------  ---
          default                     web-7d4b9c6f5-x2k4p         0 (0%)        0 (0%)      0 (0%)           0 (0%)         5m
          kube-system                 coredns-668d6bf9bc-4xv2m    100m (1%)     0 (0%)      70Mi (0%)        170Mi (1%)     5m
        Allocated resources:
          (Total limits may be over 100 percent, i.e., overcommitted.)
          Resource           Requests   Limits
          --------           --------   ------
          cpu                100m (1%)  0 (0%)
          memory             70Mi (0%)  170Mi (1%)
          ephemeral-storage  0 (0%)     0 (0%)
          hugepages-1Gi      0 (0%)     0 (0%)
          hugepages-2Mi      0 (0%)     0 (0%)
        Events:              <none>
        """)


def test_describe_endpoints_and_namespace() -> None:
    assert describe(k.endpoints(("10.244.1.5",), ("10.244.2.6",)), nothing) == text("""
        Name:         web
        Namespace:    default
        Labels:       app=web
        Annotations:  <none>
        Subsets:
          Addresses:          10.244.1.5
          NotReadyAddresses:  10.244.2.6
          Ports:
            Name  Port  Protocol
            ----  ----  --------
            http  8080  TCP

        Events:  <none>
        """)
    assert describe(k.namespace("default"), nothing) == text("""
        Name:         default
        Labels:       kubernetes.io/metadata.name=default
        Annotations:  <none>
        Status:       Active

        No resource quota.

        No LimitRange resource.
        """)


def test_describe_hides_last_applied_and_breaks_long_annotations() -> None:
    svc = k.service()
    svc["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/last-applied-configuration": '{"apiVersion":"v1"}\n',
        "note": "x" * 150,
        "team": "payments",
    }
    shown = describe(svc, nothing)
    assert "last-applied" not in shown
    assert f"Annotations:              note:\n                            {'x' * 138}...\n" in shown
    assert "                          team: payments\n" in shown


# -- kubectl get -o yaml ------------------------------------------------------------------


def test_to_yaml_reads_like_kubectl() -> None:
    svc = k.nodeport_service()
    svc["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/last-applied-configuration": '{"apiVersion":"v1","kind":"Service"}\n'
    }
    assert to_yaml(svc) == text("""
        apiVersion: v1
        kind: Service
        metadata:
          annotations:
            kubectl.kubernetes.io/last-applied-configuration: |
              {"apiVersion":"v1","kind":"Service"}
          creationTimestamp: "2024-01-15T11:55:00Z"
          labels:
            app: web
          name: web-np
          namespace: default
          resourceVersion: "1042"
          uid: uid-web-np
        spec:
          clusterIP: 10.96.100.7
          clusterIPs:
          - 10.96.100.7
          externalTrafficPolicy: Cluster
          internalTrafficPolicy: Cluster
          ipFamilies:
          - IPv4
          ipFamilyPolicy: SingleStack
          ports:
          - name: http
            nodePort: 30080
            port: 80
            protocol: TCP
            targetPort: 8080
          - name: https
            nodePort: 31443
            port: 443
            protocol: TCP
            targetPort: 8443
          selector:
            app: web
          sessionAffinity: None
          type: NodePort
        status:
          loadBalancer: {}
        """)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("", '""'), ("80", '"80"'), ("true", '"true"'), ("y", '"y"'), ("off", '"off"'),
        ("null", '"null"'), ("~", '"~"'), ("0x1F", '"0x1F"'), ("08", '"08"'), ("1e3", '"1e3"'),
        (".5", '".5"'), ("1_000", '"1_000"'), ("12:30", '"12:30"'),
        ("2024-01-15T11:55:00Z", '"2024-01-15T11:55:00Z"'), ("25%", "25%"),
        ("10.96.0.1", "10.96.0.1"), ("nginx:1.27", "nginx:1.27"), ("a: b", "'a: b'"),
        ("*", "'*'"), ("- x", "'- x'"), ("trailing ", "'trailing '"), ("=", "="),
        ("line\n", "|\n  line"), ("two\nlines", "|-\n  two\n  lines"),
        (80, "80"), (True, "true"), (None, "null"), ({}, "{}"), ([], "[]"),
    ],
)  # fmt: skip
def test_yaml_scalars_as_go_yaml_writes_them(value: Any, written: str) -> None:
    assert to_yaml({"key": value}) == f"key: {written}\n"


@pytest.mark.parametrize(
    ("keys", "ordered"),
    [
        (["b", "a", "B", "_a"], ["_a", "B", "a", "b"]),
        (["ipFamilyPolicy", "ipFamilies"], ["ipFamilies", "ipFamilyPolicy"]),
        (["clusterIPs", "clusterIP"], ["clusterIP", "clusterIPs"]),
        (["a10", "a9", "a", "a.b"], ["a", "a.b", "a9", "a10"]),
        (["a01", "a001", "a1"], ["a1", "a01", "a001"]),
    ],
)
def test_yaml_key_order_is_go_yamls(keys: list[str], ordered: list[str]) -> None:
    import functools

    assert sorted(keys, key=functools.cmp_to_key(_key_order)) == ordered
    assert list(to_yaml(dict.fromkeys(keys, 1)).splitlines()) == [f"{key}: 1" for key in ordered]


def test_yaml_can_keep_the_dicts_own_order_and_shares_no_anchors() -> None:
    shared = {"app": "web"}
    assert to_yaml({"z": shared, "a": shared}, sort_keys=False) == text("""
        z:
          app: web
        a:
          app: web
        """)
