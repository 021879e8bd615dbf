"""The real backend's translations, from recorded API answers and probe outputs (offline).

Fixtures in tests/fixtures/kube are what a kind cluster (Kubernetes 1.37) answers: a
Service GET, a ServiceList, Status errors; and what agnhost netexec's /shell answers
when kubelab's probe scripts run in a pod (JSON shape from netexec.go's shellHandler,
the text inside from dig and curl).
"""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from kube_fakes import FakeApiServer, fixture, kind_cluster, netexec_server
from kube_fakes import pod as running_pod

from kubelab import ApiError, SetupError, UsageError, targets
from kubelab.backend import DnsRecord
from kubelab.kinds import resource_for
from kubelab.kube import errors as kube_errors
from kubelab.kube import hops, probes, readiness, resolve, translate
from kubelab.kube.clusterinfo import domain_from, pod_cidr_from, service_cidr_from
from kubelab.kube.explain import explain_text
from kubelab.resolvconf import ResolvConf
from kubelab.scenarios import deployment, pod, service

# -- Status errors ----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "code", "reason", "message"), [
    ("status_404.json", 404, "NotFound", 'services "nope" not found'),
    ("status_409_exists.json", 409, "AlreadyExists", 'services "web" already exists'),
    ("status_409_conflict.json", 409, "Conflict",
     'Operation cannot be fulfilled on services "web": the object has been modified; please '
     "apply your changes to the latest version and try again"),
    ("status_422.json", 422, "Invalid",
     'Service "web" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and '
     "65535, inclusive"),
])
def test_status_body_becomes_api_error(name: str, code: int, reason: str, message: str) -> None:
    body = json.dumps(fixture(name)).encode()
    err = kube_errors.from_response(code, "ignored", body)
    assert (err.code, err.reason, str(err)) == (code, reason, message)
    assert err.status == fixture(name)


def test_422_keeps_the_causes() -> None:
    err = kube_errors.from_response(422, "Unprocessable Entity",
                                    json.dumps(fixture("status_422.json")))
    assert err.causes == [{"reason": "FieldValueInvalid", "field": "spec.ports[0].port",
                           "message": "Invalid value: 0: must be between 1 and 65535, inclusive"}]
    assert fixture("status_404.json")["details"] == {"name": "nope", "kind": "services"}


@pytest.mark.parametrize(("code", "reason", "body", "want_reason", "want_message"), [
    (404, "Not Found", b"404 page not found\n", "NotFound", "404 page not found"),
    (503, "Service Unavailable", b"", "ServiceUnavailable", "Service Unavailable"),
    (418, "I'm a teapot", None, "I'm a teapot", "I'm a teapot"),
])
def test_a_body_that_is_not_a_status_is_worded_from_the_code(
        code: int, reason: str, body: bytes | None, want_reason: str, want_message: str) -> None:
    err = kube_errors.from_response(code, reason, body)
    assert (err.code, err.reason, str(err)) == (code, want_reason, want_message)
    assert err.status["kind"] == "Status"


class _FakeHttpResponse:
    """What the client's RESTResponse offers ApiException: status, reason, data, headers."""

    def __init__(self, status: int, reason: str, data: bytes) -> None:
        self.status, self.reason, self.data = status, reason, data
        self.headers = {"Content-Type": "application/json"}

    def getheaders(self) -> dict[str, str]:
        return self.headers


def test_api_exception_as_the_client_raises_it() -> None:
    client_exceptions = pytest.importorskip("kubernetes.client.exceptions")
    body = json.dumps(fixture("status_409_exists.json")).encode()
    exc = client_exceptions.ApiException(http_resp=_FakeHttpResponse(409, "Conflict", body))
    err = kube_errors.from_exception(exc, 'context "kind-kubelab"')
    assert isinstance(err, ApiError)
    assert (err.code, err.reason, str(err)) == (409, "AlreadyExists",
                                                'services "web" already exists')
    plain = client_exceptions.ApiException(status=403, reason="Forbidden")
    assert kube_errors.from_exception(plain, "x").reason == "Forbidden"


def test_no_answer_at_all_is_a_setup_error_that_names_what_to_check() -> None:
    client_exceptions = pytest.importorskip("kubernetes.client.exceptions")
    exc = client_exceptions.ApiException(status=0, reason="Handshake status 502")
    err = kube_errors.from_exception(exc, 'context "kind-kubelab" (https://127.0.0.1:6443)')
    assert isinstance(err, SetupError)
    assert "kind-kubelab" in str(err) and "kubelab up" in str(err) and "kind get clusters" in (
        str(err))


