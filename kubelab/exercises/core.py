"""The exercises core: what a check finds, how feedback reads, and the registry.

A lesson module registers `Exercise`s; a learner calls `show`, `check` and `solution`
with an exercise id ("02.1": lesson 02, exercise 1). A check reads the cluster only
through the `Lab`, so it works on the simulation and on a real cluster alike, and it
never raises for a learner's mistake: whatever is missing or wrong is a failing
`Finding` whose hint says what to try.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kubelab.errors import KubelabError, UsageError
from kubelab.facade import Lab


@dataclass(frozen=True)
class Finding:
    """One thing a check looked at: right (ok) or wrong, and for wrong, what to try."""

    ok: bool
    what: str
    hint: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"✔ {self.what}"
        return f"✘ {self.what}" + (f" → {self.hint}" if self.hint else "")


class Markdown(str):
    """Text that Jupyter renders as Markdown (and prints as itself elsewhere)."""

    def _repr_markdown_(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))


@dataclass
class Feedback:
    """What `check` returns: every finding, and overall passed or not yet.

    It prints as ✔/✘ lines ending with "All good: ..." or "Not yet: ...", never as a
    bare True or False; `bool(feedback)` is whether every check passed."""

    exercise: str
    findings: list[Finding] = field(default_factory=list)
    title: str = ""

    @property
    def passed(self) -> bool:
        return bool(self.findings) and all(f.ok for f in self.findings)

    @property
    def failed(self) -> list[Finding]:
        return [f for f in self.findings if not f.ok]

    def __bool__(self) -> bool:
        return self.passed

    def summary(self) -> str:
        name = f"{self.exercise} {self.title}".strip()
        if self.passed:
            return f"All good: {name}, every check passed."
        if not self.findings:
            return f"Not yet: {name} found nothing to check."
        wrong = len(self.failed)
        return (f"Not yet: {wrong} of {len(self.findings)} checks of {name} failed. "
                "Fix the first ✘, then run the check again.")

    def __str__(self) -> str:
        return "\n".join([*(str(f) for f in self.findings), self.summary()])

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        items = "".join(_finding_html(f) for f in self.findings)
        colour = "#1a7f37" if self.passed else "#b35900"
        return (f'<div class="kubelab-feedback"><ul style="list-style: none; padding-left: 0;">'
                f'{items}</ul><p style="color: {colour}; font-weight: bold;">'
                f"{html.escape(self.summary())}</p></div>")


def _finding_html(finding: Finding) -> str:
    if finding.ok:
        return f'<li style="color: #1a7f37;">✔ {html.escape(finding.what)}</li>'
    hint = (f'<br><span style="color: #333; margin-left: 1.5em;">→ {html.escape(finding.hint)}'
            "</span>" if finding.hint else "")
    return f'<li style="color: #c62828;">✘ {html.escape(finding.what)}{hint}</li>'


@dataclass(frozen=True)
class Exercise:
    """One exercise: the task, how to check it, the solution, and known mistakes.

    `setup` builds what the lesson has built before the exercise (idempotent);
    each of `mistakes` applies one known mistake, and its check must fail with a hint
    containing `mistake_hints[name]` (tests/test_exercises.py proves it)."""

    id: str
    title: str
    task: str
    setup: Callable[[Lab], None]
    check: Callable[[Lab], list[Finding]]
    solution: str
    apply_solution: Callable[[Lab], None]
    mistakes: dict[str, Callable[[Lab], None]] = field(default_factory=dict)
    mistake_hints: dict[str, str] = field(default_factory=dict)
    why: str = ""  # why the solution is right, shown with it

    @property
    def lesson(self) -> str:
        return self.id.split(".", 1)[0]


REGISTRY: dict[str, Exercise] = {}


def register(exercise: Exercise) -> Exercise:
    """Add an exercise to the registry (re-registering the same id replaces it)."""
    missing = set(exercise.mistakes) ^ set(exercise.mistake_hints)
    if missing:
        raise UsageError(f"exercise {exercise.id}: mistakes and mistake_hints differ "
                         f"in {sorted(missing)}")
    REGISTRY[exercise.id] = exercise
    return exercise


def get(exercise_id: str) -> Exercise:
    """The registered exercise with this id; UsageError naming the known ids if none."""
    key = str(exercise_id).strip()
    if key not in REGISTRY:
        known = ", ".join(sorted(REGISTRY)) or "none"
        raise UsageError(f"there is no exercise {key!r} (known: {known})")
    return REGISTRY[key]


def show(exercise_id: str) -> Markdown:
    """The task of an exercise, as Markdown, with how to check it."""
    ex = get(exercise_id)
    return Markdown(
        f"### Exercise {ex.id}: {ex.title}\n\n{ex.task.strip()}\n\n"
        f'Check your work with `kubelab.exercises.check(lab, "{ex.id}")`; '
        f'stuck? `kubelab.exercises.solution("{ex.id}")`.\n'
    )


def check(lab: Lab, exercise_id: str) -> Feedback:
    """Check an exercise against the cluster: every finding, with hints for what is wrong."""
    ex = get(exercise_id)
    try:
        findings = list(ex.check(lab))
    except KubelabError as err:  # the cluster refused a read: say so, do not raise
        findings = [Finding(False, "The check could not read the cluster",
                            f"{err} (is the lab still connected? run the lesson's cells "
                            "from the top)")]
    return Feedback(ex.id, findings, ex.title)


def solution(exercise_id: str) -> Markdown:
    """The solution of an exercise and why it works, as Markdown."""
    ex = get(exercise_id)
    text = ex.solution.strip()
    language = "yaml" if _looks_like_yaml(text) else "python"
    why = f"\n\n**Why:** {ex.why.strip()}" if ex.why else ""
    return Markdown(f"### Solution {ex.id}: {ex.title}\n\n```{language}\n{text}\n```{why}\n")


def start(lab: Lab, exercise_id: str) -> Markdown:
    """Build what the lesson built before this exercise (to start it on its own), then
    show its task."""
    get(exercise_id).setup(lab)
    return show(exercise_id)


def catch_up(lab: Lab, exercise_id: str) -> Markdown:
    """Keep your answer if it passes; otherwise apply the solution, so the rest of the
    lesson finds the cluster it expects."""
    ex = get(exercise_id)
    if check(lab, exercise_id).passed:
        return Markdown(f"Your answer to {ex.id} passes: the lesson goes on with it.")
    ex.apply_solution(lab)
    return Markdown(f"Your answer to {ex.id} does not pass yet, so the solution was applied "
                    f"for the rest of the lesson (see it: "
                    f'`kubelab.exercises.solution("{ex.id}")`).')


def _looks_like_yaml(text: str) -> bool:
    return "kind:" in text and "lab." not in text
