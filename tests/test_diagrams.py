"""Diagrams: structure read back from the DOT source (nodes, edges, clusters, labels,
colours), never from SVG bytes. Clusters come from kubelab.connect() and the scenarios."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import kubelab
from kubelab import ApiError, scenarios
from kubelab.backend import DnsAnswer, DnsRecord, Hop, RequestResult
from kubelab.diagrams import (
    Diagram,
    Explanation,
    Snapshot,
    cluster_graph,
    dns_graph,
    gather,
    request_graph,
    service_graph,
    why_not,
)
from kubelab.diagrams.matching import compare, near_miss, similar
from kubelab.diagrams.style import LINES, LOOKS
from kubelab.ports import resolve_target_port, target_port

TIMES = "\N{MULTIPLICATION SIGN}"  # how many requests took an edge: "12" + TIMES

# -- reading DOT back -------------------------------------------------------------------------

_ID = r'"(?:[^"\\]|\\.)*"|[^\s\[\]{};=]+'
_EDGE = re.compile(rf"^\s*({_ID})(?::(\w+))?\s*->\s*({_ID})(?::(\w+))?\s*(\[.*\])?\s*$")
_NODE = re.compile(rf"^\s*({_ID})\s*(\[.*\])\s*$")
_SUBGRAPH = re.compile(rf"^\s*subgraph\s+({_ID})\s*\{{\s*$")


def _unquote(text: str) -> str:
    return text[1:-1].replace('\\"', '"') if text.startswith('"') else text


def _attrs(text: str | None) -> dict[str, str]:
    """`[a=b c="d e" label=<<TABLE>...</TABLE>>]` -> dict (HTML labels kept with their tags)."""
    out: dict[str, str] = {}
    if not text:
        return out
    body, i = text.strip()[1:-1], 0
    while i < len(body):
        match = re.compile(r"\s*(\w+)=").match(body, i)
        if not match:
            break
        key, i = match.group(1), match.end()
        if body[i] == "<":
            depth, start = 0, i
            while True:
                depth += {"<": 1, ">": -1}.get(body[i], 0)
                i += 1
                if depth == 0:
                    break
            out[key] = body[start:i]
        elif body[i] == '"':
            value = re.compile(r'"((?:[^"\\]|\\.)*)"').match(body, i)
            assert value is not None
            out[key], i = value.group(1).replace('\\"', '"'), value.end()
        else:
            value = re.compile(r"[^\s\]]+").match(body, i)
            assert value is not None
            out[key], i = value.group(0), value.end()
    return out


def text_of(label: str) -> str:
    """The words of a label: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", label)).split())


@dataclass
class Edge:
    tail: str
    head: str
    attrs: dict[str, str]
    tail_port: str | None = None

    @property
    def label(self) -> str:
        return text_of(self.attrs.get("label", "")).replace("\\n", " ")

    @property
    def style(self) -> str:
        return self.attrs.get("style", "solid")


@dataclass
class Dot:
    """A graph read back from its DOT source."""

    graph: dict[str, str] = field(default_factory=dict)
    nodes: dict[str, dict[str, str]] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    clusters: dict[str, list[str]] = field(default_factory=dict)  # name -> node ids

    def label(self, node: str) -> str:
        return text_of(self.nodes[node].get("label", node))

    def find(self, prefix: str) -> list[str]:
        return [n for n in self.nodes if n.startswith(prefix)]

    def edges_between(self, tail: str, head: str) -> list[Edge]:
        return [e for e in self.edges if e.tail == tail and e.head == head and
                e.style != "invis"]

    def visible_edges(self) -> Iterator[Edge]:
        return (e for e in self.edges if e.style != "invis")

    @property
    def title(self) -> str:
        return text_of(self.graph.get("label", ""))


