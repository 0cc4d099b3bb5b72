"""A real Dask cluster on 127.0.0.1 for tests and benchmarks: a ``dask scheduler`` and
``dask worker`` processes run by this interpreter, on a free port, with bounded waits,
stopped whatever happens."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STOP_TIMEOUT_S = 10


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(folder: Path, command: str, *args: str) -> subprocess.Popen[bytes]:
    """``dask scheduler`` / ``dask worker`` as its own process, run by this interpreter.

    Its stdout is kept in ``FOLDER/COMMAND.stdout``: a worker's solves must print nothing there.
    """
    with (folder / f"{command}.stdout").open("wb") as stdout:
        return subprocess.Popen(
            [sys.executable, "-m", f"distributed.cli.{command}", *args],
            cwd=folder,
            stdout=stdout,
            stderr=subprocess.DEVNULL,
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)


@contextmanager
def local_cluster(folder: Path, workers: int, start_timeout_s: float) -> Iterator[str]:
    """The address of a scheduler and ``workers`` one-thread workers, their stdout in ``folder``."""
    from distributed import Client

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    started: list[subprocess.Popen[bytes]] = []
    try:
        started.append(
            start(folder, "dask_scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")
        )
        started.append(
            start(folder, "dask_worker", address, "--host", "127.0.0.1", "--nworkers", str(workers),
                  "--nthreads", "1", "--no-dashboard", "--local-directory", str(folder))
        )  # fmt: skip
        with Client(address, timeout=start_timeout_s) as client:  # type: ignore[no-untyped-call]
            client.wait_for_workers(workers, timeout=start_timeout_s)
        yield address
    finally:
        for process in reversed(started):
            stop(process)