# -- the real client, against a local HTTP server ------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: ClassVar[dict[tuple[str, str], tuple[int, Any]]] = {}
    seen: ClassVar[list[tuple[str, str, str, bytes]]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.seen.append((self.command, self.path, self.headers.get("Content-Type", ""), body))
        code, answer = self.routes.get((self.command, self.path.split("?")[0]),
                                       (404, fixture("status_404.json")))
        data = json.dumps(answer).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_PATCH(self) -> None:
        self._answer()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def api_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    _Handler.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _transport(host: str) -> Any:
    client = pytest.importorskip("kubernetes.client")
    from kubelab.kube.client import ClientTransport

    configuration = client.Configuration(host=host)
    configuration.retries = 0
    return ClientTransport(client.ApiClient(configuration), f"test server {host}")


def test_client_transport_returns_the_servers_json_and_its_errors(api_server: str) -> None:
    from kubelab.kube.api import Api

    _Handler.routes = {
        ("GET", "/api/v1/namespaces/kubelab/services/web"): (200, fixture("service_get.json")),
        ("GET", "/api/v1/services"): (200, fixture("service_list.json")),
        ("POST", "/api/v1/namespaces/kubelab/services"): (409, fixture("status_409_exists.json")),
        ("PATCH", "/api/v1/namespaces/kubelab/services/web"): (200, fixture("service_get.json")),
    }
    api = Api(_transport(api_server))
    svc = resource_for("svc")
    assert api.get(svc, "web", "kubelab") == fixture("service_get.json")
    listed = api.list(svc, None, selector="app=web")
    assert [s["kind"] for s in listed] == ["Service"] * 3
    assert _Handler.seen[-1][1] == "/api/v1/services?labelSelector=app%3Dweb"
    with pytest.raises(ApiError) as caught:
        api.create(svc, service("web"), "kubelab")
    assert str(caught.value) == 'services "web" already exists'
    api.patch(svc, "web", "kubelab", {"spec": {"type": "NodePort"}}, "strategic")
    method, _path, content_type, body = _Handler.seen[-1]
    assert (method, content_type) == ("PATCH", "application/strategic-merge-patch+json")
    assert json.loads(body) == {"spec": {"type": "NodePort"}}
    with pytest.raises(ApiError) as missing:
        api.get(svc, "nope", "kubelab")
    assert missing.value.status == fixture("status_404.json")


def test_client_transport_runs_a_script_through_the_pod_proxy(api_server: str) -> None:
    from urllib.parse import parse_qs, urlsplit

    from kubelab.kube.api import Api

    path = "/api/v1/namespaces/kubelab-probes/pods/client:8080/proxy/shell"
    _Handler.routes = {("GET", path): (200, fixture("shell_requests.json"))}
    script = probes.request_script("10.96.113.32", 80, 3)
    result = Api(_transport(api_server)).shell("kubelab-probes", "client", 8080, script)
    assert len(probes.parse_requests(result.output)) == 3
    sent = urlsplit(_Handler.seen[-1][1])
    assert sent.path == path
    assert parse_qs(sent.query) == {"cmd": [script]}


def test_client_transport_without_a_server_is_a_setup_error() -> None:
    from kubelab.kube.api import Api

    api = Api(_transport("http://127.0.0.1:9"))
    with pytest.raises(SetupError, match="cannot reach the Kubernetes API server"):
        api.get(resource_for("svc"), "web", "kubelab")


# -- dicts <-> REST ------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "name", "namespace", "path"), [
    ("svc", "web", "kubelab", "/api/v1/namespaces/kubelab/services/web"),
    ("deploy", "web", "kubelab", "/apis/apps/v1/namespaces/kubelab/deployments/web"),
    ("endpointslices", "web-x", "kubelab",
     "/apis/discovery.k8s.io/v1/namespaces/kubelab/endpointslices/web-x"),
    ("ns", "kubelab", "ignored", "/api/v1/namespaces/kubelab"),
    ("nodes", "kubelab-worker", None, "/api/v1/nodes/kubelab-worker"),
])
def test_object_paths(kind: str, name: str, namespace: str | None, path: str) -> None:
    assert translate.object_path(resource_for(kind), name, namespace) == path


