"""What every kubelab widget shares: the frame, the diagram view, API errors as messages,
and label text (`app=web,tier=front`) in and out.

Widgets act only through the `Lab` facade, so they work the same on every backend.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

import ipywidgets as widgets  # type: ignore[import-untyped]

from kubelab.errors import ApiError, KubelabError, UsageError

if TYPE_CHECKING:
    from kubelab.backend import RequestResult
    from kubelab.facade import Lab

Object = dict[str, Any]
_SVG_START = re.compile(r"<svg\b")


class Drawable(Protocol):
    """What a diagram gives a widget: its DOT source and the SVG drawn from it."""

    @property
    def source(self) -> str: ...

    def svg(self) -> str: ...


# -- text ----------------------------------------------------------------------------------


def pre(text: str, css_class: str = "kubelab-pre") -> str:
    """Text shown verbatim, monospaced, as kubectl prints it."""
    style = "margin: 0; line-height: 1.3;"
    return f'<pre class="{css_class}" style="{style}">{html.escape(text)}</pre>'


def error_text(exc: KubelabError) -> str:
    """An error as kubectl prints it: `Error from server (Invalid): Service "web" is ...`."""
    if isinstance(exc, ApiError):
        return f"Error from server ({exc.reason or exc.code}): {exc}"
    if isinstance(exc, UsageError):
        return f"error: {exc}"
    return str(exc)


def parse_labels(text: str) -> dict[str, str]:
    """`app=web, tier=front` -> {"app": "web", "tier": "front"}; empty text -> {}.

    A Service's selector and a pod's labels are plain maps: equality only. Whether a key or
    value is a valid label is the API server's to say (its 422 names the rule).
    """
    labels: dict[str, str] = {}
    for term in (part.strip() for part in text.split(",")):
        if not term:
            continue
        if "!=" in term or re.search(r"\s(in|notin)\s*\(", term) or term.startswith("!"):
            raise UsageError(
                f"{term!r}: a Service selector and pod labels are key=value pairs only "
                "(!=, in and notin work in `kubectl get -l`, not here)"
            )
        key, sep, value = term.partition("=")
        key, value = key.strip(), value.strip()
        if value.startswith("="):  # "app==web", as label selectors also allow
            value = value[1:].strip()
        if not sep or not key:
            raise UsageError(f"{term!r} is not key=value (e.g. app=web,tier=front)")
        if key in labels:
            raise UsageError(f"the key {key!r} is given twice")
        labels[key] = value
    return labels


def format_labels(labels: Mapping[str, str] | None) -> str:
    """{"app": "web", "tier": "front"} -> `app=web,tier=front`, keys sorted as kubectl shows."""
    return ",".join(f"{key}={value}" for key, value in sorted((labels or {}).items()))


def map_patch(old: Mapping[str, str] | None, new: Mapping[str, str]) -> dict[str, str | None]:
    """A JSON merge patch turning the map `old` into `new` (null removes a key)."""
    old = old or {}
    patch: dict[str, str | None] = {key: None for key in old if key not in new}
    patch.update({key: value for key, value in new.items() if old.get(key) != value})
    return patch


def names(objects: Iterable[Object]) -> list[str]:
    return [str(obj["metadata"]["name"]) for obj in objects]


def is_ready(pod: Object) -> bool:
    """The pod's Ready condition, what EndpointSlices follow."""
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def is_terminating(obj: Object) -> bool:
    return bool(obj["metadata"].get("deletionTimestamp"))


def result_key(result: RequestResult) -> str:
    """Who answered: the pod, else the outcome ("timeout", "refused", "nxdomain", ...)."""
    if result.outcome == "ok":
        return result.pod or "a host outside the cluster"
    return result.outcome



# -- controls -------------------------------------------------------------------------------


def button(description: str, css_class: str, tooltip: str = "") -> widgets.Button:
    control = widgets.Button(description=description, tooltip=tooltip or description)
    control.add_class(css_class)
    return control


def html_box(css_class: str, value: str = "") -> widgets.HTML:
    box = widgets.HTML(value=value)
    box.add_class(css_class)
    return box


