"""Service defaults and validation: one manifest in, the API server's exact answer out.

Every expected text comes from kubernetes/kubernetes pkg/apis/core/validation/
validation.go (and the registry's allocation step, which checks the IP fields first).
"""

from __future__ import annotations

from typing import Any

import pytest

from kubelab.errors import ApiError
from kubelab.mock import services
from kubelab.mock.api import ApiServer

Object = dict[str, Any]
PORT = {"port": 80}
DNS1035 = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
    "an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
DNS1123_LABEL = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
DNS1123_SUBDOMAIN = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_VALUE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
QUALIFIED_NAME = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and "
    "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
    "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
RANGE = "must be between 1 and 65535, inclusive"
DUP_80 = (
    'core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, '
    'TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}'
)


@pytest.fixture
def api() -> ApiServer:
    server = ApiServer(seed=0)
    services.install(server)
    server.store.put(
        "namespaces",
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "default"},
            "status": {"phase": "Active"},
        },
    )
    return server


def service(name: str = "web", annotations: Object | None = None, **spec: Any) -> Object:
    metadata: Object = {"name": name}
    if annotations:
        metadata["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": spec}


def rejected(api: ApiServer, obj: Object, update: bool = False) -> ApiError:
    with pytest.raises(ApiError) as info:
        (api.replace if update else api.create)(obj)
    return info.value


def invalid(*errors: str, name: str = "web") -> str:
    body = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
    return f'Service "{name}" is invalid: {body}'


# -- defaults: what `kubectl get svc -o yaml` shows on kind -------------------------------


def test_cluster_ip_service_gets_every_default(api: ApiServer) -> None:
    created = api.create(service(selector={"app": "web"}, ports=[{"port": 80, "targetPort": 8080}]))
    ip = created["spec"]["clusterIP"]
    assert created["spec"] == {
        "clusterIP": ip,
        "clusterIPs": [ip],
        "internalTrafficPolicy": "Cluster",
        "ipFamilies": ["IPv4"],
        "ipFamilyPolicy": "SingleStack",
        "ports": [{"port": 80, "protocol": "TCP", "targetPort": 8080}],
        "selector": {"app": "web"},
        "sessionAffinity": "None",
        "type": "ClusterIP",
    }
    assert created["status"] == {"loadBalancer": {}}
    assert set(created["metadata"]) == {
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "creationTimestamp",
    }


def test_node_port_and_load_balancer_defaults(api: ApiServer) -> None:
    node_port = api.create(service("np", type="NodePort", ports=[PORT]))["spec"]
    assert node_port["externalTrafficPolicy"] == "Cluster"
    assert "allocateLoadBalancerNodePorts" not in node_port
    balancer = api.create(service("lb", type="LoadBalancer", ports=[PORT]))["spec"]
    assert balancer["externalTrafficPolicy"] == "Cluster"
    assert balancer["allocateLoadBalancerNodePorts"] is True
    assert "healthCheckNodePort" not in balancer


def test_external_ips_make_a_cluster_ip_service_externally_accessible(api: ApiServer) -> None:
    spec = api.create(service(externalIPs=["192.0.2.10"], ports=[PORT]))["spec"]
    assert spec["externalTrafficPolicy"] == "Cluster"