def test_collection_paths_and_queries() -> None:
    assert translate.collection_path(resource_for("pods"), None) == "/api/v1/pods"
    assert translate.collection_path(resource_for("rs"), "a") == (
        "/apis/apps/v1/namespaces/a/replicasets")
    assert translate.list_query("app=web", "metadata.name=x") == [
        ("labelSelector", "app=web"), ("fieldSelector", "metadata.name=x")]
    assert translate.list_query() == []


def test_list_items_get_their_kind_back() -> None:
    items = translate.items_of(fixture("service_list.json"), resource_for("svc"))
    assert [(i["apiVersion"], i["kind"], i["metadata"]["name"]) for i in items] == [
        ("v1", "Service", "kube-dns"), ("v1", "Service", "web"), ("v1", "Service", "web-np")]
    assert items[1]["spec"] == fixture("service_get.json")["spec"]


@pytest.mark.parametrize(("patch_type", "content_type"), [
    ("strategic", "application/strategic-merge-patch+json"),
    ("merge", "application/merge-patch+json"),
])
def test_patch_content_types(patch_type: str, content_type: str) -> None:
    assert translate.patch_content_type(patch_type) == content_type


def test_unknown_patch_type() -> None:
    with pytest.raises(UsageError):
        translate.patch_content_type("json")


def test_outgoing_objects_are_labelled_and_netexec_gets_the_probe() -> None:
    manifest = deployment("web", replicas=2)
    sent = translate.outgoing(manifest, resource_for("deploy"))
    assert sent["metadata"]["labels"] == {"app": "web", "app.kubernetes.io/managed-by": "kubelab"}
    (container,) = sent["spec"]["template"]["spec"]["containers"]
    assert container["readinessProbe"] == readiness.PROBE
    assert "readinessProbe" not in manifest["spec"]["template"]["spec"]["containers"][0]
    assert sent["spec"]["template"]["metadata"]["labels"] == {"app": "web"}  # pods: as written


def test_own_probes_and_other_images_are_left_alone() -> None:
    own = pod("a")
    own["spec"]["containers"][0]["readinessProbe"] = {"httpGet": {"path": "/healthz",
                                                                 "port": 8080}}
    own["spec"]["containers"].append({"name": "web", "image": "nginx:1.27"})
    sent = translate.outgoing(own, resource_for("pod"))
    assert sent["spec"]["containers"][0]["readinessProbe"] == {
        "httpGet": {"path": "/healthz", "port": 8080}}
    assert "readinessProbe" not in sent["spec"]["containers"][1]
    assert translate.outgoing(service("web"), resource_for("svc"))["spec"] == service("web")[
        "spec"]


# -- readiness -----------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "port"), [
    (["netexec", "--http-port=8080"], 8080),
    (["netexec", "--http-port", "9090"], 9090),
    (["netexec", "-http-port=81"], 81),
    (["netexec"], 8080),
])
def test_netexec_http_port(args: list[str], port: int) -> None:
    assert readiness.http_port({"image": "agnhost", "args": args}) == port


def test_flip_targets_and_commands() -> None:
    live = running_pod("web-1", "kubelab")
    assert readiness.flip_targets(live) == [("app", 8080)]
    assert readiness.flip_command(False) == "touch /tmp/kubelab-not-ready"
    assert readiness.flip_command(True) == "rm -f /tmp/kubelab-not-ready"


def test_flip_targets_explain_why_not() -> None:
    bare = running_pod("web-1", "kubelab", probe=False)
    with pytest.raises(UsageError, match="no agnhost netexec container with kubelab's"):
        readiness.flip_targets(bare)
    own = running_pod("web-1", "kubelab", probe=False)
    own["spec"]["containers"][0]["readinessProbe"] = {"httpGet": {"path": "/healthz"}}
    with pytest.raises(UsageError, match="has its own readinessProbe"):
        readiness.flip_targets(own)


# -- probes: netexec /shell, resolv.conf, dig ------------------------------------------------


def test_shell_answers() -> None:
    failed = probes.parse_shell(json.dumps(fixture("shell_failed.json")))
    assert failed == probes.ShellResult("touch: /tmp/kubelab-not-ready: Read-only file system\n",
                                        "exit status 1")
    assert probes.parse_shell(b"{}") == probes.ShellResult("", None)


