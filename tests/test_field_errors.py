import pytest

from kubelab.mock import field


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (field.invalid("spec.ports[0].port", 0, "must be between 1 and 65535, inclusive"),
         "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"),
        (field.invalid("metadata.name", "Web", "bad"),
         'metadata.name: Invalid value: "Web": bad'),
        (field.required("metadata.name", "name or generateName is required"),
         "metadata.name: Required value: name or generateName is required"),
        (field.required("spec.ports"), "spec.ports: Required value"),
        (field.not_supported("spec.type", "Foo",
                             ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]),
         'spec.type: Unsupported value: "Foo": supported values: "ClusterIP", '
         '"ExternalName", "LoadBalancer", "NodePort"'),
        (field.duplicate("spec.ports[1].name", "http"),
         'spec.ports[1].name: Duplicate value: "http"'),
        (field.forbidden("spec.clusterIP", "may not be set"),
         "spec.clusterIP: Forbidden: may not be set"),
        (field.invalid("spec.x", True, "d"), "spec.x: Invalid value: true: d"),
        (field.invalid("spec.x", None, "d"), "spec.x: Invalid value: null: d"),
    ],
)
def test_field_error_text_matches_apimachinery(error: field.FieldError, text: str) -> None:
    assert str(error) == text


def test_invalid_status_single_and_aggregate() -> None:
    one = field.invalid_error("Service", "", "web", [field.required("spec.ports")])
    assert str(one) == 'Service "web" is invalid: spec.ports: Required value'
    assert one.code == 422 and one.reason == "Invalid"
    assert one.status["details"] == {
        "name": "web", "kind": "Service",
        "causes": [{"reason": "FieldValueRequired", "message": "Required value",
                    "field": "spec.ports"}]}
    two = field.invalid_error("Deployment", "apps", "web", [
        field.required("spec.selector"), field.required("spec.selector"),
        field.invalid("spec.replicas", -1, "must be greater than or equal to 0")])
    assert str(two) == (
        'Deployment.apps "web" is invalid: [spec.selector: Required value, '
        "spec.replicas: Invalid value: -1: must be greater than or equal to 0]")
    assert two.status["details"]["group"] == "apps"
    assert len(two.causes) == 2
