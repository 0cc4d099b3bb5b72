"""The ``optimize`` command: a thin layer over the Python API.

Exit codes: 0 a plan was written (a time-limited plan says its gap); 1 infeasible;
2 bad input or usage (and any failure to write the output); 3 no feasible plan found within
the time limit; 130 interrupted (Ctrl-C), 143 terminated (SIGTERM): nothing written.
"""

from __future__ import annotations

import functools
import json
import math
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import click
import pandas as pd

from optimizer.analyses.differences import NOT_SIGNIFICANT
from optimizer.analyses.marginal import with_limit_steps
from optimizer.analyses.target_costs import with_target_costs
from optimizer.analyses.whatif import WhatIfs, run_whatifs, variants
from optimizer.case import Case, records
from optimizer.errors import ClusterError, InputError, OutputError, UsageError
from optimizer.plan import Plan, plan
from optimizer.progress import Progress, RunProgress
from optimizer.report.compare import default_comparison_path, kpi_table
from optimizer.report.files import check_writable, output_lock
from optimizer.report.write import plan_target
from optimizer.runs import default_jobs
from optimizer.solvers.highs import SolverLeftRunning
from optimizer.solvers.method import BENDERS_ABOVE_COLUMNS, METHODS
from optimizer.solvers.start import Start
from optimizer.stdout import JsonStdout, displayable, reserved_for_json
from optimizer.workbook.previous_plan import previous_decisions

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # the shell's code for Ctrl-C
EXIT_TERMINATED = 143  # the shell's code for SIGTERM (128 + 15)
MAX_PROBLEMS_SHOWN = 50
_json_stdout: ContextVar[JsonStdout | None] = ContextVar("json_stdout", default=None)  # set under --json


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="offtake-optimizer")
def main() -> None:
    """Choose which critical-mineral projects to fund and which offtake contracts to sign.

    \b
    Example:
      optimize plan examples/india_japan.xlsx
    """


@contextmanager
def user_errors(debug: bool) -> Iterator[None]:
    """Turn library errors into ``Error: ...`` lines and exit codes; ``--debug`` shows tracebacks.

    SIGTERM is handled like Ctrl-C (HiGHS stopped, nothing written), with exit code 143.
    """
    terminated = False

    def on_sigterm(signum: int, frame: Any) -> None:
        nonlocal terminated
        terminated = True
        raise KeyboardInterrupt

    previous = install_sigterm(on_sigterm)
    try:
        yield
    except InputError as error:
        if _json_stdout.get() is not None:
            emit_json({"status": "bad_input", "problems": [str(p) for p in error.problems]})
        shown = error.problems[:MAX_PROBLEMS_SHOWN]
        echo(f"Error: the input has {len(error.problems)} problem(s):", err=True)
        for problem in shown:
            echo(f"  {problem}", err=True)
        if len(error.problems) > len(shown):
            echo(f"  ... and {len(error.problems) - len(shown)} more", err=True)
        if debug:
            traceback.print_exc()
        sys.exit(EXIT_BAD_INPUT)
    except (OutputError, ClusterError, UsageError, OSError) as error:
        message = str(error) if not isinstance(error, OSError) else os_error_text(error)
        if _json_stdout.get() is not None:
            emit_json({"status": "bad_input", "problems": [message]})
        echo(f"Error: {message}", err=True)
        if debug:
            traceback.print_exc()
        sys.exit(EXIT_BAD_INPUT)
    except KeyboardInterrupt as interrupt:
        if _json_stdout.get() is not None:
            emit_json({"status": "terminated" if terminated else "interrupted", "problems": []})
        echo(f"{'Terminated' if terminated else 'Interrupted'}: nothing was written.", err=True)
        if debug:
            traceback.print_exc()
        code = EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
        if isinstance(interrupt, SolverLeftRunning):
            # Python's exit would wait on (or abort under) the HiGHS thread still running.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        sys.exit(code)
    finally:
        install_sigterm(previous)


