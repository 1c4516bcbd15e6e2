"""Serving printed documents (menus, nutrient reports, route sheets) from the panel."""

from __future__ import annotations

from flask import Response, request

from web.i18n import is_english


def document_lang() -> str:
    """The document language: ``?lang=zh|en`` when given, else the panel's language."""
    lang = request.args.get("lang")
    if lang in ("zh", "en"):
        return lang
    return "en" if is_english() else "zh"


def document_response(html: str, pdf: bytes | None, name: str) -> Response:
    """The document as an HTML page, or as a PDF download named ``name`` when ``pdf`` is given."""
    if pdf is None:
        return Response(html, mimetype="text/html")
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
