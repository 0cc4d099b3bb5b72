"""Progress on a terminal: the stage and the solver's incumbent; silent in CI and pipes."""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from optimizer.plan import Plan


def interactive(stream: TextIO) -> bool:
    """True on a person's terminal; False in CI, in pipes and in captured test output."""
    return stream.isatty() and not os.environ.get("CI")


class Progress:
    """Prints one line per stage with elapsed seconds, and HiGHS's MIP progress lines."""

    def __init__(self, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled and interactive(self.stream)
        self.started = time.perf_counter()

    def stage(self, name: str) -> None:
        if self.enabled:
            print(f"[{time.perf_counter() - self.started:6.1f}s] {name}", file=self.stream, flush=True)

    def solver_log(self, line: str) -> None:
        """HiGHS's branch-and-bound table rows show the incumbent, the bound and the gap."""
        if self.enabled and line.strip():
            print(f"         {line}", file=self.stream, flush=True)

    def done(self) -> None:
        self.stage("done")


class RunProgress:
    """Sweeps: one line per finished run with its objective and the best objective so far."""

    def __init__(self, total: int, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.progress = Progress(enabled, stream)
        self.total = total
        self.finished = 0
        self.best: tuple[float, str] | None = None

    @property
    def enabled(self) -> bool:
        return self.progress.enabled

    def started(self, workers: str) -> None:
        self.progress.stage(f"solving {self.total} runs on {workers}")

    def run_done(self, name: str, result: Plan) -> None:
        self.finished += 1
        objective = result.objective_usd_m
        if objective is not None and (self.best is None or objective > self.best[0]):
            self.best = (objective, name)
        outcome = f"objective USD {objective:,.1f}m" if objective is not None else result.status
        best = f"; best so far {self.best[1]} USD {self.best[0]:,.1f}m" if self.best else ""
        self.progress.stage(f"run {self.finished}/{self.total} {name}: {outcome}{best}")