def install_sigterm(handler: Any) -> Any:
    """Install ``handler`` for SIGTERM and return the one it replaces (only the main thread may)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    if handler is None:
        return None
    return signal.signal(signal.SIGTERM, handler)


def os_error_text(error: OSError) -> str:
    """An operating-system failure outside the writers (which say more), as one line."""
    where = f" {displayable(str(error.filename))}" if error.filename else ""
    return f"cannot use{where} ({error.strerror or error}); check the path and its permissions"


def echo(text: str, err: bool = False) -> None:
    """``click.echo`` of text that may hold a file name that is not UTF-8."""
    click.echo(displayable(text), err=err)


class Number(click.FloatRange):
    """A number in a range; ``nan`` is refused (it passes every comparison), ``inf`` means none."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if isinstance(number, float) and math.isnan(number):
            self.fail(f"{value!r} is not a number", param, ctx)
        return number


def solver_options(per: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--time-limit`` and ``--gap``, overriding Settings, for every command that solves."""

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        f = click.option(
            "--gap",
            "mip_gap",
            type=Number(min=0, max=1),
            help=f"Relative MIP gap{per}, e.g. 0.001 (overrides Settings).",
        )(f)
        return click.option(
            "--time-limit",
            "time_limit_s",
            type=Number(min=0),
            help=f"Solver time limit in seconds{per}, inf for none (overrides Settings).",
        )(f)

    return decorate


def output_option(what: str, suffix: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``-o/--output``: where the command's workbook goes (default beside the input)."""
    return click.option(
        "-o",
        "--output",
        type=click.Path(path_type=Path, dir_okay=False),
        help=f"{what} to write (default: IN-{suffix}.xlsx).",
    )


def quiet_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--quiet", is_flag=True, help="No progress on the terminal.")(f)


def force_option(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option("--force", is_flag=True, help=f"Replace {what} if it exists.")


def debug_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--debug", is_flag=True, help="Show a traceback on errors.")(f)


def json_option(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--json``: stdout carries exactly one JSON document (``emit_json``) and nothing else.

    For the whole command, whatever any library (HiGHS's C++ included, and worker processes
    started meanwhile) writes to stdout goes to stderr instead.
    """

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(f)
        def command(*args: Any, **kwargs: Any) -> Any:
            if not kwargs.get("as_json"):
                return f(*args, **kwargs)
            with reserved_for_json() as stream:
                token = _json_stdout.set(stream)
                try:
                    return f(*args, **kwargs)
                finally:
                    _json_stdout.reset(token)

        return click.option("--json", "as_json", is_flag=True, help=what)(command)

    return decorate


def emit_json(document: Any) -> None:
    """Write the command's one JSON document to the real stdout."""
    text = json.dumps(document, indent=2)
    stream = _json_stdout.get()
    if stream is None:
        click.echo(text)
    else:
        stream.write_document(text)


@main.command("plan")
@click.argument("workbook", type=click.Path(path_type=Path, dir_okay=False))
@output_option("Plan workbook", "plan")
@solver_options("")
@force_option("the output workbook")
@click.option(
    "--in-place",
    is_flag=True,
    help="Write the result sheets into WORKBOOK itself; the previous file is kept as WORKBOOK.bak.xlsx.",
)
@quiet_option
@click.option(
    "--highs-option",
    "highs_options",
    multiple=True,
    metavar="NAME=VALUE",
    callback=lambda _ctx, _param, values: dict(parse_highs_option(v) for v in values),
    help="Pass an option to HiGHS as it is (experts; repeatable), e.g. threads=1.",
)
@click.option(
    "--write-mps",
    "write_mps",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the model exactly as HiGHS receives it (.mps, or .lp), for experts and benchmarks.",
)
@click.option(
    "--method",
    type=click.Choice(METHODS),
    default="auto",
    show_default=True,
    help="Solution method: one MIP (extensive), Benders decomposition by scenario and year (benders), "
    f"or by size (auto: benders above {BENDERS_ABOVE_COLUMNS:,} operating columns).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Solve Benders blocks and --limit-steps re-solves on the Dask cluster at ADDRESS "
    "(needs the cluster extra), e.g. tcp://10.0.0.5:8786.",
)
@click.option(
    "--no-warm-start",
    is_flag=True,
    help="Solve from scratch even when WORKBOOK is a plan (by default its decisions start the solve).",
)
@click.option(
    "--limit-steps",
    is_flag=True,
    help="Also re-solve with the budget (and each discrete limit) moved 5% up and down, in parallel, "
    "and add the objective change to MarginalValues.",
)
@click.option(
    "--target-costs",
    is_flag=True,
    help="Also re-solve without each policy target (coverage per mineral, each concentration limit, "
    "the CVaR floor), in parallel, and write what each costs to the TargetCosts sheet.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Local worker processes for --limit-steps and --target-costs (default: the number of cores).",
)
@debug_option
@json_option("Print one JSON object with the plan's headline numbers to stdout (and nothing else).")
def plan_command(
    workbook: Path,
    output: Path | None,
    time_limit_s: float | None,
    mip_gap: float | None,
    force: bool,
    in_place: bool,
    quiet: bool,
    as_json: bool,
    highs_options: dict[str, bool | int | float | str],
    write_mps: Path | None,
    method: str,
    scheduler: str | None,
    no_warm_start: bool,
    limit_steps: bool,
    target_costs: bool,
    jobs: int | None,
    debug: bool,
) -> None:
    """Optimise WORKBOOK and write the plan workbook next to it.

    The plan is WORKBOOK as it was plus result sheets the tool replaces on every run;
    it reads back as an input.

    \b
    Examples:
      optimize plan examples/india_japan.xlsx
      optimize plan inputs.xlsx -o plan.xlsx --time-limit 120 --gap 0.001 --json
      optimize plan inputs.xlsx --in-place
      optimize plan inputs.xlsx --limit-steps --jobs 4
      optimize plan inputs.xlsx --target-costs
    """
    progress = Progress(enabled=not quiet and not as_json)
    with user_errors(debug):
        progress.stage("reading workbook")
        case = Case.from_excel(workbook)
        target, backup = plan_target(workbook, output, in_place=in_place, force=force)
        previous = None if no_warm_start else previous_decisions(workbook)
        with output_lock(target):
            result = plan(
                case,
                time_limit_s=time_limit_s,
                mip_gap=mip_gap,
                stage=progress.stage,
                log=progress.solver_log if progress.enabled else None,
                highs_options=highs_options,
                start=Start.of(*previous, "the plan in this workbook") if previous else None,
                write_model=write_mps,
                method=method,
                scheduler=scheduler,
            )
            if result.start is not None:
                progress.stage(result.start.sentence)
            if limit_steps and result.has_solution:
                progress.stage("re-solving with the budget and limits moved a step")
                result = with_limit_steps(
                    result, jobs=jobs, scheduler=scheduler, time_limit_s=time_limit_s, mip_gap=mip_gap
                )
            if target_costs and result.has_solution:
                progress.stage("re-solving without each policy target")
                result = with_target_costs(
                    result, jobs=jobs, scheduler=scheduler, time_limit_s=time_limit_s, mip_gap=mip_gap
                )
            written: Path | None = None
            if result.has_solution or result.explanation:
                progress.stage("writing plan workbook")
                written = result.to_excel(target, force=force, backup=backup)
        progress.done()
    report(result, written, as_json)
    sys.exit(result.exit_code)


def parse_highs_option(text: str) -> tuple[str, bool | int | float | str]:
    """``mip_max_nodes=10`` -> ("mip_max_nodes", 10); true/false, integers and numbers are typed."""
    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise click.BadParameter(f"{text!r} is not NAME=VALUE", param_hint="--highs-option")
    value: bool | int | float | str = raw.strip()
    if raw.strip().lower() in ("true", "false"):
        value = raw.strip().lower() == "true"
    else:
        for kind in (int, float):
            try:
                value = kind(raw)
                break
            except ValueError:
                continue
    return name.strip(), value


def report(result: Plan, written: Path | None, as_json: bool) -> None:
    for message in result.messages:
        echo(f"{'Warning' if result.has_solution else 'Error'}: {message}", err=True)
    for sentence in result.explanation:
        echo(f"  {sentence}", err=True)
    if written is not None and not result.has_solution:
        echo(f"explanation written to {written}", err=True)
    if as_json:
        emit_json(result.summary(written))
        return
    if not result.has_solution:
        return
    echo(
        f"status: {result.status}   objective: USD {result.objective_usd_m:,.1f}m   expected NPV: USD {result.expected_npv_usd_m:,.1f}m"
    )
    budget = result.case.settings.budget_usd_m
    prepaid = float(result.signed["prepayment_usd_m"].sum()) if not result.signed.empty else 0.0
    budget_text = ""
    if budget is not None:
        budget_text = f" of USD {budget + prepaid:,.1f}m available (budget {budget:,.1f}m + prepayments {prepaid:,.1f}m)"
    echo(
        f"capex: USD {result.capex_usd_m:,.1f}m{budget_text}   MIP gap: {result.mip_gap or 0:.4%}   solve: {result.solve_s:.1f}s"
    )
    for r in records(result.funded):
        echo(
            f"  fund {r['project']} ({r['option']}) from {r['start_year']}: capex USD {r['capex_usd_m']:,.1f}m"
        )
    for r in records(result.signed):
        echo(f"  sign {r['contract']}: {r['buyer']}, {r['mineral']}")
    echo(f"plan written to {written}")


@main.command("validate")
@click.argument("workbook", type=click.Path(path_type=Path, dir_okay=False))
@debug_option
def validate_command(workbook: Path, debug: bool) -> None:
    """Check WORKBOOK (and each WhatIfs variant) and list every problem at once; writes nothing.

    \b
    Example:
      optimize validate inputs.xlsx
    """
    with user_errors(debug):
        case = Case.from_excel(workbook)
        if not case.table("WhatIfs").empty:
            variants(case)
    echo(f"{workbook}: no problems found")


@main.command("explain")
@click.argument("workbook", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--time-limit",
    "time_limit_s",
    type=Number(min=0),
    help="Solver time limit in seconds for each solve, inf for none (overrides Settings).",
)
@quiet_option
@debug_option
@json_option("Print {status, explanation} as JSON to stdout (and nothing else).")
def explain_command(
    workbook: Path, time_limit_s: float | None, quiet: bool, as_json: bool, debug: bool
) -> None:
    """Say which limits must move, and by how much, for an infeasible WORKBOOK to have a plan.

    Exit code 0 if the case is feasible, 1 if it is not (with the explanation). Writes nothing.

    \b
    Example:
      optimize explain inputs.xlsx
    """
    from optimizer.analyses.explain import explain

    progress = Progress(enabled=not quiet and not as_json)
    with user_errors(debug):
        progress.stage("reading workbook")
        case = Case.from_excel(workbook)
        explanation = explain(
            case,
            time_limit_s=time_limit_s,
            stage=progress.stage,
            log=progress.solver_log if progress.enabled else None,
        )
        progress.done()
    if as_json:
        emit_json({"status": explanation.status, "explanation": explanation.sentences})
    elif explanation.feasible:
        echo(f"{workbook}: feasible: every limit can be met as it stands; optimize plan finds the best plan")
    else:
        echo(f"{workbook}: infeasible; the smallest relaxation that makes it feasible:")
        for sentence in explanation.sentences:
            echo(f"  {sentence}")
    sys.exit(0 if explanation.feasible else 1 if explanation.status == "infeasible" else 3)


@main.command("template")
@click.argument("output", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--example", is_flag=True, help="Write the shipped India-Japan example case instead of an empty template."
)
@force_option("OUTPUT")
@debug_option
def template_command(output: Path, example: bool, force: bool, debug: bool) -> None:
    """Write an empty input workbook: every sheet and column, with notes and dropdowns.

    \b
    Examples:
      optimize template my-case.xlsx
      optimize template india-japan.xlsx --example
    """
    from optimizer.report.files import save_atomically, write_bytes_atomically
    from optimizer.workbook.template import example_bytes, template_workbook

    with user_errors(debug):
        check_writable(output, force)
        with output_lock(output):
            if example:
                write_bytes_atomically(example_bytes(), output)
            else:
                save_atomically(template_workbook(), output)
    echo(f"{'example' if example else 'template'} written to {output}")


@main.command("frontier")
@click.argument("workbook", type=click.Path(path_type=Path, dir_okay=False))
@output_option("Frontier workbook", "frontier")
@click.option(
    "--points",
    type=click.IntRange(min=1, max=50),
    default=5,
    show_default=True,
    help="Number of CVaR levels to solve for.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Local worker processes: the two ends, then the CVaR floors, side by side (default: the number "
    "of cores; 1 solves in this process).",
)
@solver_options(" per point")
@force_option("the output workbook")
@quiet_option
@debug_option
@json_option("Print the points as a JSON list to stdout (and nothing else).")
def frontier_command(
    workbook: Path,
    output: Path | None,
    points: int,
    jobs: int | None,
    time_limit_s: float | None,
    mip_gap: float | None,
    force: bool,
    quiet: bool,
    as_json: bool,
    debug: bool,
) -> None:
    """Trace expected NPV against CVaR: what each step of safety costs in expected value.

    \b
    Example:
      optimize frontier examples/india_japan.xlsx --points 6
    """
    from optimizer.analyses.frontier import trace_frontier
    from optimizer.report.frontier_workbook import write_frontier

    progress = Progress(enabled=not quiet and not as_json)
    with user_errors(debug):
        case = Case.from_excel(workbook)
        target = output if output is not None else workbook.with_name(f"{workbook.stem}-frontier.xlsx")
        check_writable(target, force)
        with output_lock(target):
            traced = trace_frontier(
                case, points, time_limit_s=time_limit_s, mip_gap=mip_gap, stage=progress.stage, jobs=jobs
            )
            found = traced.points
            if found:
                write_frontier(traced, target, force=force, case=case)
        if not found:
            if as_json:
                emit_json([])
            echo("Error: no feasible plan; run optimize plan for the reason", err=True)
            sys.exit(1)
        progress.done()
    if as_json:
        emit_json([p.summary() for p in found])
        return
    echo(f"{len(found)} of {points} point(s)" + (f": {'; '.join(traced.notes)}" if traced.notes else ""))
    echo(f"{'CVaR floor USD m':>16} {'CVaR USD m':>12} {'E[NPV] USD m':>14}  capex USD m")
    for p in found:
        floor = f"{p.cvar_floor_usd_m:16,.1f}" if p.cvar_floor_usd_m is not None else f"{'none':>16}"
        echo(f"{floor} {p.cvar_usd_m:12,.1f} {p.expected_npv_usd_m:14,.1f}  {p.capex_usd_m:,.1f}")
    echo(f"frontier written to {target}")


@main.command("whatif")
@click.argument("workbook", type=click.Path(path_type=Path, dir_okay=False))
@output_option("Comparison workbook", "whatif")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Local worker processes (default: the number of cores; 1 solves in this process).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Solve on the Dask cluster at ADDRESS, e.g. tcp://10.0.0.5:8786 (needs the cluster extra).",
)
@solver_options(" per run")
@force_option("the comparison workbook")
@quiet_option
@debug_option
@json_option("Print a JSON list with one summary per run to stdout (and nothing else).")
def whatif_command(
    workbook: Path,
    output: Path | None,
    jobs: int | None,
    scheduler: str | None,
    time_limit_s: float | None,
    mip_gap: float | None,
    force: bool,
    quiet: bool,
    as_json: bool,
    debug: bool,
) -> None:
    """Plan WORKBOOK's base case and every variant on its WhatIfs sheet, in parallel, and compare them.

    Exit code 0 when every run has a plan; otherwise that of the first run without one
    (1 infeasible, 3 no plan within the time limit); the comparison is written either way.

    \b
    Examples:
      optimize whatif examples/india_japan.xlsx
      optimize whatif inputs.xlsx -o sweep.xlsx --jobs 4 --gap 0.01 --json
      optimize whatif inputs.xlsx --scheduler tcp://10.0.0.5:8786
    """
    with user_errors(debug):
        case = Case.from_excel(workbook)
        runs = 1 + len(variants(case))
        target = output if output is not None else default_comparison_path(workbook)
        check_writable(target, force)
        progress = RunProgress(runs, enabled=not quiet and not as_json)
        progress.started(scheduler or f"{jobs or default_jobs()} local process(es)")
        with output_lock(target):
            result = run_whatifs(
                case,
                jobs=jobs,
                scheduler=scheduler,
                time_limit_s=time_limit_s,
                mip_gap=mip_gap,
                on_done=progress.run_done,
            )
            written = result.to_excel(target, force=force)
    for name, p in result.plans.items():
        for message in p.messages:
            echo(f"{'Warning' if p.has_solution else 'Error'}: {name}: {message}", err=True)
    if as_json:
        emit_json(result.summaries(written))
    else:
        report_whatifs(result, written)
    sys.exit(result.exit_code)


def report_whatifs(result: WhatIfs, written: Path) -> None:
    for r in records(kpi_table(result)):
        if pd.isna(r["objective_usd_m"]):
            echo(f"{r['whatif']}: {r['status']}")
            continue
        change = "" if r["whatif"] == "base" else f" ({r['objective_change_usd_m']:+,.1f}m)"
        if str(r["significance"]).startswith(NOT_SIGNIFICANT):
            change += f", {r['significance']}"
        echo(
            f"{r['whatif']}: {r['status']}, objective USD {r['objective_usd_m']:,.1f}m{change}, "
            f"capex USD {r['capex_usd_m']:,.1f}m, {r['decisions_changed']} decision(s) changed"
        )
    echo(f"comparison written to {written}")


def usd_m_change(value: float | None) -> str:
    """``+0.07m``, or ``no plan`` for a run that found none (its objective is blank)."""
    return "no plan" if value is None or pd.isna(value) else f"{value:+,.2f}m"


@main.command("sensitivity")
@click.argument("workbook", type=click.Path(path_type=Path, dir_okay=False))
@output_option("Sensitivity workbook", "sensitivity")
@click.option(
    "--step",
    type=Number(min=0.001, max=0.9),
    default=0.10,
    show_default=True,
    help="How far each factor moves, down and up, as a fraction (0.1 = +-10%).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Local worker processes (default: the number of cores; 1 solves in this process).",
)
@solver_options(" per run")
@force_option("the sensitivity workbook")
@quiet_option
@debug_option
@json_option(
    "Print one JSON object (the base plan's summary and one entry per run) to stdout (and nothing else)."
)
def sensitivity_command(
    workbook: Path,
    output: Path | None,
    step: float,
    jobs: int | None,
    time_limit_s: float | None,
    mip_gap: float | None,
    force: bool,
    quiet: bool,
    as_json: bool,
    debug: bool,
) -> None:
    """A tornado: re-solve WORKBOOK with prices, capex, yields, the discount rate (and FX) moved +-step.

    Each factor moves on its own, down and up; every run starts from the base plan and they
    run in parallel. Writes IN-sensitivity.xlsx (a Tornado sheet with its chart, and every
    run with the decisions that change). Exit code as for optimize plan, from the base case.

    \b
    Examples:
      optimize sensitivity examples/india_japan.xlsx
      optimize sensitivity inputs.xlsx --step 0.2 --jobs 2 --json
    """
    from optimizer.analyses.sensitivity import change_label, sensitivity
    from optimizer.report.sensitivity_workbook import write_sensitivity

    progress = Progress(enabled=not quiet and not as_json)
    with user_errors(debug):
        case = Case.from_excel(workbook)
        target = output if output is not None else workbook.with_name(f"{workbook.stem}-sensitivity.xlsx")
        check_writable(target, force)
        with output_lock(target):
            result = sensitivity(
                case, step=step, jobs=jobs, time_limit_s=time_limit_s, mip_gap=mip_gap, stage=progress.stage
            )
            written = write_sensitivity(result, target, force=force) if result.base.has_solution else None
        progress.done()
    for message in result.base.messages:
        echo(f"{'Warning' if result.base.has_solution else 'Error'}: {message}", err=True)
    if as_json:
        emit_json(result.summary(written))
    elif written is not None:
        for r in records(result.tornado()):
            echo(
                f"{r['factor']}: {usd_m_change(r['low_change_usd_m'])} at {change_label(-step)}, "
                f"{usd_m_change(r['high_change_usd_m'])} at {change_label(step)}"
            )
        echo(f"sensitivity written to {written}")
    sys.exit(result.base.exit_code)
