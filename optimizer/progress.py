"""Progress on a terminal: the stage and the solver's incumbent; silent in CI and pipes."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO


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
