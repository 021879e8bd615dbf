"""Every notebook runs top to bottom, headless, on a fresh kernel, as a learner would; and
every lesson runs twice in a row in the same kernel with the same output (a learner who
runs it all again sees what they saw). notebooks/demo-*.ipynb run once."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ANSI_COLOURS = re.compile(r"\x1b\[[0-9;]*m")  # IPython colours its tracebacks
# Widget model ids (and other 32-hex ids a widget front end makes) differ between runs.
MODEL_ID = re.compile(r"\b[0-9a-f]{32}\b")
TEXT_TYPES = ("text/plain", "text/markdown", "text/html", "image/svg+xml")

TIMINGS: dict[str, float] = {}


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


@pytest.fixture(scope="module", autouse=True)
def report_timings(request: pytest.FixtureRequest) -> Iterator[None]:
    """After the notebooks ran: each one's time (first run, fresh kernel) and the total."""
    yield
    plugins = request.config.pluginmanager
    reporter = plugins.get_plugin("terminalreporter")
    capture = plugins.get_plugin("capturemanager")
    if not TIMINGS or reporter is None or capture is None:
        return
    with capture.global_and_fixture_disabled():  # past pytest's capture of fd 1
        reporter.write_line("")
        for name, seconds in TIMINGS.items():
            reporter.write_line(f"notebook {name}: {seconds:.2f} s")
        reporter.write_line(f"notebooks total: {sum(TIMINGS.values()):.2f} s "
                            f"for {len(TIMINGS)} notebooks (first run of each)")


def _text_outputs(nb: Any) -> list[list[str]]:
    """Per code cell: its outputs as text (streams, text reprs, errors), ids masked."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        texts = []
        for out in cell.outputs:
            if out.output_type == "stream":
                texts.append(f"{out.name}: {out.text}")
            elif out.output_type == "error":
                texts.append(f"error: {out.ename}: {out.evalue}")
            else:
                data = out.get("data", {})
                texts += [f"{kind}: {data[kind]}" for kind in TEXT_TYPES if kind in data]
        cells.append([MODEL_ID.sub("<id>", text) for text in texts])
    return cells


def _run(client: NotebookClient, nb: Any) -> list[list[str]]:
    """Run every cell of nb in the client's kernel; return the text outputs."""
    client.nb = nb  # nbclient writes outputs into the cells of client.nb
    for index, cell in enumerate(nb.cells):
        client.execute_cell(cell, index)
    return _text_outputs(nb)


def _fail(path: Path, error: CellExecutionError) -> None:
    # The error's text holds the failing cell's source and its traceback.
    pytest.fail(f"{path.name} failed:\n{ANSI_COLOURS.sub('', str(error))}", pytrace=False)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path: Path, this_python_kernel: str) -> None:
    first = nbformat.read(path, as_version=4)
    again = nbformat.read(path, as_version=4)
    client = NotebookClient(
        first,
        kernel_name=this_python_kernel,
        timeout=120,  # per cell
        # Run where the notebook lives, as JupyterLab does, so relative paths work.
        resources={"metadata": {"path": str(path.parent)}},
    )
    failure = None
    twice = not path.name.startswith("demo-")
    outputs: list[list[list[str]]] = []
    with client.setup_kernel():
        try:
            start = time.perf_counter()
            outputs.append(_run(client, first))
            TIMINGS[path.name] = time.perf_counter() - start
            if twice:
                outputs.append(_run(client, again))
        except CellExecutionError as error:
            failure = error
    if failure:  # outside `except`, so pytest shows this text alone, not the chain
        _fail(path, failure)
    if twice:
        assert_same_outputs(path, *outputs)


def assert_same_outputs(path: Path, first: list[list[str]], again: list[list[str]]) -> None:
    for number, (one, two) in enumerate(zip(first, again, strict=True), start=1):
        if one != two:
            pytest.fail(f"{path.name}: code cell {number} printed something else when the "
                        f"notebook ran again in the same kernel:\nfirst:  {one}\nsecond: {two}",
                        pytrace=False)


def test_notebooks_have_no_outputs() -> None:
    """Lessons are committed clean: no outputs, no execution counts."""
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, path.name