def parse(source: str) -> Dot:
    dot = Dot()
    stack: list[str] = []
    for line in source.splitlines()[1:]:
        if (sub := _SUBGRAPH.match(line)) is not None:
            stack.append(_unquote(sub.group(1)))
            if stack[-1].startswith("cluster"):
                dot.clusters.setdefault(stack[-1], [])
        elif line.strip() == "}":
            if stack:
                stack.pop()
        elif (edge := _EDGE.match(line)) is not None:
            dot.edges.append(Edge(_unquote(edge.group(1)), _unquote(edge.group(3)),
                                  _attrs(edge.group(5)), edge.group(2)))
        elif (node := _NODE.match(line)) is not None:
            name = _unquote(node.group(1))
            if name in ("graph", "node", "edge"):
                continue
            dot.nodes.setdefault(name, {}).update(_attrs(node.group(2)))
            for owner in stack:
                if owner.startswith("cluster"):
                    dot.clusters[owner].append(name)
        elif not stack and "=" in line and line.strip().startswith(("label", "bgcolor")):
            dot.graph.update(_attrs(f"[{line.strip()}]"))
    return dot


def read(diagram: Diagram) -> Dot:
    return parse(diagram.source)


# -- clusters to draw -----------------------------------------------------------------------------


def pods(lab: kubelab.Lab, selector: str) -> list[str]:
    return sorted(p["metadata"]["name"] for p in lab.list("pods", selector=selector))


def pod_node(name: str, namespace: str = "default") -> str:
    return f"pod/{namespace}/{name}"


@pytest.fixture
def lab() -> kubelab.Lab:
    """web (3 replicas) behind a NodePort Service, a typo pod, a case-only pod, and db."""
    lab = kubelab.connect()
    lab.apply(scenarios.deployment("web"))
    lab.apply(scenarios.service("web", type="NodePort"))
    lab.apply(scenarios.pod("typo", labels={"app": "wbe"}))
    lab.apply(scenarios.pod("shouty", labels={"app": "Web"}))
    lab.apply(scenarios.deployment("db", replicas=1))
    return lab


# -- the cluster -----------------------------------------------------------------------------------


def test_nodes_are_clusters_holding_their_pods(lab: kubelab.Lab) -> None:
    dot = read(lab.diagram())
    nodes = {n["metadata"]["name"]: n for n in lab.list("nodes")}
    boxes = {name: f"cluster/node/{name}" for name in nodes}
    assert set(boxes.values()) <= set(dot.clusters)
    for pod in lab.list("pods"):
        name, node = pod["metadata"]["name"], pod["spec"]["nodeName"]
        assert pod_node(name) in dot.clusters[boxes[node]]
        label = dot.label(pod_node(name))
        assert name in label and pod["status"]["podIP"] in label
        assert "ready" in label
    assert "no pods" in " ".join(dot.label(n) for n in dot.clusters[boxes["kubelab-control-plane"]])


def test_pod_box_shows_labels_and_readiness_colour(lab: kubelab.Lab) -> None:
    dot = read(lab.diagram())
    label = dot.nodes[pod_node("typo")]["label"]
    assert "app=wbe" in text_of(label)
    assert LOOKS["ready"].fill in label and LOOKS["ready"].line in label
    assert "pod-template-hash" not in dot.label(pod_node(pods(lab, "app=web")[0]))


def test_service_edges_go_to_each_selected_pod_and_only_those(lab: kubelab.Lab) -> None:
    dot = read(lab.diagram())
    web = "svc/default/web"
    assert "selector app=web" in dot.label(web)
    heads = sorted(e.head for e in dot.visible_edges() if e.tail == web)
    assert heads == [pod_node(p) for p in pods(lab, "app=web")]
    for edge in dot.visible_edges():
        if edge.tail == web:
            assert edge.style == "solid" and edge.attrs["color"] == LINES["to-ready"].color
    plain = [pod_node("typo"), pod_node("shouty"), *(pod_node(p) for p in pods(lab, "app=db"))]
    assert not [e for e in dot.visible_edges() if e.head in plain]


def test_not_ready_pod_edge_is_dashed_with_the_reason(lab: kubelab.Lab) -> None:
    sick = pods(lab, "app=web")[0]
    lab.set_ready(sick, False)
    lab.advance(30)
    dot = read(lab.diagram())
    [edge] = dot.edges_between("svc/default/web", pod_node(sick))
    assert edge.style == "dashed" and edge.attrs["color"] == LINES["to-not-ready"].color
    assert "not ready" in edge.label and "ContainersNotReady" in edge.label
    assert LOOKS["not-ready"].fill in dot.nodes[pod_node(sick)]["label"]


