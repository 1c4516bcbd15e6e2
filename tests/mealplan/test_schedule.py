"""The kitchen's cooking and packing schedule on tiny hand-computed cases: packing
capacity per 15-minute slot, the cook-to-pack lead, the headcount cut-off and the fixed
point with the router's ready times."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from mealplan.domain.production import Departure, ProductionDish, ProfileMeal, scheduled_waves
from mealplan.domain.schedule import KitchenCapacity, TripLoad, pack_trips, schedule_kitchen
from mealplan.planning.adapters import trip_label
from mealplan.planning.daily import stages
from solvers import routing as rs

ONE_LINE = KitchenCapacity(packing_lines=1, portions_per_slot=30, cook_to_pack_minutes=10,
                           cook_minutes={"staple": 40, "main": 60}, default_cook_minutes=90)  # fmt: skip


def test_capacity_binds_the_second_trip_packs_a_slot_earlier() -> None:
    """Two trips of 30 portions both ready at 10:00 on one 30-portion line: A (first by
    id) packs 09:45-10:00, B has to pack 09:30-09:45 and is early."""
    packs = pack_trips([TripLoad("A", 600, 30), TripLoad("B", 600, 30)], ONE_LINE)
    a, b = packs["A"], packs["B"]
    assert (a.pack_start_min, a.pack_finish_min, a.slots, a.early) == (585, 600, ((585, 30),),
                                                                        False)  # fmt: skip
    assert (b.pack_start_min, b.pack_finish_min, b.slots, b.early) == (570, 585, ((570, 30),),
                                                                        True)  # fmt: skip


def test_a_ready_time_inside_a_slot_offers_only_its_share() -> None:
    """Ready 10:07: the 10:00 slot offers 7/15 of 30 = 14 portions, the rest (6) goes into
    09:45; packing runs 09:45-10:07."""
    (p,) = pack_trips([TripLoad("A", 607, 20)], ONE_LINE).values()
    assert (p.slots, p.pack_start_min, p.pack_finish_min, p.early) == (
        ((585, 6), (600, 14)),
        585,
        607,
        False,
    )


def test_slot_load_never_exceeds_capacity() -> None:
    """Ten trips with uneven loads and ready times: every slot within lines x rate and every
    trip packed in full by its ready time."""
    trips = [TripLoad(f"T{i}", 600 + 7 * (i % 4), 11 + 13 * i) for i in range(10)]
    cap = KitchenCapacity(2, 40)
    schedule = schedule_kitchen(trips, cap)
    assert all(n <= cap.slot_portions for n in schedule.slot_load().values())
    for t in trips:
        p = schedule.packs[t.trip]
        assert sum(n for _, n in p.slots) == t.portions
        assert p.pack_finish_min <= t.ready_min and p.pack_start_min <= p.pack_finish_min


def test_cutoff_marks_a_wave_cooked_before_it_as_forecast() -> None:
    """Cut-off 09:00, a main dish (60 min) and 10 min cook-to-pack: a trip ready at 10:00
    packs 09:52-10:00 (15 of 30 portions take 8 minutes), so cooking runs 08:42-09:42,
    from the forecast; a trip ready at 11:40 cooks 09:22-10:22, after the cut-off."""
    trips = [TripLoad("A", 600, 15, cook_minutes=60), TripLoad("B", 700, 15, cook_minutes=60)]
    schedule = schedule_kitchen(trips, ONE_LINE, cutoff_min=540)
    first, second = schedule.waves
    assert (first.cook_start_min, first.cook_finish_min, first.forecast) == (522, 582, True)
    assert (second.cook_start_min, second.cook_finish_min, second.forecast) == (622, 682, False)
    assert first.packs[0].pack_start_min - first.cook_finish_min == 10


def test_a_far_bulk_stop_starts_its_own_wave() -> None:
    """A packs from 09:52 (cook finish 09:42), B from 10:07: B shares A's wave unless its
    last canteen (11:50) would then be reached more than 120 min after 09:42; on its own
    wave (cook finish 09:57) it is within the hold."""
    near = [TripLoad("A", 600, 15), TripLoad("B", 615, 15, last_bulk_arrival_min=650)]
    assert len(schedule_kitchen(near, ONE_LINE, bulk_hold_minutes=120).waves) == 1
    far = [TripLoad("A", 600, 15), TripLoad("B", 615, 15, last_bulk_arrival_min=710)]
    first, second = schedule_kitchen(far, ONE_LINE, bulk_hold_minutes=120).waves
    assert (first.cook_finish_min, second.cook_finish_min) == (582, 597)
    assert 710 - second.cook_finish_min <= 120


def test_scheduled_waves_cook_lead_and_eat_by_per_kind() -> None:
    """Rice (staple, 40 min) and pork (main, 60 min) for 10 meals = 20 portions ready at
    10:00: packed 09:50-10:00, cooked 08:40-09:40; the bulk eat-by is 09:40 + 120 min and a
    home box's 10:00 + 60 min."""
    dishes = {"rice": ProductionDish("rice", "米饭", "staple"),
              "pork": ProductionDish("pork", "红烧肉", "main")}  # fmt: skip
    meals = [ProfileMeal("lunch", "regular", ("rice", "pork"), 10)]
    dep = Departure("V1-1", "V1", 610, {"regular": 10}, 650, ready_min=600,
                    last_home_arrival_min=650)  # fmt: skip
    (wave,) = scheduled_waves([dep], meals, dishes, ONE_LINE, hold_limit_bulk_minutes=120,
                              hold_limit_home_minutes=60)  # fmt: skip
    assert (wave.start_min, wave.finish_min, wave.eat_by_min) == (520, 580, 700)
    assert wave.home_eat_by_min("V1-1") == 660 and wave.within_hold
    assert {ln.dish: ln.portions for ln in wave.lines} == {"rice": 10, "pork": 10}


