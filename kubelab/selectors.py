"""Label selectors: parsing kubectl's selector strings and matching labels. Pure functions.

Source: staging/src/k8s.io/apimachinery/pkg/labels/selector.go (string syntax) and
pkg/apis/meta/v1/helpers.go LabelSelectorAsSelector (matchLabels/matchExpressions).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubelab.errors import UsageError


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # "=", "!=", "in", "notin", "exists", "!"
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        has = self.key in labels
        value = labels.get(self.key)
        if self.operator in ("=", "==", "in"):
            return has and value in self.values
        if self.operator in ("!=", "notin"):
            return not has or value not in self.values
        if self.operator == "exists":
            return has
        return not has  # "!"


Selector = tuple[Requirement, ...]

_SET_RE = re.compile(r"^\s*(!?)\s*([^\s=!,()]+)\s*(?:(in|notin)\s*\(([^)]*)\))?\s*$")
_EQ_RE = re.compile(r"^\s*([^\s=!,()]+)\s*(==|=|!=)\s*([^\s=!,()]*)\s*$")


def _split_terms(text: str) -> list[str]:
    terms, depth, current = [], 0, ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += char
    terms.append(current)
    return [t for t in terms if t.strip()]


def parse(text: str | None) -> Selector:
    """`app=web,tier!=db,env in (a,b),!legacy` -> requirements. Empty matches everything."""
    if not text or not text.strip():
        return ()
    requirements = []
    for term in _split_terms(text):
        eq = _EQ_RE.match(term)
        if eq:
            key, op, value = eq.groups()
            requirements.append(Requirement(key, "=" if op == "==" else op, (value,)))
            continue
        st = _SET_RE.match(term)
        if st and not (st.group(1) and st.group(3)):
            bang, key, op, values = st.groups()
            if op:
                vals = tuple(sorted(v.strip() for v in values.split(",") if v.strip()))
                requirements.append(Requirement(key, op, vals))
            else:
                requirements.append(Requirement(key, "!" if bang else "exists"))
            continue
        raise UsageError(
            f"unable to parse requirement: {term.strip()!r} in selector {text!r} "
            "(use forms like app=web, tier!=db, env in (a,b), !legacy)"
        )
    return tuple(requirements)


def from_label_selector(selector: Mapping[str, Any] | None) -> Selector:
    """A metav1.LabelSelector (matchLabels + matchExpressions) as requirements."""
    if not selector:
        return ()
    requirements = [
        Requirement(key, "=", (str(value),))
        for key, value in sorted((selector.get("matchLabels") or {}).items())
    ]
    ops = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}
    for expr in selector.get("matchExpressions") or []:
        op = ops[expr["operator"]]
        requirements.append(Requirement(expr["key"], op, tuple(sorted(expr.get("values") or []))))
    return tuple(requirements)


def matches(selector: Selector, labels: Mapping[str, str] | None) -> bool:
    labels = labels or {}
    return all(req.matches(labels) for req in selector)


def service_selects(selector: Mapping[str, str] | None, labels: Mapping[str, str] | None) -> bool:
    """A Service's selector (a plain map) selects a pod when every pair is among its labels.

    An empty or missing selector selects nothing: the Service has no managed endpoints.
    """
    if not selector:
        return False
    labels = labels or {}
    return all(labels.get(key) == value for key, value in selector.items())


def to_string(selector: Mapping[str, str]) -> str:
    """A map selector written the way kubectl shows it: `app=web,tier=front` (keys sorted)."""
    return ",".join(f"{key}={value}" for key, value in sorted(selector.items()))
