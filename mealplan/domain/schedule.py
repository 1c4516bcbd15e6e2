"""One kitchen's cooking and packing schedule for one service (pure).

The router says when it wants each trip's load ready; the kitchen packs dish portions on
``packing_lines`` lines, each packing ``portions_per_slot`` portions per 15-minute slot
(slots start at whole quarter hours), and a portion is packed no earlier than
``cook_to_pack_minutes`` after its cooking finished. :func:`schedule_kitchen`:

1. packs every trip as late as possible and finished by its ready time, sweeping the
   15-minute slots from the latest backwards (:func:`pack_trips`): each slot's capacity
   goes first to the trips that must start packing in it or be packed too early (their
   earliest safe packed time, the ready time minus :meth:`TripLoad.slack_minutes`, lies
   after the slot's start), then to trips already started, then to the others; within a
   group least slack first, then latest ready, then trip id (a slot that ends after a
   trip's ready time offers it only its share up to the ready time). So at full capacity
   the tight trips (homes, 60 minutes from packing) keep the slots nearest their ready
   time and the loose ones (canteens, the bulk hold from cooking) are packed earlier; a
   trip's ``pack_finish`` is ``min(ready, end of its last slot)``, its ``pack_start`` the
   start of its first slot (or ``pack_finish`` minus the minutes its share took in a
   slot it has alone);
2. groups trips into cooking waves by pack start: a trip joins the current wave when it
   starts packing at most ``group_within_minutes`` after the wave's first trip and, when
   it carries bulk meals, its last bulk stop is reached within the bulk hold limit of
   the wave's cook finish; a wave finishes cooking ``cook_to_pack_minutes`` before its
   first trip starts packing and starts ``cook lead`` earlier (the longest lead of the
   dishes it cooks);
3. marks a wave that starts cooking before the headcount cut-off as cooked from the
   forecast.

The trip's *packed time* (printed as 制作时间 on its labels) is its ``pack_finish``: the
load is sealed in its insulated carriers then, and the home hold limit counts from it.
Where capacity forces ``pack_finish`` before the ready time the router wanted
(:attr:`TripPack.early`), the router must re-time that trip with the packed time as its
fixed ready time (see :mod:`mealplan.planning.daily.stages`).

Times are integer minutes since midnight; portions are dish portions (a meal of four
dishes is four portions).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

SLOT_MINUTES = 15


@dataclass(frozen=True)
class KitchenCapacity:
    """What a kitchen can pack and how long its dishes cook.

    Attributes:
        packing_lines: packing lines working in parallel (>= 1).
        portions_per_slot: dish portions one line packs in a 15-minute slot (>= 1).
        cook_to_pack_minutes: least minutes from the end of cooking to packing.
        cook_minutes: cooking minutes per dish category (missing: ``default_cook_minutes``).
        default_cook_minutes: the kitchen's cooking lead time.
    """

    packing_lines: int
    portions_per_slot: int
    cook_to_pack_minutes: int = 10
    cook_minutes: Mapping[str, int] = field(default_factory=dict)
    default_cook_minutes: int = 90

    def __post_init__(self) -> None:
        if self.packing_lines < 1 or self.portions_per_slot < 1:
            raise ValueError("packing_lines and portions_per_slot must be >= 1")
        if self.cook_to_pack_minutes < 0 or self.default_cook_minutes < 0:
            raise ValueError("cook_to_pack_minutes and default_cook_minutes must be >= 0")

    @property
    def slot_portions(self) -> int:
        """Portions the kitchen packs in one 15-minute slot over all lines."""
        return self.packing_lines * self.portions_per_slot

    def lead(self, category: str) -> int:
        """Cooking minutes of a dish of ``category``."""
        return self.cook_minutes.get(category, self.default_cook_minutes)


@dataclass(frozen=True)
class TripLoad:
    """What one trip takes from the kitchen.

    Attributes:
        trip: trip id (e.g. ``V1-2``).
        ready_min: when the router wants the load ready (departure minus loading).
        portions: dish portions packed for it.
        cook_minutes: the longest cooking lead of its dishes.
        last_bulk_arrival_min: when it reaches its last canteen or dining point (None:
            no bulk meals); bulk meals must be eaten within the bulk hold of cooking.
        last_home_arrival_min: when it reaches its last home (None: no home meals); home
            boxes must arrive within the home hold of packing.
    """

    trip: str
    ready_min: int
    portions: int
    cook_minutes: int = 0
    last_bulk_arrival_min: int | None = None
    last_home_arrival_min: int | None = None

    def slack_minutes(
        self,
        *,
        home_hold_minutes: int | None,
        bulk_hold_minutes: int | None,
        cook_to_pack_minutes: int,
    ) -> int | None:
        """Minutes the trip can be packed before its ready time with no stop past its
        hold limit (negative: past it even when packed at the ready time; None: no limit
        known). Packed at ``ready - s``, its last home is reached ``last_home - ready + s``
        after packing (home hold: pack -> arrive) and its last bulk stop at best
        ``last_bulk - ready + s + cook_to_pack`` after cooking finished (bulk hold: cook
        -> eat); the slack is the largest ``s`` both allow."""
        limits = []
        if home_hold_minutes is not None and self.last_home_arrival_min is not None:
            limits.append(home_hold_minutes - (self.last_home_arrival_min - self.ready_min))
        if bulk_hold_minutes is not None and self.last_bulk_arrival_min is not None:
            late = self.last_bulk_arrival_min - self.ready_min + cook_to_pack_minutes
            limits.append(bulk_hold_minutes - late)
        return min(limits) if limits else None


@dataclass(frozen=True)
class TripPack:
    """When one trip's portions are packed.

    Attributes:
        trip, ready_min, portions: as in :class:`TripLoad`.
        pack_start_min, pack_finish_min: its packing window (finish: its packed time).
        slots: ``(slot start, portions packed in it)`` in time order.
    """

    trip: str
    ready_min: int
    portions: int
    pack_start_min: int
    pack_finish_min: int
    slots: tuple[tuple[int, int], ...] = ()

    @property
    def early(self) -> bool:
        """Capacity made the trip packed before the ready time the router wanted."""
        return self.pack_finish_min < self.ready_min


@dataclass(frozen=True)
class Wave:
    """A cooking wave and the trips it feeds (as :func:`schedule_kitchen` timed it)."""

    number: int
    cook_start_min: int
    cook_finish_min: int
    packs: tuple[TripPack, ...]
    forecast: bool = False  # cooking starts before the headcount cut-off


@dataclass(frozen=True)
class KitchenSchedule:
    waves: tuple[Wave, ...]
    packs: Mapping[str, TripPack]  # by trip
    slot_portions: int  # capacity per slot

    def slot_load(self) -> dict[int, int]:
        """Portions packed per slot start (what the capacity check reads)."""
        load: dict[int, int] = {}
        for p in self.packs.values():
            for start, n in p.slots:
                load[start] = load.get(start, 0) + n
        return dict(sorted(load.items()))

    @property
    def early(self) -> tuple[TripPack, ...]:
        return tuple(p for p in self.packs.values() if p.early)


def _slot_of(minute: int) -> int:
    return minute - minute % SLOT_MINUTES


def pack_trips(
    trips: Iterable[TripLoad],
    capacity: KitchenCapacity,
    *,
    home_hold_minutes: int | None = None,
    bulk_hold_minutes: int | None = None,
) -> dict[str, TripPack]:
    """Step 1 of the module docstring: the slots swept from the latest backwards, each
    slot's capacity given to the trips that may use it (ready after the slot starts,
    portions left; a slot that ends after a trip's ready time offers it only its share up
    to the ready time) in this order: trips not started yet that must start in this slot
    or be packed too early (their earliest safe packed time, ready minus
    :meth:`TripLoad.slack_minutes`, after the slot's start; those that can still make it
    before those already too early), then trips already started (their packing goes on),
    then the other trips not started yet; within a group least slack first (a trip
    without a known limit after those with one), then latest ready, then trip id
    (deterministic whatever the input order). Without hold limits no trip is urgent and
    the order is latest ready first. A trip starting in a slot its earliest safe packed
    time lies in keeps that slot even when a larger, looser trip started later wants it:
    a greedy per trip (least slack first, each as late as possible) let a large trip
    ready a quarter later spill back into that slot and push a tight home trip out."""
    per_slot = capacity.slot_portions
    todo = sorted(trips, key=lambda t: t.trip)
    slack = {
        t.trip: t.slack_minutes(
            home_hold_minutes=home_hold_minutes,
            bulk_hold_minutes=bulk_hold_minutes,
            cook_to_pack_minutes=capacity.cook_to_pack_minutes,
        )
        for t in todo
    }

    def key(t: TripLoad) -> tuple[bool, int, int, str]:
        s = slack[t.trip]
        return (s is None, s or 0, -t.ready_min, t.trip)

    def safe(t: TripLoad) -> int | None:
        """The earliest packed time that keeps every stop within its hold limit."""
        s = slack[t.trip]
        return None if s is None else t.ready_min - max(0, s)

    left = {t.trip: t.portions for t in todo}
    got: dict[str, list[tuple[int, int]]] = {t.trip: [] for t in todo}
    busy = [t for t in todo if t.portions > 0]
    slot = _slot_of(max((t.ready_min for t in busy), default=0) - 1)
    while any(left[t.trip] > 0 for t in busy):
        used = 0
        able = [t for t in busy if left[t.trip] > 0 and t.ready_min > slot]

        def group(t: TripLoad, slot: int = slot) -> tuple[int, bool]:
            if got[t.trip]:
                return (1, False)
            at = safe(t)
            if at is not None and at > slot:
                return (0, at > slot + SLOT_MINUTES)  # must start here (missed: after)
            return (2, False)

        for t in sorted(able, key=lambda t: (*group(t), *key(t))):
            share = min(SLOT_MINUTES, t.ready_min - slot)
            take = min(per_slot * share // SLOT_MINUTES - used, left[t.trip])
            if take > 0:
                used += take
                got[t.trip].append((slot, take))
                left[t.trip] -= take
        slot -= SLOT_MINUTES
    out: dict[str, TripPack] = {}
    for t in todo:
        slots = sorted(got[t.trip])
        if not slots:  # nothing to pack: packed when the router wanted it
            out[t.trip] = TripPack(t.trip, t.ready_min, 0, t.ready_min, t.ready_min)
            continue
        last_start, last_n = slots[-1]
        finish = min(t.ready_min, last_start + SLOT_MINUTES)
        if len(slots) == 1:
            # alone in its slot: it takes as many minutes as its share of the slot
            minutes = -(-last_n * SLOT_MINUTES // per_slot)
            start = max(last_start, finish - max(minutes, 1))
        else:
            start = slots[0][0]
        out[t.trip] = TripPack(t.trip, t.ready_min, t.portions, start, finish, tuple(slots))
    return out


def schedule_kitchen(
    trips: Sequence[TripLoad],
    capacity: KitchenCapacity,
    *,
    cutoff_min: int | None = None,
    bulk_hold_minutes: int | None = None,
    home_hold_minutes: int | None = None,
    group_within_minutes: int = 30,
) -> KitchenSchedule:
    """Pack, group into cooking waves and mark forecast cooking (module docstring); the
    hold limits order the packing by slack (:func:`pack_trips`)."""
    packs = pack_trips(
        trips, capacity, home_hold_minutes=home_hold_minutes, bulk_hold_minutes=bulk_hold_minutes
    )
    loads = {t.trip: t for t in trips}
    order = sorted(packs.values(), key=lambda p: (p.pack_start_min, p.trip))
    groups: list[list[TripPack]] = []
    for p in order:
        if groups:
            first = groups[-1][0].pack_start_min
            finish = first - capacity.cook_to_pack_minutes
            bulk = loads[p.trip].last_bulk_arrival_min
            fresh = bulk_hold_minutes is None or bulk is None or bulk - finish <= bulk_hold_minutes
            if p.pack_start_min - first <= group_within_minutes and fresh:
                groups[-1].append(p)
                continue
        groups.append([p])
    waves = []
    for number, group in enumerate(groups, start=1):
        finish = min(p.pack_start_min for p in group) - capacity.cook_to_pack_minutes
        lead = max((loads[p.trip].cook_minutes for p in group), default=0)
        start = finish - lead
        forecast = cutoff_min is not None and start < cutoff_min
        waves.append(Wave(number, start, finish, tuple(group), forecast))
    return KitchenSchedule(tuple(waves), packs, capacity.slot_portions)
