"""Debt and prepayment schedules: the arithmetic of financing, with no Pyomo.

A plant's debt (``DebtTerms``) is a fixed share of its committed capex, so every cash flow
of it is a constant times the funding decision: the model stays linear.

Debt profile, year by year (cash in a year, as every ledger line):

- drawn pro rata to capex: debt_share x the capex spent in each construction year;
- interest during construction is capitalised: a draw in year t accrues interest at
  ``debt_rate`` until the first operating year T, so the balance at T is
  B = sum_t draw[t] (1 + r) ** (T - t) (a plant with ``build_years = 0`` draws in T: B = D);
- debt service from T for ``tenor`` years: the first ``grace`` years pay interest r x B
  only, the rest an annuity A = B r / (1 - (1 + r) ** -n) over n = tenor - grace years
  (B / n when r = 0), split each year into interest r x balance and principal A - interest;
- the tenor is cut to the plant's operating years within the horizon (no revenue is
  counted after ``end_year``, so no lender would lend past it), keeping at least one
  repayment year; a plant that never operates within the horizon borrows nothing.

A prepayment P (``prepayment_schedule``) arrives in the contract's first year and is repaid
in equal parts P / n over its n years, delivered or not; each year pays interest at
``prepayment_rate`` on the balance outstanding during the year, P (n - j) / n in year j.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DebtTerms:
    """One project's debt terms (its own cells, or the Settings defaults)."""

    share: float
    rate: float
    tenor_years: int
    grace_years: int
    min_dscr: float
    min_contracted_share: float


@dataclass(frozen=True)
class Schedule:
    """Cash flows of one loan or prepayment by year, USD m (positive amounts; signs are the ledger's)."""

    amount_usd_m: float = 0.0  # drawn, or received
    drawn_usd_m: dict[int, float] = field(default_factory=dict)
    interest_usd_m: dict[int, float] = field(default_factory=dict)
    principal_usd_m: dict[int, float] = field(default_factory=dict)
    opening_balance_usd_m: float = 0.0  # at the start of debt service (capitalised interest included)

    @property
    def service_years(self) -> list[int]:
        return sorted(set(self.interest_usd_m) | set(self.principal_usd_m))

    def service_usd_m(self, year: int) -> float:
        """Interest plus principal paid in ``year``."""
        return self.interest_usd_m.get(year, 0.0) + self.principal_usd_m.get(year, 0.0)

    def net_usd_m(self, year: int) -> float:
        """Drawn less serviced in ``year``: the financing cash of the year."""
        return self.drawn_usd_m.get(year, 0.0) - self.service_usd_m(year)


def debt_schedule(
    capex_spend_usd_m: dict[int, float], operating_years: list[int], terms: DebtTerms
) -> Schedule:
    """The loan of one funding choice: draws, capitalised interest, grace, annuity (module docstring)."""
    if terms.share <= 0 or not operating_years or not capex_spend_usd_m:
        return Schedule()
    r = terms.rate
    first = operating_years[0]
    tenor = min(terms.tenor_years, len(operating_years))
    grace = min(terms.grace_years, tenor - 1)
    drawn = {t: terms.share * usd_m for t, usd_m in capex_spend_usd_m.items() if usd_m > 0}
    balance = sum(usd_m * (1.0 + r) ** (first - t) for t, usd_m in drawn.items())
    opening = balance
    repaying = tenor - grace
    annuity = balance * r / (1.0 - (1.0 + r) ** -repaying) if r > 0 else balance / repaying
    interest: dict[int, float] = {}
    principal: dict[int, float] = {}
    for j in range(tenor):
        t = first + j
        interest[t] = r * balance
        if j >= grace:
            principal[t] = annuity - interest[t] if j < tenor - 1 else balance
            balance -= principal[t]
    return Schedule(sum(drawn.values()), drawn, interest, principal, opening)


def prepayment_schedule(amount_usd_m: float, years: list[int], rate: float) -> Schedule:
    """Received in the first year, repaid evenly over ``years`` with interest on the balance."""
    if amount_usd_m <= 0 or not years:
        return Schedule()
    n = len(years)
    principal = {t: amount_usd_m / n for t in years}
    interest = {t: rate * amount_usd_m * (n - j) / n for j, t in enumerate(years) if rate > 0}
    return Schedule(amount_usd_m, {years[0]: amount_usd_m}, interest, principal, amount_usd_m)
