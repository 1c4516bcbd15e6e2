"""Render the view models to HTML (for the web panel) and to PDF with WeasyPrint.

Templates live in ``mealplan/documents/templates``; the stylesheet is inlined, fonts are the
system's Noto CJK (Debian package ``fonts-noto-cjk``) named in the CSS, and nothing is
fetched from the network. Every function takes ``lang="zh"`` (default) or ``"en"``, and
``generated_at`` (default now) for the footer.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from mealplan.documents.i18n import Translator, check_lang, date_minute, hhmm, yuan
from mealplan.documents.models import (
    BoxLabel,
    LabelSheet,
    NutrientReport,
    ProductionSheet,
    PurchaseListSheet,
    RouteSheet,
    WeeklyMenu,
)
from mealplan.documents.svg import route_map_svg
from mealplan.domain.production import SUPPLIER_ORDER, PurchaseLine
from mealplan.parallel import run_each

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).parent / "templates"

Document = (
    RouteSheet | ProductionSheet | PurchaseListSheet | LabelSheet | WeeklyMenu | NutrientReport
)

_TEMPLATE_OF: dict[type[Any], tuple[str, str]] = {
    RouteSheet: ("route_sheet.html", "route_sheet"),
    ProductionSheet: ("production_sheet.html", "production_sheet"),
    PurchaseListSheet: ("purchase_list.html", "purchase_list"),
    LabelSheet: ("labels.html", "labels"),
    WeeklyMenu: ("weekly_menu.html", "weekly_menu"),
    NutrientReport: ("nutrient_report.html", "nutrient_report"),
}


def css_string(value: object) -> Markup:
    """A CSS string literal's content (for ``content: "..."`` in the inlined stylesheet):
    backslash, quotes, newlines and ``<`` escaped the CSS way; safe inside ``<style>``."""
    out = []
    for ch in str(value):
        if ch in "\\\"'<>&" or ch in "\n\r\f" or ord(ch) < 0x20:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return Markup("".join(out))


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["hhmm"] = hhmm
    env.filters["yuan"] = yuan
    env.filters["css_string"] = css_string
    env.globals["date_minute"] = date_minute
    return env


# --------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class PurchaseGroup:
    """The lines of one supplier category with its subtotals."""

    category: str
    lines: tuple[PurchaseLine, ...]

    @property
    def cost_fen(self) -> int:
        return sum(p.cost_fen for p in self.lines)

    @property
    def kg(self) -> float:
        return round(sum(p.kg for p in self.lines), 3)


def purchase_groups(lines: Sequence[PurchaseLine]) -> list[PurchaseGroup]:
    """Purchase lines grouped by supplier category, in the printed order."""
    by_cat: dict[str, list[PurchaseLine]] = {}
    for line in lines:
        by_cat.setdefault(line.supplier_category, []).append(line)
    order = sorted(by_cat, key=lambda c: SUPPLIER_ORDER.get(c, len(SUPPLIER_ORDER)))
    return [PurchaseGroup(c, tuple(by_cat[c])) for c in order]


def route_map_for(sheet: RouteSheet, width: int = 300, height: int = 220) -> str:
    """The trip's map (kitchen then stops); empty when the kitchen has no coordinates."""
    if sheet.kitchen.lat is None or sheet.kitchen.lon is None:
        return ""
    points = [(sheet.kitchen.lat, sheet.kitchen.lon)]
    points += [(s.lat, s.lon) for s in sheet.stops]
    return route_map_svg(points, width, height, labels=[str(s.seq) for s in sheet.stops])


def labels_for_route(
    sheet: RouteSheet, *, cooked_min: int | None = None, hold_limit_minutes: int | None = None
) -> tuple[BoxLabel, ...]:
    """Box labels for a trip: one per stop and diet profile (a site's box group of that
    profile; at a home stop, the elder's meal).

    ``cooked_min`` defaults to the trip's ready time; ``eat_by = cooked + hold limit``
    (default the sheet's ``hold_limit_minutes``), or the stop's own eat-by time when it is
    earlier.
    """
    cooked = sheet.ready_min if cooked_min is None else cooked_min
    hold = sheet.hold_limit_minutes if hold_limit_minutes is None else hold_limit_minutes
    labels = []
    for stop, (first, last) in zip(sheet.stops, sheet.box_ranges(), strict=True):
        eat_by = cooked + hold
        if stop.eat_by_min is not None:
            eat_by = min(eat_by, stop.eat_by_min)
        boxes = "" if last < first else (str(first) if first == last else f"{first}-{last}")
        for meal in stop.meals:
            if meal.count <= 0:
                continue
            labels.append(
                BoxLabel(
                    recipient=stop.name,
                    kind=stop.kind,
                    profile_name=meal.profile_name,
                    count=meal.count,
                    iddsi_level=meal.iddsi_level,
                    allergens=meal.allergens,
                    cooked_min=cooked,
                    eat_by_min=eat_by,
                    halal=meal.halal,
                    dishes=meal.dishes,
                    boxes=boxes,
                    vehicle=sheet.vehicle,
                    trip_seq=sheet.trip_seq,
                    stop_seq=stop.seq,
                    profile_name_en=meal.profile_name_en,
                )
            )
    return tuple(labels)


