"""Values as the API server prints them inside field errors (Go's %#v).

field.ErrorBody prints strings quoted and numbers plain, but maps and structs with %#v:
`map[string]string{"app":"web"}`, `v1.LabelSelector{MatchLabels:..., MatchExpressions:...}`.
Source: staging/src/k8s.io/apimachinery/pkg/util/validation/field/errors.go (ErrorBody).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any


class GoValue:
    """A value already written the way Go prints it; field errors show it as is."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"GoValue({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GoValue) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def quote(text: str) -> str:
    """strconv.Quote for the printable text a manifest holds."""
    return json.dumps(text, ensure_ascii=False)


def string_map(mapping: Mapping[str, Any] | None) -> GoValue:
    """A map[string]string: nil, or its pairs with the keys sorted (fmt sorts map keys)."""
    if mapping is None:
        return GoValue("map[string]string(nil)")
    pairs = ", ".join(f"{quote(key)}:{quote(str(mapping[key]))}" for key in sorted(mapping))
    return GoValue("map[string]string{" + pairs + "}")


def _string_slice(values: Sequence[Any] | None) -> str:
    if values is None:
        return "[]string(nil)"
    return "[]string{" + ", ".join(quote(str(value)) for value in values) + "}"


def _requirement(expr: Mapping[str, Any]) -> str:
    return (
        f"v1.LabelSelectorRequirement{{Key:{quote(str(expr.get('key', '')))}, "
        f"Operator:{quote(str(expr.get('operator', '')))}, "
        f"Values:{_string_slice(expr.get('values'))}}}"
    )


def label_selector(selector: Mapping[str, Any] | None) -> GoValue | None:
    """A *metav1.LabelSelector: nil prints as null, a value as its struct."""
    if selector is None:
        return None
    exprs = selector.get("matchExpressions")
    if exprs is None:
        shown = "[]v1.LabelSelectorRequirement(nil)"
    else:
        shown = "[]v1.LabelSelectorRequirement{" + ", ".join(map(_requirement, exprs)) + "}"
    labels = string_map(selector.get("matchLabels"))
    return GoValue(f"v1.LabelSelector{{MatchLabels:{labels}, MatchExpressions:{shown}}}")


def int_or_string(value: Any) -> GoValue:
    """An intstr.IntOrString value: its String() has a pointer receiver, so %#v shows the
    struct (Type 0 is an int, 1 a string)."""
    if isinstance(value, str):
        return GoValue(f"intstr.IntOrString{{Type:1, IntVal:0, StrVal:{quote(value)}}}")
    return GoValue(f'intstr.IntOrString{{Type:0, IntVal:{int(value or 0)}, StrVal:""}}')
