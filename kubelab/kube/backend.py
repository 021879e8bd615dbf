"""KubeBackend: the Backend protocol on a real cluster (kind, or a context named
explicitly), through the API server's JSON.

Objects in and out are the API's own dicts (api.py, translate.py); the API server's
refusals are kubelab.ApiError with its Status (errors.py); every write passes the
safety rules (safety.py). Probes run inside the cluster in agnhost netexec pods
(probes.py, probepods.py); `set_ready` flips a file that kubelab's readiness probe
checks (readiness.py); `advance` lets real time pass.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from kubelab import errors, targets
from kubelab.backend import ClusterInfo, DnsAnswer, Hop, Object, RequestResult
from kubelab.kinds import Resource, resource_for, resource_for_object
from kubelab.kube import hops, outside, probes, readiness, resolve, safety, translate
from kubelab.kube.api import Api
from kubelab.kube.clusterinfo import cluster_info
from kubelab.kube.explain import explain_text
from kubelab.kube.probepods import CLIENT, NODE_PORT, ProbePods
from kubelab.resolvconf import ResolvConf

PODS = resource_for("pods")
NODES = resource_for("nodes")
SERVICES = resource_for("services")
NAMESPACES = resource_for("namespaces")
SLICES = resource_for("endpointslices")
BATCH = 100  # requests per probe call (in-cluster curls take ~10 ms each)

Results = list[RequestResult]
Runs = list[list[probes.Transfer]]  # the transfers of each request


@dataclass(frozen=True)
class Sender:
    """The pod a probe runs in, and who it is in the lesson's terms."""

    namespace: str
    pod: str
    port: int  # netexec's HTTP port
    client: hops.Client
    uid: str = ""


@dataclass(frozen=True)
class Sent:
    """Requests sent: by whom, to which address, and what came of them."""

    client: hops.Client
    ip: str
    port: int
    results: list[RequestResult]


def _say(text: str) -> None:
    print(text, flush=True)


