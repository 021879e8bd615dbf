"""Helpers for the browser tests: a throwaway JupyterLab server and Debian's Chromium.

Facts these follow were found by trying on the project's machines (see TOOLING.md, "Real
browser tests"): Playwright's own browser download fails there, so Chromium is the
system one; JupyterLab runs as root in CI, so it needs --allow-root.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

ROOT = Path(__file__).resolve().parent.parent
SKIP_ENV = "KUBELAB_SKIP_BROWSER"
# The status bar shows "<display name> | <status>": the tests wait for this exact text.
KERNEL_DISPLAY_NAME = "Python 3 (ipykernel)"
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root in CI, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-background-networking",  # no network here but the package registries
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def missing_tool(message: str) -> None:
    """Fails the test, naming the fix; skips instead only when the user asked to.

    A browser test that skipped by itself whenever Chromium is absent would pass on every
    machine that lacks it, so a green run would prove nothing."""
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"{message} ({SKIP_ENV}=1)")
    pytest.fail(f"{message}\nOr set {SKIP_ENV}=1 to skip the browser tests.", pytrace=False)


def require_browser_tools() -> str:
    """The path of Chromium, once it is known that everything the tests need is here."""
    chromium = shutil.which("chromium")
    if chromium is None:
        missing_tool(
            "Chromium is not installed: the browser tests drive JupyterLab in it.\n"
            "Install it with: apt-get install chromium  (CI's .ci/run installs it; "
            "`./run test` then runs these tests)."
        )
    for module, package in (("playwright", "playwright"), ("jupyterlab", "jupyterlab")):
        try:
            __import__(module)
        except ImportError:
            missing_tool(
                f"The Python package {package} is missing: `./run test` installs it "
                "(or: .venv/bin/pip install -e '.[test]')."
            )
    assert chromium is not None  # for mypy: missing_tool never returns
    return chromium


def launch_chromium(playwright: Playwright, executable: str) -> Browser:
    return playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)


def free_port() -> int:
    """A localhost port free right now (another process could take it before JupyterLab
    binds it: start_jupyterlab tries again with a new one if so)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def write_kernel_spec(data_dir: Path) -> None:
    """A kernel spec named python3 that runs this interpreter, so the notebooks import the
    kubelab of this checkout and not whatever a `python3` spec elsewhere points at."""
    spec_dir = data_dir / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": KERNEL_DISPLAY_NAME,
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))