class DiagramView(widgets.HTML):  # type: ignore[misc]
    """An HTML widget holding a diagram's SVG; redraws only when the DOT source changed."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_class("kubelab-diagram")
        self.source = ""  # the DOT source of what is shown
        self.renders = 0  # how many times an SVG was drawn (tests check redraws are cheap)

    def show(self, diagram: Drawable) -> bool:
        """Draw `diagram`; return whether anything changed."""
        source = diagram.source
        if source == self.source:
            return False
        svg = diagram.svg()
        match = _SVG_START.search(svg)
        svg = svg[match.start():] if match else svg  # drop the XML prolog and DOCTYPE
        self.value = f'<div style="overflow: auto; max-width: 100%;">{svg}</div>'
        self.source = source
        self.renders += 1
        return True


class MessageView(widgets.HTML):  # type: ignore[misc]
    """One line under a widget's controls: what happened, or the API server's refusal."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_class("kubelab-message")
        self.text = ""  # the message as plain text
        self.is_error = False

    def error(self, exc: KubelabError) -> None:
        self._set(error_text(exc), "kubelab-error", "#b3261e")

    def info(self, text: str) -> None:
        self._set(text, "kubelab-info", "#1f4e79")

    def clear(self) -> None:
        self.text, self.is_error, self.value = "", False, ""

    def _set(self, text: str, css_class: str, colour: str) -> None:
        self.text, self.is_error = text, css_class == "kubelab-error"
        self.value = (
            f'<div class="{css_class}" style="color: {colour}; white-space: pre-wrap; '
            f'font-family: var(--jp-code-font-family, monospace);">{html.escape(text)}</div>'
        )


class LabWidget(widgets.VBox):  # type: ignore[misc]
    """The frame of every kubelab widget: the lab, a namespace, a message line.

    Every change goes through `attempt`, so an error from the API server shows in the
    widget, worded as kubectl words it, instead of vanishing into the browser's console.
    """

    def __init__(self, lab: Lab, namespace: str | None, css_class: str) -> None:
        super().__init__()
        self.lab = lab
        self.namespace = namespace or lab.namespace
        self.message_html = MessageView()
        self.last_error: KubelabError | None = None
        self._quiet = 0
        self.add_class("kubelab-widget")
        self.add_class(css_class)

    def attempt(self, action: Callable[[], object]) -> bool:
        """Run one change; show an API or usage error as the message. True if it worked."""
        self.message_html.clear()
        self.last_error = None
        try:
            action()
        except KubelabError as exc:
            self.last_error = exc
            self.message_html.error(exc)
            return False
        return True

    def when_clicked(self, control: widgets.Button, action: Callable[[], object]) -> None:
        control.on_click(lambda _button: self.attempt(action))

    def when_changed(self, control: widgets.Widget, action: Callable[[], object]) -> None:
        """Run `action` when the learner changes the control (not when code sets it quietly)."""

        def changed(_change: object) -> None:
            if not self._quiet:
                self.attempt(action)

        control.observe(changed, names="value")

    @contextmanager
    def quietly(self) -> Iterator[None]:
        """Set controls to what the cluster says without firing their actions."""
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1


class ReadyChecks(widgets.HBox):  # type: ignore[misc]
    """One checkbox per pod: what its readiness probe reports (`lab.set_ready`).

    `checkboxes` maps pod name -> Checkbox. A box keeps what the learner set while its pod
    lives (a probe may take a while to turn the pod's Ready condition).
    """

    def __init__(self, on_change: Callable[[str], object]) -> None:
        super().__init__(layout=widgets.Layout(flex_flow="row wrap"))
        self.add_class("kubelab-ready-box")
        self.checkboxes: dict[str, widgets.Checkbox] = {}
        self._on_change = on_change

    def show(self, pods: list[Object]) -> None:
        """Boxes for these pods (terminating ones left out), built only when the set changed."""
        pods = [p for p in pods if not is_terminating(p)]
        if [p["metadata"]["name"] for p in pods] == list(self.checkboxes):
            return
        boxes = {}
        for pod in pods:
            name = pod["metadata"]["name"]
            box = self.checkboxes.get(name) or self._checkbox(name, is_ready(pod))
            boxes[name] = box
        self.checkboxes = boxes
        self.children = list(boxes.values())

    def _checkbox(self, name: str, ready: bool) -> widgets.Checkbox:
        box = widgets.Checkbox(value=ready, description=name, indent=False,
                               layout=widgets.Layout(width="auto"))
        box.add_class("kubelab-ready")
        box.observe(lambda _change: self._on_change(name), names="value")
        return box
