"""What-if runs: the base case and every WhatIfs variant, planned in parallel and compared."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from optimizer.case import Case
from optimizer.errors import InputError, InputProblem
from optimizer.plan import Plan
from optimizer.runs import OnDone, plan_all
from optimizer.solvers.start import Start
from optimizer.workbook.changes import BASE, WHATIFS, Change, whatif_changes


@dataclass
class WhatIfs:
    """The plans of a what-if run: ``base`` first, then each variant in WhatIfs order."""

    plans: dict[str, Plan]
    changes: dict[str, list[Change]]  # the changes of each variant (``base`` has none)

    @property
    def base(self) -> Plan:
        return self.plans[BASE]

    @property
    def exit_code(self) -> int:
        """0 when every run has a plan, else the exit code of the first run without one (1 or 3)."""
        return next((p.exit_code for p in self.plans.values() if p.exit_code != 0), 0)

    def summaries(self, output: Path | None = None) -> list[dict[str, Any]]:
        """The ``--json`` list: one plan summary per run, ``whatif`` naming it."""
        return [{"whatif": name, **result.summary(output)} for name, result in self.plans.items()]

    def to_excel(self, path: str | Path, *, force: bool = False) -> Path:
        """Write the comparison workbook (KPIs, decisions changed against the base, a chart)."""
        from optimizer.report.compare import write_comparison

        return write_comparison(self, Path(path), force=force)


def case_whatifs(case: Case) -> dict[str, list[Change]]:
    """The changes of each variant on the case's WhatIfs sheet, located at their cells."""
    return whatif_changes(case.table(WHATIFS), case.column_letters.get(WHATIFS))


def variants(case: Case) -> dict[str, Case]:
    """Each WhatIfs variant of ``case`` as its own checked Case; every problem of every variant at once."""
    changes = case_whatifs(case)
    if not changes:
        raise InputError(
            [
                InputProblem(
                    WHATIFS,
                    "",
                    "there are no what-ifs (the sheet is missing or empty)",
                    "add a WhatIfs sheet with one row per change: whatif, target, op, value",
                )
            ]
        )
    built: dict[str, Case] = {}
    problems: list[InputProblem] = []
    for name, listed in changes.items():
        try:
            built[name] = case.with_changes(listed)
        except InputError as error:
            problems.extend(error.problems)
    if problems:
        raise InputError(problems)
    return built


def run_whatifs(
    case: Case,
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    time_limit_s: float | None = None,
    mip_gap: float | None = None,
    on_done: OnDone | None = None,
) -> WhatIfs:
    """Plan the base case, then every variant on its WhatIfs sheet started from the base plan.

    The variants run in parallel (see ``plan_all`` for the executors); each starts from the
    base plan's funding and signing where that still holds under its changes.
    """
    others = variants(case)

    def run(cases: dict[str, Case], start: Start | None) -> dict[str, Plan]:
        return plan_all(
            cases,
            jobs=jobs,
            scheduler=scheduler,
            time_limit_s=time_limit_s,
            mip_gap=mip_gap,
            on_done=on_done,
            start=start,
        )

    plans = run({BASE: case}, None)
    base = plans[BASE]
    plans.update(run(others, base.as_start("the base plan") if base.has_solution else None))
    changes = {BASE: [], **case_whatifs(case)}
    return WhatIfs(plans, changes)