def test_client_ip_affinity_gets_the_default_timeout(api: ApiServer) -> None:
    spec = api.create(service(sessionAffinity="ClientIP", ports=[PORT]))["spec"]
    assert spec["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}


def test_affinity_none_drops_a_config(api: ApiServer) -> None:
    config = {"clientIP": {"timeoutSeconds": 60}}
    spec = api.create(service(sessionAffinityConfig=config, ports=[PORT]))["spec"]
    assert "sessionAffinityConfig" not in spec


def test_headless_selectorless_service_is_dual_stack_by_policy(api: ApiServer) -> None:
    spec = api.create(service(clusterIP="None", ports=[PORT]))["spec"]
    assert spec["clusterIPs"] == ["None"]
    assert spec["ipFamilyPolicy"] == "RequireDualStack"
    assert spec["ipFamilies"] == ["IPv4", "IPv6"]


def test_headless_with_selector_is_single_stack(api: ApiServer) -> None:
    spec = api.create(service(clusterIP="None", selector={"app": "db"}))["spec"]
    assert (spec["ipFamilyPolicy"], spec["ipFamilies"]) == ("SingleStack", ["IPv4"])
    assert "ports" not in spec  # a headless Service may have none


def test_external_name_has_no_ip_fields(api: ApiServer) -> None:
    spec = api.create(service(type="ExternalName", externalName="example.com."))["spec"]
    assert spec == {
        "externalName": "example.com.",
        "sessionAffinity": "None",
        "type": "ExternalName",
    }


def test_prefer_dual_stack_stays_single_family(api: ApiServer) -> None:
    spec = api.create(service(ipFamilyPolicy="PreferDualStack", ports=[PORT]))["spec"]
    assert (spec["ipFamilyPolicy"], spec["ipFamilies"]) == ("PreferDualStack", ["IPv4"])


def test_integral_floats_decode_as_ints(api: ApiServer) -> None:
    spec = api.create(service(ports=[{"port": 80.0, "targetPort": 8080.0}]))["spec"]
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 8080}]
    assert isinstance(spec["ports"][0]["port"], int)


def test_zero_values_are_not_written(api: ApiServer) -> None:
    spec = api.create(
        service(
            ports=[{"port": 80, "name": "", "nodePort": 0, "targetPort": 0}],
            selector={},
            externalIPs=[],
            clusterIP="",
        )
    )["spec"]
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert "selector" not in spec and "externalIPs" not in spec


# -- create: one rule per case -----------------------------------------------------------

