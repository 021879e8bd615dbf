"""What `kubelab up / down / doctor` need, without the command line: the kind cluster's
configuration, the tools found on PATH, running them with deadlines, what each lesson
topic needs (pure where it can be; cli.py prints).

The cluster mirrors the simulation: kind cluster `kubelab`, one control plane and two
workers, node image kubelab.version.KIND_NODE_IMAGE. The first worker maps node ports
30080-30082 to the same ports on 127.0.0.1 (kind `extraPortMappings`, containerPort =
hostPort = nodePort), because Docker Desktop on macOS and Windows cannot reach node IPs:
a lesson's NodePort Service that asks for nodePort 30080 is then reachable from this
computer as localhost:30080. Only 127.0.0.1 listens, never the local network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from kubelab.errors import SetupError
from kubelab.kube.safety import KIND_CLUSTER
from kubelab.scenarios import AGNHOST_IMAGE
from kubelab.version import KIND_NODE_IMAGE, KIND_VERSION

HOST_PORTS = (30080, 30081, 30082)
TOOLS = ("docker", "podman", "kind", "kubectl", "cloud-provider-kind")
INSTALL = {
    "kind": f"https://kind.sigs.k8s.io/docs/user/quick-start/#installation (kind {KIND_VERSION})",
    "docker": "https://docs.docker.com/get-docker/ (or Podman: https://podman.io)",
    "podman": "https://podman.io/docs/installation (optional when Docker is there)",
    "kubectl": "https://kubernetes.io/docs/tasks/tools/ (optional: kubelab does not need it)",
    "cloud-provider-kind": "go install sigs.k8s.io/cloud-provider-kind@latest "
                           "(https://kind.sigs.k8s.io/docs/user/loadbalancer/)",
}
BINDER_VARS = ("BINDER_SERVICE_HOST", "BINDER_REF_URL", "BINDER_LAUNCH_HOST", "BINDER_REPO_URL")


def kind_config(ports: tuple[int, ...] = HOST_PORTS) -> str:
    """The kind cluster configuration (YAML) `kubelab up` and CI create the cluster with."""
    worker: dict[str, object] = {"role": "worker"}
    if ports:
        worker["extraPortMappings"] = [
            {"containerPort": p, "hostPort": p, "listenAddress": "127.0.0.1", "protocol": "TCP"}
            for p in ports
        ]
    config = {
        "kind": "Cluster",
        "apiVersion": "kind.x-k8s.io/v1alpha4",
        "nodes": [{"role": "control-plane"}, worker, {"role": "worker"}],
    }
    header = (f"# kind cluster for kubelab: kind create cluster --name {KIND_CLUSTER} "
              f"--image {KIND_NODE_IMAGE} --config THIS_FILE\n")
    return header + yaml.safe_dump(config, sort_keys=False)


@dataclass(frozen=True)
class Tools:
    """The executables found on PATH (None: missing)."""

    paths: Mapping[str, str | None]

    @classmethod
    def find(cls, path: str | None = None) -> Tools:
        return cls({name: shutil.which(name, path=path) for name in TOOLS})

    def get(self, name: str) -> str | None:
        return self.paths.get(name)

    @property
    def engine(self) -> str | None:
        """docker, else podman (kind's experimental provider)."""
        return "docker" if self.get("docker") else ("podman" if self.get("podman") else None)


def on_binder(environ: Mapping[str, str]) -> bool:
    return any(environ.get(name) for name in BINDER_VARS)


def node_ips_reachable(platform: str) -> bool:
    """Docker Desktop (macOS, Windows) keeps the kind network inside its VM."""
    return not platform.startswith(("darwin", "win"))


@dataclass(frozen=True)
class Topic:
    title: str
    verdict: str  # "ok", or what is missing and how to get it


def lesson_topics(tools: Tools, cluster_exists: bool, platform: str) -> list[Topic]:
    """What will fully work on kind, topic by topic (lesson numbers as the course has them)."""
    if not (tools.engine and tools.get("kind")):
        missing = "a container engine (docker or podman)" if not tools.engine else "kind"
        need = f"needs {missing}; the simulation (kubelab.connect()) needs nothing"
        return [Topic("every lesson on kind", need)]
    base = "ok" if cluster_exists else "ok after `kubelab up`"
    if node_ips_reachable(platform):
        outside = base + " (node IPs are reachable from this computer)"
    else:
        outside = (base + " via localhost:30080-30082 only (extraPortMappings; give the "
                   "Service one of those nodePorts): Docker Desktop hides node IPs")
    if tools.get("cloud-provider-kind"):
        lb = base + " while cloud-provider-kind runs (`kubelab up --lb` starts it)"
    else:
        lb = "EXTERNAL-IP stays <pending>: install cloud-provider-kind: " + INSTALL[
            "cloud-provider-kind"]
    if tools.get("cloud-provider-kind") and not node_ips_reachable(platform):
        lb += "; from this computer its IPs are not reachable (Docker Desktop)"
    return [
        Topic("Pods, Services, DNS, EndpointSlices, readiness", base),
        Topic("NodePort from outside the cluster (lesson 07)", outside),
        Topic("LoadBalancer Services (lesson 08)", lb),
    ]


class Runner:
    """Runs tools with a deadline each; failures name what to check."""

    def __init__(self, tools: Tools, environ: Mapping[str, str] | None = None) -> None:
        self.tools = tools
        self.env = dict(os.environ if environ is None else environ)
        if tools.engine == "podman":
            self.env.setdefault("KIND_EXPERIMENTAL_PROVIDER", "podman")

    def run(self, tool: str, *args: str, timeout: float, check: str) -> str:
        exe = self.tools.get(tool)
        if exe is None:
            raise SetupError(f"{tool} is not on PATH: install it: {INSTALL.get(tool, tool)}")
        try:
            done = subprocess.run([exe, *args], capture_output=True, text=True,
                                  timeout=timeout, env=self.env, check=False)
        except subprocess.TimeoutExpired:
            raise SetupError(f"`{tool} {' '.join(args)}` did not finish in {timeout:.0f} s: "
                             f"{check}") from None
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise SetupError(f"`{tool} {' '.join(args)}` failed (exit {done.returncode}): "
                             + " / ".join(tail) + f". {check}")
        return done.stdout

    def clusters(self) -> list[str]:
        out = self.run("kind", "get", "clusters", timeout=30,
                       check="is the container engine running? (`docker info`)")
        return [line.strip() for line in out.splitlines() if line.strip()]

    def version(self, tool: str) -> str:
        args = {"kind": ("version",), "kubectl": ("version", "--client"),
                "docker": ("info", "--format", "{{.ServerVersion}}"),
                "podman": ("version", "--format", "{{.Version}}")}.get(tool)
        if args is None or self.tools.get(tool) is None:
            return ""
        try:
            return self.run(tool, *args, timeout=15, check="").strip().splitlines()[0]
        except (SetupError, IndexError):
            return ""


def cache_dir(environ: Mapping[str, str]) -> Path:
    base = environ.get("XDG_CACHE_HOME") or str(Path(environ.get("HOME", "~")) / ".cache")
    return Path(base).expanduser() / "kubelab"


def timed(seconds: float) -> str:
    return f"{seconds:.1f} s"


__all__ = ["AGNHOST_IMAGE", "HOST_PORTS", "KIND_NODE_IMAGE", "Runner", "Tools", "kind_config"]