def _plan(ready: dict[str, int], portions: int) -> Any:
    """A one-kitchen routing plan: each vehicle one trip ready at ``ready[vehicle]``
    with one home stop of ``portions`` meals of a one-dish menu, reached 30 minutes after
    the ready time, its hold limit."""
    vehicles = tuple(rs.Vehicle(v, "van", "K", 100, loading_minutes=10) for v in sorted(ready))
    routes = tuple(
        rs.VehicleRoute(v, (rs.Trip(0, "K", "K", r, r + 10, r + 60,
                                     (rs.Visit(f"S{v}", r + 30, portions, 0, 30),), 1000, 20),))
        for v, r in sorted(ready.items())
    )  # fmt: skip
    stops = tuple(SimpleNamespace(id=f"S{v}", hold_limit=30) for v in sorted(ready))
    kp = SimpleNamespace(kitchen=SimpleNamespace(code="K"), problem=SimpleNamespace(
        vehicles=vehicles, stops=stops))  # fmt: skip
    return SimpleNamespace(results=[(kp, SimpleNamespace(routes=routes))])


def _packs(ready: dict[str, int], portions: int) -> dict[str, Any]:
    loads = [TripLoad(trip_label(v, 1), r, portions) for v, r in ready.items()]
    return {"K": pack_trips(loads, ONE_LINE)}


def test_retiming_reaches_a_fixed_point() -> None:
    """V1 and V2 both want 30 portions at 10:00 on one line: V2 is packed by 09:45, so it is
    fixed at 09:45 (its stop, reached at 10:30, would be 45 min from packing against a
    30-min hold) and V1 pinned at 10:00; once the router plans V2 ready at 09:45 nothing
    is early and the fixed times stay (the fixed point); a second pass changes nothing."""
    fixed: dict[str, dict[str, tuple[int, ...]]] = {}
    wanted = {"V1": 600, "V2": 600}
    assert stages.retimed(_plan(wanted, 30), _packs(wanted, 30), fixed) == 1
    assert fixed == {"K": {"V1": (600,), "V2": (585,)}}  # V1 pinned where it was packed
    honoured = {"V1": 600, "V2": 585}
    packs = _packs(honoured, 30)
    assert not any(p.early for p in packs["K"].values())
    assert stages.retimed(_plan(honoured, 30), packs, fixed) == 0
    assert fixed == {"K": {"V1": (600,), "V2": (585,)}}