CREATE_CASES: list[tuple[str, Object, str]] = [
    ("no ports", service(), invalid("spec.ports: Required value")),
    (
        "port 0",
        service(ports=[{"port": 0}]),
        invalid(
            f"spec.ports[0].port: Invalid value: 0: {RANGE}",
            f"spec.ports[0].targetPort: Invalid value: 0: {RANGE}",
        ),
    ),
    (
        "port too big",
        service(ports=[{"port": 65536, "targetPort": 80}]),
        invalid(f"spec.ports[0].port: Invalid value: 65536: {RANGE}"),
    ),
    (
        "negative targetPort",
        service(ports=[{"port": 80, "targetPort": -1}]),
        invalid(f"spec.ports[0].targetPort: Invalid value: -1: {RANGE}"),
    ),
    (
        "upper-case named targetPort",
        service(ports=[{"port": 80, "targetPort": "HTTP"}]),
        invalid(
            'spec.ports[0].targetPort: Invalid value: "HTTP": must contain only alpha-numeric '
            "characters (a-z, 0-9), and hyphens (-)",
            'spec.ports[0].targetPort: Invalid value: "HTTP": '
            "must contain at least one letter (a-z)",
        ),
    ),
    (
        "numeric string targetPort",
        service(ports=[{"port": 80, "targetPort": "8080"}]),
        invalid(
            'spec.ports[0].targetPort: Invalid value: "8080": '
            "must contain at least one letter (a-z)"
        ),
    ),
    (
        "long named targetPort",
        service(ports=[{"port": 80, "targetPort": "a-very-long-name"}]),
        invalid(
            'spec.ports[0].targetPort: Invalid value: "a-very-long-name": '
            "must be no more than 15 characters"
        ),
    ),
    (
        "hyphens in targetPort",
        service(ports=[{"port": 80, "targetPort": "-web--x"}]),
        invalid(
            'spec.ports[0].targetPort: Invalid value: "-web--x": '
            "must not contain consecutive hyphens",
            'spec.ports[0].targetPort: Invalid value: "-web--x": '
            "must not begin or end with a hyphen",
        ),
    ),
    (
        "unnamed ports",
        service(ports=[{"port": 80}, {"port": 443}]),
        invalid("spec.ports[0].name: Required value", "spec.ports[1].name: Required value"),
    ),
    (
        "duplicate port names",
        service(ports=[{"port": 80, "name": "http"}, {"port": 81, "name": "http"}]),
        invalid('spec.ports[1].name: Duplicate value: "http"'),
    ),
    (
        "upper-case port name",
        service(ports=[{"port": 80, "name": "HTTP"}]),
        invalid(f'spec.ports[0].name: Invalid value: "HTTP": {DNS1123_LABEL}'),
    ),
    (
        "port name with dots",
        service(ports=[{"port": 80, "name": "http.web"}]),
        invalid('spec.ports[0].name: Invalid value: "http.web": must not contain dots'),
    ),
    (
        "unknown protocol",
        service(ports=[{"port": 80, "protocol": "HTTP"}]),
        invalid(
            'spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", '
            '"UDP"'
        ),
    ),
    (
        "duplicate port and protocol",
        service(ports=[{"port": 80, "name": "a"}, {"port": 80, "name": "b"}]),
        invalid(f"spec.ports[1]: Duplicate value: {DUP_80}"),
    ),
    (
        "bad appProtocol",
        service(ports=[{"port": 80, "appProtocol": "my proto"}]),
        invalid(f'spec.ports[0].appProtocol: Invalid value: "my proto": {QUALIFIED_NAME}'),
    ),
    (
        "bad selector value",
        service(ports=[PORT], selector={"app": "bad value!"}),
        invalid(f'spec.selector: Invalid value: "bad value!": {LABEL_VALUE}'),
    ),
    (
        "unknown affinity",
        service(ports=[PORT], sessionAffinity="Sticky"),
        invalid(
            'spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", '
            '"None"'
        ),
    ),
    (
        "zero affinity timeout",
        service(
            ports=[PORT],
            sessionAffinity="ClientIP",
            sessionAffinityConfig={"clientIP": {"timeoutSeconds": 0}},
        ),
        invalid(
            "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: "
            "must be greater than 0 and less than 86400"
        ),
    ),
    (
        "long affinity timeout",
        service(
            ports=[PORT],
            sessionAffinity="ClientIP",
            sessionAffinityConfig={"clientIP": {"timeoutSeconds": 86401}},
        ),
        invalid(
            "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: "
            "must be greater than 0 and less than 86400"
        ),
    ),
    (
        "unknown type",
        service(ports=[PORT], type="Foo"),
        invalid(
            'spec.type: Unsupported value: "Foo": supported values: "ClusterIP", "ExternalName", '
            '"LoadBalancer", "NodePort"'
        ),
    ),
    (
        "nodePort on ClusterIP",
        service(ports=[{"port": 80, "nodePort": 30080}]),
        invalid("spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"),
    ),
    (
        "headless NodePort",
        service(ports=[PORT], type="NodePort", clusterIP="None", selector={"app": "web"}),
        invalid(
            "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for "
            "NodePort services"
        ),
    ),
    (
        "headless LoadBalancer",
        service(ports=[PORT], type="LoadBalancer", clusterIP="None", selector={"app": "web"}),
        invalid(
            "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for "
            "LoadBalancer services"
        ),
    ),
    (
        "ExternalName without a name",
        service(type="ExternalName"),
        invalid("spec.externalName: Required value"),
    ),
    (
        "ExternalName not a DNS name",
        service(type="ExternalName", externalName="my db."),
        invalid(f'spec.externalName: Invalid value: "my db": {DNS1123_SUBDOMAIN}'),
    ),
    (
        "ExternalName with clusterIP",
        service(type="ExternalName", externalName="example.com", clusterIP="10.96.0.50"),
        invalid("spec.clusterIPs: Forbidden: may not be set for ExternalName services"),
    ),
    (
        "ExternalName with a bad internalTrafficPolicy",
        service(type="ExternalName", externalName="example.com", internalTrafficPolicy="Node"),
        invalid(
            'spec.internalTrafficPolicy: Unsupported value: "Node": supported values: '
            '"Cluster", "Local"'
        ),
    ),
    (
        "ExternalName with IP families",
        service(
            type="ExternalName",
            externalName="example.com",
            ipFamilies=["IPv4"],
            ipFamilyPolicy="SingleStack",
        ),
        invalid(
            "spec.ipFamilies: Forbidden: may not be set for ExternalName services",
            "spec.ipFamilyPolicy: Forbidden: may not be set for ExternalName services",
        ),
    ),
    (
        "externalIP not an IP",
        service(ports=[PORT], externalIPs=["1.2.3"]),
        invalid(
            'spec.externalIPs[0]: Invalid value: "1.2.3": must be a valid IP address, '
            "(e.g. 10.9.8.7 or 2001:db8::ffff)"
        ),
    ),
    (
        "loopback externalIP",
        service(ports=[PORT], externalIPs=["127.0.0.1"]),
        invalid(
            'spec.externalIPs[0]: Invalid value: "127.0.0.1": may not be in the loopback range '
            "(127.0.0.0/8, ::1/128)"
        ),
    ),
    (
        "unspecified externalIP",
        service(ports=[PORT], externalIPs=["0.0.0.0"]),
        invalid('spec.externalIPs[0]: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)'),
    ),
    (
        "link-local externalIP",
        service(ports=[PORT], externalIPs=["169.254.1.1"]),
        invalid(
            'spec.externalIPs[0]: Invalid value: "169.254.1.1": may not be in the link-local range '
            "(169.254.0.0/16, fe80::/10)"
        ),
    ),
    (
        "multicast externalIP",
        service(ports=[PORT], externalIPs=["224.0.0.5"]),
        invalid(
            'spec.externalIPs[0]: Invalid value: "224.0.0.5": may not be in the link-local '
            "multicast range (224.0.0.0/24, ff02::/10)"
        ),
    ),
    (
        "externalTrafficPolicy on ClusterIP",
        service(ports=[PORT], externalTrafficPolicy="Local"),
        invalid(
            'spec.externalTrafficPolicy: Invalid value: "Local": may only be set for '
            "externally-accessible services"
        ),
    ),
    (
        "unknown externalTrafficPolicy",
        service(ports=[PORT], type="NodePort", externalTrafficPolicy="Global"),
        invalid(
            'spec.externalTrafficPolicy: Unsupported value: "Global": supported values: '
            '"Cluster", "Local"'
        ),
    ),
    (
        "healthCheckNodePort on NodePort",
        service(ports=[PORT], type="NodePort", healthCheckNodePort=30500),
        invalid(
            "spec.healthCheckNodePort: Invalid value: 30500: may only be set when `type` is "
            "'LoadBalancer' and `externalTrafficPolicy` is 'Local'"
        ),
    ),
    (
        "unknown internalTrafficPolicy",
        service(ports=[PORT], internalTrafficPolicy="Node"),
        invalid(
            'spec.internalTrafficPolicy: Unsupported value: "Node": supported values: '
            '"Cluster", "Local"'
        ),
    ),
    (
        "unknown trafficDistribution",
        service(ports=[PORT], trafficDistribution="Nearest"),
        invalid(
            'spec.trafficDistribution: Unsupported value: "Nearest": supported values: '
            '"PreferClose", "PreferSameNode", "PreferSameZone"'
        ),
    ),
    (
        "loadBalancerClass on NodePort",
        service(ports=[PORT], type="NodePort", loadBalancerClass="example.com/lb"),
        invalid(
            "spec.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer'"
        ),
    ),
    (
        "bad loadBalancerClass",
        service(ports=[PORT], type="LoadBalancer", loadBalancerClass="my lb"),
        invalid(f'spec.loadBalancerClass: Invalid value: "my lb": {QUALIFIED_NAME}'),
    ),
    (
        "allocateLoadBalancerNodePorts on ClusterIP",
        service(ports=[PORT], allocateLoadBalancerNodePorts=False),
        invalid(
            "spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is "
            "'LoadBalancer'"
        ),
    ),
    (
        "source ranges on ClusterIP",
        service(ports=[PORT], loadBalancerSourceRanges=["10.0.0.0/8"]),
        invalid(
            "spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is "
            "'LoadBalancer'"
        ),
    ),
    (
        "bad source range",
        service(ports=[PORT], type="LoadBalancer", loadBalancerSourceRanges=["10.0.0.0/33"]),
        invalid(
            'spec.LoadBalancerSourceRanges[0]: Invalid value: "10.0.0.0/33": must be a valid '
            "CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
        ),
    ),
    (
        "source ranges annotation on ClusterIP",
        service(
            ports=[PORT],
            annotations={"service.beta.kubernetes.io/load-balancer-source-ranges": "10.0.0.0/8"},
        ),
        invalid(
            "metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]: "
            "Forbidden: may only be used when `type` is 'LoadBalancer'"
        ),
    ),
    (
        "topology annotations disagree",
        service(
            ports=[PORT],
            annotations={
                "service.kubernetes.io/topology-mode": "Auto",
                "service.kubernetes.io/topology-aware-hints": "Disabled",
            },
        ),
        invalid(
            'metadata.annotations[service.kubernetes.io/topology-mode]: Invalid value: "Auto": '
            "must match annotations[service.kubernetes.io/topology-aware-hints] when both are "
            "specified"
        ),
    ),
    (
        "name starts with a digit",
        service("1web", ports=[PORT]),
        invalid(f'metadata.name: Invalid value: "1web": {DNS1035}', name="1web"),
    ),
    (
        "name with a dot",
        service("web.app", ports=[PORT]),
        invalid(f'metadata.name: Invalid value: "web.app": {DNS1035}', name="web.app"),
    ),
    (
        "clusterIP not an IP",
        service(clusterIP="not-an-ip"),  # checked before "no ports"
        invalid(
            'spec.clusterIPs[0]: Invalid value: "not-an-ip": must be a valid IP address, '
            "(e.g. 10.9.8.7 or 2001:db8::ffff)"
        ),
    ),
    (
        "clusterIPs disagree",
        service(ports=[PORT], clusterIP="10.96.0.5", clusterIPs=["10.96.0.6"]),
        invalid(
            'spec.clusterIPs: Invalid value: []string{"10.96.0.6"}: first value must match '
            "`clusterIP`"
        ),
    ),
    (
        "clusterIPs alone",
        service(ports=[PORT], clusterIPs=["10.96.0.6"]),
        invalid(
            'spec.clusterIPs: Invalid value: []string{"10.96.0.6"}: must be empty when '
            "`clusterIP` is not specified"
        ),
    ),
    (
        "None and an IP",
        service(ports=[PORT], clusterIP="None", clusterIPs=["None", "10.96.0.5"]),
        invalid(
            'spec.clusterIPs: Invalid value: []string{"None", "10.96.0.5"}: \'None\' must be '
            "the first and only value"
        ),
    ),
    (
        "two IPv4 clusterIPs",
        service(ports=[PORT], clusterIP="10.96.0.5", clusterIPs=["10.96.0.5", "10.96.0.6"]),
        invalid(
            'spec.clusterIPs: Invalid value: []string{"10.96.0.5", "10.96.0.6"}: may specify '
            "no more than one IP for each IP family"
        ),
    ),
    (
        "IPv6 clusterIP",
        service(ports=[PORT], clusterIP="fd00::10"),
        invalid(
            'spec.clusterIPs[0]: Invalid value: []string{"fd00::10"}: IPv6 is not configured '
            "on this cluster"
        ),
    ),
    (
        "IPv6 family",
        service(ports=[PORT], ipFamilies=["IPv6"]),
        invalid('spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster'),
    ),
    (
        "unknown family",
        service(ports=[PORT], ipFamilies=["IPv5"]),
        invalid('spec.ipFamilies[0]: Unsupported value: "IPv5": supported values: "IPv4", "IPv6"'),
    ),
    (
        "duplicate family",
        service(ports=[PORT], ipFamilies=["IPv4", "IPv4"]),
        invalid('spec.ipFamilies[1]: Duplicate value: "IPv4"'),
    ),
    (
        "dual stack required",
        service(ports=[PORT], ipFamilyPolicy="RequireDualStack"),
        invalid(
            'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not '
            "configured for dual-stack services"
        ),
    ),
    (
        "unknown family policy",
        service(ports=[PORT], ipFamilyPolicy="Dual"),
        invalid(
            'spec.ipFamilyPolicy: Unsupported value: "Dual": supported values: '
            '"PreferDualStack", "RequireDualStack", "SingleStack"'
        ),
    ),
    (
        "single stack with two families",
        service(ports=[PORT], ipFamilyPolicy="SingleStack", ipFamilies=["IPv4", "IPv6"]),
        invalid(
            "spec.ipFamilyPolicy: Invalid value: \"SingleStack\": must be 'RequireDualStack' "
            "or 'PreferDualStack' when multiple IP families are specified"
        ),
    ),
]


