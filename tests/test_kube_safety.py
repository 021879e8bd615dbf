"""Safety on a real cluster, and the real backend's behaviour, with a fake kubeconfig and a
fake API server (tests/kube_fakes.py): no cluster, no Docker, no kubernetes client."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from kube_fakes import FakeApiServer, fixture, kind_cluster, netexec_server, pod

from kubelab import ApiError, Lab, SetupError, UsageError, scenarios
from kubelab.kinds import resource_for
from kubelab.kube import KubeBackend, open_with, readiness, safety
from kubelab.kube.api import Api
from kubelab.kube.client import KubeConfig, cluster_name, kubeconfig_files, read_kubeconfig
from kubelab.kube.safety import RefusedError

KUBECONFIG = """\
apiVersion: v1
kind: Config
current-context: {current}
clusters:
- name: kind-kubelab
  cluster: {{server: "https://127.0.0.1:40123", certificate-authority-data: c2VjcmV0}}
- name: prod
  cluster: {{server: "https://prod.example.com"}}
contexts:
- name: kind-kubelab
  context: {{cluster: kind-kubelab, user: kind-kubelab}}
- name: prod-admin
  context: {{cluster: prod, user: admin}}
users:
- name: kind-kubelab
  user: {{client-key-data: c2VjcmV0LWtleQ==}}
- name: admin
  user: {{token: very-secret-token}}