def test_resolv_conf_of_the_probe_pod_and_for_another_namespace() -> None:
    conf = probes.parse_resolv_conf(fixture("shell_resolv_conf.json")["output"])
    assert conf == ResolvConf(("10.96.0.10",),
                              ("kubelab-probes.svc.cluster.local", "svc.cluster.local",
                               "cluster.local"), 5)
    moved = probes.for_namespace(conf, "kubelab-probes", "kubelab")
    assert moved.search[0] == "kubelab.svc.cluster.local"
    assert moved.search[1:] == conf.search[1:]


@pytest.mark.parametrize(("text", "conf"), [
    ("nameserver 172.18.0.1\n", ResolvConf(("172.18.0.1",), (), 1)),
    ("# generated\nsearch a.example b.example.\noptions ndots:20 edns0\nnameserver 1.1.1.1",
     ResolvConf(("1.1.1.1",), ("a.example", "b.example"), 15)),
])
def test_resolv_conf_table(text: str, conf: ResolvConf) -> None:
    assert probes.parse_resolv_conf(text) == conf


def test_dig_outputs() -> None:
    per = probes.split_queries(fixture("shell_dig_search.json")["output"])
    assert list(per) == ["web.other.kubelab.svc.cluster.local.", "web.other.svc.cluster.local.",
                         "web.other.cluster.local.", "web.other."]
    assert probes.parse_dig(per["web.other.kubelab.svc.cluster.local."]).rcode == "NXDOMAIN"
    hit = probes.parse_dig(per["web.other.svc.cluster.local."])
    assert hit == probes.DigAnswer(
        "NOERROR", (DnsRecord("web.other.svc.cluster.local.", "A", "10.96.44.180", 30),), ())
    srv = probes.parse_dig(fixture("shell_dig_srv.json")["output"])
    assert srv.answer == (DnsRecord("_http._tcp.web.kubelab.svc.cluster.local.", "SRV",
                                    "0 100 80 web.kubelab.svc.cluster.local.", 30),)
    assert srv.additional == (DnsRecord("web.kubelab.svc.cluster.local.", "A", "10.96.113.32",
                                        30),)
    assert probes.parse_dig(fixture("shell_dig_timeout.json")["output"]).rcode == "TIMEOUT"


def test_resolve_script_asks_each_name_in_order() -> None:
    script = probes.resolve_script(["web.kubelab.svc.cluster.local.", "web."], "A", "10.96.0.10")
    lines = script.splitlines()
    assert lines[0] == "echo '@@kubelab-query web.kubelab.svc.cluster.local.'"
    assert lines[1].startswith("dig +time=2 +tries=2 +noall +comments +answer +additional ")
    assert lines[1].endswith("@10.96.0.10 web.kubelab.svc.cluster.local. A")
    assert len(lines) == 4


def _search_conf() -> ResolvConf:
    return ResolvConf(("10.96.0.10",), ("kubelab.svc.cluster.local", "svc.cluster.local",
                                        "cluster.local"), 5)


def test_dns_answer_walks_the_search_list_like_the_simulation() -> None:
    conf = _search_conf()
    names, first = resolve.candidates("web.other", "A", conf)
    answer = resolve.dns_answer("web.other", "A", names, first,
                                fixture("shell_dig_search.json")["output"], conf, "client",
                                "kubelab")
    assert answer.tried == ("web.other.kubelab.svc.cluster.local.",
                            "web.other.svc.cluster.local.")
    assert answer.answered == "web.other.svc.cluster.local."
    assert answer.rcode == "NOERROR"
    assert answer.records[0].ttl == 30
    assert (answer.nameserver, answer.ndots, answer.search) == ("10.96.0.10", 5, conf.search)


def test_dns_answer_nxdomain_lists_every_name_tried() -> None:
    conf = _search_conf()
    names, first = resolve.candidates("nope", "A", conf)
    answer = resolve.dns_answer("nope", "A", names, first,
                                fixture("shell_dig_nxdomain.json")["output"], conf, "client",
                                "kubelab")
    assert answer.rcode == "NXDOMAIN" and answer.answered is None and answer.records == ()
    assert answer.tried[-1] == "nope."
    assert len(answer.tried) == 4


@pytest.mark.parametrize(("name", "qtype", "names"), [
    ("web.kubelab.svc.cluster.local.", "A", ["web.kubelab.svc.cluster.local."]),
    ("10.96.0.10", "PTR", ["10.0.96.10.in-addr.arpa."]),
])
def test_candidates(name: str, qtype: str, names: list[str]) -> None:
    assert resolve.candidates(name, qtype, _search_conf())[0] == names


