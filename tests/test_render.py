"""Rendering DOT to SVG: finding a renderer, both renderers, the errors, the Diagram object.

SVG is checked as XML structure (how many nodes, edges and clusters were drawn), never
byte for byte: system dot and graphviz-pure do not write identical files.
"""

from __future__ import annotations

import shutil
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz  # type: ignore[import-untyped]
import pytest

import kubelab
from kubelab import SetupError, UsageError, scenarios
from kubelab.diagrams import Diagram, Renderer, RenderError, find_renderer, locate, render_svg
from kubelab.diagrams.render import script_dirs

SVG = "{http://www.w3.org/2000/svg}"


def available(name: str) -> Renderer | None:
    """The system `dot` on PATH, or graphviz-pure beside this Python; None if absent."""
    if name == "dot":
        path = shutil.which("dot")
        return Renderer("dot", path) if path else None
    try:
        return locate(path="")  # no PATH: only graphviz-pure in this Python's scripts
    except SetupError:
        return None


def renderer(name: str) -> Renderer:
    found = available(name)
    assert found is not None
    return found


RENDERERS = [
    pytest.param("dot", marks=pytest.mark.skipif(
        available("dot") is None, reason="no system Graphviz: apt-get install graphviz")),
    pytest.param("graphviz-pure", marks=pytest.mark.skipif(
        available("graphviz-pure") is None, reason="pip install graphviz-pure")),
]
ANY = pytest.mark.skipif(available("dot") is None and available("graphviz-pure") is None,
                         reason="no renderer here: pip install graphviz-pure")


def drawn(svg: str) -> dict[str, int]:
    """How many nodes, edges and clusters an SVG holds (graphviz marks each with a class)."""
    root = ET.fromstring(svg.encode("utf-8"))
    counts = {"node": 0, "edge": 0, "cluster": 0}
    for group in root.iter(f"{SVG}g"):
        kind = group.get("class", "")
        if kind in counts:
            counts[kind] += 1
    return counts


def small_graph() -> graphviz.Digraph:
    g = graphviz.Digraph("t")
    with g.subgraph(name="cluster_n") as box:
        box.node("a", label="<<B>a</B>>")
    g.edge("a", "b", label="→")
    return g


def lab_with(pods: int) -> kubelab.Lab:
    lab = kubelab.connect()
    lab.apply(scenarios.deployment("web", replicas=pods))
    lab.apply(scenarios.service("web", type="NodePort"))
    return lab


# -- finding a renderer --------------------------------------------------------------------------


def test_system_dot_comes_first() -> None:
    if shutil.which("dot") is None:
        pytest.skip("no system Graphviz here")
    assert locate().name == "dot"


def test_graphviz_pure_is_found_beside_this_python_without_path() -> None:
    if available("graphviz-pure") is None:
        pytest.skip("graphviz-pure is not installed")
    found = locate(path="")
    assert found.name == "graphviz-pure"
    assert Path(found.path).parent in script_dirs()


def test_no_renderer_is_a_setup_error_naming_the_fix() -> None:
    with pytest.raises(SetupError) as err:
        locate(path="", extra_dirs=())
    message = str(err.value)
    assert "pip install graphviz-pure" in message
    assert "apt-get install graphviz" in message and "brew install graphviz" in message


@ANY
def test_the_lookup_is_cached_per_process() -> None:
    assert find_renderer() is find_renderer()
    assert find_renderer.cache_info().hits >= 1


# -- both renderers ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", RENDERERS)
def test_renders_clusters_html_labels_and_edges(name: str) -> None:
    assert drawn(render_svg(small_graph().source, renderer(name))) == {
        "node": 2, "edge": 1, "cluster": 1}


@pytest.mark.parametrize("name", RENDERERS)
def test_every_diagram_renders(name: str) -> None:
    lab = lab_with(3)
    lab.apply(scenarios.pod("typo", labels={"app": "wbe"}))
    lab.delete("pods", lab.list("pods", selector="app=web")[0]["metadata"]["name"])
    diagrams = [lab.diagram(), lab.diagram(all_namespaces=True), lab.diagram_service("web"),
                lab.diagram_dns(lab.resolve("nope")), lab.diagram_request(lab.request("web", n=5))]
    for diagram in diagrams:
        counts = drawn(render_svg(diagram.source, renderer(name)))
        assert counts["node"] >= 3 and counts["edge"] >= 2


@pytest.mark.parametrize("name", RENDERERS)
def test_fifty_pods_render(name: str) -> None:
    lab = lab_with(50)
    counts = drawn(render_svg(lab.diagram().source, renderer(name), timeout=20))
    assert counts["cluster"] == 3
    assert counts["node"] >= 50 + 2  # the pods, the Services (and the invisible anchor)


@ANY
def test_a_dot_syntax_error_is_a_render_error() -> None:
    with pytest.raises(RenderError, match="could not draw"):
        render_svg("digraph { a -> }")


def test_a_renderer_that_hangs_times_out(tmp_path: Path) -> None:
    script = tmp_path / "slow-dot"
    script.write_text("#!/bin/sh\nsleep 10\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    with pytest.raises(RenderError, match="longer than"):
        render_svg("digraph {}", Renderer("slow", str(script)), timeout=0.2)


def test_a_renderer_that_cannot_start_is_a_setup_error(tmp_path: Path) -> None:
    with pytest.raises(SetupError, match="could not run"):
        render_svg("digraph {}", Renderer("gone", str(tmp_path / "nothing-here")))


# -- the Diagram object --------------------------------------------------------------------------


class Counting:
    """A stand-in renderer (the replaceable step): DOT in, SVG out, calls counted."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, source: str) -> str:
        self.calls += 1
        return '<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg><g class="node"/></svg>'


def test_diagram_renders_lazily_and_once() -> None:
    render = Counting()
    diagram = Diagram(small_graph(), render=render)
    assert render.calls == 0
    assert diagram.source.startswith("digraph t {")
    diagram.svg()
    diagram._repr_svg_()
    html = diagram._repr_html_()
    assert render.calls == 1
    assert html.startswith('<div class="kubelab-diagram"') and "<?xml" not in html
    assert "DOCTYPE" not in html and "<svg>" in html


def test_diagram_without_a_renderer_shows_the_fix() -> None:
    def missing(source: str) -> str:
        return render_svg(source, locate(path="", extra_dirs=()))

    diagram = Diagram(small_graph(), render=missing)
    assert diagram._repr_svg_() is None
    assert "pip install graphviz-pure" in diagram._repr_html_()
    with pytest.raises(SetupError):
        diagram.svg()
    assert "digraph" in diagram.source  # the DOT is still there to read


@ANY
def test_save_by_suffix(tmp_path: Path) -> None:
    diagram = lab_with(2).diagram()
    assert diagram.save(tmp_path / "c.dot").read_text() == diagram.source
    assert drawn(diagram.save(tmp_path / "c.svg").read_text())["cluster"] == 3
    assert diagram.save(tmp_path / "c.png").read_bytes().startswith(b"\x89PNG")
    with pytest.raises(UsageError, match="save"):
        diagram.save(tmp_path / "c.pdf")


def test_repr_names_the_diagram() -> None:
    assert "'cluster'" in repr(lab_with(1).diagram())
