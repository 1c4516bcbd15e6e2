"""Vehicles and drivers."""

from __future__ import annotations

from mealplan.domain.schemas import DRIVERS, VEHICLES
from mealplan.io.kinds.base import Kind


class Vehicles(Kind):
    schema = VEHICLES


class Drivers(Kind):
    schema = DRIVERS
