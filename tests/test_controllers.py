"""The simulated controllers: Deployments, ReplicaSets, scheduling, kubelets, GC, namespaces."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

import kubelab
from kubelab import ApiError, scenarios
from kubelab.mock import controller_utils as cu
from kubelab.mock import deployment_util as du
from kubelab.mock import scheduler as sched
from kubelab.mock.api import ApiServer
from kubelab.mock.controllers import set_probe_result
from kubelab.mock.hostlocal import HostLocal, RangeFullError
from kubelab.mock.kubelet import EXTENSION
from kubelab.mock.replicasets import pods_to_delete

Object = dict[str, Any]
HASH = re.compile(r"^[4-9bcdf]{1,10}$")  # decimal digits through SafeEncodeString
SUFFIX = re.compile(r"^[bcdfghjklmnpqrstvwxz2456789]{5}$")


@pytest.fixture
def lab() -> kubelab.Lab:
    return kubelab.connect("mock", seed=0)


def api_of(lab: kubelab.Lab) -> ApiServer:
    return lab.backend.api  # type: ignore[attr-defined, no-any-return]


def pods(lab: kubelab.Lab, selector: str, namespace: str | None = None) -> list[Object]:
    return lab.list("pods", selector=selector, namespace=namespace)


def ready(pod: Object) -> str:
    return next(c["status"] for c in pod["status"]["conditions"] if c["type"] == "Ready")


def with_probe(deployment: Object, **probe: Any) -> Object:
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["readinessProbe"] = {"httpGet": {"path": "/", "port": 8080}, **probe}
    return deployment


# -- Deployment -> ReplicaSet -> Pods -------------------------------------------------------


def test_replicaset_is_named_by_the_template_hash(lab: kubelab.Lab) -> None:
    (deployment,) = lab.apply(scenarios.deployment("web", replicas=3))
    (rs,) = lab.list("rs", selector="app=web")
    template_hash = rs["metadata"]["labels"]["pod-template-hash"]
    assert HASH.match(template_hash)
    assert rs["metadata"]["name"] == f"web-{template_hash}"
    assert rs["spec"]["selector"] == {"matchLabels": {"app": "web",
                                                      "pod-template-hash": template_hash}}
    assert rs["spec"]["template"]["metadata"]["labels"] == {"app": "web",
                                                             "pod-template-hash": template_hash}
    assert rs["metadata"]["ownerReferences"] == [{
        "apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
        "uid": deployment["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]
    assert rs["metadata"]["annotations"] == {
        "deployment.kubernetes.io/desired-replicas": "3",
        "deployment.kubernetes.io/max-replicas": "4",
        "deployment.kubernetes.io/revision": "1"}
    assert lab.read("deploy", "web")["metadata"]["annotations"][du.REVISION] == "1"


def test_pods_are_named_after_their_replicaset(lab: kubelab.Lab) -> None:
    lab.apply(scenarios.deployment("web", replicas=3))
    (rs,) = lab.list("rs", selector="app=web")
    rs_name = rs["metadata"]["name"]
    for pod in pods(lab, "app=web"):
        assert pod["metadata"]["generateName"] == f"{rs_name}-"
        assert SUFFIX.match(pod["metadata"]["name"][len(rs_name) + 1:])
        assert pod["metadata"]["labels"]["pod-template-hash"] == rs_name.split("-")[-1]
        assert pod["metadata"]["ownerReferences"] == [{
            "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs_name,
            "uid": rs["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]


def test_deployment_and_replicaset_status_settle(lab: kubelab.Lab) -> None:
    lab.apply(scenarios.deployment("web", replicas=3))
    (rs,) = lab.list("rs", selector="app=web")
    assert rs["status"] == {"replicas": 3, "fullyLabeledReplicas": 3, "readyReplicas": 3,
                            "availableReplicas": 3, "terminatingReplicas": 0,
                            "observedGeneration": 1}
    status = lab.read("deploy", "web")["status"]
    assert {k: v for k, v in status.items() if k != "conditions"} == {
        "observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3,
        "availableReplicas": 3, "terminatingReplicas": 0}
    assert [(c["type"], c["status"], c["reason"], c["message"]) for c in status["conditions"]] == [
        ("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability."),
        ("Progressing", "True", "NewReplicaSetAvailable",
         f'ReplicaSet "{rs["metadata"]["name"]}" has successfully progressed.')]


def test_scaling_down_deletes_doubled_up_pods_first(lab: kubelab.Lab) -> None:
    lab.apply(scenarios.deployment("web", replicas=3))
    by_node = sorted(p["spec"]["nodeName"] for p in pods(lab, "app=web"))
    assert by_node == ["kubelab-worker", "kubelab-worker", "kubelab-worker2"]
    lab.patch("deploy", "web", {"spec": {"replicas": 1}})
    live = [p for p in pods(lab, "app=web") if "deletionTimestamp" not in p["metadata"]]
    assert [p["spec"]["nodeName"] for p in live] == ["kubelab-worker2"]
    (rs,) = lab.list("rs", selector="app=web")
    assert rs["spec"]["replicas"] == 1
    assert rs["status"]["terminatingReplicas"] == 2
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "1"
    lab.advance(30)
    assert len(pods(lab, "app=web")) == 1
    assert lab.read("deploy", "web")["status"]["terminatingReplicas"] == 0


def test_scaling_up_adds_pods(lab: kubelab.Lab) -> None:
    lab.apply(scenarios.deployment("web", replicas=1))
    lab.patch("deploy", "web", {"spec": {"replicas": 4}})
    assert len(pods(lab, "app=web")) == 4
    assert lab.read("deploy", "web")["status"]["readyReplicas"] == 4


def test_template_change_rolls_out_a_new_replicaset(lab: kubelab.Lab) -> None:
    lab.apply(scenarios.deployment("web", replicas=4))
    (first,) = lab.list("rs", selector="app=web")
    changed = scenarios.deployment("web", replicas=4, port=9090)
    lab.apply(changed)
    rss = {rs["metadata"]["name"]: rs for rs in lab.list("rs", selector="app=web")}
    assert len(rss) == 2
    old = rss.pop(first["metadata"]["name"])
    (new,) = rss.values()
    assert old["spec"]["replicas"] == 0  # kept for rollback, scaled to zero
    assert new["spec"]["replicas"] == 4
    assert new["metadata"]["annotations"][du.REVISION] == "2"
    deployment = lab.read("deploy", "web")
    assert deployment["metadata"]["annotations"][du.REVISION] == "2"
    assert deployment["status"]["updatedReplicas"] == 4
    lab.advance(30)
    live = pods(lab, "app=web")
    assert {p["metadata"]["labels"]["pod-template-hash"] for p in live} == {
        new["metadata"]["labels"]["pod-template-hash"]}


def test_rolling_back_reuses_the_old_replicaset(lab: kubelab.Lab) -> None:
    lab.apply(scenarios.deployment("web", replicas=2))
    (first,) = lab.list("rs", selector="app=web")
    lab.apply(scenarios.deployment("web", replicas=2, port=9090))
    lab.apply(scenarios.deployment("web", replicas=2))
    again = lab.read("rs", first["metadata"]["name"])
    assert again["spec"]["replicas"] == 2
    assert again["metadata"]["annotations"][du.REVISION] == "3"
    assert again["metadata"]["annotations"][du.REVISION_HISTORY] == "1"


def test_revision_history_limit_deletes_old_replicasets(lab: kubelab.Lab) -> None:
    for port in (8080, 8081, 8082, 8083):
        deployment = scenarios.deployment("web", replicas=1, port=port)
        deployment["spec"]["revisionHistoryLimit"] = 1
        lab.apply(deployment)
        lab.advance(30)
    revisions = sorted(rs["metadata"]["annotations"][du.REVISION]
                       for rs in lab.list("rs", selector="app=web"))
    assert revisions == ["3", "4"]


def test_recreate_waits_for_old_pods_to_go(lab: kubelab.Lab) -> None:
    deployment = scenarios.deployment("web", replicas=2)
    deployment["spec"]["strategy"] = {"type": "Recreate"}
    lab.apply(deployment)
    changed = copy.deepcopy(deployment)
    changed["spec"]["template"]["metadata"]["labels"]["v"] = "2"
    lab.apply(changed)
    assert len(lab.list("rs", selector="app=web")) == 1  # no new ReplicaSet yet
    assert all("deletionTimestamp" in p["metadata"] for p in pods(lab, "app=web"))
    lab.advance(30)
    live = pods(lab, "app=web")
    assert len(live) == 2 and all(p["metadata"]["labels"].get("v") == "2" for p in live)


def test_relabelled_pod_is_released_and_replaced(lab: kubelab.Lab) -> None:
    lab.apply(scenarios.deployment("web", replicas=2))
    victim = pods(lab, "app=web")[0]["metadata"]["name"]
    lab.patch("pod", victim, {"metadata": {"labels": {"app": "debug"}}})
    released = lab.read("pod", victim)
    assert "ownerReferences" not in released["metadata"]
    assert len(pods(lab, "app=web")) == 2
    assert victim not in {p["metadata"]["name"] for p in pods(lab, "app=web")}


def test_replicaset_adopts_a_matching_orphan(lab: kubelab.Lab) -> None:
    lab.apply(scenarios.pod("solo", {"app": "solo"}))
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "solo"},
          "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "solo"}},
                   "template": scenarios.pod("x", {"app": "solo"}) | {"metadata": {
                       "labels": {"app": "solo"}}}}}
    rs["spec"]["template"].pop("apiVersion")
    rs["spec"]["template"].pop("kind")
    (created,) = lab.apply(rs)
    (only,) = pods(lab, "app=solo")
    assert only["metadata"]["name"] == "solo"
    assert only["metadata"]["ownerReferences"][0]["uid"] == created["metadata"]["uid"]


def test_progress_deadline_is_reported(lab: kubelab.Lab) -> None:
    deployment = scenarios.deployment("web", replicas=1)
    deployment["spec"]["progressDeadlineSeconds"] = 60
    deployment["spec"]["template"]["spec"]["nodeSelector"] = {"disk": "ssd"}
    lab.apply(deployment)
    (rs,) = lab.list("rs", selector="app=web")
    progressing = cu.condition(lab.read("deploy", "web")["status"], "Progressing")
    assert progressing is not None
    assert (progressing["reason"], progressing["message"]) == (
        "ReplicaSetUpdated", f'ReplicaSet "{rs["metadata"]["name"]}" is progressing.')
    lab.advance(60)
    assert cu.condition(lab.read("deploy", "web")["status"], "Progressing")["status"] == "True"
    lab.advance(2)
    status = lab.read("deploy", "web")["status"]
    progressing = cu.condition(status, "Progressing")
    assert progressing is not None
    assert (progressing["status"], progressing["reason"], progressing["message"]) == (
        "False", "ProgressDeadlineExceeded",
        f'ReplicaSet "{rs["metadata"]["name"]}" has timed out progressing.')
    available = cu.condition(status, "Available")
    assert available is not None and available["reason"] == "MinimumReplicasUnavailable"


def test_min_ready_seconds_delays_availability(lab: kubelab.Lab) -> None:
    deployment = scenarios.deployment("web", replicas=2)
    deployment["spec"]["minReadySeconds"] = 10
    lab.apply(deployment)
    assert lab.read("deploy", "web")["status"].get("availableReplicas", 0) == 0
    lab.advance(10)
    assert lab.read("deploy", "web")["status"]["availableReplicas"] == 2


# -- which pods go first -------------------------------------------------------------------


def _pod(name: str, node: str = "", phase: str = "Running", is_ready: bool = True,
         created: str = "2026-01-01T09:00:00Z") -> Object:
    conditions = [{"type": "Ready", "status": "True" if is_ready else "False",
                   "lastTransitionTime": created}]
    return {"metadata": {"name": name, "uid": name, "creationTimestamp": created},
            "spec": {"nodeName": node} if node else {},
            "status": {"phase": phase, "conditions": conditions}}


def test_deletion_ranking_unscheduled_pending_unready_first() -> None:
    api = ApiServer()
    candidates = [_pod("running", "n1"), _pod("unready", "n1", is_ready=False),
                  _pod("pending", "n1", phase="Pending", is_ready=False),
                  _pod("unscheduled", phase="Pending", is_ready=False)]
    order = pods_to_delete(api, candidates, candidates, 3)
    assert [p["metadata"]["name"] for p in order] == ["unscheduled", "pending", "unready"]


def test_deletion_ranking_newer_pods_first() -> None:
    api = ApiServer()
    api.clock.advance_to(10_000)
    old = _pod("old", "n1", created="2026-01-01T09:00:00Z")
    new = _pod("new", "n2", created="2026-01-01T11:00:00Z")
    assert [p["metadata"]["name"] for p in pods_to_delete(api, [old, new], [old, new], 1)] == [
        "new"]


# -- the scheduler --------------------------------------------------------------------------


def test_pods_spread_over_workers_fewest_first(lab: kubelab.Lab) -> None:
    lab.apply([scenarios.pod(f"p{i}") for i in range(4)])
    placed = [lab.read("pod", f"p{i}")["spec"]["nodeName"] for i in range(4)]
    assert placed == ["kubelab-worker", "kubelab-worker2", "kubelab-worker", "kubelab-worker2"]


def test_node_name_is_honoured_even_on_the_control_plane(lab: kubelab.Lab) -> None:
    lab.apply(scenarios.pod("pinned", node="kubelab-control-plane"))
    pod = lab.read("pod", "pinned")
    assert pod["spec"]["nodeName"] == "kubelab-control-plane"
    assert pod["status"]["podIP"] == "10.244.0.5"  # after CoreDNS (.2, .3), local-path (.4)
    assert pod["status"]["hostIP"] == "172.18.0.2"


def test_node_selector_picks_the_node(lab: kubelab.Lab) -> None:
    pod = scenarios.pod("chosen")
    pod["spec"]["nodeSelector"] = {"kubernetes.io/hostname": "kubelab-worker2"}
    lab.apply(pod)
    assert lab.read("pod", "chosen")["spec"]["nodeName"] == "kubelab-worker2"


def test_a_pod_that_fits_nowhere_stays_pending(lab: kubelab.Lab) -> None:
    pod = scenarios.pod("stuck")
    pod["spec"]["nodeSelector"] = {"disk": "ssd"}
    lab.apply(pod)
    stuck = lab.read("pod", "stuck")
    assert "nodeName" not in stuck["spec"]
    assert stuck["status"]["phase"] == "Pending"
    assert "podIP" not in stuck["status"]
    assert stuck["status"]["conditions"] == [{
        "lastProbeTime": None, "lastTransitionTime": "2026-01-01T09:00:00Z",
        "message": "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s) "
                   "didn't match Pod's node affinity/selector. preemption: 0/3 nodes are "
                   "available: 3 Preemption is not helpful for scheduling.",
        "observedGeneration": 1, "reason": "Unschedulable", "status": "False",
        "type": "PodScheduled"}]
    lab.patch("node", "kubelab-worker2", {"metadata": {"labels": {"disk": "ssd"}}})
    placed = lab.read("pod", "stuck")
    assert placed["spec"]["nodeName"] == "kubelab-worker2"
    assert placed["status"]["phase"] == "Running"


def test_toleration_lets_a_pod_onto_the_control_plane(lab: kubelab.Lab) -> None:
    pod = scenarios.pod("admin")
    pod["spec"]["nodeSelector"] = {"node-role.kubernetes.io/control-plane": ""}
    pod["spec"]["tolerations"] = [{"key": "node-role.kubernetes.io/control-plane",
                                   "operator": "Exists", "effect": "NoSchedule"}]
    lab.apply(pod)
    assert lab.read("pod", "admin")["spec"]["nodeName"] == "kubelab-control-plane"


def test_full_nodes_say_too_many_pods() -> None:
    lab = kubelab.connect("mock", seed=0, workers=1)
    lab.apply(scenarios.deployment("web", replicas=110))
    pending = [p for p in pods(lab, "app=web") if "nodeName" not in p["spec"]]
    assert len(pending) == 2  # 110 pods per node, 2 of them taken by kube-proxy and kindnet
    assert pending[0]["status"]["conditions"][0]["message"] == (
        "0/2 nodes are available: 1 Too many pods, 1 node(s) had untolerated taint(s). "
        "preemption: 0/2 nodes are available: 1 No preemption victims found for incoming "
        "pod, 1 Preemption is not helpful for scheduling.")


def test_insufficient_cpu(lab: kubelab.Lab) -> None:
    pod = scenarios.pod("greedy")
    pod["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "100"}}
    lab.apply(pod)
    message = lab.read("pod", "greedy")["status"]["conditions"][0]["message"]
    assert message.startswith("0/3 nodes are available: 1 node(s) had untolerated taint(s), "
                              "2 Insufficient cpu. preemption:")


@pytest.mark.parametrize(("toleration", "taint", "expected"), [
    ({"key": "a", "operator": "Exists"}, {"key": "a", "effect": "NoSchedule"}, True),
    ({"operator": "Exists"}, {"key": "a", "value": "b", "effect": "NoExecute"}, True),
    ({"key": "a", "value": "b"}, {"key": "a", "value": "b", "effect": "NoSchedule"}, True),
    ({"key": "a", "value": "c"}, {"key": "a", "value": "b", "effect": "NoSchedule"}, False),
    ({"key": "a", "operator": "Exists", "effect": "NoExecute"},
     {"key": "a", "effect": "NoSchedule"}, False),
    ({"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"},
     {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}, True),
])
def test_tolerates(toleration: Object, taint: Object, expected: bool) -> None:
    assert sched.tolerates({"spec": {"tolerations": [toleration]}}, taint) is expected


@pytest.mark.parametrize(("expression", "expected"), [
    ({"key": "zone", "operator": "In", "values": ["a", "b"]}, True),
    ({"key": "zone", "operator": "NotIn", "values": ["a"]}, False),
    ({"key": "gpu", "operator": "DoesNotExist"}, True),
    ({"key": "cores", "operator": "Gt", "values": ["4"]}, True),
    ({"key": "cores", "operator": "Lt", "values": ["4"]}, False),
])
def test_required_node_affinity(expression: Object, expected: bool) -> None:
    node = {"metadata": {"name": "n", "labels": {"zone": "a", "cores": "8"}}}
    pod = {"spec": {"affinity": {"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchExpressions": [expression]}]}}}}}
    assert sched.matches_node(pod, node) is expected


def test_fit_error_texts() -> None:
    assert sched.fit_error({"spec": {}}, []) == "no nodes available to schedule pods"
    assert sched.fit_error({"spec": {"preemptionPolicy": "Never"}}, [[sched.AFFINITY]]) == (
        "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. "
        "preemption: not eligible due to preemptionPolicy=Never.")


# -- the kubelet: IPs, readiness, deletion ---------------------------------------------------


def test_host_local_hands_out_addresses_in_turn() -> None:
    ipam = HostLocal("10.244.1.0/24")
    assert [ipam.allocate() for _ in range(2)] == ["10.244.1.2", "10.244.1.3"]
    ipam.release("10.244.1.2")
    assert ipam.allocate() == "10.244.1.4"  # after the last reserved, not the freed one
    for _ in range(250):
        ipam.allocate()
    assert ipam.allocate() == "10.244.1.2"  # wrapped around to the freed one
    with pytest.raises(RangeFullError):
        ipam.allocate()


def test_pod_ips_follow_the_node_range_and_are_not_reused_at_once(lab: kubelab.Lab) -> None:
    lab.apply([scenarios.pod(name, node="kubelab-worker") for name in "ab"])
    assert [lab.read("pod", n)["status"]["podIP"] for n in "ab"] == ["10.244.1.2", "10.244.1.3"]
    lab.delete("pod", "a")
    lab.advance(30)
    lab.apply(scenarios.pod("c", node="kubelab-worker"))
    assert lab.read("pod", "c")["status"]["podIP"] == "10.244.1.4"


def test_running_pod_status_is_the_kubelets(lab: kubelab.Lab) -> None:
    lab.apply(scenarios.pod("web"))
    status = lab.read("pod", "web")["status"]
    assert status["phase"] == "Running"
    assert [(c["type"], c["status"]) for c in status["conditions"]] == [
        ("PodReadyToStartContainers", "True"), ("Initialized", "True"), ("Ready", "True"),
        ("ContainersReady", "True"), ("PodScheduled", "True")]
    (container,) = status["containerStatuses"]
    assert re.match(r"^containerd://[0-9a-f]{64}$", container["containerID"])
    assert container["image"] == scenarios.AGNHOST_IMAGE
    assert container["imageID"].startswith(
        "registry.k8s.io/e2e-test-images/agnhost@sha256:")
    assert (container["ready"], container["started"], container["restartCount"]) == (
        True, True, 0)
    assert container["state"] == {"running": {"startedAt": "2026-01-01T09:00:00Z"}}
    assert status["hostIPs"] == [{"ip": status["hostIP"]}]
    assert status["podIPs"] == [{"ip": status["podIP"]}]
    assert status["qosClass"] == "BestEffort"
    assert status["startTime"] == "2026-01-01T09:00:00Z"


def test_readiness_probe_timing(lab: kubelab.Lab) -> None:
    lab.apply(with_probe(scenarios.deployment("web", replicas=1),
                         initialDelaySeconds=5, periodSeconds=10))
    (pod,) = pods(lab, "app=web")
    name = pod["metadata"]["name"]
    assert ready(pod) == "False"
    assert pod["status"]["conditions"][2]["message"] == "containers with unready status: [app]"
    lab.advance(9)
    assert ready(lab.read("pod", name)) == "False"
    lab.advance(1)  # the first probe after the initial delay: at 10 s
    assert ready(lab.read("pod", name)) == "True"
    set_probe_result(api_of(lab), name, "default", False)
    lab.advance(19)
    assert ready(lab.read("pod", name)) == "True"  # failures at 10, 20: not yet three
    lab.advance(1)
    assert ready(lab.read("pod", name)) == "False"  # the third failure, at 30 s
    lab.set_ready(name, True)
    assert ready(lab.read("pod", name)) == "True"  # a success at 30 s (successThreshold 1)


def test_api_advance_stops_at_the_kubelets_deadlines(lab: kubelab.Lab) -> None:
    lab.apply(with_probe(scenarios.deployment("web", replicas=1), initialDelaySeconds=25))
    api = api_of(lab)
    assert api.extensions[EXTENSION].next_deadline(api) == 30.0
    lab.advance(100)
    assert ready(pods(lab, "app=web")[0]) == "True"
    assert lab.read("deploy", "web")["status"]["availableReplicas"] == 1


def test_set_ready_without_a_probe_is_immediate(lab: kubelab.Lab) -> None:
    lab.apply(scenarios.pod("web"))
    lab.set_ready("web", False)
    assert ready(lab.read("pod", "web")) == "False"
    lab.set_ready("web", True)
    assert ready(lab.read("pod", "web")) == "True"


def test_set_probe_result_of_a_missing_pod_is_not_found(lab: kubelab.Lab) -> None:
    with pytest.raises(ApiError) as caught:
        set_probe_result(api_of(lab), "ghost", "default", True)
    assert str(caught.value) == 'pods "ghost" not found'


def test_graceful_deletion_takes_the_grace_period(lab: kubelab.Lab) -> None:
    pod = scenarios.pod("web")
    pod["spec"]["terminationGracePeriodSeconds"] = 5
    lab.apply(pod)
    lab.delete("pod", "web")
    terminating = lab.read("pod", "web")
    assert terminating["metadata"]["deletionTimestamp"] == "2026-01-01T09:00:05Z"
    assert terminating["metadata"]["generation"] == 2  # rest.BeforeDelete bumps it
    assert ready(terminating) == "True"  # probes go on while terminating (upstream)
    lab.advance(4)
    lab.read("pod", "web")
    lab.advance(1)
    with pytest.raises(ApiError):
        lab.read("pod", "web")


def test_deleted_replicaset_pod_is_replaced_at_once(lab: kubelab.Lab) -> None:
    lab.apply(scenarios.deployment("web", replicas=1))
    (pod,) = pods(lab, "app=web")
    lab.delete("pod", pod["metadata"]["name"])
    names = {p["metadata"]["name"] for p in pods(lab, "app=web")}
    assert len(names) == 2 and pod["metadata"]["name"] in names


# -- garbage collection and namespaces --------------------------------------------------------


def test_deleting_a_deployment_cascades(lab: kubelab.Lab) -> None:
    lab.apply(scenarios.deployment("web", replicas=2))
    lab.delete("deploy", "web")
    assert lab.list("rs", selector="app=web") == []
    assert all("deletionTimestamp" in p["metadata"] for p in pods(lab, "app=web"))
    lab.advance(30)
    assert pods(lab, "app=web") == []


def test_a_pod_whose_owner_is_gone_is_collected(lab: kubelab.Lab) -> None:
    pod = scenarios.pod("orphan")
    pod["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                           "name": "gone", "uid": "0000", "controller": True}]
    lab.apply(pod)
    assert "deletionTimestamp" in lab.read("pod", "orphan")["metadata"]


def test_deleting_a_namespace(lab: kubelab.Lab) -> None:
    lab.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    lab.apply(scenarios.deployment("web", replicas=2), namespace="shop")
    lab.apply(scenarios.service("web"), namespace="shop")
    lab.delete("ns", "shop")
    namespace = lab.read("ns", "shop")
    assert namespace["status"]["phase"] == "Terminating"
    remaining = cu.condition(namespace["status"], "NamespaceContentRemaining")
    assert remaining is not None
    assert remaining["message"] == "Some resources are remaining: pods. has 2 resource instances"
    assert lab.list("svc", namespace="shop") == []
    with pytest.raises(ApiError) as caught:
        lab.apply(scenarios.pod("late"), namespace="shop")
    assert caught.value.code == 403
    lab.advance(30)
    with pytest.raises(ApiError):
        lab.read("ns", "shop")


@pytest.mark.parametrize("name", ["default", "kube-system", "kube-public"])
def test_immortal_namespaces(lab: kubelab.Lab, name: str) -> None:
    with pytest.raises(ApiError) as caught:
        lab.delete("ns", name)
    assert str(caught.value) == (
        f'namespaces "{name}" is forbidden: this namespace may not be deleted')


# -- pure rules ---------------------------------------------------------------------------------


def test_compute_hash_shape_and_collisions() -> None:
    template = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": []}}
    first = cu.compute_hash(template)
    assert HASH.match(first)
    assert cu.compute_hash(template) == first
    assert cu.compute_hash(template, 1) != first
    assert cu.safe_encode("0123456789") == "456789bcdf"


@pytest.mark.parametrize(("replicas", "surge", "unavailable", "expected"), [
    (4, "25%", "25%", (1, 1)),
    (1, "25%", "25%", (1, 0)),
    (10, 0, "0%", (0, 1)),  # both zero: one may be unavailable
    (3, 2, "50%", (2, 1)),
])
def test_fenceposts(replicas: int, surge: Any, unavailable: Any,
                    expected: tuple[int, int]) -> None:
    d = {"spec": {"replicas": replicas, "strategy": {
        "type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge,
                                                   "maxUnavailable": unavailable}}}}
    assert du.fenceposts(d) == expected


def test_new_replicaset_grows_within_surge() -> None:
    d = {"spec": {"replicas": 4, "strategy": {"type": "RollingUpdate"}}}
    old = {"spec": {"replicas": 4}}
    new = {"spec": {"replicas": 0}}
    assert du.new_rs_replicas(d, [old, new], new) == 1


def test_conditions_move_to_the_end_when_they_change() -> None:
    status: Object = {}
    du.set_condition(status, du.new_condition("Progressing", "True", "A", "a", "t1"))
    du.set_condition(status, du.new_condition("Available", "False", "B", "b", "t1"))
    du.set_condition(status, du.new_condition("Progressing", "True", "C", "c", "t2"))
    assert [(c["type"], c["reason"], c["lastTransitionTime"]) for c in status["conditions"]] == [
        ("Available", "B", "t1"), ("Progressing", "C", "t1")]


# -- determinism -------------------------------------------------------------------------------


def _workload(lab: kubelab.Lab) -> list[Object]:
    lab.apply(scenarios.deployment("web", replicas=3))
    lab.apply(scenarios.service("web"))
    lab.patch("deploy", "web", {"spec": {"replicas": 1}})
    lab.advance(45)
    return lab.list("pods", all_namespaces=True)


def test_same_seed_same_cluster() -> None:
    assert _workload(kubelab.connect(seed=3)) == _workload(kubelab.connect(seed=3))


def test_clusters_share_nothing() -> None:
    one, two = kubelab.connect(seed=0), kubelab.connect(seed=0)
    one.apply(scenarios.deployment("web", replicas=2))
    assert pods(two, "app=web") == []
    two.apply(scenarios.deployment("web", replicas=2))
    assert [p["status"]["podIP"] for p in pods(one, "app=web")] == [
        p["status"]["podIP"] for p in pods(two, "app=web")]


def test_set_ready_before_a_pod_runs_applies_when_it_starts(lab: kubelab.Lab) -> None:
    pod = scenarios.pod("later")
    pod["spec"]["nodeSelector"] = {"disk": "ssd"}
    lab.apply(pod)
    lab.set_ready("later", False)
    lab.patch("node", "kubelab-worker", {"metadata": {"labels": {"disk": "ssd"}}})
    assert ready(lab.read("pod", "later")) == "False"
