"""Every registered exercise, both ways: its solution passes, each known mistake fails
with the hint written for it. Exercises of every lesson module join through the registry."""

from __future__ import annotations

import pytest

import kubelab
import kubelab.exercises as ex
from kubelab.exercises import Exercise, Feedback, Finding

EXERCISES = sorted(ex.REGISTRY.values(), key=lambda e: e.id)
MISTAKES = [(e, name) for e in EXERCISES for name in sorted(e.mistakes)]


def _fresh(exercise: Exercise) -> kubelab.Lab:
    lab = kubelab.connect(seed=0)
    exercise.setup(lab)
    return lab


def _assert_reads_well(feedback: Feedback) -> None:
    text = str(feedback)
    assert text not in ("True", "False")
    assert text.splitlines()[-1].startswith(("All good:", "Not yet:"))
    assert "<li" in feedback._repr_html_()


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_solution_passes(exercise: Exercise) -> None:
    lab = _fresh(exercise)
    exercise.apply_solution(lab)
    feedback = ex.check(lab, exercise.id)
    _assert_reads_well(feedback)
    assert feedback.passed, str(feedback)


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_untouched_fails_without_raising(exercise: Exercise) -> None:
    lab = _fresh(exercise)
    feedback = ex.check(lab, exercise.id)
    _assert_reads_well(feedback)
    assert not feedback.passed, "the check passes before the learner did anything"
    assert all(f.hint for f in feedback.failed), str(feedback)


@pytest.mark.parametrize(("exercise", "mistake"), MISTAKES,
                         ids=[f"{e.id}-{m}" for e, m in MISTAKES])
def test_mistake_fails_with_its_hint(exercise: Exercise, mistake: str) -> None:
    lab = _fresh(exercise)
    exercise.mistakes[mistake](lab)
    feedback = ex.check(lab, exercise.id)
    _assert_reads_well(feedback)
    assert not feedback.passed, f"mistake {mistake!r} passes:\n{feedback}"
    wanted = exercise.mistake_hints[mistake]
    assert any(wanted in f.hint for f in feedback.failed), (
        f"no failing hint mentions {wanted!r}:\n{feedback}")


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_every_exercise_is_complete(exercise: Exercise) -> None:
    assert exercise.id.count(".") == 1 and exercise.title and exercise.task.strip()
    assert exercise.solution.strip() and exercise.mistakes
    assert ex.show(exercise.id)._repr_markdown_().startswith(f"### Exercise {exercise.id}")
    assert "```" in ex.solution(exercise.id)


def test_every_lesson_has_two_exercises() -> None:
    lessons: dict[str, int] = {}
    for exercise in EXERCISES:
        lessons[exercise.lesson] = lessons.get(exercise.lesson, 0) + 1
    assert lessons and all(count >= 2 for count in lessons.values()), lessons


def test_feedback_reads_as_findings_not_a_boolean() -> None:
    feedback = Feedback("9.9", [Finding(True, "Service web exists"),
                                Finding(False, "port 81", "set port: 80")], "Demo")
    assert not feedback and str(feedback).splitlines() == [
        "✔ Service web exists", "✘ port 81 → set port: 80",
        "Not yet: 1 of 2 checks of 9.9 Demo failed. Fix the first ✘, then run the check again."]
    assert Feedback("9.9", [Finding(True, "ok")], "Demo")
    assert not Feedback("9.9", [], "Demo")


def test_unknown_exercise_names_the_known_ones() -> None:
    with pytest.raises(kubelab.UsageError, match=r"no exercise '99\.9'"):
        ex.check(kubelab.connect(), "99.9")


def test_check_setup_reports_versions() -> None:
    text = str(ex.check_setup())
    assert kubelab.KUBERNETES_VERSION in text and kubelab.__version__ in text
