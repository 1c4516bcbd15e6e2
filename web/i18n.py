"""Language: Simplified Chinese by default, English on request.

Source strings are English; ``web/translations/zh_Hans_CN/LC_MESSAGES/messages.po`` holds
the Chinese. ``pybabel compile -d web/translations`` makes the ``.mo`` the app reads;
without it the panel shows the English source strings (and logs a warning once).

The language is chosen by the ``/lang/<code>`` link (kept in the session and on the user),
else the user's stored language, else Chinese.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, session
from flask_babel import Babel, get_locale
from flask_login import current_user

from mealplan.services.records import minutes_to_hhmm
from mealplan.services.users import LANGUAGES
from web.labels import choice_label, field_label

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "zh_Hans_CN"
LANGUAGE_NAMES = {"zh_Hans_CN": "中文", "en": "English"}


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    if current_user.is_authenticated and current_user.language in LANGUAGES:
        return str(current_user.language)
    return DEFAULT_LANGUAGE


def is_english() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "en"


def local_name(obj: Any) -> str:
    """``name_en`` in English when there is one, else ``name_zh`` (or ``name``)."""
    if is_english() and getattr(obj, "name_en", ""):
        return str(obj.name_en)
    return str(getattr(obj, "name_zh", None) or getattr(obj, "name", ""))


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale)
    for directory in str(app.config["BABEL_TRANSLATION_DIRECTORIES"]).split(";"):
        mo = Path(directory) / DEFAULT_LANGUAGE / "LC_MESSAGES" / "messages.mo"
        if not mo.exists():
            log.warning(
                "no compiled catalogue at %s: the panel shows English "
                "(run: pybabel compile -d web/translations)",
                mo,
            )
    app.jinja_env.filters["hhmm"] = minutes_to_hhmm
    app.jinja_env.filters["local_name"] = local_name
    app.jinja_env.filters["label"] = choice_label
    app.jinja_env.filters["field_label"] = field_label

    @app.context_processor
    def _language() -> dict[str, Any]:
        return {
            "LANGUAGE_NAMES": LANGUAGE_NAMES,
            "current_language": select_locale,
            "is_english": is_english,
        }
