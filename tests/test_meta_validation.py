"""ObjectMeta, names and labels, and the non-workload kinds (Namespace, Node): exact texts.

Expected strings follow staging/src/k8s.io/apimachinery (util/validation, api/validate/
content, api/validation/objectmeta.go) and pkg/apis/core/validation/validation.go.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kubelab.errors import ApiError
from kubelab.kinds import resource_for
from kubelab.mock import meta, workloads
from kubelab.mock.api import ApiServer

SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
KEY_RULE = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)


@pytest.fixture
def api() -> ApiServer:
    server = ApiServer(seed=0)
    workloads.install(server)
    server.create_object({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    return server


def pod(name: str = "web", **metadata: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, **metadata},
        "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
    }


def refused(api: ApiServer, obj: dict[str, Any]) -> ApiError:
    with pytest.raises(ApiError) as caught:
        api.create_object(obj)
    return caught.value


# -- the pure rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "messages"),
    [
        ("app", []),
        ("app.kubernetes.io/name", []),
        ("Uppercase_Is_OK_123", []),
        ("-app", ["name part " + KEY_RULE]),
        ("a" * 64, ["name part must be no more than 63 bytes"]),
        ("example.com/", ["name part must be non-empty", "name part " + KEY_RULE]),
        ("/app", ["prefix part must be non-empty"]),
        ("Example.com/app", ["prefix part " + SUBDOMAIN_MSG]),
        (
            "a/b/c",
            [
                "a valid label key "
                + KEY_RULE
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
            ],
        ),
    ],
)
def test_label_key_messages(key: str, messages: list[str]) -> None:
    assert meta.label_key_errors(key) == messages


@pytest.mark.parametrize(
    ("value", "messages"),
    [
        ("", []),
        ("web_1.v2", []),
        ("-web", [VALUE_MSG]),
        ("a" * 64, ["must be no more than 63 bytes"]),
        ("-" + "a" * 63, ["must be no more than 63 bytes", VALUE_MSG]),
    ],
)
def test_label_value_messages(value: str, messages: list[str]) -> None:
    assert meta.label_value_errors(value) == messages


@pytest.mark.parametrize(
    ("check", "value", "messages"),
    [
        (meta.dns1123_label_errors, "web-1", []),
        (meta.dns1123_label_errors, "my.ns", ["must not contain dots"]),
        (meta.dns1123_label_errors, "My-Name", [LABEL_MSG]),
        (meta.dns1123_label_errors, "a" * 64, ["must be no more than 63 characters"]),
        (meta.dns1123_subdomain_errors, "web.example", []),
        (meta.dns1123_subdomain_errors, "Web", [SUBDOMAIN_MSG]),
        (meta.dns1123_subdomain_errors, "a" * 254, ["must be no more than 253 characters"]),
    ],
)
def test_dns_name_messages(check: Any, value: str, messages: list[str]) -> None:
    assert check(value) == messages


@pytest.mark.parametrize(
    ("generate_name", "checked"),
    [("web-", "wea"), ("web", "web"), ("a-", "a")],  # upstream drops two characters
)
def test_generate_name_mask_is_upstreams(generate_name: str, checked: str) -> None:
    assert meta.mask_trailing_dash(generate_name) == checked


# -- through the API ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        (
            pod(""),
            'Pod "" is invalid: metadata.name: Required value: name or generateName is required',
        ),
        (pod("Web"), f'Pod "Web" is invalid: metadata.name: Invalid value: "Web": {SUBDOMAIN_MSG}'),
        (
            pod(labels={"app": "-web"}),
            f'Pod "web" is invalid: metadata.labels: Invalid value: "-web": {VALUE_MSG}',
        ),
        (
            pod(labels={"-app": "web"}),
            f'Pod "web" is invalid: metadata.labels: Invalid value: "-app": name part {KEY_RULE}',
        ),
        (
            pod(annotations={"a/b/c": "x"}),
            'Pod "web" is invalid: metadata.annotations: Invalid value: "a/b/c": a valid label key '
            + KEY_RULE
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
        ),
        (
            pod(finalizers=["-x"]),
            f'Pod "web" is invalid: metadata.finalizers: Invalid value: "-x": name part {KEY_RULE}',
        ),
        (
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "my.ns"}},
            'Namespace "my.ns" is invalid: metadata.name: Invalid value: "my.ns": '
            "must not contain dots",
        ),
    ],
)
def test_object_meta_refusals(api: ApiServer, obj: dict[str, Any], message: str) -> None:
    error = refused(api, obj)
    assert (error.code, error.reason, str(error)) == (422, "Invalid", message)


def test_invalid_status_single_cause(api: ApiServer) -> None:
    status = refused(api, pod("Web")).status
    assert status == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": f'Pod "Web" is invalid: metadata.name: Invalid value: "Web": {SUBDOMAIN_MSG}',
        "reason": "Invalid",
        "details": {
            "name": "Web",
            "kind": "Pod",
            "causes": [
                {
                    "reason": "FieldValueInvalid",
                    "message": f'Invalid value: "Web": {SUBDOMAIN_MSG}',
                    "field": "metadata.name",
                }
            ],
        },
        "code": 422,
    }


def test_invalid_status_aggregates_generate_name_and_name(api: ApiServer) -> None:
    error = refused(api, {**pod(""), "metadata": {"generateName": "Web-"}})
    name = error.status["details"]["name"]
    assert name.startswith("Web-") and len(name) == 9
    assert str(error) == (
        f'Pod "{name}" is invalid: [metadata.generateName: Invalid value: "Web-": '
        f'{SUBDOMAIN_MSG}, metadata.name: Invalid value: "{name}": {SUBDOMAIN_MSG}]'
    )
    assert [cause["field"] for cause in error.causes] == ["metadata.generateName", "metadata.name"]


def test_generate_name_is_cut_to_58_characters_before_the_random_suffix(
    api: ApiServer,
) -> None:
    created = api.create_object({**pod(""), "metadata": {"generateName": "a" * 70}})
    name = created["metadata"]["name"]
    assert name[:58] == "a" * 58 and len(name) == 63 and "a" not in name[58:]


def test_refused_request_leaves_the_store_unchanged(api: ApiServer) -> None:
    before = (api.store.revision, copy.deepcopy(list(api.store.items("pods"))))
    bad = pod(labels={"app": "-web"})
    refused(api, bad)
    refused(api, {**pod(), "spec": {"containers": []}})
    assert (api.store.revision, list(api.store.items("pods"))) == before


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        (
            pod(labels={"version": 1}),
            'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number into '
            "Go struct field ObjectMeta.metadata.labels of type string",
        ),
        (
            pod(annotations={"ready": True}),
            'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal bool into '
            "Go struct field ObjectMeta.metadata.annotations of type string",
        ),
        (
            pod(labels=["app=web"]),
            'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal array into '
            "Go struct field ObjectMeta.metadata.labels of type map[string]string",
        ),
        (
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x", "labels": "a"}},
            'Namespace in version "v1" cannot be handled as a Namespace: json: cannot unmarshal '
            "string into Go struct field ObjectMeta.metadata.labels of type map[string]string",
        ),
        (
            {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"},
             "status": {"capacity": {"cpu": "lots"}}},
            'Node in version "v1" cannot be handled as a Node: quantities must match the '
            "regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        ),
    ],
)
def test_wrongly_typed_maps_fail_decoding(
    api: ApiServer, obj: dict[str, Any], message: str
) -> None:
    error = refused(api, obj)
    assert (error.code, error.reason, str(error)) == (400, "BadRequest", message)


# -- Namespaces and Nodes --------------------------------------------------------------------


def test_namespace_defaults(api: ApiServer) -> None:
    created = api.create_object(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}, "status": {}}
    )
    assert created["metadata"]["labels"] == {"kubernetes.io/metadata.name": "team-a"}
    assert created["spec"] == {"finalizers": ["kubernetes"]}
    assert created["status"] == {"phase": "Active"}
    assert "generation" not in created["metadata"]


def test_namespace_update_keeps_finalizers_status_and_name_label(api: ApiServer) -> None:
    api.create_object({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}})
    updated = api.update_object(
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "team-a", "labels": {"owner": "ana"}},
            "spec": {"finalizers": []},
            "status": {"phase": "Terminating"},
        }
    )
    assert updated["metadata"]["labels"] == {
        "owner": "ana",
        "kubernetes.io/metadata.name": "team-a",
    }
    assert (updated["spec"], updated["status"]) == (
        {"finalizers": ["kubernetes"]},
        {"phase": "Active"},
    )


def test_the_registry_marks_a_deleted_namespace_terminating(api: ApiServer) -> None:
    api.create_object({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "lab"}})
    api.delete_object(resource_for("namespaces"), "lab", None)
    namespace = api.get(resource_for("namespaces"), "lab", None)
    assert namespace["status"]["phase"] == "Terminating"
    assert namespace["metadata"]["deletionTimestamp"] == api.clock.timestamp()


def test_namespace_finalizer_names(api: ApiServer) -> None:
    error = refused(
        api,
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "x"},
            "spec": {"finalizers": ["foo"]},
        },
    )
    assert str(error) == (
        'Namespace "x" is invalid: spec.finalizers: Invalid value: "foo": '
        "name is neither a standard finalizer name nor is it fully qualified"
    )


def node(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "kubelab-worker"},
        "spec": spec,
        "status": {"capacity": {"cpu": "8", "pods": "110"}},
    }


def test_node_keeps_its_status_and_defaults_allocatable(api: ApiServer) -> None:
    created = api.create_object(node(podCIDRs=["10.244.1.0/24"]))
    assert created["status"] == {
        "capacity": {"cpu": "8", "pods": "110"},
        "allocatable": {"cpu": "8", "pods": "110"},
    }
    assert "namespace" not in created["metadata"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"taints": [{"key": "gpu", "effect": "NoRun"}]},
            'metadata.taints[0].effect: Unsupported value: "NoRun": supported values: '
            '"NoSchedule", "PreferNoSchedule", "NoExecute"',
        ),
        (
            {
                "taints": [
                    {"key": "a", "effect": "NoSchedule"},
                    {"key": "a", "effect": "NoSchedule"},
                ]
            },
            'metadata.taints[1]: Duplicate value: core.Taint{Key:"a", Value:"", '
            'Effect:"NoSchedule", TimeAdded:(*v1.Time)(nil)}: taints must be unique by key and '
            "effect pair",
        ),
        (
            {"podCIDRs": ["10.244.1.0/33"]},
            'spec.podCIDRs[0]: Invalid value: "10.244.1.0/33": must be a valid CIDR value, '
            "(e.g. 10.9.8.0/24 or 2001:db8::/64)",
        ),
    ],
)
def test_node_refusals(api: ApiServer, spec: dict[str, Any], message: str) -> None:
    assert str(refused(api, node(**spec))) == f'Node "kubelab-worker" is invalid: {message}'


def test_node_pod_cidr_cannot_change(api: ApiServer) -> None:
    api.create_object(node(podCIDRs=["10.244.1.0/24"]))
    with pytest.raises(ApiError) as caught:
        api.update_object(node(podCIDRs=["10.244.2.0/24"]))
    assert str(caught.value) == (
        'Node "kubelab-worker" is invalid: spec.podCIDRs: Forbidden: '
        'node updates may not change podCIDR except from "" to valid'
    )
