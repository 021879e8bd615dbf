"""Exercises: a task, a check that says what is right, what is wrong and what to try, and a
solution you can reveal.

    import kubelab.exercises as ex
    ex.show("02.1")            # the task
    ex.check(lab, "02.1")      # ✔/✘ findings with hints
    ex.solution("02.1")        # the answer, and why

Every `kubelab/exercises/lessonNN.py` module registers its exercises on import.
"""

from __future__ import annotations

import importlib
import pkgutil

from kubelab.exercises.core import (
    REGISTRY,
    Exercise,
    Feedback,
    Finding,
    Markdown,
    catch_up,
    check,
    get,
    register,
    show,
    solution,
    start,
)
from kubelab.exercises.doctor import check_setup

__all__ = [
    "REGISTRY",
    "Exercise",
    "Feedback",
    "Finding",
    "Markdown",
    "catch_up",
    "check",
    "check_setup",
    "get",
    "register",
    "show",
    "solution",
    "start",
]


def _load_lessons() -> None:
    """Import every lessonNN module here, in order, so its exercises register."""
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("lesson"))
    for name in names:
        importlib.import_module(f"{__name__}.{name}")


_load_lessons()