class KubeBackend:
    """A real cluster behind the Backend protocol. Per-instance state only."""

    def __init__(self, api: Api, *, context: str, cluster: str, probe_namespace: str,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic,
                 say: Callable[[str], None] = _say,
                 connect: outside.Connect | None = None) -> None:
        self.api = api
        self.context = context
        self.cluster = cluster
        self.sleep = sleep
        self.clock = clock
        self.say = say
        self._connect = connect
        self.probes = ProbePods(api, probe_namespace, sleep=sleep, clock=clock)
        self._info: ClusterInfo | None = None
        self._owned_namespaces: set[str] = set()
        self._resolv: dict[tuple[str, str, str, str], ResolvConf] = {}

    # -- the cluster ----------------------------------------------------------------------

    def info(self) -> ClusterInfo:
        if self._info is None:
            self._info = cluster_info(self.api, self.cluster, self.context)
        return self._info

    def now(self) -> datetime:
        return datetime.now(timezone.utc).replace(microsecond=0)

    def advance(self, seconds: float) -> None:
        """Real time passes: sleep, saying so when it is more than a few seconds."""
        if seconds <= 0:
            return
        loud = seconds >= 5
        if loud:
            self.say(f"waiting {seconds:g} s of real time on the cluster...")
        end = self.clock() + seconds
        next_note = self.clock() + 10
        while (left := end - self.clock()) > 0:
            self.sleep(min(left, 1.0))
            if loud and self.clock() >= next_note and end - self.clock() > 1:
                self.say(f"  {end - self.clock():.0f} s left")
                next_note += 10

    # -- reading: anywhere ----------------------------------------------------------------

    def read(self, res: Resource, name: str, namespace: str | None) -> Object:
        return self.api.get(res, name, namespace)

    def list(self, res: Resource, namespace: str | None, selector: str | None) -> list[Object]:
        return self.api.list(res, namespace, selector)

    # -- writing: only what kubelab owns ----------------------------------------------------

    def create(self, obj: Object, namespace: str | None = None) -> Object:
        res = resource_for_object(obj)
        name = (obj.get("metadata") or {}).get("name", "")
        self._may_write(res, namespace, "create", name)
        return self.api.create(res, translate.outgoing(obj, res), namespace)

    def replace(self, obj: Object, namespace: str | None = None) -> Object:
        res = resource_for_object(obj)
        name = (obj.get("metadata") or {}).get("name", "")
        self._may_change(res, name, namespace, "replace")
        return self.api.replace(res, translate.outgoing(obj, res), namespace)

    def patch(self, res: Resource, name: str, namespace: str | None, patch: Object,
              patch_type: str) -> Object:
        self._may_change(res, name, namespace, "patch")
        return self.api.patch(res, name, namespace, patch, patch_type)

    def delete(self, res: Resource, name: str, namespace: str | None) -> None:
        self._may_change(res, name, namespace, "delete")
        self.api.delete(res, name, namespace)
        if res.kind == "Namespace":
            self._owned_namespaces.discard(name)

    def _may_write(self, res: Resource, namespace: str | None, verb: str, name: str) -> None:
        if not res.namespaced:
            safety.check_cluster_write(res.kind, verb, name)
            return
        if not namespace:
            raise errors.UsageError(f"{verb} {res.plural}: name the namespace")
        if namespace not in self._owned_namespaces:
            safety.check_namespace(self.api.get(NAMESPACES, namespace, None), verb)
            self._owned_namespaces.add(namespace)

    def _may_change(self, res: Resource, name: str, namespace: str | None, verb: str) -> None:
        """A change to an existing object: the namespace is kubelab's, and so is it."""
        if not name:
            raise errors.UsageError(f"{verb}: which {res.singular}? (metadata.name is empty)")
        self._may_write(res, namespace, verb, name)
        live = self.api.get(res, name, namespace)  # a missing object: the server's 404
        safety.check_object(live, verb, res.qualified)

    # -- readiness ----------------------------------------------------------------------

    def set_ready(self, pod: str, namespace: str, ready: bool) -> None:
        """Create or remove the file kubelab's readiness probe checks (readiness.py)."""
        live = self.api.get(PODS, pod, namespace)
        self._may_write(PODS, namespace, "set readiness", pod)
        safety.check_object(live, "set readiness of", PODS.qualified)
        for _container, port in readiness.flip_targets(live):
            result = self.api.shell(namespace, pod, port, readiness.flip_command(ready))
            if result.error:
                raise errors.UsageError(
                    f'pod "{pod}": could not {"remove" if ready else "create"} '
                    f"{readiness.NOT_READY_FILE} ({result.error}: {result.output.strip()})"
                )

    # -- probes ---------------------------------------------------------------------------

    def resolve(self, name: str, qtype: str, from_pod: str, namespace: str) -> DnsAnswer:
        qtype = resolve.qtype_of(qtype)
        sender = self._sender(from_pod or CLIENT, None, namespace, named=from_pod != CLIENT)
        return self._resolve_from(sender, name, qtype, namespace)

    def _resolve_from(self, sender: Sender, name: str, qtype: str,
                      namespace: str) -> DnsAnswer:
        conf = self._resolv_conf(sender)
        names, as_is_first = resolve.candidates(name, qtype, conf)
        script = probes.resolve_script(names, qtype, conf.nameservers[0]
                                       if conf.nameservers else "")
        timeout = len(names) * probes.DIG_TIME * probes.DIG_TRIES + 15
        output = self._run(sender, script, timeout)
        return resolve.dns_answer(name, qtype, names, as_is_first, output, conf,
                                  sender.client.name, namespace)

    def _resolv_conf(self, sender: Sender) -> ResolvConf:
        key = (sender.namespace, sender.pod, sender.uid, sender.client.namespace)
        if key not in self._resolv:
            conf = probes.parse_resolv_conf(self._run(sender, probes.resolv_conf_script(), 30))
            if sender.client.stand_in:
                conf = probes.for_namespace(conf, self.probes.namespace, sender.client.namespace,
                                            self.info().domain)
            self._resolv[key] = conf
        return self._resolv[key]

    def request(self, target: str, *, from_pod: str | None, from_node: str | None,
                from_outside: bool, namespace: str, n: int) -> Results:
        return self._send(target, from_pod, from_node, from_outside, namespace, n).results

    def _send(self, target: str, from_pod: str | None, from_node: str | None,
              from_outside: bool, namespace: str, n: int) -> Sent:
        parsed = targets.parse_target(target)
        if from_outside:
            return self._send_from_outside(parsed, n)
        sender = self._sender(from_pod or CLIENT, from_node, namespace,
                              named=from_pod is not None)
        client = sender.client
        before = [Hop("client", client.describe(), client.ip)]
        if parsed.is_ip:
            ip, port = parsed.host, parsed.port or 80
        else:
            answer = self._resolve_from(sender, parsed.host, "A", namespace)
            found = self._address(parsed, answer)
            if isinstance(found, Hop):
                failed = [RequestResult("nxdomain", hops=(*before, found)) for _ in range(n)]
                return Sent(client, "", 0, failed)
            ip, port, dns_hop = found
            before.append(dns_hop)
        runs: Runs = []
        for start in range(0, n, BATCH):
            count = min(BATCH, n - start)
            timeout = count * (probes.MAX_TIME + 1) + 15
            output = self._run(sender, probes.request_script(ip, port, count), timeout)
            runs.extend(probes.parse_requests(output)[:count])
        runs.extend([] for _ in range(n - len(runs)))
        return Sent(client, ip, port, self._results(client, tuple(before), ip, port, runs,
                                                    namespace))

    def _address(self, parsed: targets.Target,
                 answer: DnsAnswer) -> tuple[str, int, Hop] | Hop:
        records = [r for r in answer.records if r.type == "A"]
        if not records:
            why = answer.rcode if answer.rcode != "NOERROR" else "no A record"
            return Hop("dns", f"{parsed.host}: {why} (asked {', '.join(answer.tried)})")
        first = records[0]
        many = f", first of {len(records)} addresses" if len(records) > 1 else ""
        detail = (f"{parsed.host} → {first.value} (A record of {first.name}, "
                  f"TTL {first.ttl}{many})")
        port = parsed.port or self._default_port(answer.answered or "")
        return first.value, port, Hop("dns", detail, first.value)

    def _default_port(self, answered: str) -> int:
        """No port given: the first port of the Service the name belongs to, else 80."""
        found = resolve.service_of(answered, self.info().domain)
        if found is None:
            return 80
        try:
            svc = self.api.get(SERVICES, found[1], found[0])
        except errors.ApiError:
            return 80
        ports = (svc.get("spec") or {}).get("ports") or []
        return int(ports[0]["port"]) if ports else 80

    def _send_from_outside(self, parsed: targets.Target, n: int) -> Sent:
        client = hops.Client("outside", "host", "")
        before = [Hop("client", client.describe())]
        ip = parsed.host if parsed.is_ip else outside.resolve_here(parsed.host)
        if ip is None:
            hop = Hop("dns", f"{parsed.host}: NXDOMAIN (this computer's resolver; cluster "
                      "names resolve only inside the cluster)")
            return Sent(client, "", 0,
                        [RequestResult("nxdomain", hops=(*before, hop)) for _ in range(n)])
        if not parsed.is_ip:
            before.append(Hop("dns", f"{parsed.host} → {ip} (this computer's resolver)", ip))
        port = parsed.port or 80
        connect = self._connect or outside.connect_http
        runs = [outside.one_request(ip, port, connect) for _ in range(n)]
        return Sent(client, ip, port, self._results(client, tuple(before), ip, port, runs, ""))

    def _results(self, client: hops.Client, before: tuple[Hop, ...], ip: str, port: int,
                 runs: Runs, namespace: str) -> Results:
        services = self.api.list(SERVICES, None)
        nodes = self.api.list(NODES, None)
        names = {run[0].body for run in runs if run and probes.outcome(run[0]) == "ok"}
        pods = {name: pod for name in sorted(names)
                if (pod := self._pod_named(name, namespace)) is not None}
        return [hops.result(client, before, ip, port, run, pods, services, nodes)
                for run in runs]

    def _pod_named(self, hostname: str, namespace: str) -> Object | None:
        """The pod whose hostname answered (its name, unless spec.hostname says else)."""
        if not hostname:
            return None
        found = self.api.list(PODS, None, field_selector=f"metadata.name={hostname}")
        found.sort(key=lambda p: p["metadata"].get("namespace") != namespace)
        return found[0] if found else None

    def explain(self, target: str, *, from_pod: str | None, from_node: str | None,
                from_outside: bool, namespace: str) -> str:
        sent = self._send(target, from_pod, from_node, from_outside, namespace, 1)
        service = None
        if sent.ip:
            _hop, sp = hops.destination(sent.ip, sent.port, self.api.list(SERVICES, None),
                                        self.api.list(NODES, None))
            service = sp.service if sp is not None else None
        slices = self.api.list(SLICES, None) if service is not None else []
        rules_node = sent.client.node or f"{self.cluster}-worker"
        return explain_text(target, sent.results[0], service, slices, rules_node)

    # -- who sends ------------------------------------------------------------------------

    def _sender(self, pod: str, node: str | None, namespace: str, named: bool) -> Sender:
        if node is not None:
            return self._node_sender(node)
        try:
            live = self.api.get(PODS, pod, namespace)
        except errors.ApiError as err:
            if err.code != 404 or named:
                raise
            return self._stand_in(namespace)
        self._may_write(PODS, namespace, "run a probe", pod)  # /shell runs commands there
        return self._pod_sender(live, namespace)

    def _node_sender(self, node: str) -> Sender:
        obj = self.api.get(NODES, node, None)
        probe = self.probes.node(node)
        ip = next(iter(hops.node_ips([obj])), "")
        client = hops.Client("node", node, ip, node)
        return Sender(self.probes.namespace, probe["metadata"]["name"], NODE_PORT, client,
                      probe["metadata"].get("uid", ""))

    def _pod_sender(self, pod: Object, namespace: str) -> Sender:
        name = pod["metadata"]["name"]
        status = pod.get("status") or {}
        if status.get("phase") != "Running" or not status.get("podIP"):
            raise errors.UsageError(
                f'pod "{name}" is {status.get("phase", "Pending")} (no IP, or not running): '
                "it cannot send requests yet; let time pass (lab.advance) and try again")
        containers = [c for c in pod["spec"].get("containers") or []
                      if readiness.is_netexec(c)]
        if not containers:
            raise errors.UsageError(
                f'pod "{name}" runs no agnhost netexec container: on a real cluster kubelab '
                "probes from netexec pods (scenarios.pod / scenarios.deployment)")
        client = hops.Client("pod", name, status["podIP"], pod["spec"].get("nodeName"),
                             namespace, host_network=bool(pod["spec"].get("hostNetwork")))
        return Sender(namespace, name, readiness.http_port(containers[0]), client,
                      pod["metadata"].get("uid", ""))

    def _stand_in(self, namespace: str) -> Sender:
        self.api.get(NAMESPACES, namespace, None)  # a missing namespace: the server's 404
        probe = self.probes.client(self.api.list(NODES, None))
        client = hops.Client("pod", CLIENT, probe["status"].get("podIP", ""),
                             probe["spec"].get("nodeName"), namespace, stand_in=True)
        return Sender(self.probes.namespace, CLIENT, probe_port(probe), client,
                      probe["metadata"].get("uid", ""))

    def _run(self, sender: Sender, script: str, timeout: float) -> str:
        return self.api.shell(sender.namespace, sender.pod, sender.port, script,
                              timeout=timeout).output


def probe_port(pod: Object) -> int:
    containers = pod["spec"].get("containers") or []
    return readiness.http_port(containers[0]) if containers else readiness.DEFAULT_HTTP_PORT
