"""The text builder behind `kubectl describe`, and the multi-line fields it shares.

describe writes `Label:\\tvalue` lines through a tabwriter (minwidth 0, padding 2), indenting
two spaces per level. Source: staging/src/k8s.io/kubectl/pkg/describe/describe.go
(prefixWriter, tabbedString, printLabelsMultiline, printAnnotationsMultiline,
printTolerationsMultilineWithIndent, printTaintsMultilineWithIndent).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubelab.kubectl._tabwriter import DESCRIBE_MINWIDTH, DESCRIBE_PADDING, align
from kubelab.kubectl.views import Text

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"  # never shown
_MAX_ANNOTATION = 140  # describe.go maxAnnotationLen


class Writer:
    """Collects describe output; `text()` aligns it as kubectl's tabwriter does."""

    def __init__(self) -> None:
        self._parts: list[str] = []

    def write(self, level: int, text: str) -> None:
        self._parts.append("  " * level + text)

    def text(self) -> Text:
        joined = "".join(self._parts)
        return Text(align(joined, minwidth=DESCRIBE_MINWIDTH, padding=DESCRIBE_PADDING))


def labels_multiline(
    w: Writer, title: str, labels: Mapping[str, Any] | None, indent: str = ""
) -> None:
    """`Labels:  a=1` then one `key=value` per line below it, keys sorted."""
    w.write(0, f"{indent}{title}:\t")
    if not labels:
        w.write(0, "<none>\n")
        return
    for i, key in enumerate(sorted(labels)):
        if i:
            w.write(0, f"{indent}\t")
        w.write(0, f"{key}={labels[key]}\n")


def annotations_multiline(w: Writer, title: str, annotations: Mapping[str, Any] | None) -> None:
    """`key: value` lines; long or multi-line values go below their key, cut at 138."""
    w.write(0, f"{title}:\t")
    annotations = annotations or {}
    keys = sorted(key for key in annotations if key != LAST_APPLIED)
    if not keys:
        w.write(0, "<none>\n")
        return
    for i, key in enumerate(keys):
        if i:
            w.write(0, "\t")
        value = str(annotations[key]).removesuffix("\n")
        if len(value) + len(key) + 2 > _MAX_ANNOTATION or "\n" in value:
            w.write(0, f"{key}:\n")
            for part in value.split("\n"):
                w.write(0, f"\t  {_shorten(part, _MAX_ANNOTATION - 2)}\n")
        else:
            w.write(0, f"{key}: {value}\n")


def _shorten(text: str, limit: int) -> str:
    return text[:limit] + "..." if len(text) > limit else text


def tolerations_multiline(
    w: Writer, title: str, tolerations: list[Mapping[str, Any]], indent: str = ""
) -> None:
    """`key=value:Effect op=Exists for 300s`, one per line, sorted by key."""
    w.write(0, f"{indent}{title}:\t")
    if not tolerations:
        w.write(0, "<none>\n")
        return
    for i, tol in enumerate(sorted(tolerations, key=lambda t: str(t.get("key", "")))):
        if i:
            w.write(0, f"{indent}\t")
        w.write(0, _toleration(tol) + "\n")


def _toleration(tol: Mapping[str, Any]) -> str:
    key, value, effect = tol.get("key", ""), tol.get("value", ""), tol.get("effect", "")
    text = str(key)
    if value:
        text += f"={value}"
    if effect:
        text += f":{effect}"
    if tol.get("operator") == "Exists" and not value:
        text += " op=Exists" if key or effect else "op=Exists"
    if tol.get("tolerationSeconds") is not None:
        text += f" for {tol['tolerationSeconds']}s"
    return text


def taints_multiline(w: Writer, title: str, taints: list[Mapping[str, Any]]) -> None:
    """Taint.ToString() per line (`key=value:Effect`), sorted by effect then key."""
    w.write(0, f"{title}:\t")
    if not taints:
        w.write(0, "<none>\n")
        return
    ordered = sorted(taints, key=lambda t: f"{t.get('effect', '')},{t.get('key', '')}")
    for i, taint in enumerate(ordered):
        if i:
            w.write(0, "\t")
        text = str(taint.get("key", ""))
        if taint.get("value"):
            text += f"={taint['value']}"
        if taint.get("effect"):
            text += f":{taint['effect']}"
        w.write(0, text + "\n")


def events_none(w: Writer) -> None:
    """kubelab keeps no Events, so describe ends as it does for an object without any."""
    w.write(0, "Events:\t<none>\n")
