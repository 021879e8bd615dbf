"""What surrounds the library: Binder's environment, the cost of `import kubelab`, the
README's commands, the CI script and the notebooks' committed form. All offline."""

from __future__ import annotations

import json
import os
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
# Read without importing kubelab, so these checks run even while the library is broken.
VERSIONS = runpy.run_path(str(ROOT / "kubelab" / "version.py"))

# PyPI name -> conda-forge name, where they differ. The first two are the traps: on
# conda-forge `graphviz` is the C programs and `kubernetes` the Go binaries.
CONDA_NAME = {
    "graphviz": "python-graphviz",
    "kubernetes": "python-kubernetes",
    # graphviz-pure is a `dot` for pip-only machines; on conda-forge the real Graphviz
    # programs take its place (so its version pin does not carry over).
    "graphviz-pure": "graphviz",
}
OTHER_PROJECT = {"graphviz-pure"}

# The subset of conda's MatchSpec syntax we allow: a name, then optional version
# clauses joined by commas ("pyyaml>=6", "python=3.11", "jupyterlab>=4.2,<5").
_CLAUSE = r"(?:==|>=|<=|!=|~=|=|<|>)\s*[0-9][0-9A-Za-z.*+_]*"
MATCH_SPEC = re.compile(
    rf"^(?P<name>[a-z0-9][a-z0-9._-]*)\s*(?P<spec>{_CLAUSE}(?:\s*,\s*{_CLAUSE})*)?$"
)


def _pyproject() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)


def _environment() -> dict[str, Any]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert isinstance(env, dict), "environment.yml must be a mapping"
    return env


def _conda_specs() -> dict[str, str]:
    """environment.yml's conda dependencies: name -> version spec ('' if none)."""
    specs: dict[str, str] = {}
    for dep in _environment()["dependencies"]:
        if isinstance(dep, dict):  # the `- pip: [...]` section
            continue
        assert isinstance(dep, str), f"environment.yml: {dep!r} is not a match spec"
        m = MATCH_SPEC.match(dep.strip())
        assert m, f"environment.yml: {dep!r} is not a valid match spec"
        assert m["name"] not in specs, f"environment.yml lists {m['name']} twice"
        specs[m["name"]] = (m["spec"] or "").replace(" ", "")
    return specs


def _needed_requirements() -> list[Requirement]:
    """What Binder must provide: kubelab's dependencies and its "course" extra."""
    project = _pyproject()["project"]
    reqs = project["dependencies"] + project["optional-dependencies"]["course"]
    return [Requirement(r) for r in reqs]


def _lowest_versions(conda_spec: str) -> list[str]:
    """The versions a conda spec starts from ('>=6' -> 6, '=3.11' -> 3.11)."""
    found = re.findall(r"(==|>=|~=|=)([0-9][0-9A-Za-z.+_]*)", conda_spec)
    return [version.rstrip(".") for _, version in found]


# (a) Binder's environment.yml agrees with pyproject.toml


def test_environment_yml_shape() -> None:
    env = _environment()
    assert set(env) <= {"name", "channels", "dependencies"}, sorted(env)
    assert env["channels"] == ["conda-forge"], "use conda-forge only (repo2docker's default)"
    assert isinstance(env["dependencies"], list)
    pip_sections = [d for d in env["dependencies"] if isinstance(d, dict)]
    for section in pip_sections:
        assert set(section) == {"pip"}, section
        assert "pip" in _conda_specs(), "a `- pip:` section needs `- pip` in the dependencies"
        for line in section["pip"]:
            Requirement(line)  # raises if pip could not read it


def test_environment_yml_pins_a_python_that_pyproject_allows() -> None:
    spec = _conda_specs().get("python", "")
    m = re.fullmatch(r"==?(3\.\d+)(\.\*)?", spec)
    assert m, f"pin Python to one minor version, like python=3.11 (found {spec!r})"
    requires = SpecifierSet(_pyproject()["project"]["requires-python"])
    assert requires.contains(m[1]), f"python={m[1]} is outside requires-python {requires}"


@pytest.mark.parametrize("req", _needed_requirements(), ids=str)
def test_environment_yml_has_each_dependency(req: Requirement) -> None:
    name = canonicalize_name(req.name)
    conda_name = CONDA_NAME.get(name, name)
    specs = _conda_specs()
    assert conda_name in specs, (
        f"pyproject.toml needs {req}; add `{conda_name}` (its conda-forge name) to environment.yml"
    )
    if name in OTHER_PROJECT or not req.specifier:
        return
    lowest = _lowest_versions(specs[conda_name])
    assert lowest, f"environment.yml: give {conda_name} a version floor like pyproject's {req}"
    for version in lowest:
        assert req.specifier.contains(Version(version), prereleases=True), (
            f"environment.yml lets {conda_name} start at {version}, but pyproject.toml needs {req}"
        )


def test_environment_yml_avoids_the_conda_forge_naming_traps() -> None:
    specs = _conda_specs()
    # `kubernetes` on conda-forge is the Go binaries, never the Python client.
    assert "kubernetes" not in specs, "use python-kubernetes for the Python client"
    # Both halves of Graphviz: the Python package and the `dot` program it calls.
    assert "python-graphviz" in specs, "the Python package is python-graphviz"
    assert "graphviz" in specs, "`graphviz` (the dot program) renders the diagrams"
    pip_lines = [
        canonicalize_name(Requirement(line).name)
        for dep in _environment()["dependencies"]
        if isinstance(dep, dict)
        for line in dep["pip"]
    ]
    assert "kubelab" not in pip_lines, "postBuild installs kubelab itself"


