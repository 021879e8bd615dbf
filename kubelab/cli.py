"""`kubelab up | down | doctor | config`: the kind cluster the simulation mirrors.

    kubelab up        create kind cluster `kubelab` (1 control plane, 2 workers, the node
                      image kubelab follows), load the agnhost image, say how to get
                      LoadBalancer IPs (`--lb` starts cloud-provider-kind in the background)
    kubelab down      delete it (and stop the cloud-provider-kind `up --lb` started)
    kubelab doctor    what is installed, and which lessons will fully work on kind
    kubelab config    print the kind configuration (CI creates the cluster with it)

Every step prints its time; every tool runs with a deadline, and an error names what to
check. Nothing here prints a credential.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from kubelab.errors import SetupError
from kubelab.kube import kindsetup
from kubelab.kube.kindsetup import AGNHOST_IMAGE, KIND_NODE_IMAGE, Runner, Tools
from kubelab.kube.safety import KIND_CLUSTER

LB_SETTLE = 2.0  # seconds to see whether cloud-provider-kind stays up


class Cli:
    """One run of the command line, with its environment injected."""

    def __init__(self, environ: Mapping[str, str], platform: str, out: TextIO) -> None:
        self.environ = dict(environ)
        self.platform = platform
        self.out = out
        self.tools = Tools.find(self.environ.get("PATH", ""))
        self.runner = Runner(self.tools, self.environ)

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        self.say(f"==> {title}")
        start = time.monotonic()
        try:
            yield
        except BaseException:
            self.say(f"    failed after {kindsetup.timed(time.monotonic() - start)}")
            raise
        self.say(f"    done in {kindsetup.timed(time.monotonic() - start)}")

    # -- up -------------------------------------------------------------------------------

    def up(self, name: str, ports: bool, lb: bool, timeout: float) -> int:
        self._need_engine_and_kind()
        with self.step(f"checking {self.tools.engine}"):
            self.runner.run(self.tools.engine or "docker", "info", timeout=30,
                            check=f"is {self.tools.engine} running? (Docker Desktop, or "
                            "`sudo systemctl start docker`)")
        if name in self.runner.clusters():
            self.say(f'==> kind cluster "{name}" is already there: keeping it')
        else:
            self._create(name, ports, timeout)
        self._load_image(name)
        self._load_balancer(lb)
        self.say(f'Ready: in Python, lab = kubelab.connect("kind") (context kind-{name}; '
                 "lessons go to the namespace \"kubelab\").")
        return 0

    def _need_engine_and_kind(self) -> None:
        if self.tools.engine is None:
            raise SetupError("no container engine: install Docker or Podman: "
                             + kindsetup.INSTALL["docker"])
        if self.tools.get("kind") is None:
            raise SetupError("kind is not on PATH: install it: " + kindsetup.INSTALL["kind"])

    def _create(self, name: str, ports: bool, timeout: float) -> None:
        config = kindsetup.kind_config(kindsetup.HOST_PORTS if ports else ())
        image = KIND_NODE_IMAGE.split("@")[0]
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "kind.yaml"
            path.write_text(config)
            busy = ", ".join(str(p) for p in kindsetup.HOST_PORTS)
            with self.step(f'creating kind cluster "{name}" (1 control plane, 2 workers, '
                           f"{image})"):
                self.runner.run(
                    "kind", "create", "cluster", "--name", name, "--image", KIND_NODE_IMAGE,
                    "--config", str(path), "--wait", "180s", timeout=timeout,
                    check=f"see `kind export logs --name {name}`; if host ports {busy} are "
                    "taken, free them or use `kubelab up --no-ports`")

    def _load_image(self, name: str) -> None:
        engine = self.tools.engine or "docker"
        try:
            with self.step(f"loading {AGNHOST_IMAGE} into the cluster (the lessons' pods)"):
                self.runner.run(engine, "pull", AGNHOST_IMAGE, timeout=600,
                                check="is this computer online? the nodes will pull it "
                                "themselves later")
                if engine == "docker":
                    self.runner.run("kind", "load", "docker-image", AGNHOST_IMAGE, "--name",
                                    name, timeout=600, check="")
                else:
                    self._load_archive(engine, name)
        except SetupError as err:
            self.say(f"    warning: {err}")

    def _load_archive(self, engine: str, name: str) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            archive = str(Path(tmp) / "agnhost.tar")
            self.runner.run(engine, "save", "-o", archive, AGNHOST_IMAGE, timeout=600,
                            check="")
            self.runner.run("kind", "load", "image-archive", archive, "--name", name,
                            timeout=600, check="")

    def _load_balancer(self, start: bool) -> None:
        exe = self.tools.get("cloud-provider-kind")
        if exe is None:
            self.say("==> LoadBalancer Services will stay <pending>: cloud-provider-kind is "
                     "not on PATH. Install it: " + kindsetup.INSTALL["cloud-provider-kind"])
            return
        if not start:
            self.say("==> LoadBalancer IPs: run `cloud-provider-kind` in another terminal "
                     "(it needs to reach the container engine; on macOS: sudo "
                     "cloud-provider-kind), or `kubelab up --lb` to start it in the background")
            return
        with self.step("starting cloud-provider-kind in the background"):
            self._start_lb(exe)

    def _start_lb(self, exe: str) -> None:
        cache = kindsetup.cache_dir(self.environ)
        cache.mkdir(parents=True, exist_ok=True)
        log = cache / "cloud-provider-kind.log"
        with log.open("ab") as sink:
            proc = subprocess.Popen([exe], stdout=sink, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, env=self.runner.env,
                                    start_new_session=True)
        time.sleep(LB_SETTLE)
        if proc.poll() is not None:
            raise SetupError(
                f"cloud-provider-kind stopped at once (exit {proc.returncode}; log: {log}). "
                "It needs access to the container engine and may need privileges: run "
                "`sudo cloud-provider-kind` in another terminal")
        (cache / "cloud-provider-kind.pid").write_text(f"{proc.pid}\n")
        self.say(f"    pid {proc.pid}, log {log}; `kubelab down` stops it")

    # -- down -----------------------------------------------------------------------------

    def down(self, name: str) -> int:
        if self.tools.get("kind") is None:
            raise SetupError("kind is not on PATH: install it: " + kindsetup.INSTALL["kind"])
        if name not in self.runner.clusters():
            self.say(f'==> no kind cluster "{name}": nothing to delete')
        else:
            with self.step(f'deleting kind cluster "{name}"'):
                self.runner.run("kind", "delete", "cluster", "--name", name, timeout=300,
                                check="is the container engine running? (`docker ps`)")
        self._stop_lb()
        return 0

    def _stop_lb(self) -> None:
        pid_file = kindsetup.cache_dir(self.environ) / "cloud-provider-kind.pid"
        if not pid_file.is_file():
            return
        pid = int(pid_file.read_text().strip() or 0)
        pid_file.unlink()
        if pid and _runs_cloud_provider_kind(pid):
            os.killpg(pid, signal.SIGTERM)  # the session `up --lb` started, nothing else
            self.say(f"==> stopped cloud-provider-kind (pid {pid})")

    # -- doctor ---------------------------------------------------------------------------

    def doctor(self) -> int:
        self.say("kubelab doctor: what a real cluster needs (the simulation needs none of it)")
        for tool in kindsetup.TOOLS:
            path = self.tools.get(tool)
            note = self.runner.version(tool) if path else ""
            if tool in ("docker", "podman") and path and not note:
                note = "installed, but not running"
            shown = f"{path}  {note}".strip() if path else "missing: " + kindsetup.INSTALL.get(
                tool, "")
            self.say(f"  {tool:<20}{shown}")
        client = importlib.util.find_spec("kubernetes") is not None
        self.say(f"  {'python client':<20}" + ("kubernetes installed" if client else
                                                "missing: pip install 'kubelab[kube]'"))
        binder = kindsetup.on_binder(self.environ)
        self.say(f"  {'Binder':<20}" + ("yes: no Docker here, the simulated cluster is the one "
                                        "to use" if binder else "no"))
        exists = self._cluster_exists()
        self.say(f"  {'cluster ' + KIND_CLUSTER:<20}"
                 + ("running" if exists else "not created: run `kubelab up`"))
        self.say("Lessons on kind:")
        for topic in kindsetup.lesson_topics(self.tools, exists, self.platform):
            self.say(f"  {topic.title}: {topic.verdict}")
        return 0

    def _cluster_exists(self) -> bool:
        if not (self.tools.engine and self.tools.get("kind")):
            return False
        try:
            return KIND_CLUSTER in self.runner.clusters()
        except SetupError:
            return False


def _runs_cloud_provider_kind(pid: int) -> bool:
    """Whether pid is still the cloud-provider-kind we started (not a reused pid)."""
    proc = Path(f"/proc/{pid}/cmdline")
    try:
        if proc.exists():
            return "cloud-provider-kind" in proc.read_bytes().decode(errors="replace")
        done = subprocess.run(["ps", "-p", str(pid), "-o", "command="], capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "cloud-provider-kind" in done.stdout


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kubelab", description="The kind cluster for kubelab's lessons.")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help=f'create the kind cluster "{KIND_CLUSTER}"')
    up.add_argument("--name", default=KIND_CLUSTER, help=argparse.SUPPRESS)
    up.add_argument("--lb", action="store_true",
                    help="start cloud-provider-kind in the background (LoadBalancer IPs)")
    up.add_argument("--no-ports", action="store_true",
                    help="no host ports 30080-30082 on 127.0.0.1 (extraPortMappings)")
    up.add_argument("--timeout", type=float, default=600,
                    help="seconds to wait for kind to create the cluster (default 600)")
    down = sub.add_parser("down", help=f'delete the kind cluster "{KIND_CLUSTER}"')
    down.add_argument("--name", default=KIND_CLUSTER, help=argparse.SUPPRESS)
    sub.add_parser("doctor", help="what is installed, which lessons will fully work")
    config = sub.add_parser("config", help="print the kind cluster configuration")
    config.add_argument("--no-ports", action="store_true")
    return parser


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None,
         platform: str | None = None, out: TextIO | None = None) -> int:
    args = _parser().parse_args(argv)
    cli = Cli(os.environ if environ is None else environ, platform or sys.platform,
              out or sys.stdout)
    try:
        if args.command == "up":
            return cli.up(args.name, not args.no_ports, args.lb, args.timeout)
        if args.command == "down":
            return cli.down(args.name)
        if args.command == "doctor":
            return cli.doctor()
        cli.say(kindsetup.kind_config(() if args.no_ports else kindsetup.HOST_PORTS).rstrip())
        return 0
    except SetupError as err:
        print(f"kubelab {args.command}: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
