"""Problems found in the user's input, kept as values until the command line prints them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class InputProblem:
    """One thing wrong with the input, located at a sheet cell when there is one.

    Printed as ``Sheet!Cell: what is wrong; what to do``.
    """

    sheet: str
    cell: str
    problem: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.sheet}!{self.cell}" if self.cell else self.sheet
        return f"{where}: {self.problem}; {self.fix}"


class InputError(Exception):
    """The input cannot be used; carries every problem found, not just the first."""

    def __init__(self, problems: list[InputProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class OutputError(Exception):
    """The plan cannot be written where asked (exists, locked, not writable)."""


class UsageError(Exception):
    """A request the tool cannot carry out as asked (e.g. a solver option HiGHS refuses)."""


class ClusterError(Exception):
    """A Dask cluster cannot be used: the extra is not installed or the scheduler cannot be reached."""
