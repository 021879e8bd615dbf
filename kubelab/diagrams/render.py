"""DOT to SVG: a separate, replaceable step. Diagrams are DOT first; drawing comes last.

The renderer is a `dot`-compatible program: the system Graphviz `dot` on PATH first, else
`graphviz-pure` (a static build from PyPI, for machines with only pip). Where no program
can run (JupyterLite), pass `Diagram(graph, render=...)` any function from DOT text to SVG.
"""

from __future__ import annotations

import functools
import html
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import graphviz  # type: ignore[import-untyped]

from kubelab.errors import KubelabError, SetupError, UsageError

TIMEOUT = 30.0  # seconds; a lesson-sized diagram takes milliseconds
PURE = "graphviz-pure"
NO_RENDERER = (
    "No Graphviz program was found to draw diagrams. Install one of them:\n"
    "  pip install graphviz-pure          (no system packages needed)\n"
    "  apt-get install graphviz           (Debian, Ubuntu)\n"
    "  brew install graphviz              (macOS)\n"
    "  conda install -c conda-forge graphviz\n"
    "then draw the diagram again. Meanwhile its DOT text is in .source."
)
_SVG_START = re.compile(r"<svg\b")
FORMATS = {".svg": "svg", ".png": "png", ".dot": "dot", ".gv": "dot"}


class RenderError(KubelabError):
    """The renderer ran but could not draw the diagram (its own message follows)."""


class Renderer(NamedTuple):
    """A dot-compatible program: its name ("dot" or "graphviz-pure") and path."""

    name: str
    path: str


def script_dirs() -> list[Path]:
    """Where pip puts programs for this Python, found even when the venv is not activated."""
    dirs = [Path(sysconfig.get_path("scripts")), Path(sys.executable).parent]
    return list(dict.fromkeys(dirs))


def locate(path: str | None = None, extra_dirs: Sequence[Path] | None = None) -> Renderer:
    """The first renderer: `dot` on PATH, then graphviz-pure on PATH or beside this Python.

    `path` stands for $PATH and `extra_dirs` for this Python's script directories.
    """
    dot = shutil.which("dot", path=path)
    if dot:
        return Renderer("dot", dot)
    dirs = script_dirs() if extra_dirs is None else list(extra_dirs)
    here = os.environ.get("PATH", "") if path is None else path
    search = os.pathsep.join(filter(None, [here, *map(str, dirs)]))
    pure = shutil.which(PURE, path=search)
    if pure:
        return Renderer(PURE, pure)
    raise SetupError(NO_RENDERER)


@functools.cache
def find_renderer() -> Renderer:
    """The renderer this process uses, looked up once it is found (a failed lookup is not
    kept, so installing graphviz-pure from the notebook works without a restart)."""
    return locate()


def run(source: str, fmt: str = "svg", renderer: Renderer | None = None,
        timeout: float = TIMEOUT) -> bytes:
    """Run the renderer on DOT text; its output bytes in `fmt` (svg, png, ...)."""
    program = renderer or find_renderer()
    try:
        done = subprocess.run(
            [program.path, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True,
            timeout=timeout, check=False,
        )
    except subprocess.TimeoutExpired:
        message = f"{program.name} took longer than {timeout:g} s to draw the diagram"
        raise RenderError(message) from None
    except OSError as exc:
        raise SetupError(f"{program.name} at {program.path} could not run ({exc}).\n"
                         + NO_RENDERER) from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"{program.name} could not draw the diagram (exit "
                          f"{done.returncode}): {message}")
    return done.stdout


def render_svg(source: str, renderer: Renderer | None = None, timeout: float = TIMEOUT) -> str:
    """DOT text to SVG text with a dot-compatible program (by default `find_renderer()`)."""
    return run(source, "svg", renderer, timeout).decode("utf-8")


def inline_svg(svg: str) -> str:
    """SVG without its XML prolog and DOCTYPE, ready to sit inside HTML."""
    match = _SVG_START.search(svg)
    return svg[match.start():] if match else svg


class Diagram:
    """A graph as DOT (`.source`, `.graph`), drawn to SVG the first time it is shown."""

    def __init__(self, graph: graphviz.Digraph,
                 render: Callable[[str], str] | None = None) -> None:
        self.graph = graph
        self._render = render or render_svg
        self._svg: str | None = None

    @property
    def source(self) -> str:
        return str(self.graph.source)

    def svg(self) -> str:
        """The drawing as SVG text (rendered once, then kept)."""
        if self._svg is None:
            self._svg = self._render(self.source)
        return self._svg

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the diagram: .svg or .png drawn, .dot/.gv as DOT text."""
        target = Path(path)
        fmt = FORMATS.get(target.suffix.lower())
        if fmt is None:
            raise UsageError(f"save() writes {', '.join(FORMATS)} files, not {target.name!r}")
        if fmt == "dot":
            target.write_text(self.source, encoding="utf-8")
        elif fmt == "svg":
            target.write_text(self.svg(), encoding="utf-8")
        else:
            target.write_bytes(run(self.source, fmt))
        return target

    def _repr_svg_(self) -> str | None:
        try:
            return self.svg()
        except KubelabError:
            return None  # _repr_html_ shows the reason

    def _repr_html_(self) -> str:
        try:
            svg = inline_svg(self.svg())
        except KubelabError as exc:
            return f'<pre class="kubelab-error">{html.escape(str(exc))}</pre>'
        return f'<div class="kubelab-diagram" style="overflow: auto; max-width: 100%;">{svg}</div>'

    def __repr__(self) -> str:
        return f"<kubelab Diagram {self.graph.name!r}: .svg() draws it, .source is its DOT>"