def turn_off_news(settings_dir: Path) -> None:
    """JupyterLab otherwise pops a "receive official Jupyter news?" toast over the page."""
    plugin_dir = settings_dir / "@jupyterlab" / "apputils-extension"
    plugin_dir.mkdir(parents=True)
    (plugin_dir / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')


def clear_outputs(notebook: Path) -> None:
    """Removes a notebook's outputs and execution counts, so that what the browser then
    shows comes from this run only."""
    data = json.loads(notebook.read_text())
    for cell in data["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    notebook.write_text(json.dumps(data, indent=1))


def isolated_env(state_dir: Path) -> dict[str, str]:
    """The server's environment: all Jupyter and IPython state in state_dir, so the user's
    own settings, extensions and kernels neither leak in nor get written to."""
    dirs = {
        "JUPYTER_CONFIG_DIR": state_dir / "config",
        "JUPYTER_DATA_DIR": state_dir / "data",
        "JUPYTER_RUNTIME_DIR": state_dir / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": state_dir / "settings",
        "JUPYTERLAB_WORKSPACES_DIR": state_dir / "workspaces",
        "IPYTHONDIR": state_dir / "ipython",
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    write_kernel_spec(dirs["JUPYTER_DATA_DIR"])
    turn_off_news(dirs["JUPYTERLAB_SETTINGS_DIR"])
    env = dict(os.environ)
    env.update({name: str(path) for name, path in dirs.items()})
    # JUPYTER_PATH is searched before the system's folders: our python3 spec wins.
    env["JUPYTER_PATH"] = str(dirs["JUPYTER_DATA_DIR"])
    env.pop("JUPYTER_TOKEN", None)
    # The kernel imports the kubelab in this tree, whatever the environment has installed.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return env


@dataclass
class JupyterLab:
    process: subprocess.Popen[bytes]
    port: int
    token: str
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def notebook_url(self, name: str) -> str:
        return f"{self.base_url}/lab/tree/{name}?token={self.token}"

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def start_jupyterlab(root_dir: Path, state_dir: Path, timeout: float = 60) -> JupyterLab:
    """JupyterLab serving root_dir on a free port with a random token, once it answers."""
    env = isolated_env(state_dir)
    for attempt in range(3):  # a port taken between free_port() and the bind: try another
        port, token = free_port(), secrets.token_hex(16)
        log_path = state_dir / f"jupyterlab-{attempt}.log"
        command = [
            sys.executable, "-m", "jupyterlab", "--no-browser",
            "--ip", "127.0.0.1", "--port", str(port), "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root_dir}",
            # Refused as root without it; CI runs as root.
            "--allow-root",
            # Offline here: no "a new version is out" fetch and toast.
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]  # fmt: skip
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command,
                cwd=root_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Not in pytest's process group: a Ctrl-C there must not reach it, or it
                # would ask on its (absent) stdin whether to shut down; the fixture stops it.
                start_new_session=True,
            )
        lab = JupyterLab(process, port, token, log_path)
        deadline = time.monotonic() + timeout
        while process.poll() is None and time.monotonic() < deadline:
            if answers(f"{lab.base_url}/api/status?token={token}"):
                return lab
            time.sleep(0.2)
        exit_code = process.poll()
        stop_process(process)
        if "already in use" not in lab.log_tail():
            break
    problem = (
        f"JupyterLab exited with code {exit_code}"
        if exit_code is not None
        else f"JupyterLab did not answer within {timeout:.0f} s"
    )
    raise RuntimeError(f"{problem}. The end of its log:\n{lab.log_tail()}")


def stop_process(process: subprocess.Popen[bytes], grace: float = 10) -> None:
    """Asks the server to stop (it shuts its kernels down as it does), and kills it if it
    has not within grace seconds. A kernel orphaned by the kill exits by itself: ipykernel
    watches its parent process."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(grace)


# --- Driving JupyterLab's page ------------------------------------------------------------

# Where Python errors show in a notebook: JupyterLab renders both stderr streams and error
# outputs (tracebacks) with this MIME type.
STDERR_OUTPUTS = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'


def open_notebook(page: Page, lab: JupyterLab, name: str, timeout_ms: float = 45_000) -> None:
    """Opens a notebook and waits until its kernel has started and is idle.

    Waiting for the status bar's "<kernel> | Idle" text matters: on a cold start the
    kernel is not yet connected when the notebook shows, and a Run All sent then is lost
    (waiting on the busy indicator alone raced)."""
    page.goto(lab.notebook_url(name))
    wait_until_idle(page, timeout_ms)


def run_all_cells(page: Page) -> None:
    """Run → Run All Cells, through the menu bar: it needs no keyboard shortcut (Run All
    has none by default) and no focus in the notebook."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()


def wait_for_run_all(page: Page, timeout_ms: float = 60_000) -> None:
    """Waits until Run All has finished: no cell shows "[*]" and the first code cell has an
    execution count. Needs a notebook saved without execution counts (see
    clear_outputs); a cell that fails stops the run there, which also counts as finished."""
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll(
                '.jp-Notebook .jp-CodeCell .jp-InputPrompt')].map(p => p.textContent.trim());
            return prompts.length > 0 && /\\d/.test(prompts[0])
                && !prompts.some(p => p.includes('*'));
        }""",
        timeout=timeout_ms,
    )


def wait_until_idle(page: Page, timeout_ms: float = 30_000) -> None:
    page.get_by_text(f"{KERNEL_DISPLAY_NAME} | Idle", exact=True).wait_for(timeout=timeout_ms)


def show_log_console(page: Page) -> None:
    """View → Show Log Console: where JupyterLab puts output that belongs to no cell, such
    as a traceback from a widget's callback."""
    page.get_by_role("menuitem", name="View", exact=True).click()
    page.get_by_role("menuitem", name="Show Log Console", exact=True).click()
    page.locator(".jp-LogConsolePanel").wait_for()


# A traceback's header, or its last line alone as IPython shows a SyntaxError:
# "SyntaxError: invalid syntax", "KeyError: 'web'".
PYTHON_ERROR = re.compile(r"Traceback \(most recent call last\)|^\w*(Error|Exception)\b", re.M)


def python_tracebacks(page: Page) -> list[str]:
    """The texts of the page's stderr and error outputs (in cells and in the log console)
    that hold a Python error."""
    texts = page.locator(STDERR_OUTPUTS).all_inner_texts()
    return [text for text in texts if PYTHON_ERROR.search(text)]


def widget_errors(page: Page) -> list[str]:
    """ipywidgets' own placeholder when a widget view cannot render (e.g. the lab
    extension is missing or the model was not found)."""
    return page.get_by_text("Error displaying widget").all_inner_texts()