@pytest.mark.parametrize(
    ("obj", "message"), [c[1:] for c in CREATE_CASES], ids=[c[0] for c in CREATE_CASES]
)
def test_create_is_refused_with_upstream_text(api: ApiServer, obj: Object, message: str) -> None:
    err = rejected(api, obj)
    assert (err.code, err.reason) == (422, "Invalid")
    assert str(err) == message
    assert api.store.count("services") == 0


VALID_CASES: list[tuple[str, Object]] = [
    ("targetPort 0 means port", service(ports=[{"port": 80, "targetPort": 0}])),
    ("named targetPort", service(ports=[{"port": 80, "targetPort": "http-alt"}])),
    (
        "same port, two protocols",
        service(
            ports=[{"port": 53, "name": "dns", "protocol": "UDP"}, {"port": 53, "name": "dns-tcp"}]
        ),
    ),
    ("appProtocol", service(ports=[{"port": 80, "appProtocol": "kubernetes.io/h2c"}])),
    (
        "Local policy with externalIPs",
        service(ports=[PORT], externalIPs=["192.0.2.10"], externalTrafficPolicy="Local"),
    ),
    ("ExternalName with trailing dot", service(type="ExternalName", externalName="db.example.")),
    (
        "loadBalancerClass",
        service(ports=[PORT], type="LoadBalancer", loadBalancerClass="example.com/lb"),
    ),
    (
        "source ranges with spaces",
        service(ports=[PORT], type="LoadBalancer", loadBalancerSourceRanges=[" 10.0.0.0/8 "]),
    ),
    ("PreferClose", service(ports=[PORT], trafficDistribution="PreferClose")),
    ("internal Local", service(ports=[PORT], internalTrafficPolicy="Local")),
    ("clusterIP from the static band", service(ports=[PORT], clusterIP="10.96.0.20")),
]