def test_terminating_pod_is_grey_and_its_edge_dotted(lab: kubelab.Lab) -> None:
    leaving = pods(lab, "app=web")[0]
    lab.delete("pods", leaving)
    dot = read(lab.diagram())
    [edge] = dot.edges_between("svc/default/web", pod_node(leaving))
    assert edge.style == "dotted" and "terminating" in edge.label
    assert LOOKS["terminating"].fill in dot.nodes[pod_node(leaving)]["label"]
    assert "terminating" in dot.label(pod_node(leaving))


def test_pending_pod_sits_apart_with_no_ip(lab: kubelab.Lab) -> None:
    stuck = scenarios.pod("stuck", labels={"app": "web"})
    stuck["spec"]["nodeSelector"] = {"disk": "ssd"}
    lab.apply(stuck)
    dot = read(lab.diagram())
    assert pod_node("stuck") in dot.clusters["cluster/node/"]
    assert "no IP" in dot.label(pod_node("stuck"))
    [edge] = dot.edges_between("svc/default/web", pod_node("stuck"))
    assert edge.style == "dashed" and "Pending" in edge.label


def test_default_view_hides_kube_system_all_namespaces_shows_it(lab: kubelab.Lab) -> None:
    assert not read(lab.diagram()).find("pod/kube-system/")
    everything = read(lab.diagram(all_namespaces=True))
    assert everything.find("pod/kube-system/coredns-")
    assert "kube-system/coredns-" in everything.label(everything.find("pod/kube-system/coredns")[0])
    assert read(lab.diagram(namespace="kube-system")).find("pod/kube-system/")


def test_legend_lists_only_what_the_diagram_uses(lab: kubelab.Lab) -> None:
    title = read(lab.diagram()).title
    assert "pod, ready" in title and "selects; ready endpoint" in title
    assert "pod, terminating" not in title and "selector misses" not in title
    lab.delete("pods", pods(lab, "app=web")[0])
    assert "pod, terminating" in read(lab.diagram()).title


def test_fifty_pods_compact_one_line_each() -> None:
    lab = kubelab.connect()
    lab.apply(scenarios.deployment("web", replicas=50))
    lab.apply(scenarios.service("web"))
    dot = read(lab.diagram())
    names = pods(lab, "app=web")
    assert len(names) == 50
    assert len([e for e in dot.visible_edges() if e.tail == "svc/default/web"]) == 50
    assert dot.nodes[pod_node(names[0])]["label"].count("<TR>") == 1


def test_headless_externalname_and_selectorless_services_draw() -> None:
    lab = kubelab.connect()
    lab.apply(scenarios.deployment("web", replicas=1))
    lab.apply(scenarios.service("headless", selector={"app": "web"}, clusterIP="None"))
    lab.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ext"},
               "spec": {"type": "ExternalName", "externalName": "example.com"}})
    dot = read(lab.diagram())
    assert "None (headless)" in dot.label("svc/default/headless")
    assert "ExternalName → example.com" in dot.label("svc/default/ext")
    assert "no selector" in dot.label("svc/default/kubernetes")
    for name in ("headless", "ext", "kubernetes"):
        assert read(lab.diagram_service(name)).nodes


def test_cluster_graph_is_pure_over_a_snapshot() -> None:
    pod = {"metadata": {"name": "p", "namespace": "ns", "labels": {"app": "x"}},
           "spec": {"nodeName": "n1"},
           "status": {"podIP": "10.0.0.2", "conditions": [{"type": "Ready", "status": "True"}]}}
    svc = {"metadata": {"name": "s", "namespace": "ns"}, "spec": {"selector": {"app": "x"}}}
    node = {"metadata": {"name": "n1"}}
    dot = parse(cluster_graph(Snapshot((node,), (pod,), (svc,)), title="t").source)
    assert dot.edges_between("svc/ns/s", "pod/ns/p")
    assert "pod/ns/p" in dot.clusters["cluster/node/n1"]


# -- one Service -------------------------------------------------------------------------------


