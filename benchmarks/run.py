"""Benchmark runner: the product's pipeline against HiGHS alone on the same model.

    python -m benchmarks.run                    # small and medium, LP relaxation
    python -m benchmarks.run medium large --mip --time-limit 300

For each size it generates the seeded synthetic case (kept in benchmarks/cases/), runs
the pipeline in a fresh process with every stage timed and the exact model written as
MPS, then runs HiGHS alone on that MPS in another fresh process. It prints a markdown
table and writes benchmarks/results/latest.json. The ratio is end-to-end time over HiGHS
alone (reading the MPS plus solving); memory is peak resident set size of each process.
The LP relaxation (default) isolates our overhead: the MIP's time limit would hide it.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.generate import SIZES, generate, write_case

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
RESULTS = HERE / "results"


def case_path(size: str) -> Path:
    path = CASES / f"{size}.xlsx"
    if not path.exists():
        print(f"generating {size} case", file=sys.stderr)
        write_case(generate(SIZES[size]), path)
    return path


def run_module(module: str, *args: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out.json"
        subprocess.run([sys.executable, "-m", module, *args, "--out", str(out)], check=True, cwd=HERE.parent)
        result: dict[str, Any] = json.loads(out.read_text())
        return result


def bench(size: str, mip: bool, time_limit_s: float | None) -> dict[str, Any]:
    path = case_path(size)
    with tempfile.TemporaryDirectory() as folder:
        mps = Path(folder) / f"{size}.mps"
        extra = [] if mip else ["--relax"]
        limit = ["--time-limit", str(time_limit_s)] if time_limit_s else []
        print(f"{size}: pipeline", file=sys.stderr)
        ours = run_module("benchmarks.pipeline", str(path), "--mps", str(mps), *extra, *limit)
        print(f"{size}: HiGHS alone", file=sys.stderr)
        highs = run_module("benchmarks.highs_alone", str(mps), *limit)
    return {
        "size": size,
        "mode": "MIP" if mip else "LP relaxation",
        "pipeline": ours,
        "highs_alone": highs,
        "ratio_end_to_end": round(ours["end_to_end_s"] / highs["total_s"], 3),
        "ratio_peak_memory": round(ours["peak_rss_mb"] / highs["peak_rss_mb"], 2),
    }


def table(results: list[dict[str, Any]]) -> str:
    head = (
        "| size | mode | columns | rows | nonzeros | read s | validate s | build s | hand-off s | solve s | extract s "
        "| write s | end-to-end s | HiGHS alone s (read + solve) | ratio | peak MB (ours / HiGHS) |"
    )
    lines = [head, "|" + "---|" * 16]
    for r in results:
        p, h = r["pipeline"], r["highs_alone"]
        lines.append(
            f"| {r['size']} | {r['mode']} | {p['columns']:,} | {p['rows']:,} | {p['nonzeros']:,} | {p['read_s']:.2f} "
            f"| {p['validate_s']:.2f} | {p['build_s']:.2f} | {p['handoff_s']:.2f} | {p['solve_s']:.2f} | {p['extract_s']:.2f} "
            f"| {p['write_s']:.2f} | {p['end_to_end_s']:.2f} | {h['total_s']:.2f} ({h['read_s']:.2f} + {h['solve_s']:.2f}) "
            f"| {r['ratio_end_to_end']:.2f} | {p['peak_rss_mb']:.0f} / {h['peak_rss_mb']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sizes", nargs="*", default=["small", "medium"], choices=sorted(SIZES))
    parser.add_argument("--mip", action="store_true", help="solve the MIP (default: the LP relaxation)")
    parser.add_argument(
        "--time-limit", type=float, default=None, help="HiGHS time limit, seconds, for both runs"
    )
    args = parser.parse_args()
    results = [bench(size, args.mip, args.time_limit) for size in args.sizes]
    RESULTS.mkdir(exist_ok=True)
    record = {
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "results": results,
    }
    (RESULTS / "latest.json").write_text(json.dumps(record, indent=2))
    print(table(results))


if __name__ == "__main__":
    main()