def test_a_trip_packed_early_within_its_hold_is_not_retimed() -> None:
    """V2 is packed by 09:45 for a 10:00 ready time, but with a 60-min hold its stop
    (10:30, 45 min after packing) is still within it: no vehicle is re-timed and the
    route stays as planned (retimed's tolerance); with a 30-min hold it is re-timed."""
    wanted = {"V1": 600, "V2": 600}
    plan = _plan(wanted, 30)
    for kp, _ in plan.results:
        kp.problem.stops = tuple(SimpleNamespace(id=s.id, hold_limit=60) for s in kp.problem.stops)
    fixed: dict[str, dict[str, tuple[int, ...]]] = {}
    assert stages.retimed(plan, _packs(wanted, 30), fixed) == 0 and fixed == {}
    assert stages.retimed(_plan(wanted, 30), _packs(wanted, 30), fixed) == 1


def test_first_retiming_fixes_only_the_early_trip() -> None:
    """pin=False (the first re-routing): only V2, packed too early, gets a fixed ready
    time; V1 stays decided by the router."""
    wanted = {"V1": 600, "V2": 600}
    fixed: dict[str, dict[str, tuple[int | None, ...]]] = {}
    assert stages.retimed(_plan(wanted, 30), _packs(wanted, 30), fixed, pin=False) == 1
    assert fixed == {"K": {"V2": (585,)}}


def test_slack_counts_home_from_packing_and_bulk_from_cooking() -> None:
    """Ready 10:00, holds 60 (home) and 120 (bulk), 10 min cook-to-pack: a last home at
    10:50 allows packing 60 - 50 = 10 min early; a last canteen at 11:20 allows
    120 - (80 + 10) = 30; both on one trip: the smaller, 10; no stop kind known: None."""
    holds = {"home_hold_minutes": 60, "bulk_hold_minutes": 120, "cook_to_pack_minutes": 10}
    assert TripLoad("H", 600, 30, last_home_arrival_min=650).slack_minutes(**holds) == 10
    assert TripLoad("C", 600, 30, last_bulk_arrival_min=680).slack_minutes(**holds) == 30
    both = TripLoad("M", 600, 30, last_bulk_arrival_min=680, last_home_arrival_min=650)
    assert both.slack_minutes(**holds) == 10
    assert TripLoad("X", 600, 30).slack_minutes(**holds) is None


def test_full_capacity_packs_the_home_trip_in_its_ready_slot_and_the_canteen_earlier() -> None:
    """Canteen trip A (last canteen 11:20, slack 30) and home trip B (last home 10:50,
    slack 10), 30 portions each, both ready 10:00 on one 30-portion line: B, least slack,
    packs 09:45-10:00 (its home 50 min after packing, within 60); A packs 09:30-09:45
    (cook finish 09:20, its canteen 120 min later, within 120). Latest-ready-then-id
    would have packed B at 09:30-09:45, its home 65 min after packing."""
    trips = [TripLoad("A", 600, 30, last_bulk_arrival_min=680),
             TripLoad("B", 600, 30, last_home_arrival_min=650)]  # fmt: skip
    schedule = schedule_kitchen(trips, ONE_LINE, bulk_hold_minutes=120, home_hold_minutes=60)
    a, b = schedule.packs["A"], schedule.packs["B"]
    assert (b.pack_start_min, b.pack_finish_min, b.slots, b.early) == (585, 600, ((585, 30),),
                                                                        False)  # fmt: skip
    assert (a.pack_start_min, a.pack_finish_min, a.slots, a.early) == (570, 585, ((570, 30),),
                                                                        True)  # fmt: skip
    (wave,) = schedule.waves
    assert wave.cook_finish_min == 560 and 680 - wave.cook_finish_min <= 120
    assert 650 - b.pack_finish_min <= 60
    assert schedule.slot_load() == {570: 30, 585: 30}
    # without hold limits the order is the old one: latest ready, then id (A first)
    assert pack_trips(trips, ONE_LINE)["A"].pack_finish_min == 600