@pytest.mark.parametrize("bad", ["", ".", "a..b"])
def test_bad_names_and_types(bad: str) -> None:
    with pytest.raises(UsageError):
        resolve.candidates(bad, "A", _search_conf())
    with pytest.raises(UsageError):
        resolve.qtype_of("MX")


@pytest.mark.parametrize(("answered", "found"), [
    ("web.kubelab.svc.cluster.local.", ("kubelab", "web")),
    ("web-0.web.kubelab.svc.cluster.local.", ("kubelab", "web")),
    ("example.com.", None),
])
def test_service_of_an_answered_name(answered: str, found: tuple[str, str] | None) -> None:
    assert resolve.service_of(answered) == found


# -- probes: curl ----------------------------------------------------------------------------


def test_request_output_is_read_per_request() -> None:
    runs = probes.parse_requests(fixture("shell_requests.json")["output"])
    assert len(runs) == 3
    assert [r[0].body for r in runs] == ["web-7d4f9c6b8-x2kqp", "web-7d4f9c6b8-9fzlw",
                                         "web-7d4f9c6b8-x2kqp"]
    assert runs[0][1].body == "10.244.1.9:50412"
    assert runs[0][0].remote_ip == "10.96.113.32" and runs[0][0].remote_port == 80
    refused, timed_out = probes.parse_requests(fixture("shell_requests_refused.json")["output"])
    assert [t.exitcode for t in refused] == [7]
    assert probes.outcome(refused[0]) == "refused"
    assert probes.outcome(timed_out[0]) == "timeout"
    assert "Couldn't connect" in refused[0].error


@pytest.mark.parametrize(("code", "outcome"), [
    (0, "ok"), (6, "nxdomain"), (7, "refused"), (28, "timeout"), (52, "refused"),
    (56, "refused"), (35, "timeout")])
def test_curl_exit_codes(code: int, outcome: str) -> None:
    assert probes.outcome(probes.Transfer(code, 0, "", "", None, "", "")) == outcome


@pytest.mark.parametrize(("text", "host"), [
    ("10.244.1.9:50412", "10.244.1.9"), ("[fd00::5]:41000", "fd00::5"), ("10.0.0.1", "10.0.0.1")])
def test_client_address(text: str, host: str) -> None:
    assert probes.split_address(text) == host


@pytest.mark.parametrize(("text", "target"), [
    ("web", targets.Target("web", None, False)),
    ("web:8080", targets.Target("web", 8080, False)),
    ("http://web.kubelab.svc:81/hostname", targets.Target("web.kubelab.svc", 81, False)),
    ("10.96.0.10:53", targets.Target("10.96.0.10", 53, True)),
])
def test_targets(text: str, target: targets.Target) -> None:
    assert targets.parse_target(text) == target


@pytest.mark.parametrize("bad", ["", "web:0", "web:x", ":80"])
def test_bad_targets(bad: str) -> None:
    with pytest.raises(UsageError):
        targets.parse_target(bad)


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("sh")), reason="needs curl, sh")
def test_request_script_with_a_real_curl() -> None:
    with netexec_server() as port:
        script = probes.request_script("127.0.0.1", port, 2) + "\n" + probes.request_script(
            "127.0.0.1", 9, 1)
        output = subprocess.run(["sh", "-c", script], capture_output=True, text=True,
                                timeout=30, check=False).stdout
    first, second, refused = probes.parse_requests(output)
    assert first[0].body == "web-1"
    assert probes.split_address(first[1].body) == "127.0.0.1"
    assert first[1].body != second[1].body  # a new connection (new source port) each time
    assert probes.outcome(refused[0]) == "refused"


# -- hops ----------------------------------------------------------------------------------


def _cluster() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    server = kind_cluster(FakeApiServer())
    services = [o for o in server.objects.values() if o["kind"] == "Service"]
    nodes = [o for o in server.objects.values() if o["kind"] == "Node"]
    return services, nodes


