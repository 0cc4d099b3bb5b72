"""Valid inequalities (models/tightening.py): the rows they write, checked by hand, and their
validity checked against every plan of small random cases (no plan that meets a need may
break its row)."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st
from optimizer.models.tightening import (
    Cover,
    enough_plants_cover,
    feedstock_short_rows,
)

# The example's lithium need from 2033 (5% of 11,520 t): Rubamin small recovers 531 t, large
# 1,062 t; Lohum's small refinery 647 t.
RUB_SMALL, RUB_LARGE, LOH_SMALL = ("RUB", "small", 2027), ("RUB", "large", 2027), ("LOH", "small", 2027)


def test_a_need_no_set_of_small_plants_meets_needs_a_large_one() -> None:
    row = enough_plants_cover(576.0, {RUB_SMALL: 531.0, RUB_LARGE: 1062.0, LOH_SMALL: 647.0})
    # Rubamin's small plant is the only one below 576 t: alone it cannot cover, so a plan
    # needs Rubamin large or Lohum small: fund[RUB large] + fund[LOH small] >= 1.
    assert row == Cover(1.0, {RUB_LARGE: 1.0, LOH_SMALL: 1.0})


def test_small_plants_count_one_and_a_large_one_counts_as_many_as_are_needed() -> None:
    a, b, c, d = ("A", "s", 2030), ("B", "s", 2030), ("C", "s", 2030), ("D", "l", 2030)
    row = enough_plants_cover(500.0, {a: 300.0, b: 250.0, c: 200.0, d: 600.0})
    # 300 + 250 >= 500: two small plants can cover, one cannot (r = 2).
    assert row == Cover(2.0, {a: 1.0, b: 1.0, c: 1.0, d: 2.0})


def test_two_sizes_of_one_project_are_never_funded_together() -> None:
    a1, a2, b = ("A", "s", 2030), ("A", "m", 2030), ("B", "s", 2030)
    row = enough_plants_cover(500.0, {a1: 280.0, a2: 300.0, b: 150.0})
    # A's two sizes cannot add up (one option per project): at best 300 + 150 < 500.
    assert row is None


def test_no_row_where_nothing_can_deliver() -> None:
    assert enough_plants_cover(100.0, {("A", "s", 2030): 0.0}) is None


@st.composite
def choices(draw: st.DrawFn) -> tuple[float, dict[tuple[str, str, int], float]]:
    projects = draw(st.integers(min_value=1, max_value=4))
    deliverable = {}
    for p in range(projects):
        for o in range(draw(st.integers(min_value=1, max_value=3))):
            deliverable[(f"P{p}", f"o{o}", 2030)] = float(draw(st.integers(min_value=0, max_value=60)))
    return float(draw(st.integers(min_value=1, max_value=100))), deliverable


@settings(max_examples=300, deadline=None)
@given(choices())
def test_every_plan_that_meets_the_need_meets_the_row(
    case: tuple[float, dict[tuple[str, str, int], float]],
) -> None:
    need, deliverable = case
    row = enough_plants_cover(need, deliverable)
    by_project: dict[str, list[tuple[str, str, int] | None]] = {}
    for k in deliverable:
        by_project.setdefault(k[0], [None]).append(k)
    for plan in itertools.product(*by_project.values()):
        funded = [k for k in plan if k is not None]
        if sum(deliverable[k] for k in funded) < need:
            continue  # this plan cannot cover the need: the coverage row itself cuts it
        assert row is not None, "a plan covers the need, so some choice can deliver"
        assert sum(row.coefficients.get(k, 0.0) for k in funded) >= row.need


@st.composite
def pools(draw: st.DrawFn) -> tuple[float, dict[str, dict[tuple[str, str, int], float]]]:
    processable: dict[str, dict[tuple[str, str, int], float]] = {}
    for p in range(draw(st.integers(min_value=1, max_value=4))):
        options = draw(st.integers(min_value=0, max_value=3))
        processable[f"P{p}"] = {
            (f"P{p}", f"o{o}", 2030): float(draw(st.integers(min_value=0, max_value=60)))
            for o in range(options)
        }
    return float(draw(st.integers(min_value=1, max_value=100))), processable


# The example's battery scrap in 2030: 75,000 t for three black-mass plants.
LOH = {("LOH", "large", 2026): 40000.0, ("LOH", "medium", 2026): 20000.0}
ATT = {("ATT", "large", 2026): 25000.0}
BATX = {("BATX", "large", 2026): 15000.0}


def test_plants_whose_largest_choices_exceed_the_pool_fall_short_by_the_excess() -> None:
    rows = feedstock_short_rows(75000.0, {"LOH": LOH, "ATT": ATT, "BATX": BATX})
    # Only all three at their largest exceed the pool: 80,000 t - 75,000 t = 5,000 t.
    assert [row.plants for row in rows] == [("ATT", "BATX", "LOH")]
    row = rows[0]
    assert row.excess_t == 5000.0
    assert row.base_t == 2 * 5000.0
    assert row.coefficients == {
        ("ATT", "large", 2026): 25000.0 - 5000.0,
        ("BATX", "large", 2026): 15000.0 - 5000.0,
        ("LOH", "large", 2026): 40000.0 - 5000.0,
        # Lohum's medium plant is smaller than what its large one counts: it counts its 20,000 t.
        ("LOH", "medium", 2026): 20000.0,
    }
    # All three funded large: 10,000 + 35,000 + 20,000 + 10,000 = 75,000 t, the pool.
    all_large = [("LOH", "large", 2026), ("ATT", "large", 2026), ("BATX", "large", 2026)]
    assert row.base_t + sum(row.coefficients[k] for k in all_large) == 75000.0


def test_a_plant_no_larger_than_the_excess_makes_no_cover() -> None:
    # 40,000 + 25,000 + 15,000 against 55,000 t: Batx's 15,000 t is below the 25,000 t excess,
    # so the cover is Lohum and Attero alone (10,000 t over); Lohum and Batx only fill the pool.
    rows = feedstock_short_rows(55000.0, {"LOH": LOH, "ATT": ATT, "BATX": BATX})
    assert [(row.plants, row.excess_t) for row in rows] == [(("ATT", "LOH"), 10000.0)]


@settings(max_examples=300, deadline=None)
@given(pools())
def test_no_plan_can_feed_more_than_a_cover_row_allows(
    case: tuple[float, dict[str, dict[tuple[str, str, int], float]]],
) -> None:
    available_t, processable = case
    rows = feedstock_short_rows(available_t, processable)
    for plan in itertools.product(*([None, *choices] for choices in processable.values())):
        funded = [k for k in plan if k is not None]
        most_t = min(available_t, sum(min(available_t, processable[k[0]][k]) for k in funded))
        for row in rows:
            allowed_t = row.base_t + sum(row.coefficients.get(k, 0.0) for k in funded)
            assert most_t <= allowed_t + 1e-6