@pytest.mark.parametrize("obj", [c[1] for c in VALID_CASES], ids=[c[0] for c in VALID_CASES])
def test_valid_services_are_created(api: ApiServer, obj: Object) -> None:
    assert api.create(obj)["metadata"]["name"] == "web"


def test_status_causes_name_each_field(api: ApiServer) -> None:
    err = rejected(api, service(ports=[{"port": 0}], type="Foo"))
    assert err.status["details"] == {
        "name": "web",
        "kind": "Service",
        "causes": [
            {
                "reason": "FieldValueInvalid",
                "message": f"Invalid value: 0: {RANGE}",
                "field": "spec.ports[0].port",
            },
            {
                "reason": "FieldValueInvalid",
                "message": f"Invalid value: 0: {RANGE}",
                "field": "spec.ports[0].targetPort",
            },
            {
                "reason": "FieldValueNotSupported",
                "message": 'Unsupported value: "Foo": supported values: "ClusterIP", '
                '"ExternalName", "LoadBalancer", "NodePort"',
                "field": "spec.type",
            },
        ],
    }


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"ports": [{"port": "80"}]},
            "json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of "
            "type int32",
        ),
        (
            {"ports": [{"port": 80, "targetPort": 80.5}]},
            "json: cannot unmarshal number 80.5 into Go struct field "
            "ServicePort.spec.ports.targetPort of type int32",
        ),
        (
            {"type": "LoadBalancer", "allocateLoadBalancerNodePorts": "no", "ports": [PORT]},
            "json: cannot unmarshal string into Go struct field "
            "ServiceSpec.spec.allocateLoadBalancerNodePorts of type bool",
        ),
        (
            {"selector": ["app=web"], "ports": [PORT]},
            "json: cannot unmarshal array into Go struct field ServiceSpec.spec.selector of type "
            "map[string]string",
        ),
        (
            {"ports": [{"port": 2147483648}]},
            "json: cannot unmarshal number 2147483648 into Go struct field "
            "ServicePort.spec.ports.port of type int32",
        ),
        (
            {"type": 1, "ports": [PORT]},
            "json: cannot unmarshal number into Go struct field ServiceSpec.spec.type of type "
            "v1.ServiceType",
        ),
        (
            {"externalIPs": "1.2.3.4", "ports": [PORT]},
            "json: cannot unmarshal string into Go struct field ServiceSpec.spec.externalIPs of "
            "type []string",
        ),
        (
            {
                "sessionAffinity": "ClientIP",
                "ports": [PORT],
                "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": "3h"}},
            },
            "json: cannot unmarshal string into Go struct field "
            "ClientIPConfig.spec.sessionAffinityConfig.clientIP.timeoutSeconds of type int32",
        ),
    ],
)
def test_undecodable_fields_are_bad_requests(api: ApiServer, spec: Object, message: str) -> None:
    err = rejected(api, service(**spec))
    assert (err.code, err.reason) == (400, "BadRequest")
    assert str(err) == f'Service in version "v1" cannot be handled as a Service: {message}'