def test_selector_typo_is_a_red_dashed_edge_naming_the_key(lab: kubelab.Lab) -> None:
    dot = read(lab.diagram_service("web"))
    [edge] = dot.edges_between("svc/default/web", pod_node("typo"))
    assert edge.style == "dashed" and edge.attrs["color"] == LINES["mismatch"].color
    assert "app: wbe != web" in edge.label
    assert "app=wbe ≠ web" in dot.label(pod_node("typo"))


def test_case_only_difference_says_so(lab: kubelab.Lab) -> None:
    dot = read(lab.diagram_service("web"))
    [edge] = dot.edges_between("svc/default/web", pod_node("shouty"))
    assert "(case)" in edge.label
    assert "only the case differs" in dot.label(pod_node("shouty"))


def test_pods_of_another_app_are_only_named_in_a_note(lab: kubelab.Lab) -> None:
    dot = read(lab.diagram_service("web"))
    db = pods(lab, "app=db")[0]
    assert pod_node(db) not in dot.nodes
    assert db in dot.label("unrelated")


def test_missing_key_of_a_two_key_selector(lab: kubelab.Lab) -> None:
    lab.apply(scenarios.service("front", selector={"app": "web", "tier": "front"}))
    dot = read(lab.diagram_service("front"))
    web = pods(lab, "app=web")[0]
    [edge] = dot.edges_between("svc/default/front", pod_node(web))
    assert "tier missing" in edge.label
    assert "app=web matches" in dot.label(pod_node(web))


def test_endpointslice_conditions_per_endpoint(lab: kubelab.Lab) -> None:
    names = pods(lab, "app=web")
    lab.set_ready(names[0], False)
    lab.advance(30)
    lab.delete("pods", names[1])
    dot = read(lab.diagram_service("web"))
    [slice_id] = dot.find("slice/default/web-")
    rows = dot.nodes[slice_id]["label"]
    assert "ready" in rows and "serving" in rows and "terminating" in rows
    assert dot.edges_between("svc/default/web", slice_id)
    into = {e.head: e for e in dot.visible_edges() if e.tail == slice_id}
    assert into[pod_node(names[0])].style == "dashed"
    assert into[pod_node(names[1])].style == "dotted"
    assert into[pod_node(names[2])].style == "solid"
    assert all(e.tail_port and e.tail_port.startswith("ep") for e in into.values())


def test_port_chain_resolves_the_named_target_port_per_pod(lab: kubelab.Lab) -> None:
    dot = read(lab.diagram_service("web"))
    assert "targetPort http (named)" in dot.label("svc/default/web")
    for name in pods(lab, "app=web"):
        assert "80 → http → 8080" in dot.label(pod_node(name))


def test_named_target_port_missing_on_a_pod_is_flagged(lab: kubelab.Lab) -> None:
    odd = scenarios.pod("odd", labels={"app": "web"})
    odd["spec"]["containers"][0]["ports"] = [{"name": "web", "containerPort": 9090}]
    lab.apply(odd)
    dot = read(lab.diagram_service("web"))
    label = dot.label(pod_node("odd"))
    assert "80 → http → not found" in label and "web 9090/TCP" in label
    assert LOOKS["failed"].line in dot.nodes[pod_node("odd")]["label"]


def test_numeric_target_port_no_container_declares(lab: kubelab.Lab) -> None:
    lab.apply(scenarios.service("raw", selector={"app": "web"}, target_port=8081))
    dot = read(lab.diagram_service("raw"))
    assert "80 → 8081 (no container declares it)" in dot.label(pod_node(pods(lab, "app=web")[0]))


