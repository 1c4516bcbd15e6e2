"""MIP backends: HiGHS (through highspy) and CBC, mapped onto :class:`SolveStatus`."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field

import pulp

from solvers.menu.types import Explanation, MenuParams
from solvers.status import SolveStatus

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What one MIP solve gave: status, objective and dual bound in fen, notes."""

    status: SolveStatus
    objective: float | None = None
    bound: float | None = None
    notes: list[Explanation] = field(default_factory=list)


def pick_backend(wanted: str) -> str:
    """The backend to use: ``wanted``, or CBC when HiGHS is wanted but highspy is missing."""
    if wanted == "highs" and not pulp.HiGHS(msg=False).available():
        log.warning("highspy is not installed: falling back to CBC")
        return "cbc"
    return wanted


def _cbc_path() -> str:
    found = shutil.which("cbc")
    return found if found else str(pulp.PULP_CBC_CMD.pulp_cbc_path)


def run(
    prob: pulp.LpProblem,
    params: MenuParams,
    backend: str,
    time_limit: float,
    gap: float | None = None,
) -> Outcome:
    """Solve ``prob`` with a backend and time limit (and optionally another gap); never raises."""
    if gap is not None:
        params = dataclasses.replace(params, mip_rel_gap=gap)
    try:
        if backend == "highs":
            return _run_highs(prob, params, time_limit)
        return _run_cbc(prob, params, time_limit)
    except pulp.PulpSolverError as exc:
        log.error("solver failed: %s", exc)
        return Outcome(SolveStatus.ERROR, notes=[Explanation("solver", str(exc))])


@contextlib.contextmanager
def native_output_to_debug_log() -> Iterator[None]:
    """Solver output (HiGHS prints its banner and log from C whatever its options say)
    goes to this module's debug log, never to the command's standard output or error:
    native descriptors 1 and 2 point to a temporary file meanwhile."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        saved = (os.dup(1), os.dup(2))
    except (OSError, ValueError):  # no real file descriptor (embedded, some test runners)
        yield
        return
    with tempfile.TemporaryFile(mode="w+b") as sink:
        try:
            os.dup2(sink.fileno(), 1)
            os.dup2(sink.fileno(), 2)
            yield
        finally:
            with contextlib.suppress(OSError, ValueError):
                sys.stdout.flush()
                sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
            sink.seek(0)
            text = sink.read().decode("utf-8", errors="replace").strip()
            if text:
                log.debug("solver output:\n%s", text)


def _clock_warning(stopped: bool, time_limit: float) -> None:
    """A solve stopped by the wall clock, not by its work budget: say so (the plan may
    then differ between two runs of the same inputs)."""
    if stopped:
        log.warning(
            "menu MIP stopped by the wall-clock safety net (%.1f s) before its node budget: "
            "the plan may depend on the machine's load; raise menu_time_limit_s",
            time_limit,
        )


def _run_highs(prob: pulp.LpProblem, params: MenuParams, time_limit: float) -> Outcome:
    import highspy

    solver = pulp.HiGHS(
        msg=params.msg,
        timeLimit=time_limit,
        gapRel=params.mip_rel_gap,
        threads=params.threads,
        random_seed=params.seed,
        mip_max_nodes=params.mip_node_limit,
    )
    with native_output_to_debug_log():
        try:
            prob.solve(solver)
        except KeyError:
            # PuLP 3.3 has no status for kSolutionLimit (mip_max_nodes reached) and
            # raises after it has set the variables' values: the status is read below
            if prob.solverModel.getModelStatus() != highspy.HighsModelStatus.kSolutionLimit:
                raise
    h = prob.solverModel
    ms = h.getModelStatus()
    info = h.getInfo()
    has_primal = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if ms == highspy.HighsModelStatus.kOptimal:
        status = SolveStatus.OPTIMAL
    elif ms in (
        highspy.HighsModelStatus.kInfeasible,
        highspy.HighsModelStatus.kUnboundedOrInfeasible,
    ):
        return Outcome(SolveStatus.INFEASIBLE)
    elif has_primal:
        status = SolveStatus.FEASIBLE
    elif ms in (
        highspy.HighsModelStatus.kTimeLimit,
        highspy.HighsModelStatus.kInterrupt,
        highspy.HighsModelStatus.kSolutionLimit,  # mip_max_nodes reached
        highspy.HighsModelStatus.kIterationLimit,
    ):
        _clock_warning(ms == highspy.HighsModelStatus.kTimeLimit, time_limit)
        return Outcome(SolveStatus.NO_SOLUTION)
    else:
        msg = f"HiGHS stopped with {h.modelStatusToString(ms)}"
        return Outcome(SolveStatus.ERROR, notes=[Explanation("solver", msg)])
    _clock_warning(ms == highspy.HighsModelStatus.kTimeLimit, time_limit)
    objective = float(info.objective_function_value)
    bound = float(info.mip_dual_bound)
    if status == SolveStatus.OPTIMAL and not abs(bound) < 1e30:
        bound = objective
    return Outcome(status, objective, min(bound, objective))


_CBC_FIELDS = {
    "objective": re.compile(r"^Objective value:\s+(\S+)", re.M),
    "bound": re.compile(r"^Lower bound:\s+(\S+)", re.M),
}


def _run_cbc(prob: pulp.LpProblem, params: MenuParams, time_limit: float) -> Outcome:
    fd, log_path = tempfile.mkstemp(prefix="menu_cbc_", suffix=".log")
    os.close(fd)
    try:
        solver = pulp.COIN_CMD(
            path=_cbc_path(),
            msg=False,
            timeLimit=time_limit,
            gapRel=params.mip_rel_gap,
            threads=params.threads,
            options=[f"randomCbcSeed {params.seed + 1}", f"maxNodes {params.mip_node_limit}"],
            logPath=log_path,
        )
        with native_output_to_debug_log():
            prob.solve(solver)
        with open(log_path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    finally:
        os.unlink(log_path)
    log.debug("CBC log:\n%s", text)
    if "Result - Problem proven infeasible" in text or prob.sol_status == -1:
        return Outcome(SolveStatus.INFEASIBLE)
    _clock_warning("Stopped on time" in text, time_limit)
    if prob.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        if "Stopped on time" in text or "Stopped on" in text:
            return Outcome(SolveStatus.NO_SOLUTION)
        return Outcome(SolveStatus.ERROR, notes=[Explanation("solver", "CBC failed")])
    optimal = "Result - Optimal solution found" in text
    objective = float(pulp.value(prob.objective) or 0.0)
    bound: float | None = objective if optimal else None
    found = _CBC_FIELDS["bound"].search(text)
    if found and not optimal:
        try:
            bound = min(objective, float(found.group(1)))
        except ValueError:
            bound = None
    status = SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE
    return Outcome(status, objective, bound)


def solve_lp(prob: pulp.LpProblem, time_limit: float, threads: int) -> float | None:
    """Solve the LP relaxation of ``prob`` with HiGHS (row duals in ``constraint.pi``);
    the optimal value, or None when it was not solved to optimality."""
    solver = pulp.HiGHS(mip=False, msg=False, timeLimit=time_limit, threads=threads)
    if not solver.available():
        return None
    try:
        with native_output_to_debug_log():
            prob.solve(solver)
    except pulp.PulpSolverError as exc:
        log.error("LP solve failed: %s", exc)
        return None
    if prob.status != pulp.LpStatusOptimal:
        return None
    return float(pulp.value(prob.objective) or 0.0)
