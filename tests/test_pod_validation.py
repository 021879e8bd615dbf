"""Pods: defaults and admission as a real cluster applies them, validation texts, updates,
generation and graceful deletion.

Expected values follow pkg/apis/core/v1/defaults.go, the ServiceAccount, Priority and
DefaultTolerationSeconds admission plugins, pkg/registry/core/pod/strategy.go and
pkg/apis/core/validation/validation.go (kubernetes/kubernetes).
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import yaml

from kubelab.errors import ApiError
from kubelab.kinds import resource_for
from kubelab.mock import workloads
from kubelab.mock.api import ApiServer

PORT_NAME_LETTER = "must contain at least one letter (a-z)"
LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
UPDATE_FORBIDDEN = (
    "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only "
    "additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be "
    "set to 1 if it was previously negative)\n"
)

# What `kubectl get pod web -o yaml` shows for this manifest right after `kubectl apply`
# on a kind cluster (metadata trimmed to what the API server sets).
EXPECTED_POD = yaml.safe_load(
    """
apiVersion: v1
kind: Pod
metadata:
  labels: {app: web}
  name: web
  namespace: default
spec:
  containers:
  - image: nginx:1.27
    imagePullPolicy: IfNotPresent
    name: web
    ports:
    - {containerPort: 80, name: http, protocol: TCP}
    readinessProbe:
      failureThreshold: 3
      httpGet: {path: /, port: http, scheme: HTTP}
      periodSeconds: 10
      successThreshold: 1
      timeoutSeconds: 1
    resources: {}
    terminationMessagePath: /dev/termination-log
    terminationMessagePolicy: File
    volumeMounts:
    - {mountPath: /var/run/secrets/kubernetes.io/serviceaccount, name: VOLUME, readOnly: true}
  dnsPolicy: ClusterFirst
  enableServiceLinks: true
  preemptionPolicy: PreemptLowerPriority
  priority: 0
  restartPolicy: Always
  schedulerName: default-scheduler
  securityContext: {}
  serviceAccount: default
  serviceAccountName: default
  terminationGracePeriodSeconds: 30
  tolerations:
  - {effect: NoExecute, key: node.kubernetes.io/not-ready, operator: Exists,
     tolerationSeconds: 300}
  - {effect: NoExecute, key: node.kubernetes.io/unreachable, operator: Exists,
     tolerationSeconds: 300}
  volumes:
  - name: VOLUME
    projected:
      defaultMode: 420
      sources:
      - serviceAccountToken: {expirationSeconds: 3607, path: token}
      - configMap:
          items: [{key: ca.crt, path: ca.crt}]
          name: kube-root-ca.crt
      - downwardAPI:
          items:
          - fieldRef: {apiVersion: v1, fieldPath: metadata.namespace}
            path: namespace