def test_nodeport_on_every_node(lab: kubelab.Lab) -> None:
    dot = read(lab.diagram_service("web"))
    node_port = lab.read("svc", "web")["spec"]["ports"][0]["nodePort"]
    for node in lab.list("nodes"):
        ip = next(a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP")
        ident = f"nodeport/{node['metadata']['name']}/{node_port}"
        assert f"{ip}:{node_port}" in dot.label(ident)
        assert dot.edges_between(ident, "svc/default/web")


def test_load_balancer_ip_feeds_every_node_port() -> None:
    lab = kubelab.connect()
    lab.apply(scenarios.deployment("web"))
    lab.apply(scenarios.service("web", type="LoadBalancer"))
    service = lab.read("svc", "web")
    ip = service["status"]["loadBalancer"]["ingress"][0]["ip"]
    dot = read(lab.diagram_service("web"))
    assert f"{ip}:80" in dot.label(f"lb/{ip}")
    assert len([e for e in dot.visible_edges() if e.tail == f"lb/{ip}"]) == 3
    assert f"load balancer {ip}" in read(lab.diagram()).label("svc/default/web")


def test_missing_service_is_the_api_servers_404(lab: kubelab.Lab) -> None:
    with pytest.raises(ApiError) as err:
        lab.diagram_service("nope")
    assert err.value.code == 404


def test_service_graph_needs_the_service_in_the_snapshot() -> None:
    with pytest.raises(kubelab.UsageError):
        service_graph(Snapshot(), "web", "default")


# -- DNS -------------------------------------------------------------------------------------------


def test_dns_tries_along_the_search_path_are_struck_out(lab: kubelab.Lab) -> None:
    answer = lab.resolve("web.default")
    dot = read(lab.diagram_dns(answer))
    assert len(answer.tried) == 2
    first, second = dot.nodes["try/0"]["label"], dot.nodes["try/1"]["label"]
    assert "<S>" in first and "NXDOMAIN" in text_of(first) and LOOKS["nxdomain"].fill in first
    assert "<S>" not in second and "NOERROR" in text_of(second) and LOOKS["answer"].fill in second
    assert "search: default.svc.cluster.local" in text_of(first)
    [record] = dot.find("record/")
    assert "TTL 30 s" in dot.label(record)
    assert lab.read("svc", "web")["spec"]["clusterIP"] in dot.label(record)
    assert dot.edges_between("try/0", "try/1")[0].style == "dashed"
    assert "ndots:5" in dot.label("client")


def test_dns_nxdomain_everywhere(lab: kubelab.Lab) -> None:
    answer = lab.resolve("nope")
    dot = read(lab.diagram_dns(answer))
    assert len(dot.find("try/")) == len(answer.tried) == 4
    assert "as given" in dot.label("try/3")
    assert "NXDOMAIN" in dot.label("rcode")
    assert not dot.find("record/")


def test_dns_srv_with_additional_records(lab: kubelab.Lab) -> None:
    dot = read(lab.diagram_dns(lab.resolve("_http._tcp.web", type="SRV")))
    assert "SRV 0 100 80 web.default.svc.cluster.local." in dot.label("record/0")
    assert "additional" in dot.label("additional/0")


def test_dns_graph_from_a_hand_made_answer() -> None:
    answer = DnsAnswer("db.", "A", "NOERROR", (DnsRecord("db.", "A", "1.2.3.4", 5),),
                       ("db.",), "db.")
    dot = parse(dns_graph(answer).source)
    assert "absolute" in dot.label("try/0") and "TTL 5 s" in dot.label("record/0")


# -- requests ------------------------------------------------------------------------------------


def test_request_path_client_dns_vip_kube_proxy_pod(lab: kubelab.Lab) -> None:
    [result] = lab.request("web")
    dot = read(lab.diagram_request(result))
    [dns] = dot.find("dns/")
    [vip] = dot.find("vip/")
    [proxy] = dot.find("kube-proxy/")
    [pod] = dot.find("pod/")
    assert dot.edges_between("client", dns) and dot.edges_between(dns, vip)
    assert dot.edges_between(vip, proxy)
    [dnat] = dot.edges_between(proxy, pod)
    assert "p=0.33" in dnat.label
    assert f"pod {result.pod}" in dot.label(pod)
    assert "Service default/web" in dot.label(vip)


def test_many_requests_count_per_pod(lab: kubelab.Lab) -> None:
    results = lab.request("web", n=12)
    dot = read(lab.diagram_request(results))
    [proxy] = dot.find("kube-proxy/")
    counts = {}
    for edge in dot.visible_edges():
        if edge.tail == proxy:
            found = re.search(rf"(\d+){TIMES}", edge.label)
            assert found is not None
            counts[dot.label(edge.head).split()[1]] = int(found.group(1))
    expected: dict[str, int] = {}
    for r in results:
        assert r.pod is not None
        expected[r.pod] = expected.get(r.pod, 0) + 1
    assert counts == expected
    assert "12 requests" in dot.title
    assert f"12{TIMES}" in dot.edges_between("client", dot.find("dns/")[0])[0].label


def test_refused_when_the_service_has_no_endpoints(lab: kubelab.Lab) -> None:
    lab.apply(scenarios.service("empty", selector={"app": "nothing"}))
    dot = read(lab.diagram_request(lab.request("empty")))
    [refused] = dot.find("reject/")
    assert dot.nodes[refused]["shape"] == "octagon"
    assert dot.nodes[refused]["color"] == LOOKS["failed"].line
    assert "refused" in dot.label(refused) and "has no endpoints" in dot.label(refused)
    [edge] = [e for e in dot.visible_edges() if e.head == refused]
    assert edge.attrs["color"] == LINES["blocked"].color


def test_dropped_with_external_traffic_policy_local() -> None:
    lab = kubelab.connect()
    lab.apply(scenarios.deployment("web", replicas=1))
    lab.apply(scenarios.service("web", type="NodePort", externalTrafficPolicy="Local"))
    node_port = lab.read("svc", "web")["spec"]["ports"][0]["nodePort"]
    # the control plane holds no web pod: with policy Local its node port drops
    results = lab.request(f"172.18.0.2:{node_port}", from_outside=True)
    assert results[0].outcome == "timeout"
    dot = read(lab.diagram_request(results))
    [dropped] = dot.find("drop/")
    assert "dropped" in dot.label(dropped) and "no local endpoints" in dot.label(dropped)
    assert dot.find("nodeport/")


def test_snat_is_marked_when_a_node_port_forwards_to_another_node() -> None:
    lab = kubelab.connect()
    lab.apply(scenarios.deployment("web", replicas=1))
    lab.apply(scenarios.service("web", type="NodePort"))
    node_port = lab.read("svc", "web")["spec"]["ports"][0]["nodePort"]
    results = lab.request(f"172.18.0.2:{node_port}", from_outside=True)
    assert results[0].outcome == "ok"
    dot = read(lab.diagram_request(results))
    [proxy] = dot.find("kube-proxy/")
    [pod] = dot.find("pod/")
    [edge] = dot.edges_between(proxy, pod)
    assert edge.attrs["color"] == LINES["snat"].color
    assert "SNAT → 172.18.0.2" in edge.label and "p=1" in edge.label
    assert results[0].client_ip == "172.18.0.2"


def test_snat_twice_from_a_pod_to_another_nodes_port() -> None:
    lab = kubelab.connect()
    lab.apply(scenarios.deployment("web", replicas=1))
    lab.apply(scenarios.service("web", type="NodePort"))
    node_port = lab.read("svc", "web")["spec"]["ports"][0]["nodePort"]
    dot = read(lab.diagram_request(lab.request(f"172.18.0.4:{node_port}")))
    [entry] = dot.find("nodeport/")
    [leaving] = dot.edges_between("client", entry)  # kind-masq-agent on the client's node
    assert leaving.attrs["color"] == LINES["snat"].color and "SNAT → 172.18.0.3" in leaving.label
    [proxy] = dot.find("kube-proxy/")
    [arriving] = dot.edges_between(proxy, dot.find("pod/")[0])  # kube-proxy's masquerade
    assert "SNAT → 172.18.0.4" in arriving.label
    assert "on kubelab-worker2" in dot.label(proxy)


def test_refused_by_the_pod_when_nothing_listens(lab: kubelab.Lab) -> None:
    lab.apply(scenarios.service("raw", selector={"app": "web"}, target_port=8081))
    results = lab.request("raw")
    assert results[0].outcome == "refused"
    dot = read(lab.diagram_request(results))
    [pod] = dot.find("pod/")
    assert dot.nodes[pod]["shape"] == "octagon"
    assert "nothing listens" in dot.label(pod)


def test_nxdomain_request(lab: kubelab.Lab) -> None:
    dot = read(lab.diagram_request(lab.request("nope")))
    [dns] = dot.find("dns/")
    assert dot.nodes[dns]["color"] == LOOKS["failed"].line and "NXDOMAIN" in dot.label(dns)


def test_request_graph_from_hand_made_hops() -> None:
    hops = (Hop("client", "pod a (10.0.0.1) on n1: x", "10.0.0.1"),
            Hop("vip", "10.96.0.5:80 is the cluster IP of ns/s (port 80)", "10.96.0.5:80"),
            Hop("dnat", "10.96.0.5:80 → 10.0.0.9:80 (session affinity)", "10.0.0.9:80"),
            Hop("pod", "pod b (10.0.0.9) on n2 answers on port 80", "10.0.0.9:80"))
    dot = parse(request_graph([RequestResult("ok", "b", hops=hops)]).source)
    [proxy] = dot.find("kube-proxy/")
    assert dot.edges_between(proxy, "pod/10.0.0.9_80")[0].label == "session affinity"


def test_diagram_request_needs_results(lab: kubelab.Lab) -> None:
    with pytest.raises(kubelab.UsageError):
        lab.diagram_request([])


# -- why not? -------------------------------------------------------------------------------------


def findings(explanation: Explanation, level: str) -> list[str]:
    return [f.text for f in explanation.findings if f.level == level]


def test_why_not_typo_names_the_key(lab: kubelab.Lab) -> None:
    why = lab.why_not("web", "typo")
    assert not why.selected and not why.ok
    [label] = [f for f in why.problems if f.topic == "label"]
    assert label.key == "app"
    assert "the Service wants 'web', the pod has 'wbe'" in label.text and "typo" in label.text
    assert str(why).startswith("Service web does not select pod typo")


def test_why_not_case_only(lab: kubelab.Lab) -> None:
    why = lab.why_not("web", "shouty")
    assert "only the case differs" in why.problems[0].text


def test_why_not_missing_key_and_case_of_key() -> None:
    lab = kubelab.connect()
    lab.apply(scenarios.pod("p", labels={"App": "web"}))
    lab.apply(scenarios.service("web", selector={"app": "web", "tier": "front"}))
    texts = [f.text for f in lab.why_not("web", "p").problems]
    assert any("app: missing; the pod has App=web" in t and "case" in t for t in texts)
    assert "tier: missing (the Service wants tier=front)" in texts


def test_why_not_wrong_namespace(lab: kubelab.Lab) -> None:
    lab.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}})
    lab.apply(scenarios.pod("away", labels={"app": "web"}), namespace="other")
    why = lab.why_not("web", "away")
    [problem] = why.problems
    assert problem.topic == "namespace" and "'other'" in problem.text
    assert not why.selected


