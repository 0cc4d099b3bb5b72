"""Offtake portfolio optimiser: which critical-mineral projects to fund, which offtakes to sign.

>>> from optimizer import Case, plan                          # doctest: +SKIP
>>> result = plan(Case.from_excel("examples/india_japan.xlsx"))  # doctest: +SKIP
>>> result.funded[["project", "option", "start_year"]]        # doctest: +SKIP
"""

from optimizer.case import Case, Settings
from optimizer.errors import InputError, InputProblem, OutputError
from optimizer.plan import Plan, plan

__all__ = ["Case", "InputError", "InputProblem", "OutputError", "Plan", "Settings", "plan"]
