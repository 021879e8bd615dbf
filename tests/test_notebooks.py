"""Every lesson runs top to bottom, headless, on a fresh kernel, as a learner would."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ANSI_COLOURS = re.compile(r"\x1b\[[0-9;]*m")  # IPython colours its tracebacks


@pytest.fixture
def this_python_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A kernel spec named python3 that runs this interpreter (the one with kubelab's
    dependencies).

    A learner's own ~/.local/share/jupyter/kernels/python3 could point at another Python;
    JUPYTER_PATH is searched first, so this spec wins."""
    spec_dir = tmp_path / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (kubelab tests)",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    # The kernel imports the kubelab in this tree, whatever the environment has installed.
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    monkeypatch.setenv("PYTHONPATH", path)
    return "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path: Path, this_python_kernel: str) -> None:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=this_python_kernel,
        timeout=120,  # per cell
        # Run where the notebook lives, as JupyterLab does, so relative paths work.
        resources={"metadata": {"path": str(path.parent)}},
    )
    failure = None
    try:
        client.execute()
    except CellExecutionError as error:
        # The error's text holds the failing cell's source and its traceback.
        failure = ANSI_COLOURS.sub("", str(error))
    if failure:  # outside `except`, so pytest shows this text alone, not the chain
        pytest.fail(f"{path.name} failed:\n{failure}", pytrace=False)
