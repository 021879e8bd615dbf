"""`kubelab up / down / doctor / config` against stub executables on a fake PATH.

Each stub is a tiny shell script that records its arguments (and, for kind, the
configuration file it was given) and answers like the real tool; no Docker, no kind.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import time
from pathlib import Path

import pytest
import yaml

from kubelab import cli
from kubelab.kube import kindsetup
from kubelab.scenarios import AGNHOST_IMAGE
from kubelab.version import KIND_NODE_IMAGE

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent

KIND = r"""
case "$1 $2" in
  "get clusters") if [ -n "$KIND_CLUSTERS" ]; then echo "$KIND_CLUSTERS"; fi ;;
  "create cluster")
    prev=""
    for a in "$@"; do
      if [ "$prev" = "--config" ]; then
        while IFS= read -r l; do echo "$l"; done < "$a" > "$STUB_DIR/kind-config.yaml"
      fi
      prev="$a"
    done
    if [ -n "$KIND_CREATE_SLEEP" ]; then /bin/sleep "$KIND_CREATE_SLEEP"; fi
    if [ -n "$KIND_CREATE_FAIL" ]; then echo "$KIND_CREATE_FAIL" >&2; exit 1; fi ;;
  "version ") echo "kind v0.33.0 go1.24.2 linux/amd64" ;;
esac
echo "provider=$KIND_EXPERIMENTAL_PROVIDER" >> "$STUB_LOG"
"""
DOCKER = r"""
case "$1" in
  info) if [ -n "$DOCKER_DOWN" ]; then exit 1; fi; echo "28.1.1" ;;
  pull)
    if [ -n "$PULL_FAIL" ]; then
      echo "dial tcp: lookup registry.k8s.io: no such host" >&2; exit 1
    fi ;;
