"""EndpointSlices and v1 Endpoints as the API server takes them: defaults, validation
texts, generation. Expected values follow pkg/apis/discovery/v1/defaults.go,
pkg/apis/discovery/validation/validation.go, pkg/registry/discovery/endpointslice/
strategy.go and pkg/apis/core/validation/validation.go (ValidateEndpoints).
"""

from __future__ import annotations

from typing import Any

import pytest

from kubelab.errors import ApiError
from kubelab.kinds import resource_for
from kubelab.mock import workloads
from kubelab.mock.api import ApiServer

SLICES = resource_for("endpointslices")


@pytest.fixture
def api() -> ApiServer:
    server = ApiServer(seed=0)
    workloads.install(server)
    server.create_object({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    return server


def endpoint_slice(*addresses: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "addressType": "IPv4",
        "endpoints": [{"addresses": list(addresses) or ["10.244.1.5"]}],
        "ports": [{"port": 80}],
        **fields,
    }
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": "web-abcde", "labels": {"kubernetes.io/service-name": "web"}},
        **{k: v for k, v in body.items() if v is not None},
    }


def refusal(api: ApiServer, obj: dict[str, Any]) -> str:
    with pytest.raises(ApiError) as caught:
        api.create_object(obj)
    return str(caught.value)


def test_a_wrongly_typed_topology_fails_decoding(api: ApiServer) -> None:
    obj = endpoint_slice()
    obj["endpoints"][0]["deprecatedTopology"] = {"zone": 1}
    with pytest.raises(ApiError) as caught:
        api.create_object(obj)
    assert (caught.value.code, str(caught.value)) == (
        400,
        'EndpointSlice in version "v1" cannot be handled as a EndpointSlice: json: cannot '
        "unmarshal number into Go struct field Endpoint.endpoints.deprecatedTopology of type "
        "string",
    )


def test_slice_defaults_and_generation(api: ApiServer) -> None:
    created = api.create_object(endpoint_slice())
    assert created["ports"] == [{"port": 80, "name": "", "protocol": "TCP"}]
    assert created["metadata"]["generation"] == 1
    assert "status" not in created


@pytest.mark.parametrize(
    ("obj", "errors"),
    [
        (endpoint_slice(addressType=None), ["addressType: Required value"]),
        (
            endpoint_slice(addressType="IP"),
            ['addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"'],
        ),
        (
            endpoint_slice("10.244.1.300"),
            [
                'endpoints[0].addresses[0]: Invalid value: "10.244.1.300": '
                "must be a valid IPv4 address",
                'endpoints[0].addresses[0]: Invalid value: "10.244.1.300": '
                "must be a valid IP address",
            ],
        ),
        (
            endpoint_slice("127.0.0.1"),
            [
                'endpoints[0].addresses[0]: Invalid value: "127.0.0.1": may not be in the loopback '
                "range (127.0.0.0/8, ::1/128)"
            ],
        ),
        (
            endpoint_slice(endpoints=[{"addresses": []}]),
            ["endpoints[0].addresses: Required value: must contain at least 1 address"],
        ),
        (
            endpoint_slice(ports=[{"port": 80, "name": "http"}, {"port": 81, "name": "http"}]),
            ['ports[1].name: Duplicate value: "http"'],
        ),
        (
            endpoint_slice(ports=[{"port": 80, "name": "HTTP", "protocol": "ICMP"}]),
            [
                'ports[0].name: Invalid value: "HTTP": a lowercase RFC 1123 label must consist of '
                "lower case alphanumeric characters or '-', and must start and end with an "
                "alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation "
                "is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                'ports[0].protocol: Unsupported value: "ICMP": '
                'supported values: "SCTP", "TCP", "UDP"',
            ],
        ),
        (
            endpoint_slice(addressType="FQDN", endpoints=[{"addresses": ["web"]}]),
            [
                'endpoints[0].addresses[0]: Invalid value: "web": should be a domain with at least '
                "two segments separated by dots"
            ],
        ),
    ],
)
def test_slice_refusals(api: ApiServer, obj: dict[str, Any], errors: list[str]) -> None:
    shown = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
    assert refusal(api, obj) == f'EndpointSlice.discovery.k8s.io "web-abcde" is invalid: {shown}'


def test_address_type_is_immutable(api: ApiServer) -> None:
    api.create_object(endpoint_slice())
    changed = api.get(SLICES, "web-abcde", "default")
    changed["addressType"] = "FQDN"
    changed["endpoints"] = [{"addresses": ["web.example.com"]}]
    with pytest.raises(ApiError) as caught:
        api.update_object(changed)
    assert str(caught.value) == (
        'EndpointSlice.discovery.k8s.io "web-abcde" is invalid: addressType: Invalid value: '
        '"FQDN": field is immutable'
    )


def test_generation_bumps_on_endpoints_and_on_labels(api: ApiServer) -> None:
    api.create_object(endpoint_slice())
    moved = api.get(SLICES, "web-abcde", "default")
    moved["endpoints"][0]["addresses"] = ["10.244.2.7"]
    assert api.update_object(moved)["metadata"]["generation"] == 2
    relabeled = api.get(SLICES, "web-abcde", "default")
    relabeled["metadata"]["labels"]["extra"] = "x"
    assert api.update_object(relabeled)["metadata"]["generation"] == 3
    annotated = api.get(SLICES, "web-abcde", "default")
    annotated["metadata"]["annotations"] = {"note": "x"}
    assert api.update_object(annotated)["metadata"]["generation"] == 3


def endpoints(*subsets: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": "web"},
        "subsets": list(subsets),
    }


def test_endpoints_defaults(api: ApiServer) -> None:
    created = api.create_object(
        endpoints({"addresses": [{"ip": "10.244.1.5"}], "ports": [{"port": 80}]})
    )
    assert created["subsets"][0]["ports"] == [{"port": 80, "protocol": "TCP"}]
    assert "generation" not in created["metadata"]


@pytest.mark.parametrize(
    ("subset", "errors"),
    [
        (
            {"ports": [{"port": 80}]},
            ["subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`"],
        ),
        (
            {"addresses": [{"ip": "web"}]},
            [
                'subsets[0].addresses[0].ip: Invalid value: "web": must be a valid IP address, '
                "(e.g. 10.9.8.7 or 2001:db8::ffff)",
                'subsets[0].addresses[0].ip: Invalid value: "web": must be a valid IP address',
            ],
        ),
        (
            {
                "addresses": [{"ip": "10.244.1.5"}],
                "ports": [{"port": 80}, {"port": 443, "name": "https"}],
            },
            ["subsets[0].ports[0].name: Required value"],
        ),
    ],
)
def test_endpoints_refusals(api: ApiServer, subset: dict[str, Any], errors: list[str]) -> None:
    shown = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
    assert refusal(api, endpoints(subset)) == f'Endpoints "web" is invalid: {shown}'
