"""Reaching a Dask cluster (``--scheduler``): a client within a bounded time, or a clear error.

Used by what-if batches (``optimizer.runs``) and by the Benders blocks
(``optimizer.solvers.benders``); the workers need ``pip install 'offtake-optimizer[cluster]'``.
"""

from __future__ import annotations

import threading
from typing import Any

from optimizer.errors import ClusterError

CONNECT_TIMEOUT_S = 30
CONNECT_GRACE_S = 2  # beyond the connect timeout, for distributed to give up on its own


def connect_client(scheduler: str) -> Any:
    """A Dask client connected to ``scheduler``, or ``ClusterError`` within ``CONNECT_TIMEOUT_S``.

    distributed's own timeout covers the TCP connection but not the handshake after it: a
    port that accepts and never answers would keep the constructor waiting forever. So the
    client is made in a helper thread, and given up on when the time is over (the thread,
    a daemon, holds nothing the command needs).
    """
    from distributed import Client

    made: dict[str, Any] = {}

    def connect() -> None:
        try:
            made["client"] = Client(scheduler, timeout=CONNECT_TIMEOUT_S)  # type: ignore[no-untyped-call]
        except BaseException as error:  # handed to the waiting thread
            made["error"] = error

    thread = threading.Thread(target=connect, name="dask-connect", daemon=True)
    thread.start()
    thread.join(CONNECT_TIMEOUT_S + CONNECT_GRACE_S)
    if thread.is_alive():
        raise ClusterError(
            f"cannot reach the Dask scheduler at {scheduler} (it accepted the connection but did not answer "
            f"within {CONNECT_TIMEOUT_S:g} s); check the address and that a Dask scheduler is running there"
        )
    error = made.get("error")
    if isinstance(error, OSError | TimeoutError | ValueError):
        raise ClusterError(
            f"cannot reach the Dask scheduler at {scheduler} ({error}); check the address and that it is running"
        ) from error
    if error is not None:
        raise error
    return made["client"]
