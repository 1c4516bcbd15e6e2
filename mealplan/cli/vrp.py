"""``mealplan solve-vrp``: solve standard VRP instance files with the routing solver.

Prints per instance: instance, cost (in the instance's units, rounded as asked), vehicles,
routes (customer ids as numbered in the files' solution convention), feasible (by the
independent checker of :mod:`solvers.routing.instances`), wall_s.
"""

from __future__ import annotations

import json
import logging

import click

from solvers.routing import RoutingParams
from solvers.routing.instances import Rounding, StandardSolution, read_instance, solve_instance

log = logging.getLogger(__name__)


def _table(rows: list[StandardSolution]) -> str:
    head = f"{'instance':<14} {'cost':>12} {'vehicles':>8} {'feasible':>8} {'wall_s':>8}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.instance:<14} {r.cost:>12g} {r.vehicles:>8} "
            f"{'yes' if r.feasible else 'NO':>8} {r.wall_s:>8.1f}"
        )
        for i, route in enumerate(r.routes, 1):
            lines.append(f"  route {i}: {' '.join(map(str, route))}")
        for v in r.violations[:10]:
            lines.append(f"  violation: {v}")
    return "\n".join(lines)


@click.command("solve-vrp")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, readable=True)
)
@click.option(
    "--time-limit",
    "time_limit",
    type=click.FloatRange(min=0, min_open=True),
    required=True,
    help="Seconds per instance.",
)
@click.option(
    "--round",
    "rounding",
    type=click.Choice([r.value for r in Rounding]),
    default=Rounding.DIMACS.value,
    show_default=True,
    help="dimacs: distances truncated to 1 decimal; exact: double; round: nearest "
    "integer (TSPLIB).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["json", "table"]), default="json", show_default=True
)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option(
    "--solution-limit",
    type=click.IntRange(min=1),
    default=None,
    help="Stop after this many solutions (deterministic runs).",
)
@click.option(
    "--engine",
    type=click.Choice(["hybrid", "ortools"]),
    default="hybrid",
    show_default=True,
    help="hybrid: PyVRP's genetic search, our scheduler checks its plan (OR-Tools polishes "
    "it only with --pyvrp-share below 1); ortools: OR-Tools alone.",
)
@click.option(
    "--pyvrp-share",
    type=click.FloatRange(min=0, max=1, min_open=True),
    default=1.0,
    show_default=True,
    help="Share of the time limit PyVRP gets (hybrid); below 1, OR-Tools polishes its plan "
    "in the rest.",
)
def solve_vrp(
    files: tuple[str, ...],
    time_limit: float,
    rounding: str,
    fmt: str,
    seed: int,
    solution_limit: int | None,
    engine: str,
    pyvrp_share: float,
) -> None:
    """Solve Solomon / Gehring-Homberger (.txt) and VRPLIB (.vrp) instance FILES."""
    rows: list[StandardSolution] = []
    for path in files:
        try:
            inst = read_instance(path)
        except (ValueError, KeyError, IndexError) as exc:
            raise click.BadParameter(f"{path}: {exc}", param_hint="FILES") from exc
        params = RoutingParams(
            time_limit_s=time_limit,
            seed=seed,
            solution_limit=solution_limit,
            max_stops_per_model=max(10, inst.n_customers),
            allow_drops=False,
            hgs_warm_start=engine == "hybrid",
            hgs_share=pyvrp_share,
        )
        log.info("solving %s (%d customers)", inst.name, inst.n_customers)
        rows.append(solve_instance(inst, Rounding(rounding), params))
    if fmt == "json":
        click.echo(json.dumps([r.as_dict() for r in rows], indent=1))
    else:
        click.echo(_table(rows))
    if not all(r.feasible for r in rows):
        click.get_current_context().exit(1)