def test_why_not_not_ready_gives_the_condition(lab: kubelab.Lab) -> None:
    sick = pods(lab, "app=web")[0]
    lab.set_ready(sick, False)
    lab.advance(30)
    why = lab.why_not("web", sick)
    assert why.selected and not why.ok
    [problem] = why.problems
    assert "Ready=False (ContainersNotReady" in problem.text
    assert any("ready=false" in t for t in findings(why, "note"))


def test_why_not_terminating(lab: kubelab.Lab) -> None:
    leaving = pods(lab, "app=web")[0]
    lab.delete("pods", leaving)
    why = lab.why_not("web", leaving)
    assert [f.topic for f in why.problems] == ["terminating"]
    assert "grace period 30 s" in why.problems[0].text


def test_why_not_named_target_port_missing(lab: kubelab.Lab) -> None:
    odd = scenarios.pod("odd", labels={"app": "web"})
    odd["spec"]["containers"][0]["ports"] = [{"name": "web", "containerPort": 9090}]
    lab.apply(odd)
    [problem] = lab.why_not("web", "odd").problems
    assert problem.topic == "port"
    assert "targetPort 'http' is not found on the pod" in problem.text
    assert "web 9090/TCP" in problem.text


def test_why_not_a_good_pod(lab: kubelab.Lab) -> None:
    why = lab.why_not("web", pods(lab, "app=web")[0])
    assert why.ok and why.selected and "is a ready endpoint" in str(why)
    assert "ready=true" in findings(why, "ok")[-1]
    assert "✓" in why._repr_html_() and "kubelab-why-not" in why._repr_html_()


