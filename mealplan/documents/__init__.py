"""Printed documents: driver route sheets, the kitchen production sheet, the purchase list
(PDF and XLSX), box labels, the public weekly menu and the nutrient report.

Chinese by default, English with ``lang="en"``; HTML from Jinja2 templates, PDF with
WeasyPrint. The use cases fill the view models of :mod:`mealplan.documents.models`.
"""

from mealplan.documents.models import (
    BoxLabel,
    KitchenInfo,
    LabelSheet,
    MenuEntry,
    MenuProfile,
    NutrientReport,
    NutrientRow,
    NutrientSection,
    PriceNote,
    ProductionSheet,
    PurchaseListSheet,
    RouteSheet,
    RouteStopView,
    StopMeals,
    WeeklyMenu,
)
from mealplan.documents.render import (
    Document,
    html_to_pdf,
    labels_for_route,
    labels_pdf,
    nutrient_report_pdf,
    production_sheet_pdf,
    purchase_groups,
    purchase_list_pdf,
    render_html,
    render_pdf,
    route_sheets_pdf,
    weekly_menu_pdf,
)
from mealplan.documents.svg import PALETTE, MapPoint, MapRoute, MapTrip, route_map_svg, routes_svg
from mealplan.documents.xlsx import purchase_list_xlsx

__all__ = [
    "PALETTE",
    "BoxLabel",
    "Document",
    "KitchenInfo",
    "LabelSheet",
    "MapPoint",
    "MapRoute",
    "MapTrip",
    "MenuEntry",
    "MenuProfile",
    "NutrientReport",
    "NutrientRow",
    "NutrientSection",
    "PriceNote",
    "ProductionSheet",
    "PurchaseListSheet",
    "RouteSheet",
    "RouteStopView",
    "StopMeals",
    "WeeklyMenu",
    "html_to_pdf",
    "labels_for_route",
    "labels_pdf",
    "nutrient_report_pdf",
    "production_sheet_pdf",
    "purchase_groups",
    "purchase_list_pdf",
    "purchase_list_xlsx",
    "render_html",
    "render_pdf",
    "route_map_svg",
    "route_sheets_pdf",
    "routes_svg",
    "weekly_menu_pdf",
]
