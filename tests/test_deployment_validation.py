"""Deployments and ReplicaSets (apps/v1): defaults, validation texts, immutable selectors,
generation.

Expected values follow pkg/apis/apps/v1/defaults.go, pkg/apis/apps/validation/validation.go
and pkg/registry/apps/{deployment,replicaset}/strategy.go (kubernetes/kubernetes).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from kubelab.errors import ApiError
from kubelab.kinds import resource_for
from kubelab.mock import workloads
from kubelab.mock.api import ApiServer

DEPLOYMENTS = resource_for("deployments")
NIL_SELECTOR = (
    "v1.LabelSelector{MatchLabels:map[string]string(nil), "
    "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}"
)
PERCENT_MSG = (
    "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  "
    "or '93%', regex used for validation is '[0-9]+%')"
)


def expression_selector(operator: str) -> str:
    """A selector with one value-less `app` expression, as Go's %#v prints it."""
    return (
        "v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:"
        "[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{"
        f'Key:"app", Operator:"{operator}", Values:[]string(nil)}}}}}}'
    )


# `kubectl get deploy web -o yaml` right after `kubectl create` (before the controller runs).
EXPECTED_SPEC = yaml.safe_load(
    """
progressDeadlineSeconds: 600
replicas: 1
revisionHistoryLimit: 10
selector:
  matchLabels: {app: web}
strategy:
  rollingUpdate: {maxSurge: 25%, maxUnavailable: 25%}
  type: RollingUpdate
template:
  metadata:
    labels: {app: web}
  spec:
    containers:
    - image: nginx
      imagePullPolicy: Always
      name: web
      ports:
      - {containerPort: 80, protocol: TCP}
      resources: {}
      terminationMessagePath: /dev/termination-log
      terminationMessagePolicy: File
    dnsPolicy: ClusterFirst
    restartPolicy: Always
    schedulerName: default-scheduler
    securityContext: {}
    terminationGracePeriodSeconds: 30
"""
)