def test_why_not_selectorless_service_and_missing_pod(lab: kubelab.Lab) -> None:
    why = lab.why_not("kubernetes", "typo")
    assert why.problems[0].topic == "selector"
    with pytest.raises(ApiError):
        lab.why_not("web", "ghost")


def test_why_not_is_pure() -> None:
    svc = {"metadata": {"name": "s", "namespace": "a"}, "spec": {"selector": {"k": "v"}}}
    pod = {"metadata": {"name": "p", "namespace": "a", "labels": {"k": "V"}}}
    why = why_not(svc, pod)
    assert "only the case differs" in why.problems[0].text
    assert "no IP" in str(why)


def test_explanation_html_escapes() -> None:
    svc = {"metadata": {"name": "s", "namespace": "a"}, "spec": {"selector": {"k": "<v>"}}}
    pod = {"metadata": {"name": "p", "namespace": "a", "labels": {"k": "x"}}}
    page = why_not(svc, pod)._repr_html_()
    assert "&#x27;&lt;v&gt;&#x27;" in page and "<v>" not in page


# -- the rules the views share ---------------------------------------------------------------


CONTAINERS = {"spec": {
    "containers": [{"name": "app", "ports": [{"name": "http", "containerPort": 8080},
                                             {"name": "dns", "containerPort": 53,
                                              "protocol": "UDP"}]}],
    "initContainers": [{"name": "side", "restartPolicy": "Always",
                        "ports": [{"name": "metrics", "containerPort": 9100}]},
                       {"name": "init", "ports": [{"name": "once", "containerPort": 7000}]}],
}}