def test_a_request_through_a_cluster_ip() -> None:
    services, nodes = _cluster()
    client = hops.Client("pod", "client", "10.244.1.9", "kubelab-worker", "kubelab",
                         stand_in=True)
    runs = probes.parse_requests(fixture("shell_requests.json")["output"])
    answering = running_pod("web-7d4f9c6b8-x2kqp", "kubelab", ip="10.244.2.3",
                            node="kubelab-worker2")
    result = hops.result(client, (), "10.96.113.32", 80, runs[0],
                         {"web-7d4f9c6b8-x2kqp": answering}, services, nodes)
    assert (result.outcome, result.pod, result.pod_ip, result.port, result.client_ip,
            result.node) == ("ok", "web-7d4f9c6b8-x2kqp", "10.244.2.3", 8080, "10.244.1.9",
                             "kubelab-worker2")
    assert [h.step for h in result.hops] == ["vip", "dnat", "snat", "pod"]
    assert result.hops[0].detail == "10.96.113.32:80 is the cluster IP of kubelab/web"
    assert result.hops[2].detail == "none: the pod sees the source address 10.244.1.9"


def test_refused_and_node_port_and_lb() -> None:
    services, nodes = _cluster()
    client = hops.Client("node", "kubelab-worker", "172.18.0.3", "kubelab-worker")
    refused = probes.parse_requests(fixture("shell_requests_refused.json")["output"])[0]
    result = hops.result(client, (), "10.96.113.32", 80, refused, {}, services, nodes)
    assert result.outcome == "refused"
    assert [h.step for h in result.hops] == ["vip", "reject"]
    step, _ = hops.destination("172.18.0.4", 30080, services, nodes)
    assert step is not None and step.step == "nodeport"
    assert "nodePort of kubelab/web-np" in step.detail
    lb, sp = hops.destination("172.18.0.5", 80, services, nodes)
    assert lb is not None and lb.step == "loadbalancer" and sp is not None
    assert hops.destination("10.244.2.3", 8080, services, nodes) == (None, None)


def test_masqueraded_source_and_a_direct_pod_ip() -> None:
    services, nodes = _cluster()
    client = hops.Client("node", "kubelab-worker", "172.18.0.3", "kubelab-worker")
    transfers = [probes.Transfer(0, 200, "172.18.0.3", "172.18.0.4", 30080, "", "web-1"),
                 probes.Transfer(0, 200, "172.18.0.3", "172.18.0.4", 30080, "", "10.244.2.1:5")]
    answering = running_pod("web-1", "kubelab", ip="10.244.2.3", node="kubelab-worker2")
    result = hops.result(client, (), "172.18.0.4", 30080, transfers, {"web-1": answering},
                         services, nodes)
    assert result.client_ip == "10.244.2.1" and result.port == 8080
    assert "masqueraded" in result.hops[2].detail
    direct = hops.result(client, (), "10.244.2.3", 8080, transfers, {"web-1": answering},
                         services, nodes)
    assert [h.step for h in direct.hops] == ["snat", "pod"]
    assert direct.port == 8080


def test_explain_text_names_the_endpoints_and_the_rules_command() -> None:
    services, nodes = _cluster()
    svc = next(s for s in services if s["metadata"]["name"] == "web")
    slices = [{"metadata": {"name": "web-abc", "namespace": "kubelab",
                            "labels": {"kubernetes.io/service-name": "web"}},
               "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
               "endpoints": [{"addresses": ["10.244.2.3"], "conditions": {"ready": True},
                              "targetRef": {"kind": "Pod", "name": "web-1"}}]}]
    client = hops.Client("pod", "client", "10.244.1.9", "kubelab-worker", "kubelab")
    runs = probes.parse_requests(fixture("shell_requests.json")["output"])
    result = hops.result(client, (), "10.96.113.32", 80, runs[0], {}, services, nodes)
    text = explain_text("web", result, svc, slices, "kubelab-worker")
    assert "endpoints:    10.244.2.3:8080 web-1 (ready)" in text
    assert "docker exec kubelab-worker iptables-save -t nat | grep 'kubelab/web'" in text


# -- cluster info ----------------------------------------------------------------------------


def test_cluster_info_helpers() -> None:
    proxy = ("apiVersion: kubeproxy.config.k8s.io/v1alpha1\nclusterCIDR: 10.244.0.0/16\n"
             "mode: iptables\n")
    assert pod_cidr_from(proxy, []) == "10.244.0.0/16"
    assert pod_cidr_from("", ["10.244.0.0/24", "10.244.1.0/24"]) == "10.244.0.0/16"
    assert pod_cidr_from("", []) == ""
    assert domain_from("clusterDomain: cluster.local\n") == "cluster.local"
    assert domain_from("") == "cluster.local"
    assert service_cidr_from({"items": [{"metadata": {"name": "kubernetes"},
                                         "spec": {"cidrs": ["10.96.0.0/16"]}}]}) == "10.96.0.0/16"
