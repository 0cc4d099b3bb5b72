"""Same inputs, same model, same plan: nothing may depend on the process that builds or solves it.

HiGHS is deterministic for a given model, options and seed, but its path (and so the plan
among equally good ones) depends on the order of rows and columns. That order must not
depend on Python's per-process string hashing, which differs between this process, a
spawned worker and a Dask worker.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "india_japan.xlsx"

FINGERPRINT = textwrap.dedent(
    """
    import hashlib, sys
    import numpy as np
    from optimizer import Case
    from optimizer.models import create_model, prepare
    from optimizer.solvers.highs import compile_model

    compiled = compile_model(create_model(prepare(Case.from_excel(sys.argv[1]))))
    lp, digest = compiled.lp, hashlib.sha256()
    for part in (lp.col_cost_, lp.col_lower_, lp.col_upper_, lp.row_lower_, lp.row_upper_,
                 lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_):
        digest.update(np.asarray(part).tobytes())
    digest.update(bytes(int(kind) for kind in lp.integrality_))
    digest.update(" ".join(v.name for v in compiled.columns).encode())
    digest.update(" ".join(c.name for c in compiled.rows).encode())
    print(digest.hexdigest())
    """
)


def fingerprint(hash_seed: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", FINGERPRINT, str(EXAMPLE)],
        env={**os.environ, "PYTHONHASHSEED": hash_seed},
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return result.stdout.strip()


def test_the_example_compiles_to_the_same_matrix_whatever_the_string_hash_seed() -> None:
    assert fingerprint("1") == fingerprint("2") == fingerprint("12345")
