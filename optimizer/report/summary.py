"""The Summary sheet: what a credit committee reads first, then where the plan came from.

The title (A1) is the decision in one sentence. Keys in A3.., values in B3.., what each
means in C3..: the headline numbers (``SUMMARY_ROWS``: status, objective, expected NPV,
CVaR, capex, budget, MIP gap, solve time, worst scenario, IRR, prepayments, the effective
budget, demand coverage, warnings), a blank row, then the provenance (``PROVENANCE_ROWS``);
solver messages and the decisions in words below. These cells never move: a user's
formula on ``Summary!B5`` (expected NPV) keeps working from one run to the next.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from optimizer.report.cells import write_cell

if TYPE_CHECKING:
    from optimizer.plan import Plan

SUMMARY_ROWS = (
    "status",
    "objective_usd_m",
    "expected_npv_usd_m",
    "cvar_usd_m",
    "capex_usd_m",
    "budget_usd_m",
    "mip_gap",
    "solve_s",
    "worst_scenario_npv_usd_m",
    "portfolio_irr",
    "equity_irr",
    "min_dscr",
    "prepayments_usd_m",
    "effective_budget_usd_m",
    "equity_usd_m",
    "debt_usd_m",
    "contingency_usd_m",
    "demand_coverage",
    "warnings",
)
"""The headline keys, one per row from row 3 (values in column B): their cells never move."""

PROVENANCE_ROWS = (
    "input_file",
    "input_sha256",
    "optimizer_version",
    "pyomo_version",
    "highs_version",
    "written_at_utc",
)
"""Where the plan came from, one per row from ``PROVENANCE_ROW`` (below the headline and a blank row)."""

FIRST_ROW = 3
PROVENANCE_ROW = FIRST_ROW + len(SUMMARY_ROWS) + 1

SUMMARY_MEANINGS = {
    "status": "Solver status: optimal, or time_limit (feasible; see the MIP gap)",
    "objective_usd_m": "Objective, USD m: (1 - risk_aversion) x E[NPV] + risk_aversion x CVaR",
    "expected_npv_usd_m": "Expected NPV, USD m: probability-weighted over scenarios",
    "cvar_usd_m": "CVaR of NPV at cvar_alpha, USD m: mean of the worst tail",
    "capex_usd_m": "Capex of the funded projects, USD m",
    "budget_usd_m": "Capital budget from Settings, USD m (prepayments widen it: see the effective budget)",
    "mip_gap": "Relative MIP gap at the end of the solve (0 = proven optimal)",
    "solve_s": "HiGHS solve time, seconds",
    "worst_scenario_npv_usd_m": "NPV in the worst scenario, USD m (which one: NPVByScenario)",
    "portfolio_irr": "IRR of the portfolio's expected unlevered cash flows (Finance sheet; blank: none exists)",
    "equity_irr": "IRR of the expected cash to the portfolio's own money, after debt and prepayments",
    "min_dscr": "Lowest DSCR of any funded plant in any year of its debt and any lender scenario",
    "prepayments_usd_m": "Buyer prepayments of the signed contracts, USD m: financing (repaid with interest) that widens the budget",
    "effective_budget_usd_m": "Budget + debt + prepayments, USD m: what the committed capex is held against",
    "equity_usd_m": "The portfolio's own money in the funded plants' committed capex, USD m: capex less debt less prepayments",
    "debt_usd_m": "Debt drawn by the funded plants (debt_share of committed capex), USD m",
    "contingency_usd_m": "Most own money beyond the budget and annual cap that any scenario's capex overruns need, USD m",
    "demand_coverage": "Demand coverage targets (Demand sheet) from funded plants under contract",
    "warnings": "What a reader should check before relying on the plan",
    "input_file": "Workbook the plan was computed from",
    "input_sha256": "SHA-256 of that workbook's bytes",
    "optimizer_version": "Version of this tool (offtake-optimizer)",
    "pyomo_version": "Pyomo version",
    "highs_version": "HiGHS (highspy) version",
    "written_at_utc": "When this plan was written, UTC",
}

NOT_COMPUTED = "not computed"
TOLERANCE_T = 1e-6
TITLE_FONT = Font(name="Calibri", bold=True, size=14, color="1F3864")
KEY_FONT = Font(name="Calibri", bold=True)
NOTE_FONT = Font(name="Calibri", italic=True, size=9, color="595959")
WARNING_FONT = Font(name="Calibri", color="9C0006")
PROVENANCE_FILL = PatternFill("solid", fgColor="F2F2F2")
WRAP = Alignment(wrap_text=True, vertical="top")
LEFT = Alignment(horizontal="left", vertical="top")
POINTS_PER_LINE = 15.0
CHARACTERS_PER_LINE = 120  # columns B and C together, in characters
VALUE_CHARACTERS = 40  # column B alone (render.write_summary sets its width)
USD_M = "#,##0.0;[Red]-#,##0.0"
FORMATS = {
    "mip_gap": "0.00%",
    "solve_s": "0.0",
    "portfolio_irr": "0.0%",
    "equity_irr": "0.0%",
    "min_dscr": "0.00",
}
COVENANT_TOLERANCE = 1e-6


def worst_scenario(plan: Plan) -> tuple[str, float] | None:
    npv = plan.npv_by_scenario
    if npv.empty:
        return None
    row = npv.iloc[int(npv["npv_usd_m"].astype(float).to_numpy().argmin())]
    return str(row["scenario"]), float(row["npv_usd_m"])


def finance_value(plan: Plan, finance: dict[str, float | None], key: str) -> float | str | None:
    """A headline number of the plan's project finance (``finance``: ``Plan.finance_summary``); an IRR
    that does not exist (cash that never turns, or never negative) says so instead of a blank."""
    value = finance.get(key)
    if value is None and key.endswith("_irr"):
        return "none exists (see Finance notes)" if not plan.finance.empty else NOT_COMPUTED
    return value


def decision_sentence(plan: Plan) -> str:
    """The plan in one sentence: what to fund and sign, and what it is worth."""
    if not plan.has_solution:
        return f"No plan ({plan.status}): see the messages below for why and what to change"
    funded, signed = len(plan.funded), len(plan.signed)
    sentence = (
        f"Fund {funded} project{'s' * (funded != 1)} (capex USD {plan.capex_usd_m or 0:,.1f}m) and sign "
        f"{signed} contract{'s' * (signed != 1)}: expected NPV USD {plan.expected_npv_usd_m or 0:,.1f}m"
    )
    worst = worst_scenario(plan)
    if worst is not None and len(plan.npv_by_scenario) > 1:
        sentence += f", USD {worst[1]:,.1f}m in the worst scenario ({worst[0]})"
    return sentence


def coverage_status(plan: Plan) -> str:
    """Whether every Demand target is covered in every scenario, in words."""
    coverage = plan.coverage
    if coverage.empty:
        return "no targets (no Demand sheet)"
    short = coverage[coverage["covered_t"] < coverage["required_t"] - TOLERANCE_T]
    targets = coverage[["mineral", "year"]].drop_duplicates()
    if short.empty:
        minerals = coverage["mineral"].nunique()
        return f"met: {len(targets)} mineral-year targets ({minerals} minerals) in every scenario"
    missed = ", ".join(f"{r.mineral} {r.year} ({r.scenario})" for r in short.head(5).itertuples())
    return f"not met in {len(short)} case(s): {missed}"


def idle_plants(plan: Plan) -> list[str]:
    """``P idles in scenario s`` for each funded plant that processes nothing over its life there."""
    table = plan.project_scenarios
    if table.empty:
        return []
    idle = table[(table["operating_years"] > 0) & (table["feed_t"] <= TOLERANCE_T)]
    lines = []
    for project, rows in idle.groupby("project", sort=False):
        scenarios = ", ".join(str(s) for s in rows["scenario"])
        lines.append(f"{project} is funded but processes no feed in scenario(s) {scenarios}")
    return lines


def silent_contracts(plan: Plan) -> list[str]:
    """Signed contracts that deliver nothing (from plants or spot) in expectation."""
    signed = plan.signed
    if signed.empty:
        return []
    moved = (signed["delivered_t"] + signed["spot_purchased_t"]).astype(float).tolist()
    lines = []
    for contract, short, prepaid, volume in zip(
        signed["contract"].tolist(),
        signed["shortfall_t"].astype(float).tolist(),
        signed["prepayment_usd_m"].fillna(0.0).astype(float).tolist(),
        moved,
        strict=True,
    ):
        if volume > TOLERANCE_T:
            continue
        why = f"short {short:,.1f} t in expectation" if short > TOLERANCE_T else "its minimum is 0 t"
        if prepaid > TOLERANCE_T:
            why += f"; signed for its prepayment of USD {prepaid:,.1f}m"
        lines.append(f"contract {contract} is signed but never delivers ({why})")
    return lines


def loss_making_projects(plan: Plan) -> list[str]:
    funded = plan.funded
    return [
        f"{project} is funded with an expected NPV of USD {npv:,.1f}m: a target or "
        "limit needs it (TargetCosts, optimize plan --target-costs, says what each target costs)"
        for project, npv in zip(
            funded["project"].tolist(), funded["npv_contribution_usd_m"].astype(float).tolist(), strict=True
        )
        if npv < 0
    ]


def binding_covenants(plan: Plan) -> list[str]:
    """Covenants that bind in a lender scenario: a plant's DSCR at its minimum, or the share of its sales
    under contracts that back its debt at ``min_contracted_share`` (PlantCashFlows has every year)."""
    table = plan.plant_cash_flows
    if table.empty:
        return []
    lenders = table[table["lender_scenario"].astype(bool)]
    lines = []
    for measure, floor, what in (
        ("dscr", "min_dscr", "DSCR"),
        ("debt_backing_share", "min_contracted_share", "contracted share"),
    ):
        rows = lenders[lenders[measure].notna() & lenders[floor].notna()]
        at_floor = rows[(rows[measure].astype(float) - rows[floor].astype(float)).abs() <= COVENANT_TOLERANCE]
        for project, hits in at_floor.groupby("project", sort=False):
            years = sorted({int(y) for y in hits["year"]})
            scenarios = ", ".join(dict.fromkeys(str(s) for s in hits["scenario"]))
            span = f"{years[0]}" if len(years) == 1 else f"{years[0]}-{years[-1]}"
            lines.append(
                f"covenant binds: {project}'s {what} is at its minimum "
                f"{float(hits[floor].iloc[0]):.2f} in {span} under {scenarios}"
            )
    return lines


def gap_warning(plan: Plan) -> list[str]:
    gap, objective = plan.mip_gap, plan.objective_usd_m
    if not plan.has_solution or not gap or objective is None:
        return []
    usd = gap * abs(objective)
    return [
        f"results are within the MIP gap of {gap:.2%} (USD {usd:,.1f}m): a better plan may exist by up to "
        "that much, and differences smaller than it are not significant"
    ]


def warnings(plan: Plan) -> list[str]:
    """Every warning a reader should see on the first screen, most serious first."""
    if not plan.has_solution:
        return []
    return [
        *(m for m in plan.messages if "not optimal" in m or "time limit" in m),
        *binding_covenants(plan),
        *silent_contracts(plan),
        *idle_plants(plan),
        *loss_making_projects(plan),
        *gap_warning(plan),
    ]


def summary_values(plan: Plan, provenance: Any) -> dict[str, Any]:
    budget = plan.case.settings.budget_usd_m
    finance = plan.finance_summary if plan.has_solution else {}
    prepaid = (finance.get("prepayments_usd_m") or 0.0) if plan.has_solution else None
    debt = finance.get("debt_usd_m") or 0.0
    worst = worst_scenario(plan) if plan.has_solution else None
    listed = warnings(plan)
    return {
        "status": plan.status,
        "objective_usd_m": plan.objective_usd_m,
        "expected_npv_usd_m": plan.expected_npv_usd_m,
        "cvar_usd_m": plan.cvar_usd_m,
        "capex_usd_m": plan.capex_usd_m,
        "budget_usd_m": budget,
        "mip_gap": plan.mip_gap,
        "solve_s": round(plan.solve_s, 3),
        "worst_scenario_npv_usd_m": worst[1] if worst else None,
        "portfolio_irr": finance_value(plan, finance, "portfolio_irr") if plan.has_solution else None,
        "equity_irr": finance_value(plan, finance, "equity_irr") if plan.has_solution else None,
        "min_dscr": finance.get("min_dscr"),
        "prepayments_usd_m": prepaid,
        "effective_budget_usd_m": budget + debt + prepaid
        if budget is not None and prepaid is not None
        else None,
        "equity_usd_m": finance.get("equity_usd_m"),
        "debt_usd_m": finance.get("debt_usd_m"),
        "contingency_usd_m": finance.get("contingency_usd_m"),
        "demand_coverage": coverage_status(plan) if plan.has_solution else None,
        "warnings": "\n".join(f"- {w}" for w in listed)
        if listed
        else ("none" if plan.has_solution else None),
        "input_file": provenance.input_file,
        "input_sha256": provenance.input_sha256,
        **provenance.versions,
        "written_at_utc": provenance.written_at_utc,
    }


def meaning(key: str, plan: Plan, values: dict[str, Any]) -> str:
    """What a row means; the budget rows also say how much of it the capex uses."""
    effective, capex = values.get("effective_budget_usd_m"), values.get("capex_usd_m")
    if key == "effective_budget_usd_m" and effective and capex is not None:
        return f"{SUMMARY_MEANINGS[key]}; capex uses {capex / effective:.0%} of it"
    if key == "worst_scenario_npv_usd_m" and plan.has_solution and (worst := worst_scenario(plan)):
        return f"NPV in the worst scenario, USD m: {worst[0]}"
    return SUMMARY_MEANINGS.get(key, "")


def write_summary(sheet: Worksheet, plan: Plan, provenance: Any, note: str) -> int:
    """The decision as title, headline rows, provenance; returns the first free row below them."""
    title = write_cell(sheet, 1, 1, decision_sentence(plan))
    title.font = TITLE_FONT
    title.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.merge_cells("A1:C1")
    sheet.row_dimensions[1].height = 2 * 19
    write_cell(sheet, 2, 1, note).font = NOTE_FONT
    values = summary_values(plan, provenance)
    for row, key in [*enumerate(SUMMARY_ROWS, FIRST_ROW), *enumerate(PROVENANCE_ROWS, PROVENANCE_ROW)]:
        key_cell = write_cell(sheet, row, 1, key)
        key_cell.font, key_cell.alignment = KEY_FONT, LEFT
        cell = write_cell(sheet, row, 2, values[key])
        cell.number_format = FORMATS.get(key, USD_M if key.endswith("_usd_m") else "General")
        cell.alignment = Alignment(horizontal="left", vertical="top", shrink_to_fit=key == "input_sha256")
        if key == "warnings":
            write_long_text(sheet, row, values[key])
            if values[key] not in (None, "none"):
                cell.font = WARNING_FONT
            continue
        if key == "demand_coverage" and isinstance(values[key], str):
            cell.alignment = WRAP  # a sentence: wrapped in B, never over the meaning in C
            sheet.row_dimensions[row].height = POINTS_PER_LINE * -(-len(values[key]) // VALUE_CHARACTERS)
            if values[key].startswith("not met"):
                cell.font = WARNING_FONT
        explained = write_cell(sheet, row, 3, meaning(key, plan, values))
        explained.font, explained.alignment = NOTE_FONT, LEFT
        if key in PROVENANCE_ROWS:
            for column in (1, 2, 3):
                sheet.cell(row=row, column=column).fill = PROVENANCE_FILL
    return PROVENANCE_ROW + len(PROVENANCE_ROWS) + 1


def write_long_text(sheet: Worksheet, row: int, text: str | None) -> None:
    """``text`` across B:C, wrapped, the row as tall as its lines."""
    sheet.merge_cells(start_row=row, start_column=2, end_row=row, end_column=3)
    cell = sheet.cell(row=row, column=2)
    cell.alignment = WRAP
    lines = sum(max(1, -(-len(line) // CHARACTERS_PER_LINE)) for line in (text or "").split("\n"))
    sheet.row_dimensions[row].height = POINTS_PER_LINE * max(lines, 1)


def decision_lines(plan: Plan) -> list[tuple[str, str, str]]:
    """(verb, what, detail) per funded project and signed contract."""
    return [
        ("fund", f"{r.project} ({r.option})", f"from {r.start_year}: capex USD {r.capex_usd_m:,.1f}m, NPV contribution USD {r.npv_contribution_usd_m:,.1f}m")
        for r in plan.funded.itertuples()
    ] + [
        ("sign", str(r.contract), f"{r.buyer}, {r.mineral}, {r.start_year}-{r.end_year}, {r.min_tpa:,.1f}-{r.max_tpa:,.1f} t/yr, {r.pricing} price")
        for r in plan.signed.itertuples()
    ]  # fmt: skip
