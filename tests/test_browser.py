"""The widgets in a real JupyterLab, driven in Chromium: what nbclient cannot check.

Headless runs (test_notebooks.py) never run the widgets' JavaScript. Here a learner's path
is followed for real: open the demo notebook, Run All, type a selector, click Apply, and
see the diagram redrawn by the kernel.

Needs Debian's chromium (`apt-get install chromium`; CI's .ci/run installs it). Without
it the test fails, unless KUBELAB_SKIP_BROWSER=1 is set (then it skips).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from browser_support import (
    ROOT,
    JupyterLab,
    clear_outputs,
    launch_chromium,
    open_notebook,
    python_tracebacks,
    require_browser_tools,
    run_all_cells,
    show_log_console,
    start_jupyterlab,
    stop_process,
    wait_for_run_all,
    wait_until_idle,
    widget_errors,
)

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.browser

NOTEBOOK = "demo-widgets.ipynb"
REDRAW_TIMEOUT_MS = 10_000  # a round trip took ~0.1 s here: 10 s means it is not coming
TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def chromium() -> str:
    return require_browser_tools()


@pytest.fixture(scope="module")
def lab(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLab]:
    """JupyterLab serving a copy of notebooks/, so that nothing it saves (outputs, the
    checkpoints folder) lands in the repository."""
    root = tmp_path_factory.mktemp("notebooks")
    shutil.copytree(ROOT / "notebooks", root, dirs_exist_ok=True)
    for notebook in root.glob("*.ipynb"):
        clear_outputs(notebook)
    started = time.monotonic()
    server = start_jupyterlab(root, tmp_path_factory.mktemp("jupyter-state"))
    TIMINGS["start JupyterLab"] = time.monotonic() - started
    yield server
    stop_process(server.process)


@pytest.fixture
def browser_page(chromium: str) -> Iterator[Page]:
    from playwright.sync_api import sync_playwright  # here: its absence is reported above

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, chromium)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.set_default_timeout(30_000)
            yield page
        finally:
            browser.close()


@contextmanager
def screenshot_on_failure(page: Page, lab: JupyterLab) -> Iterator[None]:
    """On any failure: a screenshot (in a folder pytest does not rotate away) and the end
    of JupyterLab's log, both printed with the failure."""
    try:
        yield
    except BaseException:
        shot = Path(tempfile.mkdtemp(prefix="kubelab-browser-")) / "failure.png"
        try:
            page.screenshot(path=str(shot), full_page=True)
            print(f"Screenshot of the page at the failure: {shot}")
        except Exception as error:  # the page may be what broke; keep the first error
            print(f"No screenshot ({error})")
        print(f"The end of JupyterLab's log:\n{lab.log_tail()}")
        raise


def timed(name: str, started: float) -> None:
    TIMINGS[name] = time.monotonic() - started


def endpoint_targets(diagram: Locator) -> list[str]:
    """The pods the diagram draws as endpoints: the heads of the EndpointSlice's edges
    (Graphviz titles each edge "tail->head")."""
    titles = diagram.locator("g.edge > title").all_text_contents()
    return sorted(t.split("->")[1] for t in titles if t.startswith("slice/"))


def test_widget_redraws_in_jupyterlab(browser_page: Page, lab: JupyterLab) -> None:
    from playwright.sync_api import expect

    page = browser_page
    with screenshot_on_failure(page, lab):
        started = time.monotonic()
        open_notebook(page, lab, NOTEBOOK)
        timed("open the notebook, kernel idle", started)

        started = time.monotonic()
        run_all_cells(page)
        wait_for_run_all(page)
        explorer = page.locator(".kubelab-selector-explorer")
        diagram = explorer.locator(".kubelab-diagram svg")
        diagram.wait_for()
        timed("Run All", started)
        assert not python_tracebacks(page), f"a cell failed: {python_tracebacks(page)[0]}"
        assert not widget_errors(page), "ipywidgets could not display a widget"

        # The notebook's Service selects app=web: the Deployment's 3 pods and the canary.
        assert len(endpoint_targets(diagram)) == 4, endpoint_targets(diagram)
        svg_before = diagram.inner_html()

        explorer.locator(".kubelab-selector input").fill("app=web,tier=front")
        started = time.monotonic()
        explorer.locator(".kubelab-apply").click()
        page.wait_for_function(
            """old => document.querySelector(
                '.kubelab-selector-explorer .kubelab-diagram svg')?.innerHTML !== old""",
            arg=svg_before,
            timeout=REDRAW_TIMEOUT_MS,
        )
        timed("click to new SVG", started)

        # Only the canary has tier=front: it alone stays an endpoint.
        assert endpoint_targets(diagram) == ["pod/default/web-canary"]
        # The widget says what it patched (its message comes after the diagram: retried).
        message = explorer.locator(".kubelab-message")
        expect(message).to_contain_text("app=web,tier=front", timeout=REDRAW_TIMEOUT_MS)

        # Errors raised in widget callbacks go to the log console, not the cell's output.
        wait_until_idle(page)
        show_log_console(page)
        errors = python_tracebacks(page)
        assert not errors, f"a widget callback raised (in the log console): {errors[0]}"
        assert not explorer.locator(".kubelab-error").count(), message.inner_text()

    print("timings:", ", ".join(f"{name} {secs:.2f} s" for name, secs in TIMINGS.items()))
