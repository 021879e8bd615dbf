"""The Debug Services checklist walk, lesson 10's broken apps, and the exercises of lessons
06-11 beyond what tests/test_exercises.py proves: catching up from any known mistake
works, and solutions written as Python run as shown."""

from __future__ import annotations

import pytest

import kubelab
import kubelab.exercises as ex
from kubelab import troubleshooting
from kubelab.exercises import checklist as cl

LATER = sorted((e for e in ex.REGISTRY.values() if "06" <= e.lesson <= "11"),
               key=lambda e: e.id)
MISTAKES = [(e, name) for e in LATER for name in sorted(e.mistakes)]


@pytest.fixture(scope="module")
def broken() -> kubelab.Lab:
    lab = kubelab.connect()
    troubleshooting.break_everything(lab)
    return lab


@pytest.mark.parametrize(("service", "namespace", "step", "hint"), [
    ("hostnames", "default", cl.EXISTS, "--target-port=9376"),
    ("catalog", "default", cl.ENDPOINTS, "set app: catalog"),
    ("orders", "default", cl.DEFINED, "http=8080"),
    ("cart", "default", cl.ENDPOINTS, "asks port 8081"),
    ("search", "default", cl.ENDPOINTS, "disktype=ssd"),
])
def test_each_broken_app_fails_at_its_step(broken: kubelab.Lab, service: str, namespace: str,
                                           step: str, hint: str) -> None:
    found = cl.checklist(broken, service, namespace)
    assert all(f.ok for f in found[:-1]) and not found[-1].ok
    assert found[-1].what.startswith(step) and hint in found[-1].hint, found[-1]


def test_a_short_name_from_another_namespace_fails_at_dns(broken: kubelab.Lab) -> None:
    pod, host = troubleshooting.client_host(broken)
    found = cl.checklist(broken, "inventory", "warehouse", cl.Client("default", host, 80, pod))
    assert found[-1].what.startswith(cl.DNS) and "inventory.warehouse" in found[-1].hint


def test_break_everything_can_run_twice(broken: kubelab.Lab) -> None:
    troubleshooting.break_everything(broken)


def test_a_working_service_passes_every_step_or_one_brief_line() -> None:
    lab = kubelab.connect()
    ex.get("06.1").setup(lab)
    full = cl.checklist(lab, "web")
    assert [f.what.split("?")[0] + "?" for f in full] == [
        cl.EXISTS, cl.DNS, cl.DEFINED, cl.ENDPOINTS, cl.PODS, cl.WORKS]
    assert all(f.ok for f in full)
    brief = cl.checklist(lab, "web", brief=True)
    assert len(brief) == 1 and brief[0].ok and brief[0].what.startswith("Service web works")


@pytest.mark.parametrize(("exercise", "mistake"), MISTAKES,
                         ids=[f"{e.id}-{m}" for e, m in MISTAKES])
def test_catch_up_repairs_every_known_mistake(exercise: ex.Exercise, mistake: str) -> None:
    lab = kubelab.connect()
    exercise.setup(lab)
    exercise.mistakes[mistake](lab)
    ex.catch_up(lab, exercise.id)
    assert ex.check(lab, exercise.id).passed


@pytest.mark.parametrize("exercise", LATER, ids=lambda e: e.id)
def test_setup_and_solution_can_run_twice(exercise: ex.Exercise) -> None:
    lab = kubelab.connect()
    exercise.setup(lab)
    exercise.setup(lab)
    exercise.apply_solution(lab)
    exercise.apply_solution(lab)
    assert ex.check(lab, exercise.id).passed


PYTHON_SOLUTIONS = [e for e in LATER if "lab." in e.solution]


@pytest.mark.parametrize("exercise", PYTHON_SOLUTIONS, ids=lambda e: e.id)
def test_a_solution_written_as_python_runs_as_shown(exercise: ex.Exercise) -> None:
    lab = kubelab.connect()
    exercise.setup(lab)
    exec(exercise.solution, {"lab": lab})  # what a learner pastes into a cell
    assert ex.check(lab, exercise.id).passed
