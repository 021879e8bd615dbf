"""Lesson 05, service discovery with DNS: names, namespaces, the search path, SRV."""

from __future__ import annotations

from urllib.parse import urlsplit

from kubelab import scenarios
from kubelab.exercises import checks
from kubelab.exercises.checks import Object
from kubelab.exercises.core import Exercise, Finding, register
from kubelab.facade import Lab

# Service web in default as setup_dns makes it: one port, left unnamed (allowed for one).
WEB_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 8080
"""

SHOP = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
"""

CLIENT = """\
apiVersion: v1
kind: Pod
metadata:
  name: client
  namespace: shop
  labels:
    app: client
spec:
  containers:
  - name: app
    image: registry.k8s.io/e2e-test-images/agnhost:2.53
    args: ["netexec", "--http-port=8080"]
    env:
    - name: WEB_URL
      value: http://web.default
"""

NAMED = WEB_SERVICE.replace("  - port: 80\n", "  - name: http\n    port: 80\n")


def setup_dns(lab: Lab) -> None:
    """web (Deployment and Service) in default; namespace shop with its own Service web."""
    lab.apply([scenarios.deployment("web"),
               scenarios.service("web", ports=[{"port": 80, "targetPort": 8080}])])
    lab.apply(SHOP)
    lab.apply([scenarios.deployment("web", replicas=1), scenarios.service("web")],
              namespace="shop")


def _url_finding(pod: Object) -> tuple[str | None, Finding]:
    env = {e.get("name"): e.get("value") for c in pod["spec"]["containers"]
           for e in c.get("env") or []}
    url = env.get("WEB_URL")
    if not url:
        return None, Finding(False, "pod client has no environment variable WEB_URL",
                             "add under the container: env: [{name: WEB_URL, value: "
                             "http://NAME}] (a pod's env cannot change: delete the pod "
                             "and create it again)")
    host = urlsplit(url if "//" in url else f"http://{url}").hostname or ""
    return host, Finding(True, f"pod client has WEB_URL={url}")


def _name_finding(lab: Lab, host: str) -> Finding:
    answer = lab.resolve(host, from_pod="client", namespace="shop")
    want = lab.read("svc", "web", "default")["spec"]["clusterIP"]
    shop_ip = lab.read("svc", "web", "shop")["spec"]["clusterIP"]
    got = [r.value for r in answer.records if r.type == "A"]
    if want in got:
        return Finding(True, f"{host} resolves from namespace shop to {want}, Service web of "
                       f"namespace default ({answer.answered})")
    if shop_ip in got:
        return Finding(False, f"from namespace shop, {host} is the Service web of namespace "
                       f"shop ({shop_ip})",
                       "a short name is tried with the pod's own namespace first (search "
                       "path shop.svc.cluster.local): add the namespace, web.default")
    tried = ", ".join(answer.tried)
    return Finding(False, f"{host} does not resolve from namespace shop ({answer.rcode})",
                   f"the resolver tried {tried}; none exists. A Service's name is "
                   "SERVICE.NAMESPACE.svc.cluster.local, and SERVICE.NAMESPACE is enough")


def _check_cross_namespace(lab: Lab) -> list[Finding]:
    pod, found = checks.exists(lab, "pod", "client", "shop")
    if pod is None:
        return [found]
    host, url = _url_finding(pod)
    if host is None:
        return [found, url]
    name = _name_finding(lab, host)
    findings = [found, url, name]
    if name.ok:
        findings.append(checks.request_finding(lab, f"{host}:80", "shop", from_pod="client"))
    return findings


def _port_name_finding(svc: Object) -> Finding:
    entry = next((p for p in svc["spec"].get("ports") or [] if p.get("port") == 80), None)
    if entry is None:
        return Finding(False, "Service web has no port 80", "keep port: 80, targetPort: 8080")
    name, proto = entry.get("name"), entry.get("protocol", "TCP")
    if not name:
        return Finding(False, "port 80 of Service web has no name",
                       "SRV records exist only for named ports: add name: http to the port")
    if (name, proto) != ("http", "TCP"):
        return Finding(False, f"port 80 of Service web is named {name} ({proto})",
                       f"so its SRV name is _{name}._{proto.lower()}.web.default.svc."
                       "cluster.local: name the port http and keep protocol TCP")
    return Finding(True, "port 80 of Service web is named http (TCP)")


def _check_srv(lab: Lab) -> list[Finding]:
    svc, found = checks.exists(lab, "svc", "web")
    if svc is None:
        return [found]
    findings = [found, _port_name_finding(svc)]
    query = "_http._tcp.web.default.svc.cluster.local"
    answer = lab.resolve(query, type="SRV")
    if answer.records:
        findings.append(Finding(True, f"SRV {query}: {answer.records[0].value}"))
    else:
        findings.append(Finding(False, f"SRV {query} answers {answer.rcode}",
                                "the SRV name is built from the port's name and protocol"))
    return findings


register(Exercise(
    id="05.1",
    title="Across namespaces",
    task="""\
Namespace `shop` has a Service named `web` of its own. Create a Pod `client` in namespace
`shop` (agnhost, like the others) with an environment variable `WEB_URL` whose value is
`http://NAME`, where NAME reaches the Service `web` of namespace **default** from there.
Use the shortest name that works.""",
    setup=setup_dns,
    check=_check_cross_namespace,
    solution=CLIENT,
    apply_solution=checks.applying(CLIENT),
    mistakes={
        "short_name": checks.applying(CLIENT.replace("http://web.default", "http://web")),
        "typo": checks.applying(CLIENT.replace("web.default", "web.defualt")),
        "no_env": checks.applying(CLIENT.split("    env:\n")[0]),
    },
    mistake_hints={"short_name": "web.default", "typo": "web.defualt.shop.svc.cluster.local.",
                   "no_env": "env:"},
    why="A pod's resolv.conf searches its own namespace first (shop.svc.cluster.local), so "
        "`web` from shop is shop's own Service. `web.default` has fewer dots than ndots (5), "
        "so the search list is tried: web.default.shop.svc.cluster.local does not exist, "
        "web.default.svc.cluster.local does.",
))

register(Exercise(
    id="05.2",
    title="An SRV record for the port",
    task="""\
Service `web` in namespace default has one port, 80, with no name. Change the Service so
that the SRV query `_http._tcp.web.default.svc.cluster.local` answers with port 80.""",
    setup=setup_dns,
    check=_check_srv,
    solution=NAMED,
    apply_solution=checks.applying(NAMED),
    mistakes={
        "unnamed": lambda lab: None,
        "named_web": checks.applying(NAMED.replace("name: http", "name: web")),
        "udp": checks.applying(NAMED.replace("port: 80\n", "port: 80\n    protocol: UDP\n")),
    },
    mistake_hints={"unnamed": "named ports", "named_web": "_web._tcp", "udp": "_http._udp"},
    why="The DNS specification gives each named port of a Service an SRV record "
        "_PORTNAME._PROTOCOL.SERVICE.NAMESPACE.svc.cluster.local, whose answer holds the port "
        "number and the Service's name: a client finds the port without knowing it.",
))