def test_scheduled_waves_pass_the_home_hold_to_the_packing() -> None:
    """The same two trips as departures through scheduled_waves (one dish, 30 meals each):
    the home trip keeps 10:00, its eat-by 11:00 covers its 10:50 home; the wave is within
    hold."""
    dishes = {"rice": ProductionDish("rice", "米饭", "staple")}
    meals = [ProfileMeal("lunch", "regular", ("rice",), 60)]
    deps = [Departure("A", "V1", 610, {"regular": 30}, 680, ready_min=600,
                      last_bulk_arrival_min=680),
            Departure("B", "V2", 610, {"regular": 30}, 650, ready_min=600,
                      last_home_arrival_min=650)]  # fmt: skip
    (wave,) = scheduled_waves(deps, meals, dishes, ONE_LINE, hold_limit_bulk_minutes=120,
                              hold_limit_home_minutes=60)  # fmt: skip
    packs = {p.trip: p for p in wave.packs}
    assert (packs["B"].pack_finish_min, packs["A"].pack_finish_min) == (600, 585)
    assert wave.home_eat_by_min("B") == 660 and wave.within_hold


def test_equal_slack_ties_are_broken_by_ready_time_then_id_whatever_the_input_order() -> None:
    """Three home trips of 30 portions at full capacity: B and C both ready 10:00 with
    last home 10:50 (slack 10), D ready 10:15 with last home 11:05 (slack 10 too). D,
    latest ready, packs 10:00-10:15; B (before C by id) 09:45-10:00; C 09:30-09:45.
    Every input order gives the same packing and no slot over capacity."""
    from itertools import permutations

    trips = [TripLoad("C", 600, 30, last_home_arrival_min=650),
             TripLoad("B", 600, 30, last_home_arrival_min=650),
             TripLoad("D", 615, 30, last_home_arrival_min=665)]  # fmt: skip
    seen = set()
    for order in permutations(trips):
        packs = pack_trips(order, ONE_LINE, home_hold_minutes=60, bulk_hold_minutes=120)
        seen.add(tuple(sorted((t, p.slots) for t, p in packs.items())))
    assert seen == {(("B", ((585, 30),)), ("C", ((570, 30),)), ("D", ((600, 30),)))}


def test_slot_load_never_exceeds_capacity_when_ordered_by_slack() -> None:
    """Ten trips with uneven loads, ready times and mixed home / canteen last arrivals
    (so the slack order differs from the ready order): every slot within lines x rate,
    every trip packed in full by its ready time."""
    trips = [TripLoad(f"T{i}", 600 + 7 * (i % 4), 11 + 13 * i,
                      last_home_arrival_min=640 + 5 * i if i % 2 else None,
                      last_bulk_arrival_min=None if i % 2 else 700 - 3 * i)
             for i in range(10)]  # fmt: skip
    cap = KitchenCapacity(2, 40)
    schedule = schedule_kitchen(trips, cap, bulk_hold_minutes=120, home_hold_minutes=60)
    assert all(n <= cap.slot_portions for n in schedule.slot_load().values())
    for t in trips:
        p = schedule.packs[t.trip]
        assert sum(n for _, n in p.slots) == t.portions
        assert p.pack_finish_min <= t.ready_min and p.pack_start_min <= p.pack_finish_min


