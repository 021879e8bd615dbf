"""Readiness toggled for real: an exec probe kubelab adds, and a file it flips.

The lessons' pods run agnhost netexec (scenarios.py). agnhost's image has a shell
(Alpine's busybox), and netexec serves `/shell?cmd=...`, which runs a command in its
container and answers JSON (test/images/agnhost/netexec/netexec.go, shellHandler). So:

- on the way in (create/replace), every netexec container without a readinessProbe gets

      readinessProbe:
        exec: {command: [/bin/sh, -c, "test ! -e /tmp/kubelab-not-ready"]}
        periodSeconds: 1        # the kubelet notices a flip within about a second
        successThreshold: 1
        failureThreshold: 1

- `set_ready(pod, False)` creates /tmp/kubelab-not-ready in those containers and
  `set_ready(pod, True)` removes it, through the API server's pod proxy to netexec's
  /shell (GET /api/v1/namespaces/NS/pods/NAME:PORT/proxy/shell?cmd=touch ...). The
  kubelet's next probe reports the new state; the EndpointSlice controller follows.

Works with the unmodified agnhost image and needs no `pods/exec` permission, only
`pods/proxy`. A container with its own readinessProbe keeps it, and set_ready refuses to
pretend it controls that one.
"""

from __future__ import annotations

import copy
import shlex
from typing import Any

from kubelab.errors import UsageError

Object = dict[str, Any]

NOT_READY_FILE = "/tmp/kubelab-not-ready"
PROBE: Object = {
    "exec": {"command": ["/bin/sh", "-c", f"test ! -e {NOT_READY_FILE}"]},
    "periodSeconds": 1,
    "successThreshold": 1,
    "failureThreshold": 1,
}
DEFAULT_HTTP_PORT = 8080  # netexec's --http-port default


def is_netexec(container: Object) -> bool:
    words = [*(container.get("command") or []), *(container.get("args") or [])]
    return "agnhost" in str(container.get("image", "")) and "netexec" in words


def http_port(container: Object) -> int:
    """The port netexec listens on: --http-port=N or --http-port N, else 8080."""
    words = [str(w) for w in [*(container.get("command") or []), *(container.get("args") or [])]]
    for i, word in enumerate(words):
        flag = word.lstrip("-")
        if flag.startswith("http-port="):
            return int(flag.split("=", 1)[1])
        if flag == "http-port" and word.startswith("-") and i + 1 < len(words):
            return int(words[i + 1])
    return DEFAULT_HTTP_PORT


def pod_specs(obj: Object, kind: str) -> list[Object]:
    """The pod specs inside an object: a Pod's own, a workload's template."""
    if kind == "Pod":
        spec = obj.get("spec")
        return [spec] if isinstance(spec, dict) else []
    template = ((obj.get("spec") or {}).get("template") or {}).get("spec")
    return [template] if isinstance(template, dict) else []


def with_probes(obj: Object, kind: str) -> Object:
    """A copy with kubelab's readiness probe on each netexec container that has none."""
    out = copy.deepcopy(obj)
    for spec in pod_specs(out, kind):
        for container in spec.get("containers") or []:
            if is_netexec(container) and not container.get("readinessProbe"):
                container["readinessProbe"] = copy.deepcopy(PROBE)
    return out


def has_kubelab_probe(container: Object) -> bool:
    probe = container.get("readinessProbe") or {}
    command = (probe.get("exec") or {}).get("command")
    return bool(command == PROBE["exec"]["command"])


def flip_targets(pod: Object) -> list[tuple[str, int]]:
    """(container, netexec port) of each container whose readiness kubelab controls;
    a UsageError that says why when there is none."""
    name = pod["metadata"]["name"]
    containers = (pod.get("spec") or {}).get("containers") or []
    targets = [(c["name"], http_port(c)) for c in containers
               if is_netexec(c) and has_kubelab_probe(c)]
    if targets:
        return targets
    own = [c["name"] for c in containers if c.get("readinessProbe")]
    if own:
        raise UsageError(
            f'pod "{name}": container {own[0]!r} has its own readinessProbe, which kubelab '
            "cannot decide on a real cluster; set_ready works on agnhost netexec "
            "containers that kubelab gave its probe (a manifest without readinessProbe)"
        )
    raise UsageError(
        f'pod "{name}" has no agnhost netexec container with kubelab\'s readiness probe: '
        "on a real cluster set_ready works on pods kubelab created from scenarios' "
        "manifests (agnhost netexec, no readinessProbe of their own)"
    )


def flip_command(ready: bool) -> str:
    path = shlex.quote(NOT_READY_FILE)
    return f"rm -f {path}" if ready else f"touch {path}"
