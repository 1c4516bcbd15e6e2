"""The shipped catalogue: ingredients, dishes and the default nutrition groups.

``load_catalogue`` reads ``mealplan/data/ingredients.csv`` and ``mealplan/data/dishes.csv``
(the import formats of ``ingredients`` and ``dishes``) through the same importer as user
files, then creates the default nutrition groups that do not exist yet. Running it again
changes nothing; an edited catalogue file updates what changed.
"""

from __future__ import annotations

import logging
from importlib import resources
from typing import Any

from sqlalchemy.orm import Session

from mealplan.io.importing import ImportReport, import_table
from mealplan.services.reference import ensure_nutrition_groups

log = logging.getLogger(__name__)

CATALOGUE_FILES: tuple[tuple[str, str], ...] = (
    ("ingredients", "ingredients.csv"),
    ("dishes", "dishes.csv"),
    ("meal-structures", "meal_structures.csv"),
)


def load_catalogue(session: Session, *, actor: str = "catalogue") -> dict[str, Any]:
    """Load the shipped ingredients, dishes and nutrition groups into ``session``.

    Returns ``{"ingredients": ImportReport, "dishes": ImportReport,
    "nutrition_groups_created": int}``; the caller commits.
    """
    out: dict[str, Any] = {}
    data_dir = resources.files("mealplan.data")
    for kind, name in CATALOGUE_FILES:
        data = data_dir.joinpath(name).read_bytes()
        report: ImportReport = import_table(
            session, kind, data, filename=f"mealplan/data/{name}", actor=actor
        )
        out[kind] = report
    out["nutrition_groups_created"] = ensure_nutrition_groups(session)
    log.info(
        "catalogue: %s; %s; %d nutrition group(s) created",
        out["ingredients"].summary(),
        out["dishes"].summary(),
        out["nutrition_groups_created"],
    )
    return out