@pytest.fixture
def api() -> ApiServer:
    server = ApiServer(seed=0)
    workloads.install(server)
    server.create_object({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    return server


def deployment(kind: str = "Deployment", **spec: Any) -> dict[str, Any]:
    template = {
        "metadata": {"labels": {"app": "web"}},
        "spec": {
            "containers": [{"name": "web", "image": "nginx", "ports": [{"containerPort": 80}]}]
        },
    }
    body = {"selector": {"matchLabels": {"app": "web"}}, "template": template, **spec}
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": "web"},
        "spec": {k: v for k, v in body.items() if v is not None},
    }


def refusal(api: ApiServer, obj: dict[str, Any]) -> str:
    with pytest.raises(ApiError) as caught:
        api.create_object(obj)
    assert (caught.value.code, caught.value.reason) == (422, "Invalid")
    return str(caught.value)


def test_deployment_defaults(api: ApiServer) -> None:
    created = api.create_object(deployment())
    assert created["spec"] == EXPECTED_SPEC
    assert created["status"] == {}
    assert created["metadata"]["generation"] == 1
    assert list(created) == ["apiVersion", "kind", "metadata", "spec", "status"]


def test_replica_set_defaults(api: ApiServer) -> None:
    created = api.create_object(deployment("ReplicaSet"))
    expected = {k: EXPECTED_SPEC[k] for k in ("replicas", "selector", "template")}
    assert (created["spec"], created["status"]) == (expected, {"replicas": 0})


def test_recreate_strategy_gets_no_rolling_update(api: ApiServer) -> None:
    created = api.create_object(deployment(strategy={"type": "Recreate"}))
    assert created["spec"]["strategy"] == {"type": "Recreate"}


@pytest.mark.parametrize("kind", ["Deployment", "ReplicaSet"])
@pytest.mark.parametrize(
    ("spec", "errors"),
    [
        (
            {"selector": None},
            [
                "spec.selector: Required value",
                'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: '
                "`selector` does not match template `labels`",
            ],
        ),
        (
            {"selector": {"matchLabels": {"app": "api"}}},
            [
                'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: '
                "`selector` does not match template `labels`"
            ],
        ),
        (
            # upstream says "deployment" for ReplicaSets too
            {"selector": {}},
            [
                f"spec.selector: Invalid value: {NIL_SELECTOR}: "
                f"empty selector is invalid for deployment"
            ],
        ),
        (
            {"selector": {"matchExpressions": [{"key": "app", "operator": "Is"}]}},
            [
                'spec.selector.matchExpressions[0].operator: Invalid value: "Is": not a valid '
                "selector operator",
                f"spec.selector: Invalid value: {expression_selector('Is')}: "
                "invalid label selector",
            ],
        ),
        (
            {"selector": {"matchExpressions": [{"key": "app", "operator": "In"}]}},
            [
                "spec.selector.matchExpressions[0].values: Required value: must be specified when "
                "`operator` is 'In' or 'NotIn'",
                f"spec.selector: Invalid value: {expression_selector('In')}: "
                "invalid label selector",
            ],
        ),
        (
            {"replicas": -1},
            ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"],
        ),
    ],
)
def test_selector_and_replicas(
    api: ApiServer, kind: str, spec: dict[str, Any], errors: list[str]
) -> None:
    shown = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
    assert refusal(api, deployment(kind, **spec)) == f'{kind}.apps "web" is invalid: {shown}'


def template(**spec: Any) -> dict[str, Any]:
    containers = spec.pop("containers", [{"name": "web", "image": "nginx"}])
    return {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": containers, **spec}}


@pytest.mark.parametrize(
    ("spec", "errors"),
    [
        (
            {"template": template(restartPolicy="Never")},
            [
                "spec.template.spec.restartPolicy: Unsupported "
                'value: "Never": supported values: "Always"'
            ],
        ),
        (
            {"template": template(activeDeadlineSeconds=60)},
            [
                "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in "
                "Deployment is not Supported"
            ],
        ),
        ({"template": template(containers=[])}, ["spec.template.spec.containers: Required value"]),
        (
            {"template": {**template(), "metadata": {"labels": {"app": "web", "tier": "-x"}}}},
            [
                'spec.template.labels: Invalid value: "-x": a valid label must be an empty string '
                "or consist of alphanumeric characters, '-', '_' or '.', and must start and end "
                "with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', "
                "regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
            ],
        ),
        (
            {
                "strategy": {
                    "type": "RollingUpdate",
                    "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0},
                }
            },
            [
                "spec.strategy.rollingUpdate.maxUnavailable: "
                "Invalid value: intstr.IntOrString{Type:0, "
                'IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0'
            ],
        ),
        (
            {"strategy": {"rollingUpdate": {"maxSurge": "25", "maxUnavailable": "120%"}}},
            [
                "spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, "
                f'IntVal:0, StrVal:"25"}}: {PERCENT_MSG}',
                "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{"
                'Type:1, IntVal:0, StrVal:"120%"}: must not be greater than 100%',
            ],
        ),
        (
            {"strategy": {"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}},
            [
                "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` "
                "is 'Recreate'"
            ],
        ),
        (
            {"strategy": {"type": "BlueGreen"}},
            [
                'spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"BlueGreen", '
                "RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "
                '"Recreate", "RollingUpdate"'
            ],
        ),
        (
            {"minReadySeconds": 600},
            [
                "spec.progressDeadlineSeconds: Invalid value: "
                "600: must be greater than minReadySeconds"
            ],
        ),
    ],
)
def test_deployment_spec_refusals(api: ApiServer, spec: dict[str, Any], errors: list[str]) -> None:
    shown = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
    assert refusal(api, deployment(**spec)) == f'Deployment.apps "web" is invalid: {shown}'


def test_replicas_of_the_wrong_type_fail_decoding(api: ApiServer) -> None:
    with pytest.raises(ApiError) as caught:
        api.create_object(deployment(replicas="3"))
    assert (caught.value.code, str(caught.value)) == (
        400,
        'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal '
        "string into Go struct field DeploymentSpec.spec.replicas of type int32",
    )


def live(api: ApiServer) -> dict[str, Any]:
    return api.get(DEPLOYMENTS, "web", "default")


@pytest.mark.parametrize("kind", ["Deployment", "ReplicaSet"])
def test_selector_is_immutable(api: ApiServer, kind: str) -> None:
    api.create_object(deployment(kind))
    changed = api.get(resource_for(kind), "web", "default")
    changed["spec"]["selector"] = {"matchLabels": {"app": "web", "tier": "front"}}
    changed["spec"]["template"]["metadata"]["labels"]["tier"] = "front"
    with pytest.raises(ApiError) as caught:
        api.update_object(changed)
    assert str(caught.value) == (
        f'{kind}.apps "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{{'
        'MatchLabels:map[string]string{"app":"web", "tier":"front"}, '
        "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"
    )


def test_generation_follows_spec_and_annotations_not_labels(api: ApiServer) -> None:
    api.create_object(deployment())
    scaled = live(api)
    scaled["spec"]["replicas"] = 3
    assert api.update_object(scaled)["metadata"]["generation"] == 2
    labeled = live(api)
    labeled["metadata"]["labels"] = {"team": "a"}
    assert api.update_object(labeled)["metadata"]["generation"] == 2
    annotated = live(api)
    annotated["metadata"]["annotations"] = {"note": "x"}
    assert api.update_object(annotated)["metadata"]["generation"] == 3


def test_status_is_kept_on_update(api: ApiServer) -> None:
    api.create_object(deployment())
    api.update_status({**live(api), "status": {"replicas": 1, "observedGeneration": 1}})
    body = live(api)
    body["status"] = {}
    assert api.update_object(body)["status"] == {"replicas": 1, "observedGeneration": 1}


def test_rejected_create_leaves_the_store_unchanged(api: ApiServer) -> None:
    before = (api.store.revision, copy.deepcopy(list(api.store.items("deployments"))))
    with pytest.raises(ApiError):
        api.create_object(deployment(replicas=-1))
    assert (api.store.revision, list(api.store.items("deployments"))) == before