esac
exit 0
"""


@pytest.fixture
def stubs(tmp_path: Path) -> Path:
    (tmp_path / "bin").mkdir()
    return tmp_path


def add(stubs: Path, name: str, body: str = "") -> None:
    path = stubs / "bin" / name
    path.write_text(f'#!/bin/sh\necho "{name} $*" >> "$STUB_LOG"\n{body}\n')
    path.chmod(0o755)


def env(stubs: Path, **extra: str) -> dict[str, str]:
    return {"PATH": str(stubs / "bin"), "HOME": str(stubs / "home"),
            "STUB_LOG": str(stubs / "log"), "STUB_DIR": str(stubs), **extra}


def calls(stubs: Path) -> list[str]:
    log = stubs / "log"
    return log.read_text().splitlines() if log.exists() else []


def run(stubs: Path, *argv: str, platform: str = "linux",
        **extra: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stderr
    sys.stderr = err
    try:
        code = cli.main(list(argv), environ=env(stubs, **extra), platform=platform, out=out)
    finally:
        sys.stderr = saved
    return code, out.getvalue(), err.getvalue()


def test_console_script_and_kube_extra_are_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["kubelab"] == "kubelab.cli:main"
    assert any(r.startswith("kubernetes") for r in project["optional-dependencies"]["kube"])


def test_config_is_the_cluster_the_simulation_mirrors(stubs: Path) -> None:
    code, out, _ = run(stubs, "config")
    assert code == 0
    config = yaml.safe_load(out)
    assert [n["role"] for n in config["nodes"]] == ["control-plane", "worker", "worker"]
    assert config["nodes"][1]["extraPortMappings"] == [
        {"containerPort": p, "hostPort": p, "listenAddress": "127.0.0.1", "protocol": "TCP"}
        for p in (30080, 30081, 30082)]
    _, bare, _ = run(stubs, "config", "--no-ports")
    assert "extraPortMappings" not in bare


def test_up_creates_the_cluster_and_loads_the_image(stubs: Path) -> None:
    add(stubs, "docker", DOCKER)
    add(stubs, "kind", KIND)
    code, out, err = run(stubs, "up")
    assert (code, err) == (0, "")
    made = [c for c in calls(stubs) if not c.startswith("provider=")]
    assert made[0] == "docker info"
    assert made[1] == "kind get clusters"
    assert made[2].startswith(f"kind create cluster --name kubelab --image {KIND_NODE_IMAGE} "
                              "--config ")
    assert made[2].endswith(" --wait 180s")
    assert made[3:] == [f"docker pull {AGNHOST_IMAGE}",
                        f"kind load docker-image {AGNHOST_IMAGE} --name kubelab"]
    config = yaml.safe_load((stubs / "kind-config.yaml").read_text())
    assert config == yaml.safe_load(kindsetup.kind_config())
    assert '==> creating kind cluster "kubelab" (1 control plane, 2 workers, kindest/node:' in out
    assert out.count("    done in ") == 3
    assert "cloud-provider-kind is not on PATH" in out
    assert 'kubelab.connect("kind")' in out


def test_up_keeps_a_cluster_that_is_there(stubs: Path) -> None:
    add(stubs, "docker", DOCKER)
    add(stubs, "kind", KIND)
    code, out, _ = run(stubs, "up", KIND_CLUSTERS="other\nkubelab")
    assert code == 0
    assert 'kind cluster "kubelab" is already there' in out
    assert not any(c.startswith("kind create") for c in calls(stubs))


def test_up_failures_name_what_to_check(stubs: Path) -> None:
    add(stubs, "kind", KIND)
    code, _, err = run(stubs, "up")
    assert code == 1 and "no container engine" in err
    add(stubs, "docker", DOCKER)
    code, _, err = run(stubs, "up", DOCKER_DOWN="1")
    assert code == 1 and "is docker running?" in err
    code, out, err = run(stubs, "up",
                         KIND_CREATE_FAIL="ERROR: failed to create cluster: port is already "
                         "allocated")
    assert code == 1
    assert "port is already allocated" in err and "kubelab up --no-ports" in err
    assert "kind export logs --name kubelab" in err
    assert "    failed after " in out


def test_every_wait_has_a_deadline(stubs: Path) -> None:
    add(stubs, "docker", DOCKER)
    add(stubs, "kind", KIND)
    start = time.monotonic()
    code, _, err = run(stubs, "up", "--timeout", "1", KIND_CREATE_SLEEP="5")
    assert code == 1
    assert "did not finish in 1 s" in err
    assert time.monotonic() - start < 4.5


def test_an_image_that_cannot_be_pulled_is_only_a_warning(stubs: Path) -> None:
    add(stubs, "docker", DOCKER)
    add(stubs, "kind", KIND)
    code, out, _ = run(stubs, "up", PULL_FAIL="1")
    assert code == 0
    assert "warning:" in out and "no such host" in out


def test_up_with_podman(stubs: Path) -> None:
    add(stubs, "podman", 'case "$1" in version) echo "5.4.0" ;; esac')
    add(stubs, "kind", KIND)
    code, _, _ = run(stubs, "up")
    assert code == 0
    log = calls(stubs)
    assert "provider=podman" in log
    assert f"podman pull {AGNHOST_IMAGE}" in log
    assert any(c.startswith("podman save -o ") and c.endswith(AGNHOST_IMAGE) for c in log)
    assert any(c.startswith("kind load image-archive ") for c in log)


def test_up_lb_starts_cloud_provider_kind_and_down_stops_it(stubs: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    add(stubs, "docker", DOCKER)
    add(stubs, "kind", KIND)
    add(stubs, "cloud-provider-kind", "/bin/sleep 30")
    monkeypatch.setattr(cli, "LB_SETTLE", 0.3)
    code, out, _ = run(stubs, "up", "--lb")
    assert code == 0
    pid_file = stubs / "home" / ".cache" / "kubelab" / "cloud-provider-kind.pid"
    pid = int(pid_file.read_text())
    assert f"pid {pid}" in out
    os.kill(pid, 0)  # running
    code, out, _ = run(stubs, "down", KIND_CLUSTERS="kubelab")
    assert code == 0
    assert f"stopped cloud-provider-kind (pid {pid})" in out
    assert not pid_file.exists()
    assert "kind delete cluster --name kubelab" in calls(stubs)
    for _ in range(50):  # reaped by the init process soon after
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.05)
    else:
        pytest.fail("cloud-provider-kind still runs")


def test_up_without_lb_says_how_to_start_it(stubs: Path) -> None:
    add(stubs, "docker", DOCKER)
    add(stubs, "kind", KIND)
    add(stubs, "cloud-provider-kind")
    code, out, _ = run(stubs, "up")
    assert code == 0 and "run `cloud-provider-kind` in another terminal" in out
    assert not any(c.startswith("cloud-provider-kind") for c in calls(stubs))


def test_down(stubs: Path) -> None:
    add(stubs, "docker", DOCKER)
    add(stubs, "kind", KIND)
    code, out, _ = run(stubs, "down")
    assert code == 0 and 'no kind cluster "kubelab": nothing to delete' in out
    code, out, _ = run(stubs, "down", KIND_CLUSTERS="kubelab")
    assert code == 0 and "kind delete cluster --name kubelab" in calls(stubs)
    (stubs / "bin" / "kind").unlink()
    code, _, err = run(stubs, "down")
    assert code == 1 and "kind is not on PATH" in err


def test_doctor_with_nothing_installed(stubs: Path) -> None:
    code, out, _ = run(stubs, "doctor", BINDER_SERVICE_HOST="10.0.0.1")
    assert code == 0
    assert "docker              missing: https://docs.docker.com" in out
    assert "kind                missing: https://kind.sigs.k8s.io" in out
    assert "Binder              yes: no Docker here, the simulated cluster" in out
    assert "every lesson on kind: needs a container engine" in out


def test_doctor_with_kind_on_macos(stubs: Path) -> None:
    add(stubs, "docker", DOCKER)
    add(stubs, "kind", KIND)
    add(stubs, "kubectl", 'echo "Client Version: v1.37.0"')
    code, out, _ = run(stubs, "doctor", platform="darwin", KIND_CLUSTERS="kubelab")
    assert code == 0
    assert f"kind                {stubs / 'bin' / 'kind'}  kind v0.33.0" in out
    assert "docker              " in out and "28.1.1" in out
    assert "cluster kubelab     running" in out
    assert "Binder              no" in out
    assert "NodePort from outside the cluster (lesson 07): ok via localhost:30080-30082" in out
    assert "LoadBalancer Services (lesson 08): EXTERNAL-IP stays <pending>" in out
    add(stubs, "cloud-provider-kind")
    _, out, _ = run(stubs, "doctor", platform="linux")
    assert "cluster kubelab     not created: run `kubelab up`" in out
    assert "LoadBalancer Services (lesson 08): ok after `kubelab up` while cloud-provider-kind" in (
        out)


def test_doctor_says_when_docker_is_not_running(stubs: Path) -> None:
    add(stubs, "docker", DOCKER)
    _, out, _ = run(stubs, "doctor", DOCKER_DOWN="1")
    assert "installed, but not running" in out


def test_ci_makes_the_cluster_kubelab_up_makes_and_runs_the_contract_on_it() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "kind.yml").read_text())
    steps = workflow["jobs"]["kind"]["steps"]
    kind = next(s for s in steps if str(s.get("uses", "")).startswith("helm/kind-action"))
    assert kind["with"]["cluster_name"] == "kubelab"
    runs = "\n".join(str(s.get("run", "")) for s in steps)
    assert 'kubelab config > "$RUNNER_TEMP/kind.yaml"' in runs
    assert "pytest --backend kind -m kube" in runs
    lessons = next(s for s in steps if "test_notebooks" in str(s.get("run", "")))
    assert lessons["env"] == {"KUBELAB_BACKEND": "kind"}
