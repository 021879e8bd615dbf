"""PodSpec defaults: what decoding a Pod, or a workload's pod template, fills in.

Sources (kubernetes/kubernetes): pkg/apis/core/v1/defaults.go (SetDefaults_PodSpec,
SetDefaults_Container, SetDefaults_Probe, SetDefaults_HTTPGetAction, SetDefaults_Volume,
SetDefaults_ObjectFieldSelector; the container port protocol is a +default=TCP tag),
pkg/util/parsers/parsers.go (ParseImageName: which tag an image names).
"""

from __future__ import annotations

import re
from typing import Any

Object = dict[str, Any]

TERMINATION_MESSAGE_PATH = "/dev/termination-log"
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")


_TAG = re.compile(r"[\w][\w.-]{0,127}")


def image_tag(image: str) -> str:
    """parsers.ParseImageName's tag: "latest" when neither tag nor digest is given, "" when
    only a digest is, or when the reference does not parse (e.g. an upper-case repository)."""
    name, _, digest = image.partition("@")
    slash = name.rfind("/")
    repo, colon, tag = name[slash + 1 :].partition(":")
    path = name[: slash + 1] + repo
    first, _, rest = path.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        path = rest  # the registry host may hold upper case; the repository may not
    if not repo or path != path.lower() or (colon and not _TAG.fullmatch(tag)):
        return ""
    if not tag and not digest:
        return "latest"
    return tag


def default_container(container: Object) -> None:
    """SetDefaults_Container, the port protocol and the probe defaults."""
    if not container.get("imagePullPolicy"):
        tag = image_tag(str(container.get("image") or ""))
        container["imagePullPolicy"] = "Always" if tag == "latest" else "IfNotPresent"
    container.setdefault("resources", {})  # a struct, not a pointer: always printed
    if not container.get("terminationMessagePath"):
        container["terminationMessagePath"] = TERMINATION_MESSAGE_PATH
    if not container.get("terminationMessagePolicy"):
        container["terminationMessagePolicy"] = "File"
    for port in container.get("ports") or []:
        if isinstance(port, dict) and not port.get("protocol"):
            port["protocol"] = "TCP"
    for kind in PROBES:
        if isinstance(container.get(kind), dict):
            _default_probe(container[kind])
    for hook in (container.get("lifecycle") or {}).values():
        if isinstance(hook, dict):
            _default_http_get(hook.get("httpGet"))
    for env in container.get("env") or []:
        field_ref = ((env or {}).get("valueFrom") or {}).get("fieldRef")
        if isinstance(field_ref, dict) and not field_ref.get("apiVersion"):
            field_ref["apiVersion"] = "v1"


def _default_probe(probe: Object) -> None:
    for key, value in (
        ("timeoutSeconds", 1),
        ("periodSeconds", 10),
        ("successThreshold", 1),
        ("failureThreshold", 3),
    ):
        if not probe.get(key):
            probe[key] = value
    _default_http_get(probe.get("httpGet"))


def _default_http_get(action: Any) -> None:
    if isinstance(action, dict):
        if not action.get("path"):
            action["path"] = "/"
        if not action.get("scheme"):
            action["scheme"] = "HTTP"


def default_pod_spec(spec: Object) -> None:
    """SetDefaults_PodSpec and everything nested in it (templates get exactly this)."""
    for key, value in (
        ("dnsPolicy", "ClusterFirst"),
        ("restartPolicy", "Always"),
        ("schedulerName", "default-scheduler"),
    ):
        if not spec.get(key):
            spec[key] = value
    # v1 conversion: the deprecated serviceAccount stands in for an empty serviceAccountName
    # and always comes back equal to it (pkg/apis/core/v1/conversion.go).
    if not spec.get("serviceAccountName") and spec.get("serviceAccount"):
        spec["serviceAccountName"] = spec["serviceAccount"]
    if spec.get("serviceAccountName"):
        spec["serviceAccount"] = spec["serviceAccountName"]
    else:
        spec.pop("serviceAccount", None)
    if spec.get("securityContext") is None:
        spec["securityContext"] = {}
    if spec.get("terminationGracePeriodSeconds") is None:
        spec["terminationGracePeriodSeconds"] = 30
    for container in containers_of(spec):
        default_container(container)
    for volume in spec.get("volumes") or []:
        if isinstance(volume, dict) and set(volume) <= {"name"}:
            volume["emptyDir"] = {}  # SetDefaults_Volume: no source means an emptyDir


def containers_of(spec: Object) -> list[Object]:
    """Regular then init containers, each a dict (anything else is left to validation)."""
    both = (spec.get("containers") or []) + (spec.get("initContainers") or [])
    return [c for c in both if isinstance(c, dict)]


def sorted_keys(value: Any) -> Any:
    """The same data with every mapping's keys in alphabetical order, the order in which
    `kubectl get -o yaml` prints an object.

    For data the caller owns: lists, and mappings already in order, are kept and their
    items put in order in place; only a mapping out of order is rebuilt."""
    if isinstance(value, dict):
        for key, item in value.items():  # replacing a value does not disturb the iteration
            if isinstance(item, (dict, list)):
                ordered = sorted_keys(item)
                if ordered is not item:
                    value[key] = ordered
        keys = list(value)
        in_order = sorted(keys)
        if keys == in_order and type(value) is dict:
            return value
        return {key: value[key] for key in in_order}
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, (dict, list)):
                ordered = sorted_keys(item)
                if ordered is not item:
                    value[index] = ordered
    return value
