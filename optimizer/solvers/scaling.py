"""Warn when the model's numbers span too many orders of magnitude for the solver's tolerances.

HiGHS works to absolute tolerances near 1e-7 (feasibility) and treats matrix entries at or
below 1e-9 as zero. A yield typed as 1e-10 t/t, or a capacity in grams next to capex in USD
millions, can then be dropped or drowned out without any error: the plan looks fine and is
wrong. These checks read the compiled matrices (no extra pass over the Pyomo model) and
name the extreme entries so the user can find the input behind them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

TINY = 1e-9  # HiGHS's small_matrix_value: entries at or below are dropped
HUGE = 1e9
MAX_RATIO = 1e9


@dataclass(frozen=True)
class Range:
    """Smallest and largest non-zero magnitude of one part of the model, and where they are."""

    part: str
    smallest: float
    smallest_at: str
    largest: float
    largest_at: str

    @property
    def ratio(self) -> float:
        return self.largest / self.smallest


def magnitude_range(part: str, values: np.ndarray, where: Callable[[int], str]) -> Range | None:
    """The range of ``|values|`` over finite non-zeros; ``where(i)`` names entry i."""
    magnitudes = np.abs(np.asarray(values, dtype=float))
    candidates = np.flatnonzero(np.isfinite(magnitudes) & (magnitudes > 0))
    if candidates.size == 0:
        return None
    low = int(candidates[np.argmin(magnitudes[candidates])])
    high = int(candidates[np.argmax(magnitudes[candidates])])
    return Range(part, float(magnitudes[low]), where(low), float(magnitudes[high]), where(high))


def worst_line_range(
    part: str, values: np.ndarray, lines: np.ndarray, where: Callable[[int], str]
) -> Range | None:
    """The range within the single row (or column) whose entries are farthest apart.

    HiGHS scales rows and columns before it solves, so magnitudes that differ between rows
    are harmless; what it cannot scale away is a wide range inside one row or one column.
    """
    magnitudes = np.abs(np.asarray(values, dtype=float))
    keep = np.isfinite(magnitudes) & (magnitudes > 0)
    if not keep.any():
        return None
    magnitudes, lines, index = magnitudes[keep], np.asarray(lines)[keep], np.flatnonzero(keep)
    count = int(lines.max()) + 1
    high = np.zeros(count)
    low = np.full(count, np.inf)
    np.maximum.at(high, lines, magnitudes)
    np.minimum.at(low, lines, magnitudes)
    ratio = np.where(np.isfinite(low), high / low, 0.0)
    line = int(np.argmax(ratio))
    members = np.flatnonzero(lines == line)
    small = int(members[np.argmin(magnitudes[members])])
    large = int(members[np.argmax(magnitudes[members])])
    return Range(
        part,
        float(magnitudes[small]),
        where(int(index[small])),
        float(magnitudes[large]),
        where(int(index[large])),
    )


def warning(r: Range, check_size: bool = True, check_ratio: bool = True) -> str | None:
    """One sentence when a range has entries too small, too large or too far apart."""
    too_small_or_large = check_size and (r.smallest <= TINY or r.largest >= HUGE)
    too_far_apart = check_ratio and r.ratio > MAX_RATIO
    if not (too_small_or_large or too_far_apart):
        return None
    return (
        f"badly scaled {r.part}: magnitudes from {r.smallest:.1e} ({r.smallest_at}) "
        f"to {r.largest:.1e} ({r.largest_at}), a ratio of {r.ratio:.0e}; the solver's tolerances "
        "(about 1e-7) may then silently accept a wrong plan: check the inputs behind these entries "
        "for a unit slip (a yield in ppm, a capacity in kg, money in USD instead of USD m)"
    )


def scaling_warnings(
    matrix_values: np.ndarray,
    matrix_rows: np.ndarray,
    matrix_columns: np.ndarray,
    costs: np.ndarray,
    bounds: np.ndarray,
    bound_columns: np.ndarray,
    rhs: np.ndarray,
    rhs_rows: np.ndarray,
    row_names: Sequence[str] | Callable[[int], str],
    column_names: Sequence[str] | Callable[[int], str],
) -> list[str]:
    """Warnings for the constraint matrix, the objective, the variable bounds and the right-hand sides."""

    def row(i: int) -> str:
        return row_names(i) if callable(row_names) else row_names[i]

    def column(j: int) -> str:
        return column_names(j) if callable(column_names) else column_names[j]

    def entry(k: int) -> str:
        return f"{row(int(matrix_rows[k]))} x {column(int(matrix_columns[k]))}"

    whole = magnitude_range("constraint matrix", matrix_values, entry)
    size_warning = warning(whole, check_ratio=False) if whole is not None else None
    texts = [size_warning]
    if size_warning is None:  # an entry near zero or infinity already explains any wide row
        for part, lines in (("constraint row", matrix_rows), ("constraint column", matrix_columns)):
            worst = worst_line_range(part, matrix_values, lines, entry)
            texts.append(warning(worst, check_size=False) if worst is not None else None)
    ranges = [
        magnitude_range("objective", costs, column),
        magnitude_range("variable bounds", bounds, lambda k: column(int(bound_columns[k]))),
        magnitude_range("right-hand sides", rhs, lambda k: row(int(rhs_rows[k]))),
    ]
    texts.extend(warning(r) for r in ranges if r is not None)
    return [text for text in texts if text is not None]
