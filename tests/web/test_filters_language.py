"""Language-dependent template filters follow each request's language, also when applied
to a literal (Jinja would otherwise fold ``{{ "delivered"|label }}`` into the language of
the template's first render: an English page once showed Chinese buttons after a Chinese
page had been served first)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale


def test_literal_labels_follow_the_language(app: Flask) -> None:
    template = app.jinja_env.from_string(
        '{{ "delivered"|label }}|{{ "service"|field_label }}|{{ "lunch"|msg }}'
    )
    with app.test_request_context():
        with force_locale("zh_Hans_CN"):
            zh = template.render()
        with force_locale("en"):
            en = template.render()
        with force_locale("zh_Hans_CN"):
            again = template.render()
    assert zh.startswith("已送达|") and en.startswith("Delivered|") and again == zh


def test_monthly_report_in_english_after_chinese(
    client: FlaskClient, auth: Any, world: Any
) -> None:
    """The monthly report's outcome headers are English for an English user right after a
    Chinese user saw the page (the same compiled template)."""
    auth.login_as("viewer")
    zh = client.get("/reports/monthly").get_data(as_text=True)
    assert "已送达" in zh
    auth.logout()
    auth.login_as("viewer", language="en")
    en = client.get("/reports/monthly").get_data(as_text=True)
    assert "Delivered" in en and "已送达" not in en