"""


def _kubeconfig(tmp_path: Path, current: str = "kind-kubelab") -> Path:
    path = tmp_path / "config"
    path.write_text(KUBECONFIG.format(current=current))
    return path


# -- which context --------------------------------------------------------------------------


def test_kubeconfig_is_read_without_the_client(tmp_path: Path) -> None:
    config = read_kubeconfig([_kubeconfig(tmp_path, current="prod-admin")])
    assert config.contexts == {"kind-kubelab": "kind-kubelab", "prod-admin": "prod"}
    assert config.current == "prod-admin"
    assert config.server_of("kind-kubelab") == "https://127.0.0.1:40123"
    assert cluster_name("kind-kubelab", config) == "kubelab"
    assert cluster_name("prod-admin", config) == "prod"


def test_kubeconfig_list_merges_first_wins(tmp_path: Path) -> None:
    first = tmp_path / "a"
    first.write_text("contexts:\n- name: kind-other\n  context: {cluster: other}\n")
    second = _kubeconfig(tmp_path, current="prod-admin")
    env = {"KUBECONFIG": f"{first}:{tmp_path / 'missing'}:{second}"}
    files = kubeconfig_files(env)
    config = read_kubeconfig(files)
    assert set(config.contexts) == {"kind-other", "kind-kubelab", "prod-admin"}
    assert config.current == "prod-admin"
    assert config.files == (first, second)
    assert kubeconfig_files({}, home=tmp_path) == [tmp_path / ".kube" / "config"]


@pytest.mark.parametrize(("backend", "requested", "current", "chosen"), [
    ("kind", None, "prod-admin", "kind-kubelab"),
    ("kind", "kind-kubelab", None, "kind-kubelab"),
    ("kube", None, "kind-kubelab", "kind-kubelab"),
    ("kube", "prod-admin", "kind-kubelab", "prod-admin"),  # named explicitly: allowed
])
def test_contexts_that_are_allowed(backend: str, requested: str | None, current: str | None,
                                   chosen: str) -> None:
    contexts = {"kind-kubelab": "", "prod-admin": ""}
    assert safety.choose_context(backend, requested, contexts, current) == chosen


@pytest.mark.parametrize(("backend", "requested", "current", "says"), [
    ("kube", None, "prod-admin", 'connect("kube", context="prod-admin")'),
    ("kind", "prod-admin", None, 'connect("kube", context="prod-admin")'),
    ("kind", None, None, "kubelab up"),
    ("kube", "nope", None, 'no context "nope"'),
    ("kube", None, None, "no current context"),
])
def test_contexts_that_are_refused_say_how(backend: str, requested: str | None,
                                           current: str | None, says: str) -> None:
    contexts = {"prod-admin": ""} if backend == "kind" and requested is None else {
        "kind-kubelab": "", "prod-admin": ""}
    with pytest.raises(SetupError) as caught:
        safety.choose_context(backend, requested, contexts, current)
    assert says in str(caught.value)


def test_no_credential_is_ever_in_a_message(tmp_path: Path) -> None:
    config = read_kubeconfig([_kubeconfig(tmp_path, current="prod-admin")])
    with pytest.raises(SetupError) as caught:
        safety.choose_context("kube", None, config.contexts, config.current, config.where)
    for secret in ("very-secret-token", "c2VjcmV0", "c2VjcmV0LWtleQ=="):
        assert secret not in str(caught.value)
    assert not hasattr(config, "users")


@pytest.mark.parametrize(("backend", "namespace", "user", "home"), [
    ("kind", None, "ada", "kubelab"),
    ("kube", None, "Ada Lovelace", "kubelab-ada-lovelace"),
    ("kube", None, "___", "kubelab-learner"),
    ("kind", "lesson-3", "ada", "lesson-3"),
])
def test_home_namespace(backend: str, namespace: str | None, user: str, home: str) -> None:
    assert safety.home_namespace(backend, namespace, user) == home
    assert safety.probe_namespace(home) == f"{home}-probes"


def test_bad_namespace_name() -> None:
    with pytest.raises(UsageError):
        safety.home_namespace("kind", "Not_OK", "ada")


# -- connecting: the lessons' namespace ------------------------------------------------------


def _open(server: FakeApiServer, namespace: str | None = None) -> tuple[KubeBackend, str]:
    config = KubeConfig({"kind-kubelab": "kind-kubelab"}, "kind-kubelab")
    return open_with(server, "kind", "kind-kubelab", config, namespace, user="ada")


def test_connect_creates_its_namespace_labelled() -> None:
    server = kind_cluster(FakeApiServer())
    backend, home = _open(server)
    assert home == "kubelab"
    (post,) = server.writes()
    assert (post.method, post.path) == ("POST", "/api/v1/namespaces")
    assert post.body == safety.namespace_manifest("kubelab")
    assert backend.cluster == "kubelab"


def test_connect_reuses_its_own_namespace_and_refuses_a_foreign_one() -> None:
    server = kind_cluster(FakeApiServer())
    server.namespace("kubelab")
    _open(server)
    assert server.writes() == []
    with pytest.raises(SetupError, match='namespace "default" exists and kubelab did not'):
        _open(server, namespace="default")
    assert server.writes() == []


# -- writes ------------------------------------------------------------------------------------


@pytest.fixture
def server() -> FakeApiServer:
    return kind_cluster(FakeApiServer())


@pytest.fixture
def lab(server: FakeApiServer) -> Lab:
    backend, home = _open(server)
    server.calls.clear()
    return Lab(backend, namespace=home)


def test_apply_labels_what_kubelab_creates(lab: Lab, server: FakeApiServer) -> None:
    (svc,) = lab.apply(scenarios.service("api"))
    assert svc["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "kubelab"}
    (deploy,) = lab.apply(scenarios.deployment("api"))
    container = deploy["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"] == readiness.PROBE
    post = [c for c in server.writes() if c.method == "POST"]
    assert [c.path for c in post] == ["/api/v1/namespaces/kubelab/services",
                                      "/apis/apps/v1/namespaces/kubelab/deployments"]
    (again,) = lab.apply(scenarios.service("api", port=81))
    assert again["spec"]["ports"][0]["port"] == 81
    assert server.writes()[-1].method == "PUT"
    assert server.writes()[-1].body["metadata"]["labels"]["app.kubernetes.io/managed-by"] == (
        "kubelab")


def test_reads_go_anywhere(lab: Lab, server: FakeApiServer) -> None:
    assert lab.read("svc", "kube-dns", namespace="kube-system")["spec"]["clusterIP"] == (
        "10.96.0.10")
    assert [n["metadata"]["name"] for n in lab.list("nodes")] == [
        "kubelab-control-plane", "kubelab-worker", "kubelab-worker2"]
    assert len(lab.list("svc", all_namespaces=True)) == 3
    assert server.writes() == []


@pytest.mark.parametrize("verb", ["apply", "create", "delete", "patch"])
def test_writes_outside_kubelabs_namespaces_are_refused(lab: Lab, server: FakeApiServer,
                                                        verb: str) -> None:
    with pytest.raises(RefusedError) as caught:
        if verb == "apply":
            lab.apply(scenarios.service("dns2"), namespace="kube-system")
        elif verb == "create":
            lab.create(scenarios.service("x"), namespace="default")
        elif verb == "delete":
            lab.delete("svc", "kube-dns", namespace="kube-system")
        else:
            lab.patch("svc", "kube-dns", {"spec": {"type": "NodePort"}}, namespace="kube-system")
    assert "is not labelled app.kubernetes.io/managed-by=kubelab" in str(caught.value)
    assert server.writes() == []


def test_unknown_namespace_is_the_servers_404(lab: Lab, server: FakeApiServer) -> None:
    with pytest.raises(ApiError) as caught:
        lab.apply(scenarios.service("web"), namespace="no-such-ns")
    assert str(caught.value) == 'namespaces "no-such-ns" not found'
    assert server.writes() == []


def test_objects_not_kubelabs_are_refused_even_in_its_namespace(
        lab: Lab, server: FakeApiServer) -> None:
    server.add({"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": "helm-svc", "namespace": "kubelab",
                             "labels": {"app.kubernetes.io/managed-by": "Helm"}},
                "spec": {"ports": [{"port": 80}]}})
    server.add({"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": "by-hand", "namespace": "kubelab"},
                "spec": {"ports": [{"port": 80}]}})
    with pytest.raises(RefusedError, match="it is managed by 'Helm'"):
        lab.delete("svc", "helm-svc")
    with pytest.raises(RefusedError, match="has no label"):
        lab.patch("svc", "by-hand", {"metadata": {"labels": {"x": "y"}}})
    assert server.writes() == []


def test_controller_made_objects_in_kubelabs_namespace_can_be_deleted(
        lab: Lab, server: FakeApiServer) -> None:
    server.add(pod("web-7d4f9c6b8-x2kqp", "kubelab", owners=True))
    lab.delete("pod", "web-7d4f9c6b8-x2kqp")
    assert [(c.method, c.path) for c in server.writes()] == [
        ("DELETE", "/api/v1/namespaces/kubelab/pods/web-7d4f9c6b8-x2kqp")]


def test_cluster_scoped_writes(lab: Lab, server: FakeApiServer) -> None:
    with pytest.raises(RefusedError, match='will not patch Node "kubelab-worker"'):
        lab.patch("node", "kubelab-worker", {"metadata": {"labels": {"zone": "a"}}})
    with pytest.raises(RefusedError, match='delete namespaces "kube-system": it has no label'):
        lab.delete("ns", "kube-system")
    (created,) = lab.apply({"apiVersion": "v1", "kind": "Namespace",
                            "metadata": {"name": "lesson-2"}})
    assert created["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "kubelab"
    lab.apply(scenarios.service("web"), namespace="lesson-2")
    lab.delete("ns", "lesson-2")
    assert server.writes()[-1].path == "/api/v1/namespaces/lesson-2"


# -- readiness --------------------------------------------------------------------------------


def test_set_ready_flips_the_file_through_netexec(lab: Lab, server: FakeApiServer) -> None:
    server.add(pod("web-1", "kubelab", owners=True, port=9090))
    commands: list[tuple[str, str, int, str]] = []

    def shell(ns: str, name: str, port: int, cmd: str) -> dict[str, Any]:
        commands.append((ns, name, port, cmd))
        return {}

    server.shell = shell
    lab.set_ready("web-1", False)
    lab.set_ready("web-1", True)
    assert commands == [("kubelab", "web-1", 9090, "touch /tmp/kubelab-not-ready"),
                        ("kubelab", "web-1", 9090, "rm -f /tmp/kubelab-not-ready")]


def test_set_ready_errors(lab: Lab, server: FakeApiServer) -> None:
    with pytest.raises(ApiError) as caught:
        lab.set_ready("no-such-pod", True)
    assert str(caught.value) == 'pods "no-such-pod" not found'
    server.add(pod("coredns-x", "kube-system", owners=True))
    with pytest.raises(RefusedError):
        lab.set_ready("coredns-x", False, namespace="kube-system")
    server.add(pod("web-2", "kubelab", owners=True))
    server.shell = lambda *_: fixture("shell_failed.json")
    with pytest.raises(UsageError, match="Read-only file system"):
        lab.set_ready("web-2", False)


# -- probes -----------------------------------------------------------------------------------


class FakeNetexec:
    """netexec's /shell in each pod: resolv.conf, dig and curl runs answered from fixtures."""

    def __init__(self, server: FakeApiServer) -> None:
        self.server = server
        self.seen: list[tuple[str, str, int, str]] = []
        self.dig = "shell_dig_search.json"
        self.requests = "shell_requests.json"

    def __call__(self, ns: str, name: str, port: int, cmd: str) -> dict[str, Any]:
        self.seen.append((ns, name, port, cmd))
        if cmd == "cat /etc/resolv.conf":
            return fixture("shell_resolv_conf.json")
        if "dig " in cmd:
            return fixture(self.dig)
        if "curl " in cmd:
            return fixture(self.requests)
        raise AssertionError(cmd)


