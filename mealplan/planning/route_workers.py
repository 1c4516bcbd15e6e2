"""Routing the kitchens of one service side by side, one process per CPU core.

Each kitchen is its own model, so kitchens are independent: with ``W`` worker processes
the kitchens are dealt to ``W`` lanes by size (largest first, to the lane with the fewest
stops) and every lane shares the whole time limit among its kitchens in proportion to
their stops. A kitchen alone in its lane gets the whole limit rather than its share of
one core. When there are fewer kitchens than workers, each kitchen is also solved with
other seeds (``seed``, ``seed + 1``, ...) in the spare lanes and the best plan is kept:
fewest undelivered meals, then the lowest objective, then the lowest seed (so the choice
is deterministic whenever the solver runs are).

``workers == 1`` solves in this process, one kitchen after another, exactly as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from mealplan.parallel import run_each
from solvers import routing as rs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoutingTask:
    """One solver run: kitchen ``kitchen`` (index), with ``seed`` for ``time_limit_s``."""

    kitchen: int
    seed: int
    time_limit_s: float
    lane: int


def schedule(
    sizes: Sequence[int], total_limit_s: float, workers: int, seed: int, seeds: int | None = None
) -> list[RoutingTask]:
    """The runs for kitchens of ``sizes`` stops on ``workers`` lanes (see the module).

    ``seeds``: a fixed number of runs per kitchen (seeds ``seed`` .. ``seed + seeds - 1``)
    whatever the number of workers, so that the plan does not depend on the machine's
    cores; the runs are dealt to the lanes by size and each lane shares the time limit
    (a safety net) among its runs. ``None``: the spare lanes decide (see the module)."""
    n = len(sizes)
    if n == 0:
        return []
    if seeds is not None:
        runs = [(k, c) for k in range(n) for c in range(max(1, seeds))]
        lanes = max(1, min(workers, len(runs)))
        load = [0] * lanes
        lane_at: dict[tuple[int, int], int] = {}
        for run in sorted(runs, key=lambda r: (-sizes[r[0]], r)):
            lane = min(range(lanes), key=lambda j: (load[j], j))
            lane_at[run] = lane
            load[lane] += max(1, sizes[run[0]])
        return [
            RoutingTask(
                k,
                seed + c,
                max(1.0, total_limit_s * max(1, sizes[k]) / load[lane_at[(k, c)]]),
                lane_at[(k, c)],
            )
            for k, c in runs
        ]
    if workers >= 2 * n:
        # fewer kitchens than workers: every kitchen in `copies` lanes of its own
        copies = workers // n
        return [
            RoutingTask(k, seed + c, max(1.0, total_limit_s), k * copies + c)
            for k in range(n)
            for c in range(copies)
        ]
    lanes = max(1, min(workers, n))
    load = [0] * lanes
    lane_of: dict[int, int] = {}
    for k in sorted(range(n), key=lambda i: (-sizes[i], i)):
        lane = min(range(lanes), key=lambda j: (load[j], j))
        lane_of[k] = lane
        load[lane] += max(1, sizes[k])
    return [
        RoutingTask(
            k,
            seed,
            max(1.0, total_limit_s * max(1, sizes[k]) / load[lane_of[k]]),
            lane_of[k],
        )
        for k in range(n)
    ]


def _rank(seed: int, result: rs.RoutingResult) -> tuple[int, int, int, int]:
    """Order of a kitchen's runs: a plan, fewest undelivered meals, objective, seed."""
    o = result.objective
    return (0 if result.status.has_solution else 1, o.dropped_meals, o.cost, seed)


def solve_kitchens(
    problems: Sequence[rs.RoutingProblem],
    params: rs.RoutingParams,
    total_limit_s: float,
    workers: int,
    on_done: Callable[[int, int], None] | None = None,
    seeds: int | None = None,
    starts: Sequence[Sequence[rs.VehicleRoute] | None] | None = None,
) -> list[rs.RoutingResult]:
    """Solve every kitchen's problem within about ``total_limit_s`` of wall time.

    ``params``: the solver parameters but for the time limit and seed, which come from
    the schedule. ``on_done(done, total)`` is called as kitchens finish (in this process).
    ``seeds``: runs per kitchen, whatever ``workers`` is (see :func:`schedule`).
    ``starts``: per problem, routes its runs start from (``solve_routes(start=...)``;
    None: none).
    Returns one result per problem, in order.
    """
    tasks = schedule([len(p.stops) for p in problems], total_limit_s, workers, params.seed, seeds)
    best: dict[int, tuple[int, rs.RoutingResult]] = {}
    need = {k: sum(1 for t in tasks if t.kitchen == k) for k in range(len(problems))}
    done = 0

    lanes = len({t.lane for t in tasks})
    if lanes > 1:
        log.info("routing %d kitchens in %d worker processes", len(problems), lanes)
    calls = [
        (
            problems[t.kitchen],
            replace(params, time_limit_s=t.time_limit_s, seed=t.seed),
            starts[t.kitchen] if starts is not None else None,
        )
        for t in tasks
    ]
    # the longest runs first, so that no lane waits on a big kitchen started last
    for i, result in run_each(
        rs.solve_routes, calls, lanes, priority=lambda i: (-tasks[i].time_limit_s, i)
    ):
        task = tasks[i]
        cur = best.get(task.kitchen)
        if cur is None or _rank(task.seed, result) < _rank(*cur):
            best[task.kitchen] = (task.seed, result)
        need[task.kitchen] -= 1
        if need[task.kitchen] == 0:
            done += 1
            if on_done is not None:
                on_done(done, len(problems))
    return [best[k][1] for k in range(len(problems))]
