"""Matplotlib figures of the class report, as PNG data URIs (the page loads nothing else)."""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402

from grading.report.stats import ClassStats  # noqa: E402

FIGURE_WIDTH = 7.5


def _data_uri(figure) -> str:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def notebook_distributions(stats: ClassStats) -> str:
    """One histogram of the class's percentage per notebook."""
    count = len(stats.notebooks)
    columns = min(3, count)
    rows = -(-count // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(FIGURE_WIDTH, 2.3 * rows), squeeze=False)
    for axis, notebook in zip(axes.flat, stats.notebooks, strict=False):
        percents = [
            100 * score / maximum if maximum else 0.0
            for student in stats.students
            for score, maximum in [stats.notebook_scores.get(student, {}).get(notebook, (0.0, 0.0))]
        ]
        axis.hist(percents, bins=range(0, 111, 10), color="#4C72B0", edgecolor="white")
        axis.set_title(notebook, fontsize=9)
        axis.set_xlabel("% of the notebook's points", fontsize=8)
        axis.set_ylabel("students", fontsize=8)
        axis.tick_params(labelsize=7)
    for axis in list(axes.flat)[count:]:
        axis.axis("off")
    return _data_uri(figure)


def question_means(stats: ClassStats) -> str:
    """Mean score per autograded question as a fraction of its points, hardest at the top."""
    questions = sorted((q for q in stats.questions if q.kind == "auto"),
                       key=lambda q: (-q.mean_fraction, q.notebook, q.grade_id))
    height = max(2.0, 0.22 * len(questions) + 0.8)
    figure, axis = plt.subplots(figsize=(FIGURE_WIDTH, height))
    labels = [f"{q.notebook} / {q.grade_id}" for q in questions]
    axis.barh(labels, [100 * q.mean_fraction for q in questions], color="#55A868")
    axis.set_xlim(0, 100)
    axis.set_xlabel("class mean, % of the question's points", fontsize=8)
    axis.tick_params(labelsize=7)
    return _data_uri(figure)


def question_distributions(stats: ClassStats) -> str:
    """Per question (autograded and hand-graded): the share of students with full, partial and no marks."""
    questions = sorted(stats.questions, key=lambda q: (q.notebook, q.grade_id), reverse=True)
    height = max(2.0, 0.22 * len(questions) + 1.0)
    figure, axis = plt.subplots(figsize=(FIGURE_WIDTH, height))
    labels = [f"{q.notebook} / {q.grade_id}{' (hand)' if q.kind == 'manual' else ''}" for q in questions]
    shares = [question_shares(q) for q in questions]
    left = [0.0] * len(questions)
    for index, (name, color) in enumerate((("full marks", "#55A868"), ("partial", "#DD8452"),
                                           ("no marks", "#C44E52"))):
        values = [share[index] for share in shares]
        axis.barh(labels, values, left=left, color=color, label=name)
        left = [a + b for a, b in zip(left, values, strict=True)]
    axis.set_xlim(0, 100)
    axis.set_xlabel("% of students", fontsize=8)
    axis.tick_params(labelsize=7)
    axis.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
    return _data_uri(figure)


def question_shares(question) -> tuple[float, float, float]:
    """% of students with full, partial and no marks on a question."""
    count = len(question.scores) or 1
    full = sum(score >= question.max_score > 0 for score in question.scores)
    none = sum(score <= 0 for score in question.scores)
    return 100 * full / count, 100 * (count - full - none) / count, 100 * none / count


def grading_times(stats: ClassStats) -> str:
    """Seconds each submission took to grade."""
    students = sorted(stats.seconds_per_student, key=lambda s: stats.seconds_per_student[s])
    height = max(2.0, 0.22 * len(students) + 0.8)
    figure, axis = plt.subplots(figsize=(FIGURE_WIDTH, height))
    axis.barh(students, [stats.seconds_per_student[s] for s in students], color="#C44E52")
    axis.set_xlabel("seconds to grade the submission", fontsize=8)
    axis.tick_params(labelsize=7)
    return _data_uri(figure)
