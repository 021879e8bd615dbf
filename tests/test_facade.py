"""The facade's own behaviour: kubectl-like apply, YAML input, kinds, namespaces, patch."""

import json

import pytest

import kubelab
from kubelab import ApiError, UsageError, scenarios
from kubelab.facade import LAST_APPLIED

WEB_YAML = """
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
---
apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  selector:
    app: db
  ports:
  - port: 5432
"""


@pytest.fixture
def lab() -> kubelab.Lab:
    return kubelab.connect(seed=0)


def test_apply_takes_multi_document_yaml(lab: kubelab.Lab) -> None:
    objects = lab.apply(WEB_YAML)
    assert [o["metadata"]["name"] for o in objects] == ["web", "db"]
    assert lab.read("svc", "db")["spec"]["ports"][0]["targetPort"] == 5432


def test_apply_records_last_applied_configuration_like_kubectl(lab: kubelab.Lab) -> None:
    (svc,) = lab.apply(scenarios.service("web"))
    recorded = json.loads(svc["metadata"]["annotations"][LAST_APPLIED])
    assert recorded["metadata"] == {"annotations": {}, "name": "web", "namespace": "default"}
    assert recorded["spec"] == scenarios.service("web")["spec"]


def test_apply_removes_what_the_manifest_no_longer_says(lab: kubelab.Lab) -> None:
    lab.apply(scenarios.service("web", sessionAffinity="ClientIP"))
    assert lab.read("svc", "web")["spec"]["sessionAffinity"] == "ClientIP"
    (svc,) = lab.apply(scenarios.service("web"))
    assert svc["spec"]["sessionAffinity"] == "None"  # back to the default


def test_apply_unchanged_keeps_resource_version(lab: kubelab.Lab) -> None:
    (first,) = lab.apply(scenarios.service("web"))
    (second,) = lab.apply(scenarios.service("web"))
    assert first["metadata"]["resourceVersion"] == second["metadata"]["resourceVersion"]


@pytest.mark.parametrize("kind", ["Service", "service", "services", "svc", "SVC"])
def test_kinds_as_kubectl_takes_them(lab: kubelab.Lab, kind: str) -> None:
    lab.apply(scenarios.service("web"))
    assert lab.read(kind, "web")["kind"] == "Service"
    assert lab.read(f"{kind}/web")["metadata"]["name"] == "web"


def test_unknown_kind_says_what_is_known(lab: kubelab.Lab) -> None:
    with pytest.raises(UsageError, match='doesn\'t have a resource type "ingress"'):
        lab.list("ingress")


def test_bad_yaml_is_a_usage_error(lab: kubelab.Lab) -> None:
    with pytest.raises(UsageError, match="YAML could not be read"):
        lab.apply("kind: Service\n  bad: [")


def test_namespace_mismatch_is_refused_before_the_server(lab: kubelab.Lab) -> None:
    manifest = scenarios.service("web")
    manifest["metadata"]["namespace"] = "shop"
    with pytest.raises(UsageError, match='You must pass namespace="shop"'):
        lab.apply(manifest, namespace="default")


def test_namespaces_are_applied_like_any_object(lab: kubelab.Lab) -> None:
    lab.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    (svc,) = lab.apply(scenarios.service("web"), namespace="shop")
    assert svc["metadata"]["namespace"] == "shop"
    assert [s["metadata"]["name"] for s in lab.list("svc", namespace="shop")] == ["web"]
    assert lab.read("ns", "shop")["status"]["phase"] == "Active"


def test_patch_strategic_and_merge(lab: kubelab.Lab) -> None:
    lab.apply(scenarios.service("web", type="NodePort"))
    node_port = lab.read("svc", "web")["spec"]["ports"][0]["nodePort"]
    patched = lab.patch("svc", "web", {"spec": {"ports": [{"port": 80, "targetPort": 9090}]}})
    assert patched["spec"]["ports"][0]["targetPort"] == 9090
    assert patched["spec"]["ports"][0]["nodePort"] == node_port
    merged = lab.patch("svc", "web", {"metadata": {"labels": {"tier": "front"}}}, type="merge")
    assert merged["metadata"]["labels"] == {"tier": "front"}


def test_rejected_apply_changes_nothing(lab: kubelab.Lab) -> None:
    (svc,) = lab.apply(scenarios.service("web", type="NodePort"))
    before = lab.list("svc", all_namespaces=True)
    with pytest.raises(ApiError):
        lab.apply(scenarios.service("web", type="NodePort", port=70000))
    assert lab.list("svc", all_namespaces=True) == before
    assert lab.read("svc", "web") == svc


def test_two_clusters_share_nothing() -> None:
    one, two = kubelab.connect(seed=0), kubelab.connect(seed=0)
    one.apply(scenarios.service("web"))
    with pytest.raises(ApiError):
        two.read("svc", "web")
    (a,) = two.apply(scenarios.service("web"))
    assert a["spec"]["clusterIP"] == one.read("svc", "web")["spec"]["clusterIP"]  # same seed


def test_same_seed_same_cluster_different_seed_different_ips() -> None:
    def build(seed: int) -> list[dict]:
        lab = kubelab.connect(seed=seed)
        lab.apply(scenarios.deployment("web", replicas=3))
        lab.apply(scenarios.service("web"))
        return lab.list("pods") + lab.list("svc")

    assert build(0) == build(0)
    assert build(0) != build(1)


def test_connect_kind_without_a_cluster_names_the_fix(tmp_path, monkeypatch) -> None:
    empty = tmp_path / "kubeconfig"
    empty.write_text("apiVersion: v1\nkind: Config\ncontexts: []\n")
    monkeypatch.setenv("KUBECONFIG", str(empty))
    with pytest.raises(kubelab.SetupError, match="kubelab up"):
        kubelab.connect("kind")


def test_connect_unknown_backend() -> None:
    with pytest.raises(UsageError, match='use "mock", "kind" or "kube"'):
        kubelab.connect("minikube")


def test_connect_follows_kubelab_backend_when_none_is_named(tmp_path, monkeypatch) -> None:
    empty = tmp_path / "kubeconfig"
    empty.write_text("apiVersion: v1\nkind: Config\ncontexts: []\n")
    monkeypatch.setenv("KUBECONFIG", str(empty))
    monkeypatch.setenv("KUBELAB_BACKEND", "kind")
    with pytest.raises(kubelab.SetupError, match="kubelab up"):
        kubelab.connect()
    assert kubelab.connect("mock").info.backend == "mock"  # a named backend wins
    monkeypatch.delenv("KUBELAB_BACKEND")
    assert kubelab.connect().info.backend == "mock"