def test_a_tight_trip_keeps_its_slot_against_a_larger_trip_started_later() -> None:
    """One 30-portion line. BIG: 60 portions ready 10:30, last home 11:30 (slack 0).
    SMALL: 10 portions ready 10:07, last home 11:06 (slack 1: it must be packed by
    10:06 at the earliest). Least slack first, each as late as possible, BIG took 10:15 and
    all of 10:00, SMALL went to 09:45 and was packed 7 minutes early (its home 66 minutes
    after packing). Swept backwards, 10:00 goes first to SMALL (it must start there) and
    BIG, already started, takes the rest and 09:45: both on time."""
    trips = [TripLoad("BIG", 630, 60, last_home_arrival_min=690),
             TripLoad("SMALL", 607, 10, last_home_arrival_min=666)]  # fmt: skip
    packs = pack_trips(trips, ONE_LINE, home_hold_minutes=60, bulk_hold_minutes=120)
    big, small = packs["BIG"], packs["SMALL"]
    assert (small.slots, small.pack_finish_min, small.early) == (((600, 10),), 607, False)
    assert (big.slots, big.pack_finish_min, big.early) == (
        ((585, 10), (600, 20), (615, 30)),
        630,
        False,
    )
    assert 666 - small.pack_finish_min <= 60 and 690 - big.pack_finish_min <= 60


def _kitchen_plan(ready: dict[str, int], dropped: int) -> Any:
    """:func:`_plan` as the re-timing loop reads it: stops by id with their kind, and
    the meals left undelivered."""
    plan = _plan(ready, 30)
    for kp, _ in plan.results:
        kp.stops = {s.id: SimpleNamespace(kind="home") for s in kp.problem.stops}
    plan.dropped_meals = dropped
    return plan


def test_the_retiming_loop_keeps_its_best_routing(monkeypatch: Any) -> None:
    """The first routing has one trip packed too early (V2: one stop past its hold from
    packing) and delivers everything; every re-routing after it comes back with two
    trips packed too early and 3 meals undelivered. The loop returns the first routing,
    not the last (it returned the last, worse one)."""
    from mealplan.config import PlanningSettings, Settings

    first = _kitchen_plan({"V1": 600, "V2": 600}, 0)
    worse = _kitchen_plan({"V1": 600, "V2": 600, "V3": 600}, 3)
    calls: list[Any] = []

    def fake_plan_routes(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return first if len(calls) == 1 else worse

    def fake_schedule(session: Any, request: Any, plan: Any, *rest: Any) -> Any:
        loads = [TripLoad(trip_label(vr.vehicle_id, 1), t.ready_at, 30,
                          last_home_arrival_min=t.visits[-1].arrival)
                 for _, r in plan.results for vr in r.routes for t in vr.trips]  # fmt: skip
        return {"K": schedule_kitchen(loads, ONE_LINE, home_hold_minutes=30)}

    monkeypatch.setattr(stages, "plan_routes", fake_plan_routes)
    monkeypatch.setattr(stages, "routes_schedule", fake_schedule)
    monkeypatch.setattr(stages, "add_what_ifs", lambda plan, *a, **k: plan)
    settings = Settings(database_url="sqlite://", instance_path=Path("."),
                        planning=PlanningSettings())  # fmt: skip
    request = SimpleNamespace(date=None, service="lunch", routing_time_limit_s=None, seed=1)
    demand = SimpleNamespace(demand=None)
    session = SimpleNamespace(rollback=lambda: None)
    assert stages.late_stops(first, fake_schedule(None, None, first), settings.planning) == 1
    assert stages.late_stops(worse, fake_schedule(None, None, worse), settings.planning) == 2
    kept = stages.retimed_routes(session, settings, request, demand)  # type: ignore[arg-type]
    assert len(calls) == stages.MAX_RETIMES + 1
    assert kept is first