def test_binder_config_lives_at_the_root_only() -> None:
    # repo2docker reads binder/ instead of the root when binder/ exists.
    assert not (ROOT / "binder").exists(), "keep Binder's config in one place: the root"
    assert not (ROOT / ".binder").exists()


def test_postbuild_stops_on_error_and_installs_kubelab() -> None:
    post = ROOT / "postBuild"
    text = post.read_text()
    assert text.startswith("#!"), "postBuild needs a shebang line"
    assert re.search(r"^set -[a-z]*e", text, re.MULTILINE), "postBuild needs `set -e`"
    assert os.access(post, os.X_OK), "postBuild must be executable (git update-index --chmod=+x)"
    assert re.search(r"pip install --no-deps .*\.$", text, re.MULTILINE)


# (b) `import kubelab` stays light

IMPORT_PROBE = """
import json, sys, time
start = time.perf_counter()
import kubelab
seconds = time.perf_counter() - start
kube = sorted(m for m in sys.modules if m.split(".")[0] == "kubernetes")
print(json.dumps({"seconds": seconds, "kubernetes": kube}))
"""


def test_import_kubelab_is_fast_and_does_not_import_kubernetes(tmp_path: Path) -> None:
    # A stand-in `kubernetes` package first on the path: an import of it shows up in
    # sys.modules even where the real client (the "kube" extra) is not installed.
    (tmp_path / "kubernetes").mkdir()
    (tmp_path / "kubernetes" / "__init__.py").write_text("")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tmp_path), env.get("PYTHONPATH")]))
    env.pop("PYTHONDONTWRITEBYTECODE", None)

    runs = []
    for _ in range(3):  # best of three: a busy machine should not fail the test
        out = subprocess.run(
            [sys.executable, "-c", IMPORT_PROBE],
            cwd=ROOT,  # the kubelab in this tree
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert out.returncode == 0, out.stderr
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))

    assert runs[0]["kubernetes"] == [], (
        "import kubelab imported the kubernetes client; import it only inside the real "
        f"backend, when connect('kind') asks for it: {runs[0]['kubernetes']}"
    )
    best = min(run["seconds"] for run in runs)
    assert best < 0.5, (
        f"import kubelab took {best:.2f} s (best of 3); find the slow import with "
        "python -X importtime -c 'import kubelab'"
    )


# (c) the README's two commands, and CI runs the same one


def _section(markdown: str, title: str) -> str:
    """The text under a `## title` heading, up to the next heading of level 1 or 2
    (a `# comment` inside a fenced block is not a heading)."""
    lines: list[str] | None = None
    in_fence = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
        heading = not in_fence and re.match(r"#{1,2}\s", line)
        if heading and lines is not None:
            break
        if heading and line.lstrip("#").strip().lower() == title.lower():
            lines = []
        elif lines is not None:
            lines.append(line)
    assert lines is not None, f"README.md has no '## {title}' section"
    return "\n".join(lines) + "\n"


def _fenced_commands(text: str) -> list[str]:
    """The command lines in the fenced code blocks of text (comments and blanks left out)."""
    commands = []
    for block in re.findall(r"^```[a-z]*\n(.*?)^```", text, re.M | re.S):
        for line in block.splitlines():
            line = line.strip().removeprefix("$ ")
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


def test_readme_quick_start_gives_exactly_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert _fenced_commands(_section(readme, "Quick start")) == ["./run course", "./run test"]


def test_readme_binder_badge_opens_the_first_lesson_in_jupyterlab() -> None:
    readme = (ROOT / "README.md").read_text()
    assert re.search(
        r"https://mybinder\.org/v2/gh/[^)\s]+\?urlpath=lab/tree/notebooks/00-start-here\.ipynb",
        readme,
    )
    assert (ROOT / "notebooks" / "00-start-here.ipynb").is_file()


def test_readme_names_the_versions_the_simulation_follows() -> None:
    readme = (ROOT / "README.md").read_text()
    assert VERSIONS["KUBERNETES_VERSION"] in readme
    assert VERSIONS["KIND_VERSION"] in readme


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "README" in ci
    code = [line.strip() for line in ci.splitlines() if not line.strip().startswith("#")]
    assert any(re.match(r"\./run test\b", line) for line in code), "CI must call ./run test"


@pytest.mark.parametrize("script", ["run", ".ci/run", "postBuild"])
def test_scripts_are_executable_and_parse(script: str) -> None:
    path = ROOT / script
    assert os.access(path, os.X_OK), f"chmod +x {script} (in git: git update-index --chmod=+x)"
    bash = shutil.which("bash")
    if bash:
        out = subprocess.run([bash, "-n", str(path)], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr


# (d) notebooks are committed without outputs


NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    nb = json.loads(path.read_text())
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        assert cell.get("outputs") == [], f"{path.name} cell {i} has outputs: clear them"
        assert cell.get("execution_count") is None, f"{path.name} cell {i} was run: clear it"
