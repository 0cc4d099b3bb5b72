"""``optimize`` in a process of its own, caught while HiGHS is solving (for signals and second runs)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

SOLVING = b"solving with HiGHS"


@dataclass
class Running:
    """The process and what it printed on its terminal (stderr) so far."""

    process: subprocess.Popen[bytes]
    leader: int
    seen: bytearray = field(default_factory=bytearray)

    def read(self, until: bytes | None = None, timeout_s: float = 60.0) -> None:
        """Collect stderr until ``until`` appears (or the process closes it, or the time is over)."""
        deadline = time.monotonic() + timeout_s
        while (until is None or until not in self.seen) and time.monotonic() < deadline:
            ready, _, _ = select.select([self.leader], [], [], 0.2 if until is None else 1.0)
            if not ready:
                if until is None:
                    return
                continue
            try:
                chunk = os.read(self.leader, 4096)
            except OSError:
                return
            if not chunk:
                return
            self.seen += chunk

    @property
    def text(self) -> str:
        return self.seen.decode(errors="replace")


@contextmanager
def solving(*args: str, marker: bytes = SOLVING) -> Iterator[Running]:
    """Run ``optimize ARGS`` with stderr on a terminal (so progress shows); yield once ``marker`` shows."""
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    process = subprocess.Popen(
        [sys.executable, "-c", "from optimizer.cli import main; main()", *args],
        stdout=subprocess.DEVNULL,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    running = Running(process, leader)
    try:
        running.read(until=marker)
        assert marker in running.seen, running.text
        time.sleep(1.0)  # well inside the solve
        assert process.poll() is None, "the solve must still be running"
        yield running
        process.wait(timeout=60)
        running.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)
