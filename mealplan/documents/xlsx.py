"""The purchase list as an XLSX workbook (one sheet, grouped by supplier category)."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from mealplan.documents.i18n import Translator, check_lang
from mealplan.documents.models import PurchaseListSheet
from mealplan.documents.render import purchase_groups
from mealplan.domain.values import guard_formula

KG_FORMAT = "0.000"
YUAN_FORMAT = "#,##0.00"

_BOLD = Font(bold=True)
_GROUP_FILL = PatternFill("solid", fgColor="DCDCDC")
_HEADER_FILL = PatternFill("solid", fgColor="E8E8E8")


def purchase_list_xlsx(
    sheet: PurchaseListSheet, *, lang: str = "zh", generated_at: dt.datetime | None = None
) -> bytes:
    """The purchase list as XLSX bytes.

    Layout: title rows (list, kitchen, date, the waste-allowance rule), a bold header row
    (category, code, ingredient, kg, price yuan/kg, cost yuan), then per supplier category a
    bold group row, its ingredients and a bold subtotal row, and a bold grand-total row.
    Numbers are stored as values (not formulas) so the file reads the same everywhere: kg
    with three decimals, money in yuan with two.
    """
    check_lang(lang)
    t = Translator(lang)
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook always has one sheet
    ws.title = t("purchase_list")
    moment = (generated_at or dt.datetime.now()).strftime("%Y-%m-%d %H:%M")

    ws.append([f"{t('purchase_list')} · {sheet.kitchen.name}"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([t("date"), sheet.date.isoformat(), "", t("generated_at"), moment])
    ws.append([t("waste_note", pct=f"{sheet.waste_allowance * 100:g}%")])
    ws.append([])
    headers = [
        t("supplier_category"),
        t("code"),
        t("ingredient"),
        t("quantity_kg"),
        t("price_per_kg"),
        t("cost"),
    ]
    ws.append(headers)
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
    ws.freeze_panes = f"A{header_row + 1}"

    for group in purchase_groups(sheet.lines):
        label = t.code("supplier", group.category)
        ws.append([label])
        for cell in ws[ws.max_row]:
            cell.font = _BOLD
            cell.fill = _GROUP_FILL
        for line in group.lines:
            ws.append(
                [
                    label,
                    line.ingredient,
                    t.name(line.name_zh, line.name_en),
                    line.kg,
                    line.price_fen_per_kg / 100,
                    line.cost_fen / 100,
                ]
            )
            row = ws.max_row
            ws.cell(row=row, column=4).number_format = KG_FORMAT
            ws.cell(row=row, column=5).number_format = YUAN_FORMAT
            ws.cell(row=row, column=6).number_format = YUAN_FORMAT
        ws.append([f"{t('subtotal')} · {label}", "", "", "", "", group.cost_fen / 100])
        row = ws.max_row
        for cell in ws[row]:
            cell.font = _BOLD
        ws.cell(row=row, column=6).number_format = YUAN_FORMAT

    ws.append([t("total"), "", "", "", "", sheet.total_cost_fen / 100])
    row = ws.max_row
    for cell in ws[row]:
        cell.font = _BOLD
    ws.cell(row=row, column=6).number_format = YUAN_FORMAT

    for column, width in zip("ABCDEF", (14, 22, 26, 14, 16, 14), strict=True):
        ws.column_dimensions[column].width = width

    for cells in ws.iter_rows():  # formula-like names stay text (docs/imports.md)
        for cell in cells:
            if isinstance(cell.value, str):
                cell.value, cell.data_type = guard_formula(cell.value), "s"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
