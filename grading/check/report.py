"""What the student reads: one line per check, a summary per notebook, a verdict; the exit code."""

from __future__ import annotations

from grading.check.run import CheckOutcome

HIDDEN_NOTE = ("Hidden tests run only at grading time (other shapes, seeds and edge cases of the same "
               "behaviour): passing every visible check here does not guarantee every point.")

SAME_FOLDER_NOTE = ("Note: this folder is also the release it is compared with, so an edited test cell runs "
                    "as you edited it here (grading restores the original); pass --release with an "
                    "untouched copy of the assignment to run the originals.")


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def render(outcome: CheckOutcome) -> tuple[str, int]:
    """(text, exit code): 1 when something certainly costs points, else 0."""
    lines = [f"Checking {outcome.folder} the way the grader runs it.", HIDDEN_NOTE, ""]
    if outcome.not_enforced:  # the student's own machine: said once, never a reason to fail
        lines[-1:-1] = ["sandbox: not enforced on this machine (your code runs as you): "
                        + "; ".join(outcome.not_enforced)]
    if outcome.plan.is_release:
        lines[-1:-1] = [SAME_FOLDER_NOTE]
    certain: list[str] = []  # each item certainly costs points
    warnings: list[str] = []

    lines.append("modules")
    for module in outcome.plan.missing_modules:
        lines.append(f"  {'MISSING':<8} {module}")
        certain.append(f"missing {module.split()[0]}")
    for module in outcome.plan.present_modules:
        error = outcome.module_errors.get(module)
        lines.append(f"  {'FAIL' if error else 'ok':<8} {module}" + (f": does not import: {error}" if error else ""))
        if error:
            certain.append(f"{module} does not import")
    lines.append("")

    for plan in outcome.plan.notebooks:
        file = f"{plan.name}.ipynb"
        if plan.problem:
            kind, _, detail = plan.problem.partition(": ")
            lines += [file, f"  {kind.upper():<8} {detail}", f"  -> {file}: graded 0", ""]
            certain.append(f"{file} {plan.problem.split(':')[0]}")
            continue
        findings = outcome.findings.get(plan.name)
        seconds = f", {findings.seconds:.0f} s" if findings and findings.seconds is not None else ""
        lines.append(file + seconds)
        for test in plan.edited_tests:
            lines.append(f"  EDITED   {test}: test cell changed; grading restores the original")
            warnings.append(f"{file}: test cell {test} edited")
        for test in plan.deleted_tests:
            lines.append(f"  DELETED  {test}: test cell deleted; grading puts it back")
            warnings.append(f"{file}: test cell {test} deleted")
        if findings is None:
            lines += ["  NOT RUN  the check stopped before this notebook ran (see below)", ""]
            certain.append(f"{file} did not run")
            continue
        for timeout in findings.timeouts:
            lines.append(f"  TIMEOUT  {timeout}")
            certain.append(f"{file}: {timeout.split(':')[0]} over its time limit")
        for error in findings.cell_errors:
            lines.append(f"  error    {error}")
        passed = [c for c in findings.checks if c.error is None]
        for check in findings.checks:
            points = f"{check.points:g} pt{'s' if check.points != 1 else ''}"
            if check.error is None:
                lines.append(f"  pass     {check.name} ({points})")
            else:
                first, *rest = check.error.splitlines()
                lines.append(f"  FAIL     {check.name} ({points}): {first}")
                if rest:
                    lines.append(_indent("\n".join(rest), " " * 11))
        failed = len(findings.checks) - len(passed)
        if failed:
            certain.append(f"{file}: {failed} visible check{'s' if failed != 1 else ''} failing")
        earned = sum(c.points for c in passed)
        total = sum(c.points for c in findings.checks)
        lines += [f"  -> {len(passed)}/{len(findings.checks)} visible checks pass "
                  f"({earned:g}/{total:g} points of visible checks)", ""]

    if outcome.job_problem:
        lines += ["The check itself did not finish:", _indent(outcome.job_problem, "  "), ""]
    if certain:
        lines.append(f"NOT READY: {len(certain)} problem{'s' if len(certain) != 1 else ''} would cost points: "
                     + "; ".join(certain) + ".")
    else:
        lines.append("READY: every visible check passes, nothing would certainly cost points"
                     + (f" ({'; '.join(warnings)})" if warnings else "") + ". Hidden tests run at grading.")
    return "\n".join(lines), 1 if certain else 0