# -- update ------------------------------------------------------------------------------


def _created(api: ApiServer, **spec: Any) -> Object:
    return api.create(service(**spec))


def test_cluster_ip_cannot_change(api: ApiServer) -> None:
    live = _created(api, ports=[PORT])
    live["spec"]["clusterIP"] = "10.96.0.99"
    err = rejected(api, live, update=True)
    assert str(err) == invalid(
        'spec.clusterIPs[0]: Invalid value: []string{"10.96.0.99"}: may not change once set'
    )
    assert err.causes == [
        {
            "reason": "FieldValueInvalid",
            "field": "spec.clusterIPs[0]",
            "message": 'Invalid value: []string{"10.96.0.99"}: may not change once set',
        }
    ]


def test_headless_cannot_become_headful_or_back(api: ApiServer) -> None:
    headless = _created(api, clusterIP="None", selector={"app": "web"}, ports=[PORT])
    headless["spec"].update(clusterIP="10.96.0.50", clusterIPs=["10.96.0.50"])
    assert str(rejected(api, headless, update=True)) == invalid(
        'spec.clusterIPs[0]: Invalid value: []string{"10.96.0.50"}: may not change once set'
    )
    headful = api.create(service("db", ports=[PORT]))
    headful["spec"]["clusterIP"] = "None"
    assert str(rejected(api, headful, update=True)) == invalid(
        'spec.clusterIPs[0]: Invalid value: []string{"None"}: may not change once set', name="db"
    )


