"""Requests through the simulated data plane: DNS, kube-proxy, kind's load balancer, a pod.

`request` sends n requests, each a new TCP connection (n runs of curl), and tells for each
which pod answered, on which port, what source address the pod saw, and the hops on the
way. `request_counts` makes the very same random choices without building results, for
big numbers. `explain` prints the path with the rules kube-proxy wrote for it.

A request is planned once (paths.plan: a tree of dataplane.Choice / Spread nodes whose
leaves are finished results), then each connection walks the tree with
`api.rng("proxy")`: Envoy picks a node (`rng.randrange`), kube-proxy picks an endpoint
with one `rng.random()` against its rules' cumulative shares, unless a session-affinity
rule hits (no draw then). request_counts makes the same calls in the same order.
The kernel draws once per statistic rule; one draw against the cumulative shares of the
rules (computed from the probabilities as the kernel stores them) has the same law.
explain() draws nothing from "proxy"; a name it resolves goes through the simulated
CoreDNS, which shuffles answers with api.rng("dns") as a real lookup would.

Simplifications (everything else follows upstream; see kubeproxy.py, network.py, paths.py):
- requests are TCP (curl); a pod listens on the TCP containerPorts it declares, nothing
  else (network.listens);
- a name without a port: the first port of the Service the name belongs to, else 80
  (curl's default); an IP without a port: 80;
- with several A records (headless Services) the client takes the first one;
- with sessionAffinity ClientIP, Envoy's ring hash is a stable hash of the client address
  (Envoy's own ring differs; the stickiness is the same); a node's affinity list for an
  endpoint is forgotten only when a request finds the endpoint gone from the chain;
- the internet is internet.py's few example hosts, answering on ports 80 and 443.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from random import Random

from kubelab import errors
from kubelab.backend import RequestResult
from kubelab.mock import kubeproxy, network, paths
from kubelab.mock.api import ApiServer
from kubelab.mock.dataplane import Choice, Spread, Step, Trip

# -- public functions --------------------------------------------------------------------


def request(
    api: ApiServer, target: str, *, from_pod: str | None = None, from_node: str | None = None,
    from_outside: bool = False, namespace: str = "default", n: int = 1,
) -> list[RequestResult]:
    """Send `n` requests to `target` ("web", "web:8080", "10.96.0.10:53", ...), each a new
    connection, from a pod (default: the probe pod "client"), a node or outside."""
    _check_count(n)
    client = network.client_for(api, from_pod, from_node, from_outside, namespace)
    rng, results = api.rng("proxy"), []
    step, volatile = None, True
    for _ in range(n):
        if volatile:
            trip = Trip(api, client)
            step, volatile = paths.plan(trip, target), trip.volatile
        assert step is not None
        results.append(_draw(api, rng, step))
    return results


def request_counts(
    api: ApiServer, target: str, *, from_pod: str | None = None, from_node: str | None = None,
    from_outside: bool = False, namespace: str = "default", n: int = 1,
) -> dict[str, int]:
    """How many of `n` requests each pod answered: the same draws as `request(..., n=n)`.

    Keys are pod names; requests that no pod answered count under their outcome
    ("refused", "timeout", "nxdomain", or "ok" for a host outside the cluster).
    """
    _check_count(n)
    client = network.client_for(api, from_pod, from_node, from_outside, namespace)
    rng = api.rng("proxy")
    trip = Trip(api, client)
    step = paths.plan(trip, target)
    counts: Counter[str] = Counter()
    if isinstance(step, Choice) and step.affinity is None and not trip.volatile:
        bounds, total, rand = step.bounds, step.total, rng.random
        drawn = Counter([bisect_right(bounds, rand() * total) for _ in range(n)])
        for index, times in drawn.items():
            counts[_key(step.picked[index])] += times
    else:
        for i in range(n):
            if i and trip.volatile:
                trip = Trip(api, client)
                step = paths.plan(trip, target)
            counts[_key(_draw(api, rng, step))] += 1
    return dict(sorted(counts.items()))


def explain(
    api: ApiServer, target: str, *, from_pod: str | None = None, from_node: str | None = None,
    from_outside: bool = False, namespace: str = "default",
) -> str:
    """The path a request to `target` takes, with kube-proxy's rules; draws nothing."""
    client = network.client_for(api, from_pod, from_node, from_outside, namespace)
    trip = Trip(api, client, explaining=True)
    trip.notes.append(f"{'request:':<14}{target}")
    paths.plan(trip, target)
    return "\n".join(trip.notes)


def _check_count(n: int) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise errors.UsageError("n is the number of requests: a whole number >= 0")


def _key(result: RequestResult) -> str:
    return result.pod if result.outcome == "ok" and result.pod else result.outcome


# -- drawing ------------------------------------------------------------------------------


def _draw(api: ApiServer, rng: Random, step: Step) -> RequestResult:
    while isinstance(step, Spread):
        index = step.hashed if step.hashed is not None else rng.randrange(len(step.branches))
        step = step.branches[index]
    if isinstance(step, RequestResult):
        return step
    if step.affinity is None:
        return step.picked[bisect_right(step.bounds, rng.random() * step.total)]
    now = api.clock.seconds
    lists = kubeproxy.affinity_lists(api, step.node, step.name)
    kubeproxy.forget_gone(lists, step.live)
    sticky = kubeproxy.sticky_index(lists, step.sep_chains, step.source, now, step.affinity)
    if sticky is not None:
        kubeproxy.stamp(lists, step.sep_chains[sticky], step.source, now)
        return step.stuck[sticky]
    index = bisect_right(step.bounds, rng.random() * step.total)
    kubeproxy.stamp(lists, step.sep_chains[index], step.source, now)
    return step.picked[index]
