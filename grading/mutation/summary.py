"""The results of a mutate run: per mutant, per part, thresholds, the Markdown report."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPORT_MD = "mutation_report.md"
REPORT_JSON = "mutation_report.json"
EPS = 1e-9


@dataclass
class MutantResult:
    id: str
    module: str
    kind: str
    description: str
    student: str
    notebooks: list[str]
    score: float = 0.0  # over the notebooks it was graded on
    max_score: float = 0.0
    baseline: float = 0.0
    statuses: dict[str, str] = field(default_factory=dict)  # notebook -> graded/failed/timeout...
    lost: dict[str, float] = field(default_factory=dict)  # "notebook/grade_id" -> points below baseline
    errors: dict[str, str] = field(default_factory=dict)  # "notebook/grade_id" -> error line
    should_catch: list[str] = field(default_factory=list)  # "notebook/grade_id" reaching the mutant

    @property
    def below_baseline(self) -> bool:
        return self.score < self.baseline - EPS or any(s != "graded" for s in self.statuses.values())

    @property
    def verdict(self) -> str:
        if not self.notebooks:
            return "not graded"
        if self.kind == "bug":
            return "caught" if self.below_baseline else "SURVIVED"
        return "REJECTED" if self.below_baseline else "full credit"


@dataclass
class PartSummary:
    module: str
    bugs: int = 0
    caught: int = 0
    alternatives: int = 0
    full_credit: int = 0
    kept: list[float] = field(default_factory=list)  # fraction of points each bug keeps
    seconds: float = 0.0
    not_graded: int = 0  # mutants no graded notebook reaches (or none of those selected)

    @property
    def caught_fraction(self) -> float | None:
        return self.caught / self.bugs if self.bugs else None


def summarise(results: Sequence[MutantResult], seconds: dict[str, float] | None = None) -> dict[str, PartSummary]:
    parts: dict[str, PartSummary] = {}
    for result in results:
        part = parts.setdefault(result.module, PartSummary(result.module))
        if not result.notebooks:
            part.not_graded += 1
            continue
        if result.kind == "bug":
            part.bugs += 1
            part.caught += result.below_baseline
            part.kept.append(result.score / result.max_score if result.max_score else 0.0)
        else:
            part.alternatives += 1
            part.full_credit += not result.below_baseline
    for module, value in (seconds or {}).items():
        if module in parts:
            parts[module].seconds = value
    return parts


def thresholds_met(parts: dict[str, PartSummary], min_caught: float | None, require_alternatives: bool) -> list[str]:
    """Why the thresholds are not met (empty when they are)."""
    problems = []
    for part in parts.values():
        if min_caught is not None and part.bugs and (part.caught_fraction or 0.0) < min_caught - EPS:
            problems.append(f"{part.module}: {part.caught}/{part.bugs} bugs caught "
                            f"({part.caught_fraction:.0%} < {min_caught:.0%})")
        if require_alternatives and part.full_credit < part.alternatives:
            problems.append(f"{part.module}: {part.alternatives - part.full_credit} of "
                            f"{part.alternatives} correct alternatives lose points")
    return problems


def _fmt_fraction(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def summary_table(parts: dict[str, PartSummary]) -> list[str]:
    lines = ["| part (module) | bugs caught | alternatives at full credit | credit kept by bugs "
             "(mean / min / max) | bugs scoring 0 | run time |",
             "|---|---|---|---|---|---|"]
    for part in parts.values():
        kept = (f"{sum(part.kept) / len(part.kept):.0%} / {min(part.kept):.0%} / {max(part.kept):.0%}"
                if part.kept else "-")
        zero = sum(1 for k in part.kept if k <= EPS)
        lines.append(
            f"| {part.module} | {part.caught}/{part.bugs} ({_fmt_fraction(part.caught_fraction)}) | "
            f"{part.full_credit}/{part.alternatives} | {kept} | {zero} | {part.seconds:.0f} s |")
    return lines


def render_markdown(results: Sequence[MutantResult], parts: dict[str, PartSummary], meta: dict) -> str:
    lines = ["# Mutation analysis of the autograder", "",
             f"`{meta.get('command', 'python -m grading mutate')}`", "",
             f"{meta.get('finished', '')} on {meta.get('host', 'this machine')}; "
             f"{meta.get('workers', '?')} worker(s), cell limit {meta.get('cell_timeout', '?')} s; "
             f"total {meta.get('seconds', 0):.0f} s wall time. {meta.get('note', '')}".rstrip(), "",
             "A bug is *caught* when a notebook it reaches scores below the unmutated solution "
             "(or cannot be graded); an alternative must score what the solution scores. "
             "*Credit kept* is the buggy submission's points over the maximum of the notebooks it reaches.", ""]
    lines += summary_table(parts)
    if meta.get("only_notebooks"):
        lines += ["", f"Only these notebooks were graded: {', '.join(meta['only_notebooks'])}."]
    if any(part.not_graded for part in parts.values()):
        lines += ["", "Not graded (no graded notebook reaches them): " + ", ".join(
            r.id for r in results if not r.notebooks) + "."]
    if meta.get("not_run"):
        lines += ["", f"Parts not run: {', '.join(meta['not_run'])}."]
    lines += ["", "## Every mutant", "",
              "| mutant | kind | verdict | notebooks | score / baseline (max) | cells losing points |",
              "|---|---|---|---|---|---|"]
    for r in results:
        cells = ", ".join(f"{c} (-{p:g})" for c, p in r.lost.items()) or "-"
        status = "; ".join(f"{nb}: {s}" for nb, s in r.statuses.items() if s != "graded")
        lines.append(f"| {r.id} | {r.kind} | {r.verdict} | {', '.join(r.notebooks)} | "
                     f"{r.score:g} / {r.baseline:g} ({r.max_score:g}){' ' + status if status else ''} | {cells} |")
    survivors = [r for r in results if r.kind == "bug" and not r.below_baseline]
    lines += ["", "## Surviving bugs and the graded cells that should catch them", ""]
    if not survivors:
        lines.append("None.")
    for r in survivors:
        lines.append(f"- **{r.id}** ({r.description}): "
                     f"{', '.join(r.should_catch) or 'no graded cell reaches the mutated function'}")
    rejected = [r for r in results if r.kind == "alternative" and r.below_baseline]
    lines += ["", "## Correct alternatives that lose points", ""]
    if not rejected:
        lines.append("None.")
    for r in rejected:
        lines.append(f"- **{r.id}** ({r.description}):")
        for notebook, status in r.statuses.items():
            if status != "graded":
                lines.append(f"  - {notebook}: {status}")
        for cell, points in r.lost.items():
            lines.append(f"  - {cell} (-{points:g}): {r.errors.get(cell, 'no error output')}")
    return "\n".join(lines) + "\n"


def rerender(out: Path) -> str:
    """``OUT/mutation_report.md`` written again from ``OUT/mutation_report.json`` (e.g. after the
    report's layout changed); returns the page."""
    data = json.loads((out / REPORT_JSON).read_text(encoding="utf-8"))
    names = {f.name for f in dataclasses.fields(MutantResult)}
    results = [MutantResult(**{k: v for k, v in item.items() if k in names}) for item in data["mutants"]]
    seconds = {module: part.get("seconds", 0.0) for module, part in data["parts"].items()}
    page = render_markdown(results, summarise(results, seconds), data["meta"])
    (out / REPORT_MD).write_text(page, encoding="utf-8")
    return page