def test_selectorless_headless_keeps_its_dual_stack_policy(api: ApiServer) -> None:
    """Its policy (RequireDualStack) carries over to the update and fails there first."""
    headless = _created(api, clusterIP="None", ports=[PORT])
    headless["spec"].update(clusterIP="10.96.0.50", clusterIPs=["10.96.0.50"])
    assert str(rejected(api, headless, update=True)) == invalid(
        'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured '
        "for dual-stack services",
        'spec.ipFamilies[1]: Invalid value: "IPv6": not configured on this cluster',
    )


def test_resubmitting_a_selectorless_headless_service_changes_nothing(api: ApiServer) -> None:
    live = _created(api, clusterIP="None", ports=[PORT])
    again = api.replace(service(clusterIP="None", ports=[PORT]))
    assert again == live


def test_resubmitting_without_cluster_ip_keeps_it(api: ApiServer) -> None:
    live = _created(api, ports=[PORT])
    again = api.replace(service(ports=[PORT]))
    assert again["spec"]["clusterIPs"] == live["spec"]["clusterIPs"]
    assert again["metadata"]["resourceVersion"] == live["metadata"]["resourceVersion"]


@pytest.mark.parametrize(
    ("new_class", "shown"), [("example.com/other", '"example.com/other"'), (None, "null")]
)
def test_load_balancer_class_is_immutable(
    api: ApiServer, new_class: str | None, shown: str
) -> None:
    live = _created(api, ports=[PORT], type="LoadBalancer", loadBalancerClass="example.com/lb")
    live["spec"]["loadBalancerClass"] = new_class
    assert str(rejected(api, live, update=True)) == invalid(
        f"spec.loadBalancerClass: Invalid value: {shown}: may not change once set"
    )


def test_health_check_node_port_is_immutable(api: ApiServer) -> None:
    live = _created(api, ports=[PORT], type="LoadBalancer", externalTrafficPolicy="Local")
    live["spec"]["healthCheckNodePort"] += 1
    assert str(rejected(api, live, update=True)) == invalid(
        "spec.healthCheckNodePort: Forbidden: field is immutable"
    )


def test_update_validates_the_whole_service(api: ApiServer) -> None:
    live = _created(api, ports=[PORT])
    live["spec"]["ports"] = [{"port": 80, "protocol": "ICMP"}]
    assert str(rejected(api, live, update=True)) == invalid(
        'spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'
    )
