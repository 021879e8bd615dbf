"""kubelab's speed and scale figures, printed (not timed tests).

    .venv/bin/python benchmarks/run.py            # everything
    .venv/bin/python benchmarks/run.py api dns     # some of it

Each figure is printed beside its goal on this project's reference machine (2 cores).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import kubelab
from kubelab import scenarios


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _report(what: str, seconds: float, goal: str) -> None:
    print(f"{what:<62} {seconds * 1000:>10.1f} ms   (goal {goal})")


def bench_api() -> None:
    """5,000 pods through 1,000 Deployments and 1,000 Services, slices reconciled.

    A node runs at most 110 pods (the kubelet's default maxPods), so 5,000 running pods
    need 47 workers (each node also runs kindnet and kube-proxy); with kind's default
    two, most would stay Pending, as on kind.
    """
    lab = kubelab.connect(seed=0, workers=47)
    deployments = [scenarios.deployment(f"app{i}", replicas=5) for i in range(1000)]
    services = [scenarios.service(f"app{i}") for i in range(1000)]
    seconds = _timed(lambda: (lab.apply(deployments), lab.apply(services)))
    pods = sum(p["status"].get("phase") == "Running" for p in lab.list("pods"))
    slices = len(lab.list("endpointslices"))
    _report(f"apply 1,000 Deployments ({pods} running pods) + 1,000 Services ({slices} slices)",
            seconds, "< 2000 ms")


def bench_lesson_call() -> None:
    """The median latency of the calls a lesson makes on a lesson-sized cluster."""
    lab = kubelab.connect(seed=0)
    lab.apply(scenarios.deployment("web", replicas=3))
    lab.apply(scenarios.service("web"))
    calls: dict[str, Callable[[], object]] = {
        "read svc": lambda: lab.read("svc", "web"),
        "list pods with a selector": lambda: lab.list("pods", selector="app=web"),
        "apply an unchanged Service": lambda: lab.apply(scenarios.service("web")),
    }
    for name, call in calls.items():
        samples = [_timed(call) for _ in range(300)]
        _report(f"median lesson call: {name}", statistics.median(samples), "< 1 ms")


def bench_requests() -> None:
    """1,000,000 simulated requests to a 10-endpoint Service."""
    from kubelab.mock import proxy

    lab = kubelab.connect(seed=0)
    lab.apply(scenarios.deployment("web", replicas=10))
    lab.apply(scenarios.service("web"))
    api = lab.backend.api  # type: ignore[attr-defined]
    seconds = _timed(lambda: proxy.request_counts(api, "web", n=1_000_000))
    _report("1,000,000 requests to a 10-endpoint Service", seconds, "< 1000 ms")


def bench_dns() -> None:
    """100,000 DNS lookups of a Service name from a pod."""
    lab = kubelab.connect(seed=0)
    lab.apply(scenarios.service("web"))
    seconds = _timed(lambda: [lab.resolve("web") for _ in range(100_000)])
    _report("100,000 DNS lookups (search path included)", seconds, "< 1000 ms")


def bench_diagram() -> None:
    """Build and render the cluster diagram of a 30-pod cluster (to SVG, with the renderer
    kubelab finds: system dot first, else graphviz-pure)."""
    from kubelab.diagrams import find_renderer

    lab = kubelab.connect(seed=0)
    for i in range(3):
        lab.apply(scenarios.deployment(f"app{i}", replicas=10))
        lab.apply(scenarios.service(f"app{i}"))
    lab.diagram().svg()  # the first drawing also imports graphviz: not counted
    samples = [_timed(lambda: lab.diagram().svg()) for _ in range(15)]
    renderer = find_renderer()
    _report(f"30-pod cluster diagram, build + render ({renderer.name})",
            statistics.median(samples), "< 150 ms")


def bench_widget() -> None:
    """A widget change (the selector explorer's Apply) until the new SVG is in the widget."""
    from kubelab import widgets

    lab = kubelab.connect(seed=0)
    lab.apply(scenarios.deployment("web", replicas=3))
    lab.apply(scenarios.pod("web-canary", {"app": "web", "tier": "front"}))
    lab.apply(scenarios.service("web"))
    explorer = widgets.selector_explorer(lab, "web")
    selectors = ["app=web,tier=front", "app=web"]
    samples = []
    for i in range(20):
        explorer.selector_text.value = selectors[i % 2]
        before = explorer.diagram_html.renders
        samples.append(_timed(explorer.apply_button.click))
        assert explorer.diagram_html.renders == before + 1, "the diagram was not redrawn"
    _report("widget change -> new SVG (selector explorer, Python side)",
            statistics.median(samples), "< 100 ms")


BENCHMARKS = {"api": bench_api, "lesson": bench_lesson_call, "requests": bench_requests,
              "dns": bench_dns, "diagram": bench_diagram, "widget": bench_widget}


def main(names: list[str]) -> None:
    print(f"kubelab {kubelab.__version__}, simulated Kubernetes {kubelab.KUBERNETES_VERSION}")
    for name in names or list(BENCHMARKS):
        BENCHMARKS[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
