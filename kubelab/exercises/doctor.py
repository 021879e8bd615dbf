"""`check_setup()`: is this machine ready for the course? Reads only public facts."""

from __future__ import annotations

import platform
import sys
from importlib import metadata

from kubelab.errors import SetupError
from kubelab.exercises.core import Feedback, Finding
from kubelab.version import KUBERNETES_VERSION, __version__


def _python() -> Finding:
    version = platform.python_version()
    ok = sys.version_info >= (3, 10)
    return Finding(ok, f"Python {version}", "" if ok else "kubelab needs Python 3.10 or newer")


def _package(name: str, why: str) -> Finding:
    try:
        return Finding(True, f"{name} {metadata.version(name)} ({why})")
    except metadata.PackageNotFoundError:
        return Finding(False, f"{name} is not installed ({why})",
                       f"install it: pip install {name}")


def _renderer() -> Finding:
    """Can diagrams be drawn? The diagrams' own lookup: `dot` on PATH, else graphviz-pure."""
    from kubelab.diagrams import locate

    try:
        renderer = locate()
    except SetupError as err:
        first = str(err).splitlines()[0]
        return Finding(False, "no Graphviz program found: diagrams cannot be drawn",
                       f"{first} pip install graphviz-pure, or apt/brew/conda install graphviz, "
                       "then restart the kernel")
    return Finding(True, f"diagrams can be drawn (Graphviz {renderer.name} at {renderer.path})")


def check_setup() -> Feedback:
    """Python, kubelab and Kubernetes versions, and whether diagrams and widgets work."""
    findings = [
        _python(),
        Finding(True, f"kubelab {__version__}, teaching Kubernetes {KUBERNETES_VERSION}"),
        _renderer(),
        _package("ipywidgets", "the interactive controls"),
    ]
    return Feedback("", findings, "your setup")
