"""Risk measures of an NPV distribution and the value of the stochastic solution (VSS).

VSS = E[NPV] of the plan made for all scenarios at once minus E[NPV] of the plan made for
the average scenario (funding and signing fixed, operations re-optimised per scenario).
It is what a financier gains by planning against the scenarios rather than their average.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pyomo.core as pyo

from optimizer.case import Case
from optimizer.models import create_model, prepare
from optimizer.models.build import fix_first_stage
from optimizer.models.data import FundKey, ModelData
from optimizer.models.extract import funded_keys, signed_contracts
from optimizer.solvers.highs import BackgroundSolve, SolverOptions, solve


def value_at_risk(values: list[float], probabilities: list[float], alpha: float) -> float:
    """VaR_alpha of NPV: the largest NPV v with P(NPV < v) <= 1 - alpha (the tail's threshold)."""
    cumulative = 0.0
    for value, probability in sorted(zip(values, probabilities, strict=True)):
        cumulative += probability
        if cumulative >= 1.0 - alpha - 1e-12:
            return value
    return max(values)


def conditional_value_at_risk(values: list[float], probabilities: list[float], alpha: float) -> float:
    """CVaR_alpha of NPV: the probability-weighted mean of its worst (1 - alpha) tail."""
    tail = 1.0 - alpha
    remaining = tail
    total = 0.0
    for value, probability in sorted(zip(values, probabilities, strict=True)):
        take = min(probability, remaining)
        total += take * value
        remaining -= take
        if remaining <= 1e-12:
            break
    return total / tail


@dataclass(frozen=True)
class StochasticValue:
    average_plan_expected_npv_usd_m: float | None
    value_usd_m: float | None
    message: str | None = None


@dataclass
class AverageScenarioPlanning:
    """The plan for the probability-weighted average scenario, solved beside the stochastic plan.

    ``start`` builds the average-scenario model here and hands it to HiGHS in a thread of its
    own (one HiGHS thread): it is a small MIP, solved while the stochastic plan's MIP leaves
    a core idle (HiGHS's tree search is sequential), so the value of the stochastic solution
    costs little more than its evaluation. The answer does not depend on that timing: the
    average-scenario MIP is solved alone from scratch either way.
    """

    average: ModelData
    model: pyo.ConcreteModel
    solve: BackgroundSolve

    @classmethod
    def start(cls, case: Case, options: SolverOptions) -> AverageScenarioPlanning:
        average = prepare(case, mean_value=True)
        model = create_model(average)
        own = dataclasses.replace(
            options,
            start=None,
            duals=False,
            write_model=None,
            log=None,
            highs_options={**options.highs_options, "threads": 1},
        )
        return cls(average, model, BackgroundSolve.start(model, own))

    def plan(self) -> tuple[set[FundKey], set[str]] | str:
        """Its funding and signing once solved, or why there is none."""
        result = self.solve.finish()
        if not result.has_solution:
            return f"the average-scenario problem has no solution ({result.status}); VSS not computed"
        return set(funded_keys(self.model, self.average)), set(signed_contracts(self.model, self.average))

    def cancel(self) -> None:
        self.solve.cancel()


def value_of_stochastic_solution(
    stochastic: ModelData,
    stochastic_expected_npv_usd_m: float,
    average: AverageScenarioPlanning,
    options: SolverOptions,
    model: pyo.ConcreteModel | None = None,
) -> StochasticValue:
    """The average-scenario plan's funding and signing, fixed and evaluated in every scenario.

    ``stochastic`` is the case's model data as the plan was made from it (not prepared
    again). ``model``: the stochastic plan's own model, once its plan has been read, to
    evaluate the average plan in (its funding and signing are fixed and its values
    overwritten); building it again costs a second on the example. Without it a new one
    is built.
    """
    planned = average.plan()
    if isinstance(planned, str):
        return StochasticValue(None, None, planned)
    funded, signed = planned
    m = model if model is not None else create_model(stochastic)
    fix_first_stage(m, funded, signed)
    second = solve(m, dataclasses.replace(options, start=None, duals=False, write_model=None))
    if not second.has_solution:
        return StochasticValue(
            None,
            None,
            "the plan made for the average scenario is infeasible in at least one scenario: planning for the scenarios is essential",
        )
    expected = float(pyo.value(m.expected_npv))
    return StochasticValue(expected, stochastic_expected_npv_usd_m - expected)
