"""A Service's selector against a pod's labels, key by key: what matches and what does not.

Whether a selector selects is `kubelab.selectors.service_selects` (every pair equal, keys
and values compared exactly); this module only explains the answer, key by key.
"""

from __future__ import annotations

from collections.abc import Mapping
from difflib import SequenceMatcher
from typing import NamedTuple

from kubelab import selectors


class KeyCheck(NamedTuple):
    """One selector key against the pod's labels."""

    key: str
    wanted: str
    verdict: str  # "match" | "different" | "missing"
    actual: str | None = None  # the pod's value (of `pod_key`), if it has one
    pod_key: str | None = None  # the pod's key when only its case differs from `key`
    case_only: bool = False  # the difference is only upper/lower case
    similar: bool = False  # the values differ a little: a typo, maybe

    @property
    def ok(self) -> bool:
        return self.verdict == "match"

    def describe(self) -> str:
        """One line a learner reads: what the Service wants and what the pod has."""
        if self.verdict == "match":
            return f"{self.key}={self.wanted}: matches"
        if self.verdict == "different":
            text = f"{self.key}: the Service wants {self.wanted!r}, the pod has {self.actual!r}"
            if self.case_only:
                return text + " (only the case differs: values are case-sensitive)"
            return text + (" (a typo?)" if self.similar else "")
        if self.pod_key is not None:
            return (
                f"{self.key}: missing; the pod has {self.pod_key}={self.actual} "
                "(only the case of the key differs: keys are case-sensitive)"
            )
        return f"{self.key}: missing (the Service wants {self.key}={self.wanted})"

    def short(self) -> str:
        """A few words for an edge or a table cell."""
        if self.verdict == "match":
            return f"{self.key}={self.wanted}"
        if self.verdict == "different":
            case = " (case)" if self.case_only else ""
            return f"{self.key}: {self.actual} != {self.wanted}{case}"
        if self.pod_key is not None:
            return f"{self.key} missing ({self.pod_key}: case)"
        return f"{self.key} missing"


def check_key(key: str, wanted: str, labels: Mapping[str, str]) -> KeyCheck:
    if key in labels:
        actual = labels[key]
        if actual == wanted:
            return KeyCheck(key, wanted, "match", actual)
        return KeyCheck(key, wanted, "different", actual,
                        case_only=actual.lower() == wanted.lower(),
                        similar=similar(actual, wanted))
    near = next((k for k in sorted(labels) if k.lower() == key.lower()), None)
    if near is not None:
        return KeyCheck(key, wanted, "missing", labels[near], pod_key=near, case_only=True)
    return KeyCheck(key, wanted, "missing")


def similar(a: str, b: str) -> bool:
    """Close enough to be a slip of the keyboard: same letters in another case or order,
    or most of them in common."""
    a, b = a.lower(), b.lower()
    return sorted(a) == sorted(b) or SequenceMatcher(None, a, b).ratio() >= 0.6


def compare(selector: Mapping[str, str], labels: Mapping[str, str] | None) -> list[KeyCheck]:
    """Each selector key (sorted) against the labels."""
    labels = labels or {}
    return [check_key(key, selector[key], labels) for key in sorted(selector)]


def selects(selector: Mapping[str, str], labels: Mapping[str, str] | None) -> bool:
    """The cluster's rule (kubelab.selectors), not a re-implementation of it."""
    return selectors.service_selects(selector, labels)


def near_miss(checks: list[KeyCheck]) -> bool:
    """Not selected, but close: some keys match, or a value or key looks like a slip
    (another case, a typo). A pod of another app (`app=db` for `app=web`) is no near miss."""
    if all(c.ok for c in checks):
        return False
    return any(c.ok or c.case_only or c.similar for c in checks)