status: {phase: Pending, qosClass: BestEffort}
"""
)
PODS = resource_for("pods")


@pytest.fixture
def api() -> ApiServer:
    server = ApiServer(seed=0)
    workloads.install(server)
    server.create_object({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    return server


def pod(*containers: dict[str, Any], name: str = "web", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "web"}},
        "spec": {"containers": list(containers) or [container()], **spec},
    }


def container(**fields: Any) -> dict[str, Any]:
    return {"name": "web", "image": "nginx:1.27", **fields}


def refusal(api: ApiServer, obj: dict[str, Any]) -> str:
    with pytest.raises(ApiError) as caught:
        api.create_object(obj)
    assert (caught.value.code, caught.value.reason) == (422, "Invalid")
    return str(caught.value)


# -- defaults and admission ---------------------------------------------------------------------


def test_pod_looks_like_kubectl_get_pod_o_yaml(api: ApiServer) -> None:
    probe = {"httpGet": {"port": "http"}}
    ports = [{"containerPort": 80, "name": "http"}]
    created = api.create_object(pod(container(ports=ports, readinessProbe=probe)))
    volume = created["spec"]["volumes"][0]["name"]
    assert re.fullmatch("kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}", volume)
    expected = yaml.safe_load(yaml.safe_dump(EXPECTED_POD).replace("VOLUME", volume))
    server_owned = {"uid", "resourceVersion", "creationTimestamp", "generation"}
    metadata = {k: v for k, v in created["metadata"].items() if k not in server_owned}
    assert {**created, "metadata": metadata} == expected
    assert list(created) == ["apiVersion", "kind", "metadata", "spec", "status"]
    assert list(created["spec"]) == sorted(created["spec"])  # kubectl prints keys sorted
    assert created["metadata"]["generation"] == 1
    assert created["metadata"]["creationTimestamp"] == "2026-01-01T09:00:00Z"


@pytest.mark.parametrize(
    ("image", "policy"),
    [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("nginx:1.27", "IfNotPresent"),
        ("registry.k8s.io/e2e-test-images/agnhost:2.53", "IfNotPresent"),
        ("localhost:5000/web", "Always"),
        ("localhost:5000/web:v1", "IfNotPresent"),
        ("nginx@sha256:" + "a" * 64, "IfNotPresent"),
        ("Nginx", "IfNotPresent"),  # does not parse: no tag, so not "latest"
    ],
)
def test_image_pull_policy_default(api: ApiServer, image: str, policy: str) -> None:
    created = api.create_object(pod(container(image=image)))
    assert created["spec"]["containers"][0]["imagePullPolicy"] == policy


def test_explicit_values_are_kept(api: ApiServer) -> None:
    spec = {"restartPolicy": "Never", "terminationGracePeriodSeconds": 5, "dnsPolicy": "Default"}
    created = api.create_object(pod(container(imagePullPolicy="Never"), **spec))
    assert {k: created["spec"][k] for k in spec} == spec
    assert created["spec"]["containers"][0]["imagePullPolicy"] == "Never"


def test_admission_keeps_what_the_pod_already_has(api: ApiServer) -> None:
    mine = {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"}
    created = api.create_object(
        pod(automountServiceAccountToken=False, tolerations=[mine], serviceAccountName="builder")
    )
    spec = created["spec"]
    assert "volumes" not in spec and "volumeMounts" not in spec["containers"][0]
    assert (spec["serviceAccountName"], spec["serviceAccount"]) == ("builder", "builder")
    assert [t["key"] for t in spec["tolerations"]] == [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ]
    assert "tolerationSeconds" not in spec["tolerations"][0]


def test_client_status_is_replaced(api: ApiServer) -> None:
    created = api.create_object({**pod(), "status": {"phase": "Running", "podIP": "10.0.0.9"}})
    assert created["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


@pytest.mark.parametrize(
    ("resources", "qos"),
    [
        ({}, "BestEffort"),
        ({"limits": {"cpu": "500m", "memory": "128Mi"}}, "Guaranteed"),
        ({"requests": {"cpu": "1"}, "limits": {"cpu": "1000m", "memory": "1Gi"}}, "Guaranteed"),
        ({"requests": {"cpu": "250m"}}, "Burstable"),
        ({"requests": {"cpu": "250m"}, "limits": {"cpu": "500m", "memory": "1Gi"}}, "Burstable"),
    ],
)
def test_qos_class(api: ApiServer, resources: dict[str, Any], qos: str) -> None:
    created = api.create_object(pod(container(resources=resources)))
    assert created["status"]["qosClass"] == qos


def test_requests_default_to_limits(api: ApiServer) -> None:
    limits = {"cpu": "500m", "memory": "128Mi"}
    created = api.create_object(pod(container(resources={"limits": limits})))
    assert created["spec"]["containers"][0]["resources"] == {"limits": limits, "requests": limits}


# -- validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("obj", "errors"),
    [
        (pod(containers=[]), ["spec.containers: Required value"]),
        (pod(container(image="")), ["spec.containers[0].image: Required value"]),
        (
            pod(container(name="Web")),
            [f'spec.containers[0].name: Invalid value: "Web": {LABEL_MSG}'],
        ),
        (pod(container(), container()), ['spec.containers[1].name: Duplicate value: "web"']),
        (
            pod(container(image=" nginx")),
            [
                'spec.containers[0].image: Invalid value: " nginx": must not have leading or '
                "trailing whitespace"
            ],
        ),
        (
            pod(container(ports=[{"containerPort": 70000}])),
            [
                "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between "
                "1 and 65535, inclusive"
            ],
        ),
        (
            pod(container(ports=[{"name": "http"}])),
            ["spec.containers[0].ports[0].containerPort: Required value"],
        ),
        (
            pod(container(ports=[{"containerPort": 80, "protocol": "HTTP"}])),
            [
                "spec.containers[0].ports[0].protocol: Unsupported "
                'value: "HTTP": supported values: '
                '"SCTP", "TCP", "UDP"'
            ],
        ),
        (
            pod(container(ports=[{"containerPort": 80, "name": "web-server-http-1"}])),
            [
                'spec.containers[0].ports[0].name: Invalid value: "web-server-http-1": must be no '
                "more than 15 characters"
            ],
        ),
        (
            pod(container(ports=[{"containerPort": 80, "name": "8080"}])),
            [f'spec.containers[0].ports[0].name: Invalid value: "8080": {PORT_NAME_LETTER}'],
        ),
        (
            pod(container(ports=[{"containerPort": 80, "name": "Web--"}])),
            [
                'spec.containers[0].ports[0].name: Invalid value: "Web--": must contain only '
                "alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                'spec.containers[0].ports[0].name: Invalid value: "Web--": must not contain '
                "consecutive hyphens",
                'spec.containers[0].ports[0].name: Invalid value: "Web--": must not begin or end '
                "with a hyphen",
            ],
        ),
        (
            pod(
                container(
                    ports=[
                        {"containerPort": 80, "name": "http"},
                        {"containerPort": 81, "name": "http"},
                    ]
                )
            ),
            ['spec.containers[0].ports[1].name: Duplicate value: "http"'],
        ),
        (
            pod(container(readinessProbe={"periodSeconds": 5})),
            ["spec.containers[0].readinessProbe: Required value: must specify a handler type"],
        ),
        (
            pod(container(readinessProbe={"httpGet": {"port": 80}, "tcpSocket": {"port": 80}})),
            [
                "spec.containers[0].readinessProbe.tcpSocket: "
                "Forbidden: may not specify more than 1 "
                "handler type"
            ],
        ),
        (
            pod(container(livenessProbe={"tcpSocket": {"port": 0}, "successThreshold": 2})),
            [
                "spec.containers[0].livenessProbe.tcpSocket.port: Invalid value: 0: must be "
                "between 1 and 65535, inclusive",
                "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
            ],
        ),
        (
            pod(container(readinessProbe={"exec": {}})),
            ["spec.containers[0].readinessProbe.exec.command: Required value"],
        ),
        (
            pod(restartPolicy="Sometimes"),
            [
                'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", '
                '"OnFailure", "Never"'
            ],
        ),
        (
            pod(dnsPolicy="ClusterLast"),
            [
                'spec.dnsPolicy: Unsupported value: "ClusterLast": supported values: '
                '"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"'
            ],
        ),
        (
            pod(container(imagePullPolicy="Sometimes")),
            [
                'spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported '
                'values: "Always", "IfNotPresent", "Never"'
            ],
        ),
        (
            pod(nodeName="Worker_1"),
            [
                'spec.nodeName: Invalid value: "Worker_1": a lowercase RFC 1123 subdomain must '
                "consist of lower case alphanumeric characters, '-' or '.', and must start and end "
                "with an alphanumeric character (e.g. 'example.com', regex used for validation is "
                "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
            ],
        ),
        (
            pod(tolerations=[{"operator": "Equal", "value": "x"}]),
            [
                "spec.tolerations[0].operator: Invalid value: "
                '"Equal": operator must be Exists when '
                '`key` is empty, which means "match all values and all keys"'
            ],
        ),
        (
            pod(container(volumeMounts=[{"name": "data", "mountPath": "/data"}])),
            ['spec.containers[0].volumeMounts[0].name: Not found: "data"'],
        ),
    ],
)
def test_pod_spec_refusals(api: ApiServer, obj: dict[str, Any], errors: list[str]) -> None:
    shown = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
    assert refusal(api, obj) == f'Pod "web" is invalid: {shown}'


def test_aggregate_status_lists_every_cause(api: ApiServer) -> None:
    with pytest.raises(ApiError) as caught:
        api.create_object(pod(container(name="", image="")))
    assert str(caught.value) == (
        'Pod "web" is invalid: [spec.containers[0].name: Required value, '
        "spec.containers[0].image: Required value]"
    )
    assert caught.value.status["details"] == {
        "name": "web",
        "kind": "Pod",
        "causes": [
            {
                "reason": "FieldValueRequired",
                "message": "Required value",
                "field": "spec.containers[0].name",
            },
            {
                "reason": "FieldValueRequired",
                "message": "Required value",
                "field": "spec.containers[0].image",
            },
        ],
    }


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"ports": [{"containerPort": "80"}]},
            "json: cannot unmarshal string into Go struct field "
            "ContainerPort.spec.containers.ports.containerPort of type int32",
        ),
        (
            {"ports": [80]},
            "json: cannot unmarshal number into Go struct field "
            "Container.spec.containers.ports of type v1.ContainerPort",
        ),
        (
            {"ports": [{"containerPort": 80.5}]},
            "json: cannot unmarshal number 80.5 into Go struct field "
            "ContainerPort.spec.containers.ports.containerPort of type int32",
        ),
        (
            {"ports": [{"containerPort": 2**31}]},
            "json: cannot unmarshal number 2147483648 into Go struct field "
            "ContainerPort.spec.containers.ports.containerPort of type int32",
        ),
        (
            {"resources": {"limits": {"cpu": "half"}}},
            "quantities must match the regular expression "
            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        ),
    ],
)
def test_decode_errors(api: ApiServer, fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ApiError) as caught:
        api.create_object(pod(container(**fields)))
    assert (caught.value.code, str(caught.value)) == (
        400,
        f'Pod in version "v1" cannot be handled as a Pod: {message}',
    )


# -- updates, generation, deletion ---------------------------------------------------------------


def live(api: ApiServer, name: str = "web") -> dict[str, Any]:
    return api.get(PODS, name, "default")


def test_changing_a_port_is_forbidden_with_upstreams_message(api: ApiServer) -> None:
    api.create_object(pod(container(ports=[{"containerPort": 80}])))
    changed = live(api)
    changed["spec"]["containers"][0]["ports"][0]["containerPort"] = 8080
    with pytest.raises(ApiError) as caught:
        api.update_object(changed)
    message = str(caught.value)
    assert message.startswith(f'Pod "web" is invalid: {UPDATE_FORBIDDEN}  core.PodSpec{{\n')
    assert '"containerPort": 80' in message and '"containerPort": 8080' in message
    assert caught.value.causes[0]["field"] == "spec"
    assert live(api)["spec"]["containers"][0]["ports"][0]["containerPort"] == 80


def test_adding_a_container_is_forbidden(api: ApiServer) -> None:
    api.create_object(pod())
    changed = live(api)
    changed["spec"]["containers"].append(container(name="sidecar"))
    with pytest.raises(ApiError) as caught:
        api.update_object(changed)
    assert str(caught.value) == (
        'Pod "web" is invalid: spec.containers: Forbidden: pod updates may not add or remove '
        "containers"
    )


def test_image_update_bumps_generation_labels_do_not(api: ApiServer) -> None:
    api.create_object(pod())
    relabeled = live(api)
    relabeled["metadata"]["labels"] = {"app": "web", "tier": "front"}
    assert api.update_object(relabeled)["metadata"]["generation"] == 1
    new_image = live(api)
    new_image["spec"]["containers"][0]["image"] = "nginx:1.28"
    updated = api.update_object(new_image)
    assert updated["metadata"]["generation"] == 2
    assert updated["spec"]["containers"][0]["image"] == "nginx:1.28"


def test_replace_keeps_admitted_priority_and_tolerations(api: ApiServer) -> None:
    api.create_object(pod())
    body = live(api)
    for key in ("priority", "preemptionPolicy", "tolerations"):
        del body["spec"][key]
    assert api.update_object(body)["metadata"]["generation"] == 1


def test_status_cannot_change_through_the_pod(api: ApiServer) -> None:
    api.create_object(pod())
    body = live(api)
    body["status"] = {"phase": "Running"}
    assert api.update_object(body)["status"]["phase"] == "Pending"


def test_scheduled_pod_is_terminating_for_its_grace_period(api: ApiServer) -> None:
    api.create_object(pod(nodeName="kubelab-worker", terminationGracePeriodSeconds=45))
    api.delete_object(PODS, "web", "default")
    metadata = live(api)["metadata"]
    assert metadata["deletionTimestamp"] == "2026-01-01T09:00:45Z"
    assert metadata["deletionGracePeriodSeconds"] == 45


@pytest.mark.parametrize(
    "spec", [{}, {"nodeName": "kubelab-worker", "terminationGracePeriodSeconds": 0}]
)
def test_unscheduled_or_zero_grace_pod_goes_at_once(api: ApiServer, spec: dict[str, Any]) -> None:
    api.create_object(pod(**spec))
    api.delete_object(PODS, "web", "default")
    assert api.store.get("pods", "default", "web") is None


def test_rejected_update_leaves_the_store_unchanged(api: ApiServer) -> None:
    api.create_object(pod())
    before = (api.store.revision, copy.deepcopy(live(api)))
    bad = live(api)
    bad["spec"]["containers"][0]["image"] = ""
    with pytest.raises(ApiError):
        api.update_object(bad)
    assert (api.store.revision, live(api)) == before


def test_replace_without_the_deprecated_service_account_field(api: ApiServer) -> None:
    api.create_object(pod())
    body = live(api)
    del body["spec"]["serviceAccount"]
    updated = api.update_object(body)
    assert updated["spec"]["serviceAccount"] == "default"
    assert updated["metadata"]["generation"] == 1