def _ready_probe_pods(server: FakeApiServer) -> None:
    """Make every pod kubelab's probes create come up at once, as a kubelet would."""
    original = server._post

    def post(path: str, query: dict[str, str], body: Any) -> Any:
        created = original(path, query, body)
        if created.get("kind") == "Pod":
            stored = server.objects[f"{path}/{created['metadata']['name']}"]
            stored["status"] = {"phase": "Running", "podIP": "10.244.1.9",
                                "conditions": [{"type": "Ready", "status": "True"}]}
            created["status"] = stored["status"]
        return created

    server._post = post  # type: ignore[method-assign]


def test_resolve_from_the_stand_in_uses_the_lessons_namespace(
        lab: Lab, server: FakeApiServer) -> None:
    netexec = FakeNetexec(server)
    server.shell = netexec
    _ready_probe_pods(server)
    answer = lab.resolve("web.other")
    assert answer.answered == "web.other.svc.cluster.local."
    assert answer.tried == ("web.other.kubelab.svc.cluster.local.",
                            "web.other.svc.cluster.local.")
    assert answer.search[0] == "kubelab.svc.cluster.local"
    assert answer.client_pod == "client" and answer.namespace == "kubelab"
    probe = server.objects["/api/v1/namespaces/kubelab-probes/pods/client"]
    assert probe["spec"]["nodeName"] == "kubelab-worker"
    assert probe["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "kubelab"
    assert {(ns, name) for ns, name, _, _ in netexec.seen} == {("kubelab-probes", "client")}
    assert server.objects["/api/v1/namespaces/kubelab-probes"]["metadata"]["labels"] == {
        "app.kubernetes.io/managed-by": "kubelab"}
    assert lab.list("pods") == []  # the probe pod is not among the lesson's pods


def test_request_from_a_lesson_pod_reports_pods_and_hops(lab: Lab, server: FakeApiServer) -> None:
    server.add(pod("client", "kubelab"))
    server.add(pod("web-7d4f9c6b8-x2kqp", "kubelab", ip="10.244.2.3", node="kubelab-worker2",
                   owners=True))
    server.add(pod("web-7d4f9c6b8-9fzlw", "kubelab", ip="10.244.1.4", owners=True))
    netexec = FakeNetexec(server)
    netexec.dig = "shell_dig_srv.json"
    server.shell = netexec
    results = lab.request("10.96.113.32", n=3)
    assert [r.pod for r in results] == ["web-7d4f9c6b8-x2kqp", "web-7d4f9c6b8-9fzlw",
                                        "web-7d4f9c6b8-x2kqp"]
    assert [r.node for r in results] == ["kubelab-worker2", "kubelab-worker", "kubelab-worker2"]
    assert {r.client_ip for r in results} == {"10.244.1.9"}
    assert [h.step for h in results[0].hops] == ["client", "vip", "dnat", "snat", "pod"]
    assert results[0].hops[0].detail == "pod kubelab/client (10.244.1.7) on kubelab-worker"
    (_, name, port, script) = netexec.seen[-1]
    assert (name, port) == ("client", 8080)
    assert "http://10.96.113.32:80/hostname" in script


def test_request_by_name_resolves_first_and_failures_keep_their_outcome(
        lab: Lab, server: FakeApiServer) -> None:
    netexec = FakeNetexec(server)
    netexec.requests = "shell_requests_refused.json"
    server.shell = netexec
    _ready_probe_pods(server)
    refused, timed_out = lab.request("web.other", n=2)
    assert (refused.outcome, timed_out.outcome) == ("refused", "timeout")
    assert [h.step for h in refused.hops] == ["client", "dns", "reject"]
    assert refused.hops[1].detail == (
        "web.other → 10.96.44.180 (A record of web.other.svc.cluster.local., TTL 30)")
    netexec.dig = "shell_dig_nxdomain.json"
    (missing,) = lab.request("nope")
    assert missing.outcome == "nxdomain"
    assert missing.hops[-1].detail.startswith("nope: NXDOMAIN (asked nope.kubelab.svc")


def test_request_from_a_node_uses_a_host_network_probe(lab: Lab, server: FakeApiServer) -> None:
    netexec = FakeNetexec(server)
    server.shell = netexec
    _ready_probe_pods(server)
    lab.request("172.18.0.4:30080", from_node="kubelab-control-plane")
    probe = server.objects["/api/v1/namespaces/kubelab-probes/pods/node-kubelab-control-plane"]
    assert probe["spec"]["hostNetwork"] is True
    assert probe["spec"]["tolerations"] == [{"operator": "Exists"}]
    assert netexec.seen[-1][2] == 18080
    with pytest.raises(ApiError, match='nodes "nope" not found'):
        lab.request("web", from_node="nope")


def test_request_from_a_missing_or_foreign_pod(lab: Lab, server: FakeApiServer) -> None:
    with pytest.raises(ApiError, match='pods "ghost" not found'):
        lab.request("web", from_pod="ghost")
    server.add(pod("coredns-x", "kube-system", owners=True))
    with pytest.raises(RefusedError):
        lab.request("web", from_pod="coredns-x", namespace="kube-system")


def test_probe_pod_that_never_gets_ready_names_what_to_check(server: FakeApiServer) -> None:
    ticks = iter(range(0, 10_000, 30))
    backend = KubeBackend(Api(server), context="kind-kubelab", cluster="kubelab",
                          probe_namespace="kubelab-probes", sleep=lambda s: None,
                          clock=lambda: float(next(ticks)))
    server.namespace("kubelab")
    with pytest.raises(SetupError) as caught:
        backend.resolve("web", "A", "client", "kubelab")
    assert "kubectl -n kubelab-probes describe pod client" in str(caught.value)
    assert "kubelab up" in str(caught.value)


# -- time ---------------------------------------------------------------------------------------


def test_advance_sleeps_real_time_and_says_so(server: FakeApiServer) -> None:
    now = [0.0]
    said: list[str] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    backend = KubeBackend(Api(server), context="kind-kubelab", cluster="kubelab",
                          probe_namespace="kubelab-probes", sleep=sleep, clock=lambda: now[0],
                          say=said.append)
    backend.advance(1)
    assert now[0] == 1 and said == []
    backend.advance(31)
    assert now[0] == 32
    assert said[0] == "waiting 31 s of real time on the cluster..."
    assert said[1:] == ["  21 s left", "  11 s left"]


def test_info_reads_the_cluster(server: FakeApiServer) -> None:
    server.raw["/version"] = {"gitVersion": "v1.37.0"}
    server.raw["/apis/networking.k8s.io/v1/servicecidrs"] = {
        "items": [{"metadata": {"name": "kubernetes"}, "spec": {"cidrs": ["10.96.0.0/16"]}}]}
    server.raw["/api/v1/namespaces/kube-system/configmaps/kube-proxy"] = {
        "data": {"config.conf": "clusterCIDR: 10.244.0.0/16\n"}}
    backend, _ = _open(server)
    info = backend.info()
    assert (info.backend, info.name, info.kubernetes_version, info.service_cidr, info.pod_cidr,
            info.dns_ip, info.domain, info.context) == (
        "kube", "kubelab", "v1.37.0", "10.96.0.0/16", "10.244.0.0/16", "10.96.0.10",
        "cluster.local", "kind-kubelab")
    assert resource_for("svc").plural == "services"


def test_the_stand_in_asks_with_each_namespaces_search_list(lab: Lab,
                                                            server: FakeApiServer) -> None:
    server.shell = FakeNetexec(server)
    _ready_probe_pods(server)
    server.namespace("shop")
    assert lab.resolve("web.other").search[0] == "kubelab.svc.cluster.local"
    assert lab.resolve("web.other", namespace="shop").search[0] == "shop.svc.cluster.local"
    with pytest.raises(ApiError, match='namespaces "nowhere" not found'):
        lab.resolve("web", namespace="nowhere")


def test_requests_from_outside_go_from_this_computer(lab: Lab, server: FakeApiServer) -> None:
    with netexec_server() as port:
        results = lab.request(f"127.0.0.1:{port}", from_outside=True, n=2)
    assert [(r.outcome, r.pod, r.client_ip) for r in results] == [
        ("ok", "web-1", "127.0.0.1")] * 2
    assert [h.step for h in results[0].hops] == ["client", "snat", "pod"]
    (refused,) = lab.request("127.0.0.1:9", from_outside=True)
    assert refused.outcome == "refused"
    (unknown,) = lab.request("web.kubelab.svc.cluster.local.invalid", from_outside=True)
    assert unknown.outcome == "nxdomain"
    assert server.shell is None  # nothing ran inside the cluster
