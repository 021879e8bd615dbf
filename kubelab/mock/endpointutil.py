"""What the endpoint controllers read from pods and services, as upstream reads it.

Sources (kubernetes/kubernetes): staging/src/k8s.io/endpointslice/util/controller_utils.go
(ShouldPodBeInEndpoints, ShouldSetHostname, podEndpointsChanged, IsPodReady),
staging/src/k8s.io/endpointslice/utils.go (FindPort, isServiceIPSet),
staging/src/k8s.io/endpointslice/util/trigger_time_tracker.go.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

Object = dict[str, Any]

# Well-known labels and annotations (k8s.io/api/discovery/v1/well_known_labels.go,
# k8s.io/api/core/v1/well_known_labels.go and annotation_key_constants.go).
LABEL_SERVICE_NAME = "kubernetes.io/service-name"
LABEL_MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
LABEL_HEADLESS = "service.kubernetes.io/headless"
LAST_CHANGE_TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"


def ready_condition(pod: Object) -> Object | None:
    for condition in (pod.get("status") or {}).get("conditions") or ():
        if condition.get("type") == "Ready":
            return condition  # type: ignore[no-any-return]
    return None


def is_pod_ready(pod: Object) -> bool:
    """IsPodReady: the Ready condition is True."""
    condition = ready_condition(pod)
    return condition is not None and condition.get("status") == "True"


def pod_ips(pod: Object) -> list[str]:
    """status.podIPs; the API server fills podIPs from a lone podIP when it converts."""
    status = pod.get("status") or {}
    ips = [entry["ip"] for entry in status.get("podIPs") or () if entry.get("ip")]
    if not ips and status.get("podIP"):
        ips = [status["podIP"]]
    return ips


def is_ipv6(ip: str) -> bool:
    return ":" in ip


def should_pod_be_in_endpoints(pod: Object, include_terminating: bool) -> bool:
    """ShouldPodBeInEndpoints: not Succeeded/Failed, has an IP, terminating only if asked."""
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return False
    if not pod_ips(pod):
        return False
    return include_terminating or "deletionTimestamp" not in pod["metadata"]


def should_set_hostname(pod: Object, service: Object) -> bool:
    """ShouldSetHostname: spec.hostname set and spec.subdomain names this Service."""
    spec = pod.get("spec") or {}
    return (
        bool(spec.get("hostname"))
        and spec.get("subdomain") == service["metadata"]["name"]
        and pod["metadata"].get("namespace") == service["metadata"].get("namespace")
    )


def is_service_ip_set(service: Object) -> bool:
    cluster_ip = (service.get("spec") or {}).get("clusterIP")
    return bool(cluster_ip) and cluster_ip != "None"


def service_selector(service: Object) -> dict[str, str] | None:
    """spec.selector, or None: an empty map does not survive storage, so it is no selector."""
    return (service.get("spec") or {}).get("selector") or None


def pod_changes(old: Object, new: Object) -> tuple[bool, bool]:
    """podEndpointsChanged: (endpoints may change, service membership may change).

    Upstream compares deletionTimestamp pointers, so any update of a terminating pod
    counts as a change.
    """
    old_spec, new_spec = old.get("spec") or {}, new.get("spec") or {}
    labels_changed = (old["metadata"].get("labels") or {}) != (
        new["metadata"].get("labels") or {}
    ) or (old_spec.get("hostname"), old_spec.get("subdomain")) != (
        new_spec.get("hostname"),
        new_spec.get("subdomain"),
    )
    pod_changed = (
        "deletionTimestamp" in old["metadata"]
        or "deletionTimestamp" in new["metadata"]
        or is_pod_ready(old) != is_pod_ready(new)
        or pod_ips(old) != pod_ips(new)
    )
    return pod_changed, labels_changed


# -- times -----------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def parse_time(text: str) -> datetime:
    """An RFC 3339 metav1.Time as the API writes it."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


@lru_cache(maxsize=1024)
def format_rfc3339_nano(moment: datetime) -> str:
    """time.RFC3339Nano in UTC: fractional seconds only when there are any, zeros trimmed.
    Remembered: the simulated clock stands still while controllers sync."""
    moment = moment.astimezone(timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += "." + f"{moment.microsecond:06d}".rstrip("0")
    return text + "Z"


class TriggerTimeTracker:
    """The EndpointsLastChangeTriggerTime each sync exports (trigger_time_tracker.go).

    A new Service exports its creationTimestamp; later syncs export the earliest of the
    trigger times that moved since the last sync (a pod's Ready lastTransitionTime, the
    Service's creationTimestamp), or nothing, which clears the annotation.
    """

    def __init__(self) -> None:
        self._states: dict[tuple[str, str], tuple[datetime | None, dict[str, datetime]]] = {}

    def compute(self, service: Object, pods: list[Object]) -> str | None:
        meta = service["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        state = self._states.get(key)
        last_service, last_pods = state if state is not None else (None, {})
        earliest: datetime | None = None
        pod_times: dict[str, datetime] = {}
        for pod in pods:
            condition = ready_condition(pod)
            if condition is None or not condition.get("lastTransitionTime"):
                continue
            moment = parse_time(condition["lastTransitionTime"])
            name = pod["metadata"]["name"]
            pod_times[name] = moment
            previous = last_pods.get(name)
            if (previous is None or moment > previous) and (earliest is None or moment < earliest):
                earliest = moment
        created = parse_time(meta["creationTimestamp"]) if meta.get("creationTimestamp") else None
        if created is not None and (last_service is None or created > last_service):
            earliest = created if earliest is None or created < earliest else earliest
        self._states[key] = (created, pod_times)
        if state is None:  # a new Service: its creationTimestamp
            return format_rfc3339_nano(created) if created is not None else None
        return format_rfc3339_nano(earliest) if earliest is not None else None

    def delete(self, namespace: str, name: str) -> None:
        self._states.pop((namespace, name), None)