@pytest.mark.parametrize(("port", "expected"), [
    ({"port": 80, "targetPort": 8080}, 8080),
    ({"port": 80}, 80),
    ({"port": 80, "targetPort": "http"}, 8080),
    ({"port": 80, "targetPort": "http", "protocol": "UDP"}, None),
    ({"port": 53, "targetPort": "dns", "protocol": "UDP"}, 53),
    ({"port": 80, "targetPort": "metrics"}, 9100),  # a sidecar's port counts
    ({"port": 80, "targetPort": "once"}, None),  # a plain init container's does not
    ({"port": 80, "targetPort": "HTTP"}, None),  # names are case-sensitive
])
def test_resolve_target_port(port: dict[str, object], expected: int | None) -> None:
    assert resolve_target_port(port, CONTAINERS) == expected


def test_target_port_defaults_to_port() -> None:
    assert target_port({"port": 80}) == 80
    assert target_port({"port": 80, "targetPort": "http"}) == "http"


@pytest.mark.parametrize(("selector", "labels", "verdicts", "near"), [
    ({"app": "web"}, {"app": "web"}, ["match"], False),
    ({"app": "web"}, {"app": "wbe"}, ["different"], True),
    ({"app": "web"}, {"app": "db"}, ["different"], False),
    ({"app": "web"}, {"App": "web"}, ["missing"], True),
    ({"app": "web", "tier": "front"}, {"app": "web"}, ["match", "missing"], True),
    ({"app": "web"}, {}, ["missing"], False),
])
def test_compare_selector_keys(selector: dict[str, str], labels: dict[str, str],
                               verdicts: list[str], near: bool) -> None:
    checks = compare(selector, labels)
    assert [c.verdict for c in checks] == verdicts
    assert near_miss(checks) is near


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("web", "wbe", True), ("web", "Web", True), ("frontend", "frontedn", True),
    ("web", "db", False), ("api", "database", False),
])
def test_similar(a: str, b: str, expected: bool) -> None:
    assert similar(a, b) is expected


def test_views_never_import_a_backend() -> None:
    import ast

    package = Path(kubelab.__file__).parent
    for path in [*sorted((package / "diagrams").glob("*.py")), package / "ports.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                parts = name.split(".")
                assert parts[0] != "kubernetes" and parts[:2] not in (
                    ["kubelab", "mock"], ["kubelab", "kube"]), (
                    f"{path.name} imports {name}: views read objects, never a backend")


def test_gather_reads_through_the_facade(lab: kubelab.Lab) -> None:
    data = gather(lab, "default")
    assert len(data.nodes) == 3
    assert {s["metadata"]["name"] for s in data.services} == {"kubernetes", "web"}
    assert data.endpointslices and all(
        p["metadata"]["namespace"] == "default" for p in data.pods)
