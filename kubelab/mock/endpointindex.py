"""The informer caches the two endpoint controllers share: pods and Services, indexed.

It answers the two questions a change raises, without scanning a namespace: which
Services select this pod (its old and new labels), and which pods a Service selects.
Each selector map is indexed under one of its pairs, each pod under all of its labels.
Which Services a pod change queues follows upstream: addPod, updatePod and deletePod with
GetServicesToUpdateOnPodChange (staging/src/k8s.io/endpointslice/util/controller_utils.go).
"""

from __future__ import annotations

from typing import Any

from kubelab.mock import endpointutil

Object = dict[str, Any]
Key = tuple[str, str]  # (namespace, name)
Pair = tuple[str, str]  # (label key, value)


def _labels(obj: Object) -> dict[str, str]:
    return obj["metadata"].get("labels") or {}


def _key(obj: Object) -> Key:
    return obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


class PodServiceIndex:
    """Pods and Services by namespace and label; fills every subscriber's dirty set."""

    def __init__(self) -> None:
        self.pods: dict[Key, Object] = {}
        self.services: dict[Key, Object] = {}
        self._pods_by_pair: dict[str, dict[Pair, set[str]]] = {}
        self._services_by_pair: dict[str, dict[Pair, set[str]]] = {}
        self._service_pair: dict[Key, Pair] = {}
        self.subscribers: list[set[Key]] = []

    # -- events ------------------------------------------------------------------------------

    def observe(self, plural: str, event: str, obj: Object) -> None:
        if plural == "pods":
            self._observe_pod(event, obj)
        elif plural == "services":
            self._observe_service(event, obj)

    def _mark(self, keys: set[Key]) -> None:
        for dirty in self.subscribers:
            dirty.update(keys)

    def _observe_service(self, event: str, service: Object) -> None:
        key = _key(service)
        self._unindex_service(key)
        if event == "DELETED":
            self.services.pop(key, None)
        else:
            self.services[key] = service
            selector = endpointutil.service_selector(service)
            if selector:
                pair = min(selector.items())
                self._service_pair[key] = pair
                self._services_by_pair.setdefault(key[0], {}).setdefault(pair, set()).add(key[1])
        self._mark({key})  # onServiceUpdate / onServiceDelete queue the Service itself

    def _unindex_service(self, key: Key) -> None:
        pair = self._service_pair.pop(key, None)
        if pair is not None:
            self._services_by_pair[key[0]][pair].discard(key[1])

    def _observe_pod(self, event: str, pod: Object) -> None:
        key = _key(pod)
        old = self.pods.get(key)
        same_labels = old is not None and event != "DELETED" and _labels(old) == _labels(pod)
        if old is not None and not same_labels:
            self._unindex_pod(key, old)
        if event == "DELETED":
            self.pods.pop(key, None)
            self._mark(self.services_selecting(key[0], _labels(pod)))
            return
        self.pods[key] = pod
        if not same_labels:
            by_pair = self._pods_by_pair.setdefault(key[0], {})
            for pair in _labels(pod).items():
                by_pair.setdefault(pair, set()).add(key[1])
        self._mark(self._services_to_update(key[0], old, pod))

    def _unindex_pod(self, key: Key, pod: Object) -> None:
        by_pair = self._pods_by_pair[key[0]]
        for pair in _labels(pod).items():
            names = by_pair.get(pair)
            if names is not None:
                names.discard(key[1])
                if not names:
                    del by_pair[pair]

    def _services_to_update(self, namespace: str, old: Object | None, new: Object) -> set[Key]:
        if not self._services_by_pair.get(namespace):
            return set()  # no Service with a selector here: nothing to compare
        if old is None:
            return self.services_selecting(namespace, _labels(new))
        pod_changed, labels_changed = endpointutil.pod_changes(old, new)
        if not labels_changed:
            return self.services_selecting(namespace, _labels(new)) if pod_changed else set()
        now = self.services_selecting(namespace, _labels(new))
        before = self.services_selecting(namespace, _labels(old))
        # determineNeededServiceUpdates: the union if the pod changed, else only the difference
        return now | before if pod_changed else now ^ before

    # -- queries -----------------------------------------------------------------------------

    def services_selecting(self, namespace: str, labels: dict[str, str]) -> set[Key]:
        """Keys of the Services in `namespace` whose selector matches `labels`."""
        by_pair = self._services_by_pair.get(namespace)
        if not by_pair:
            return set()
        found: set[Key] = set()
        for pair in labels.items():
            for name in by_pair.get(pair, ()):
                selector = endpointutil.service_selector(self.services[(namespace, name)])
                if selector and all(labels.get(k) == v for k, v in selector.items()):
                    found.add((namespace, name))
        return found

    def pods_selected(self, namespace: str, selector: dict[str, str]) -> list[Object]:
        """The pods a selector matches, by name (the lister's order is random upstream)."""
        by_pair = self._pods_by_pair.get(namespace, {})
        postings = [by_pair.get(pair, set()) for pair in selector.items()]
        if not postings:
            return []
        smallest = min(postings, key=len)
        pods = []
        for name in sorted(smallest):
            pod = self.pods[(namespace, name)]
            labels = _labels(pod)
            if all(labels.get(k) == v for k, v in selector.items()):
                pods.append(pod)
        return pods
