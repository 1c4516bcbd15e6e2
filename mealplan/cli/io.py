"""``mealplan import`` and ``mealplan export``: reference tables in and out.

Heavy modules (pandas, openpyxl) are imported inside the commands so that the
other subcommands start fast.
"""

from __future__ import annotations

from pathlib import Path

import click

from mealplan.config import load_settings
from mealplan.db.session import unit_of_work

# Kept in sync with mealplan.domain.schemas.KIND_NAMES (a test checks it); listed here so that
# ``mealplan --help`` does not import pandas.
KIND_CHOICES = (
    "kitchens",
    "sites",
    "clients",
    "ingredients",
    "dishes",
    "diet-profiles",
    "nutrition-groups",
    "vehicles",
    "drivers",
    "headcounts",
    "meal-structures",
    "price-tiers",
    "subsidy-rules",
)


@click.command("import")
@click.argument("kind", type=click.Choice(KIND_CHOICES))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sheet", default=None, help="XLSX sheet to read (default: the first).")
@click.option(
    "--encoding",
    default=None,
    help="Text encoding of a CSV or JSON file, e.g. utf-8, gb18030, latin-1 (default: UTF-8, "
    "else Chinese GB18030; anything else is refused).",
)
def import_cmd(kind: str, file: Path, sheet: str | None, encoding: str | None) -> None:
    """Import FILE (CSV, XLSX or JSON; Chinese or English headers) as KIND.

    Every row is checked first; a file with any error is rejected as a whole, every
    error is listed, and nothing changes. Records are matched by code, so importing the
    same file again changes nothing.
    """
    from mealplan.io.importing import import_table

    settings = load_settings()
    with unit_of_work(settings) as session:
        report = import_table(
            session,
            kind,
            file,
            filename=file.name,
            actor="cli",
            sheet=sheet,
            planning=settings.planning,
            encoding=encoding,
        )
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(report.summary())


@click.command("export")
@click.argument("kind", type=click.Choice(KIND_CHOICES))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("csv", "xlsx", "json")),
    default="csv",
    show_default=True,
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Output file (default: standard output; required for xlsx).",
)
def export_cmd(kind: str, fmt: str, out: Path | None) -> None:
    """Export KIND as CSV, XLSX or JSON (CSV/XLSX in the import format)."""
    from mealplan.io.exporting import export_table

    if fmt == "xlsx" and out is None:
        raise click.UsageError("--format xlsx needs --out FILE")
    with unit_of_work(load_settings()) as session:
        data = export_table(session, kind, fmt)
    if out is None:
        click.echo(data, nl=False)  # bytes go to the binary stream unchanged
    else:
        out.write_bytes(data)
        click.echo(f"wrote {out} ({len(data)} bytes)", err=True)
