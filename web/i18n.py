"""Language: Simplified Chinese by default, English on request.

Source strings are English; ``web/translations/zh_Hans_CN/LC_MESSAGES/messages.po`` holds
the Chinese. The package build compiles it into the ``.mo`` the app reads (``setup.py``;
``make translations`` or ``pybabel compile -d web/translations`` by hand). Should a
directory have the ``.po`` but no ``.mo`` (a source tree never built), the app compiles
it at start into ``<instance>/translations``; with neither, the panel shows the English
source strings (and logs a warning once).

The language is chosen by the header's switch (``POST /lang/<code>`` with the CSRF token;
kept in the session and on the user), else the user's stored language, else Chinese.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, session
from flask_babel import Babel, get_locale
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context

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


def _compile_into(po: Path, mo: Path) -> bool:
    """Compile ``po`` into ``mo`` (written whole, then renamed); False if that fails."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    try:
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.parent.parent.name)
        mo.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=mo.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalog)
        os.replace(tmp, mo)
    except (OSError, ValueError) as exc:
        log.warning("cannot compile %s into %s: %s", po, mo, exc)
        return False
    return True


def catalogue_directories(configured: str, instance_path: str) -> str:
    """The translation directories to use: each configured one that has its compiled
    catalogue; one that has only the ``.po`` is compiled into ``<instance>/translations``
    and that folder is used instead."""
    out = []
    for directory in configured.split(";"):
        messages = Path(directory) / DEFAULT_LANGUAGE / "LC_MESSAGES"
        if (messages / "messages.mo").exists() or not (messages / "messages.po").exists():
            out.append(directory)
            continue
        compiled = Path(instance_path) / "translations"
        target = compiled / DEFAULT_LANGUAGE / "LC_MESSAGES" / "messages.mo"
        if _compile_into(messages / "messages.po", target):
            log.info("compiled the %s catalogue into %s", DEFAULT_LANGUAGE, target)
            out.append(str(compiled))
        else:
            out.append(directory)
    return ";".join(out)


def per_render(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` as a template filter evaluated at every render. Jinja folds a filter applied
    to a literal (``{{ "delivered"|label }}``) into a constant when it compiles the template,
    so a language-dependent filter would keep the language of the page's first render;
    a filter that takes the render context is never folded."""

    @pass_context
    def filter_(_context: Context, *args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    return filter_


def init_app(app: Flask) -> None:
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = catalogue_directories(
        str(app.config["BABEL_TRANSLATION_DIRECTORIES"]), app.instance_path
    )
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
    app.jinja_env.filters["local_name"] = per_render(local_name)
    app.jinja_env.filters["label"] = per_render(choice_label)
    app.jinja_env.filters["field_label"] = per_render(field_label)

    @app.context_processor
    def _language() -> dict[str, Any]:
        return {
            "LANGUAGE_NAMES": LANGUAGE_NAMES,
            "current_language": select_locale,
            "is_english": is_english,
        }