# --------------------------------------------------------------------------- rendering


def _as_docs(doc: Document | Sequence[Document]) -> list[Document]:
    docs: list[Document] = list(doc) if isinstance(doc, Sequence) else [doc]
    if not docs:
        raise ValueError("nothing to render: no documents given")
    kinds = {type(d) for d in docs}
    if len(kinds) != 1 or next(iter(kinds)) not in _TEMPLATE_OF:
        names = ", ".join(sorted(k.__name__ for k in kinds))
        raise TypeError(f"render one kind of document at a time, got {names}")
    return docs


def render_html(
    doc: Document | Sequence[Document],
    *,
    lang: str = "zh",
    generated_at: dt.datetime | None = None,
) -> str:
    """A complete HTML page for one document or several of the same kind (e.g. every
    trip's route sheet, each starting on a new page).

    Raises:
        ValueError: unknown ``lang`` or no documents; TypeError: mixed or unknown kinds.
    """
    check_lang(lang)
    docs = _as_docs(doc)
    template, title_key = _TEMPLATE_OF[type(docs[0])]
    t = Translator(lang)
    moment = (generated_at or dt.datetime.now()).strftime("%Y-%m-%d %H:%M")
    return (
        _env()
        .get_template(template)
        .render(
            docs=docs,
            t=t,
            lang=lang,
            title=t(title_key),
            kitchen_name=docs[0].kitchen.name,
            generated=moment,
            route_map=lambda sheet: Markup(route_map_for(sheet)),
            purchase_groups=purchase_groups,
        )
    )


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of a page produced by :func:`render_html` (WeasyPrint, no network)."""
    from weasyprint import HTML  # imported here: loading Pango takes a moment

    pdf = HTML(string=html, base_url=str(TEMPLATES_DIR)).write_pdf()
    if not isinstance(pdf, bytes):  # pragma: no cover - write_pdf() without target
        raise TypeError("WeasyPrint returned no bytes")
    return pdf


def html_to_pdf_many(htmls: Sequence[str], workers: int = 1) -> list[bytes]:
    """PDF bytes of several pages from :func:`render_html`, in order.

    With ``workers`` > 1 the pages are rendered side by side in that many processes
    (WeasyPrint's layout is single-threaded and the daily plan's documents are
    independent), largest page first so that the longest one starts at once.
    """
    done = dict(
        run_each(html_to_pdf, [(h,) for h in htmls], workers, priority=lambda i: -len(htmls[i]))
    )
    return [done[i] for i in range(len(htmls))]


def render_pdf(
    doc: Document | Sequence[Document],
    *,
    lang: str = "zh",
    generated_at: dt.datetime | None = None,
) -> bytes:
    """PDF bytes for one document or several of the same kind (A4 portrait)."""
    return html_to_pdf(render_html(doc, lang=lang, generated_at=generated_at))


def route_sheets_pdf(
    sheets: RouteSheet | Sequence[RouteSheet],
    *,
    lang: str = "zh",
    generated_at: dt.datetime | None = None,
) -> bytes:
    """Driver route sheets, one or more trips, each trip starting on a new page."""
    return render_pdf(sheets, lang=lang, generated_at=generated_at)


def production_sheet_pdf(
    sheet: ProductionSheet, *, lang: str = "zh", generated_at: dt.datetime | None = None
) -> bytes:
    """The kitchen production sheet."""
    return render_pdf(sheet, lang=lang, generated_at=generated_at)


def purchase_list_pdf(
    sheet: PurchaseListSheet, *, lang: str = "zh", generated_at: dt.datetime | None = None
) -> bytes:
    """The purchase list grouped by supplier category."""
    return render_pdf(sheet, lang=lang, generated_at=generated_at)


def labels_pdf(
    sheet: LabelSheet, *, lang: str = "zh", generated_at: dt.datetime | None = None
) -> bytes:
    """Box labels on A4 label sheets."""
    return render_pdf(sheet, lang=lang, generated_at=generated_at)


def weekly_menu_pdf(
    menu: WeeklyMenu | Sequence[WeeklyMenu],
    *,
    lang: str = "zh",
    generated_at: dt.datetime | None = None,
) -> bytes:
    """The public weekly menu of one canteen (or several, one per page)."""
    return render_pdf(menu, lang=lang, generated_at=generated_at)


def nutrient_report_pdf(
    report: NutrientReport, *, lang: str = "zh", generated_at: dt.datetime | None = None
) -> bytes:
    """The nutrient report per profile per day and per week."""
    return render_pdf(report, lang=lang, generated_at=generated_at)
