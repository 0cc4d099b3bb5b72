"""The ``optimize`` command: a thin layer over the Python API.

Exit codes: 0 a plan was written (a time-limited plan says its gap); 1 infeasible;
2 bad input or usage; 3 no feasible plan found within the time limit.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from optimizer.case import Case, records
from optimizer.errors import InputError, OutputError, UsageError
from optimizer.plan import Plan, plan
from optimizer.progress import Progress
from optimizer.write import check_writable, plan_target

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # the shell's code for Ctrl-C
MAX_PROBLEMS_SHOWN = 50


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
    """Turn library errors into ``Error: ...`` lines and exit codes; ``--debug`` shows tracebacks."""
    try:
        yield
    except InputError as error:
        shown = error.problems[:MAX_PROBLEMS_SHOWN]
        click.echo(f"Error: the input has {len(error.problems)} problem(s):", err=True)
        for problem in shown:
            click.echo(f"  {problem}", err=True)
        if len(error.problems) > len(shown):
            click.echo(f"  ... and {len(error.problems) - len(shown)} more", err=True)
        if debug:
            traceback.print_exc()
        sys.exit(EXIT_BAD_INPUT)
    except OutputError as error:
        click.echo(f"Error: {error}", err=True)
        if debug:
            traceback.print_exc()
        sys.exit(EXIT_BAD_INPUT)
    except UsageError as error:
        click.echo(f"Error: {error}", err=True)
        if debug:
            traceback.print_exc()
        sys.exit(EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        click.echo("Interrupted: nothing was written.", err=True)
        if debug:
            traceback.print_exc()
        sys.exit(EXIT_INTERRUPTED)


def debug_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--debug", is_flag=True, help="Show a traceback on errors.")(f)


@main.command("plan")
@click.argument("workbook", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Plan workbook to write (default: IN-plan.xlsx).",
)
@click.option(
    "--time-limit",
    "time_limit_s",
    type=click.FloatRange(min=0),
    help="Solver time limit in seconds (overrides Settings).",
)
@click.option(
    "--gap",
    "mip_gap",
    type=click.FloatRange(min=0, max=1),
    help="Relative MIP gap, e.g. 0.001 (overrides Settings).",
)
@click.option("--force", is_flag=True, help="Replace the output workbook if it exists.")
@click.option(
    "--in-place",
    is_flag=True,
    help="Write the result sheets into WORKBOOK itself; the previous file is kept as WORKBOOK.bak.xlsx.",
)
@click.option("--quiet", is_flag=True, help="No progress on the terminal.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object with the plan's headline numbers to stdout.",
)
@click.option(
    "--highs-option",
    "highs_options",
    multiple=True,
    metavar="NAME=VALUE",
    callback=lambda _ctx, _param, values: dict(parse_highs_option(v) for v in values),
    help="Pass an option to HiGHS as it is (experts; repeatable), e.g. threads=1.",
)
@debug_option
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
    """
    progress = Progress(enabled=not quiet and not as_json)
    with user_errors(debug):
        progress.stage("reading workbook")
        case = Case.from_excel(workbook)
        target, backup = plan_target(workbook, output, in_place=in_place, force=force)
        result = plan(
            case,
            time_limit_s=time_limit_s,
            mip_gap=mip_gap,
            stage=progress.stage,
            log=progress.solver_log if progress.enabled else None,
            highs_options=highs_options,
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
        click.echo(f"{'Warning' if result.has_solution else 'Error'}: {message}", err=True)
    for sentence in result.explanation:
        click.echo(f"  {sentence}", err=True)
    if written is not None and not result.has_solution:
        click.echo(f"explanation written to {written}", err=True)
    if as_json:
        click.echo(json.dumps(result.summary(written), indent=2))
        return
    if not result.has_solution:
        return
    click.echo(
        f"status: {result.status}   objective: USD {result.objective_usd_m:,.1f}m   expected NPV: USD {result.expected_npv_usd_m:,.1f}m"
    )
    budget = result.case.settings.budget_usd_m
    prepaid = float(result.signed["prepayment_usd_m"].sum()) if not result.signed.empty else 0.0
    budget_text = ""
    if budget is not None:
        budget_text = f" of USD {budget + prepaid:,.1f}m available (budget {budget:,.1f}m + prepayments {prepaid:,.1f}m)"
    click.echo(
        f"capex: USD {result.capex_usd_m:,.1f}m{budget_text}   MIP gap: {result.mip_gap or 0:.4%}   solve: {result.solve_s:.1f}s"
    )
    for r in records(result.funded):
        click.echo(
            f"  fund {r['project']} ({r['option']}) from {r['start_year']}: capex USD {r['capex_usd_m']:,.1f}m"
        )
    for r in records(result.signed):
        click.echo(f"  sign {r['contract']}: {r['buyer']}, {r['mineral']}")
    click.echo(f"plan written to {written}")


@main.command("validate")
@click.argument("workbook", type=click.Path(path_type=Path, dir_okay=False))
@debug_option
def validate_command(workbook: Path, debug: bool) -> None:
    """Check WORKBOOK and list every problem at once; writes nothing.

    \b
    Example:
      optimize validate inputs.xlsx
    """
    with user_errors(debug):
        Case.from_excel(workbook)
    click.echo(f"{workbook}: no problems found")


@main.command("explain")
@click.argument("workbook", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--time-limit",
    "time_limit_s",
    type=click.FloatRange(min=0),
    help="Solver time limit in seconds for each solve (overrides Settings).",
)
@click.option("--quiet", is_flag=True, help="No progress on the terminal.")
@click.option("--json", "as_json", is_flag=True, help="Print {status, explanation} as JSON to stdout.")
@debug_option
def explain_command(
    workbook: Path, time_limit_s: float | None, quiet: bool, as_json: bool, debug: bool
) -> None:
    """Say which limits must move, and by how much, for an infeasible WORKBOOK to have a plan.

    Exit code 0 if the case is feasible, 1 if it is not (with the explanation). Writes nothing.

    \b
    Example:
      optimize explain inputs.xlsx
    """
    from optimizer.explain import explain

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
        click.echo(json.dumps({"status": explanation.status, "explanation": explanation.sentences}, indent=2))
    elif explanation.feasible:
        click.echo(
            f"{workbook}: feasible: every limit can be met as it stands; optimize plan finds the best plan"
        )
    else:
        click.echo(f"{workbook}: infeasible; the smallest relaxation that makes it feasible:")
        for sentence in explanation.sentences:
            click.echo(f"  {sentence}")
    sys.exit(0 if explanation.feasible else 1 if explanation.status == "infeasible" else 3)


@main.command("template")
@click.argument("output", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--example", is_flag=True, help="Write the shipped India-Japan example case instead of an empty template."
)
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
@debug_option
def template_command(output: Path, example: bool, force: bool, debug: bool) -> None:
    """Write an empty input workbook: every sheet and column, with notes and dropdowns.

    \b
    Examples:
      optimize template my-case.xlsx
      optimize template india-japan.xlsx --example
    """
    from optimizer.template import example_bytes, template_workbook
    from optimizer.write import save_atomically, write_bytes_atomically

    with user_errors(debug):
        check_writable(output, force)
        if example:
            write_bytes_atomically(example_bytes(), output)
        else:
            save_atomically(template_workbook(), output)
    click.echo(f"{'example' if example else 'template'} written to {output}")


@main.command("frontier")
@click.argument("workbook", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Frontier workbook to write (default: IN-frontier.xlsx).",
)
@click.option(
    "--points",
    type=click.IntRange(min=1, max=50),
    default=5,
    show_default=True,
    help="Number of CVaR levels to solve for.",
)
@click.option(
    "--time-limit", "time_limit_s", type=click.FloatRange(min=0), help="Solver time limit per point, seconds."
)
@click.option("--gap", "mip_gap", type=click.FloatRange(min=0, max=1), help="Relative MIP gap per point.")
@click.option("--force", is_flag=True, help="Replace the output workbook if it exists.")
@click.option("--quiet", is_flag=True, help="No progress on the terminal.")
@click.option("--json", "as_json", is_flag=True, help="Print the points as a JSON list to stdout.")
@debug_option
def frontier_command(
    workbook: Path,
    output: Path | None,
    points: int,
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
    from optimizer.frontier import frontier
    from optimizer.frontier_workbook import write_frontier

    progress = Progress(enabled=not quiet and not as_json)
    with user_errors(debug):
        case = Case.from_excel(workbook)
        target = output if output is not None else workbook.with_name(f"{workbook.stem}-frontier.xlsx")
        check_writable(target, force)
        found = frontier(case, points, time_limit_s=time_limit_s, mip_gap=mip_gap, stage=progress.stage)
        if not found:
            click.echo("Error: no feasible plan; run optimize plan for the reason", err=True)
            sys.exit(1)
        write_frontier(found, target, force=force)
        progress.done()
    if as_json:
        click.echo(json.dumps([p.summary() for p in found], indent=2))
        return
    click.echo(f"{'CVaR USD m':>12} {'E[NPV] USD m':>14}  capex USD m")
    for p in found:
        click.echo(f"{p.cvar_usd_m:12,.1f} {p.expected_npv_usd_m:14,.1f}  {p.capex_usd_m:,.1f}")
    click.echo(f"frontier written to {target}")
