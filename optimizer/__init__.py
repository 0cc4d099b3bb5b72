"""Offtake portfolio optimiser: which critical-mineral projects to fund, which offtakes to sign.

>>> from optimizer import Case, plan                          # doctest: +SKIP
>>> result = plan(Case.from_excel("examples/india_japan.xlsx"))  # doctest: +SKIP
>>> result.funded[["project", "option", "start_year"]]        # doctest: +SKIP
"""

from optimizer.analyses.whatif import WhatIfs, run_whatifs
from optimizer.case import Case, Settings
from optimizer.errors import ClusterError, InputError, InputProblem, OutputError
from optimizer.plan import Plan, plan
from optimizer.runs import plan_all
from optimizer.workbook.changes import Change

__all__ = [
    "Case",
    "Change",
    "ClusterError",
    "InputError",
    "InputProblem",
    "OutputError",
    "Plan",
    "Settings",
    "WhatIfs",
    "plan",
    "plan_all",
    "run_whatifs",
]
