"""Messages from the application layer shown in the panel's language.

``mealplan`` and the solvers write plan warnings, job errors, import errors and warnings,
the routing solver's explanation of each unserved stop and follow-up reasons as English
text built from fixed templates (stored on plan runs and rows, so they cannot carry a
gettext call). The panel translates them here, in one place: each template below is a
catalogue msgid (Chinese in messages.po); a message that matches a template completely is
rendered from its translation with the same parameters, the parameters themselves
translated when they are messages or known words too (``unserved S1: hold_limit:
<message>``). A failed run's ``<ExceptionClass>: <message>`` is mealplan's own message
or an internal error. Anything unknown is shown as it is.

Templates use ``%(name)s``; ``%(name)s`` matches any text (shortest first), so a template
that is a prefix of another must come after it. Value problems of the one value parser
(:mod:`mealplan.domain.values`) are already msgids and are listed here too.
"""

from __future__ import annotations

import re
from functools import lru_cache

from flask import Flask, g
from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy import select

from mealplan.db.models import DietProfile
from mealplan.errors import MealplanError
from web.db import get_db
from web.i18n import is_english, per_render
from web.labels import CHOICE_LABELS

N_ = str  # marks a msgid for the catalogue without translating it here

TEMPLATES: tuple[str, ...] = (
    # plan warnings (mealplan.planning: demand, menus, routes, daily stages)
    N_("site %(code)s (%(name)s) has no report and no history: 0 meals planned"),
    N_("site %(code)s (%(name)s): %(flag)s, %(n)s meals"),
    N_("profile %(code)s has no meals in this period: not planned"),
    N_("no diet profile has meals in this period: nothing to plan"),
    N_("%(code)s: weekly food-group rules dropped (%(message)s)"),
    N_("%(code)s: no menu could be made (%(message)s)"),
    N_("%(code)s: no-repeat window shortened from %(old)s to %(new)s days (%(message)s)"),
    N_(
        "%(profile)s %(date)s %(service)s: locked meal kept, but a dish is inactive or has "
        "no recipe: not fixed for the solver"
    ),
    N_(
        "lock of %(code)s on vehicle %(vehicle)s not kept: no meals for it today, or the "
        "vehicle is not in its kitchen's active fleet"
    ),
    N_("locked stop %(code)s could not be served on its vehicle %(vehicle)s: the lock is dropped"),
    N_("unserved %(code)s: %(reason)s: %(message)s"),
    N_("kitchen %(code)s: %(message)s"),
    N_("cooking wave %(wave)s: a stop is reached after its eat-by time"),
    N_(
        "cooking wave %(wave)s: trip %(trip)s is packed by %(packed)s, before its ready time "
        "%(ready)s (packing capacity)"
    ),
    # why a profile has no menu (solvers.menu.explain, inside "no menu could be made")
    N_(
        "structure %(structure)s needs %(need)s %(what)s dish(es) but not enough are allowed "
        "for profile %(profile)s %(service)s (%(total)s %(category)s dishes; %(chain)s)"
    ),
    N_(
        "no meal for %(profile)s %(service)s meets the per-meal hard rules (cooking methods "
        "or bounds) within the search limit"
    ),
    N_(
        "no meal for %(profile)s %(service)s meets every hard rule: %(rules)s (closest meal: %(dishes)s)"
    ),
    # job errors (mealplan.services.jobs)
    N_("the job process ended without finishing; see its log"),
    N_("the job did not start within %(n)s min"),
    N_("the job has not finished after %(n)s h"),
    N_("the job could not be started: %(error)s"),
    N_("the %(kind)s job could not be started: %(error)s"),
    N_(
        "a %(kind)s job for %(date)s %(service)s is already queued or running (run %(run)s); "
        "wait for it to finish"
    ),
    N_("a daily plan is for one service at a time"),
    N_("days must be 1..28, got %(n)s"),
    # account errors (mealplan.services.users)
    N_("a driver user needs a driver record (--driver CODE)"),
    N_("only driver users are bound to a driver record, not %(role)s"),
    N_("a site_staff user needs a site (--site CODE)"),
    N_("only site_staff users are bound to a site, not %(role)s"),
    N_("user %(name)s already exists"),
    N_("the password needs at least %(n)s characters"),
    N_("no site with code %(code)s"),
    N_("no driver with code %(code)s"),
    # import errors and warnings (mealplan.io)
    N_("%(file)s, row %(row)s: %(message)s"),
    N_("not a column of this format"),
    N_("old .xls files are not read; save as .xlsx"),
    N_("unknown encoding"),
    N_("cannot decode as %(encoding)s: %(error)s"),
    N_("cannot read as CSV: %(error)s"),
    N_("cannot read as an XLSX workbook: %(error)s"),
    N_("the file has no data rows"),
    N_("required column %(name)s is missing"),
    N_("unknown dish code"),
    N_("unknown %(kind)s code"),
    N_("client %(code)s subscribes to no day"),
    N_("site %(code)s has no dinner window but reports dinner"),
    N_("dish %(code)s lists ingredient %(ingredient)s more than once"),
    N_("a dish cannot be its own base dish"),
    N_("a target needs both a service and a nutrient"),
    N_("a target needs a min, a max or both"),
    N_("max is below min %(min)s"),
    N_("duplicate %(kind)s (first at row %(row)s)"),
    N_("duplicate card number (first at row %(row)s)"),
    N_("card number held by client %(code)s"),
    N_("differs from row %(row)s of the same dish"),
    N_("differs from row %(row)s of the same group"),
    N_("(%(lat)s, %(lon)s) lies outside China; are latitude and longitude swapped?"),
    N_(
        "client %(code)s subscribes to dinner without a dinner window: the default "
        "%(window)s applies"
    ),
    N_(
        "the file is neither UTF-8 nor Chinese GBK/GB18030 text; save it as UTF-8 or name "
        "its encoding (e.g. --encoding latin-1)"
    ),
    N_("not valid JSON: nested too deeply"),
    N_("not valid JSON: %(error)s"),
    N_("expected a JSON array of objects"),
    N_("expected an object"),
    N_("an error value (or a date or time the spreadsheet cannot show): type the value"),
    N_(
        "a formula without a saved value: open and save the file in a spreadsheet, or type "
        "the value"
    ),
    # why a stop is unserved (solvers.routing: prechecks and the search; the call list)
    N_("%(stop)s: there are no vehicles"),
    N_(
        "%(stop)s needs %(hot)s hot boxes and %(cold)s cold items, but no vehicle has a hot "
        "compartment"
    ),
    N_(
        "%(stop)s needs %(hot)s hot boxes and %(cold)s cold items, but no vehicle has a cold "
        "compartment"
    ),
    N_(
        "%(stop)s needs %(hot)s hot boxes and %(cold)s cold items; the largest vehicle "
        "carries %(max_hot)s hot and %(max_cold)s cold (splitting is off)"
    ),
    N_(
        "%(stop)s needs %(hot)s hot boxes and %(cold)s cold items in one delivery; no single "
        "vehicle carries both (largest: %(max_hot)s hot, %(max_cold)s cold)"
    ),
    N_(
        "%(stop)s cannot be reached within %(limit)s min of the food being ready: the "
        "quickest direct trip takes %(hold)s min (vehicle %(vehicle)s from kitchen "
        "%(kitchen)s, incl. %(loading)s min loading)"
    ),
    N_("%(stop)s must be served between %(start)s and %(end)s, but %(why)s"),
    N_("no vehicle can serve it at %(time)s and be back before its shift ends"),
    N_("the earliest possible arrival is %(time)s (vehicle %(vehicle)s)"),
    N_(
        "%(stop)s: no vehicle both arrives within its window %(start)s-%(end)s and within "
        "%(limit)s min of the food being ready"
    ),
    N_("%(stop)s: the fleet has no vehicle capacity or time left to deliver these %(n)s meals"),
    N_(
        "%(stop)s: the fleet has no vehicle capacity or time left to deliver these %(n)s meals "
        "(all %(vehicles)s vehicles drive all their %(trips)s trips)"
    ),
    N_(
        "%(stop)s: the fleet has no vehicle capacity or time left to deliver these %(n)s meals "
        "(all %(vehicles)s vehicles drive all their %(trips)s trips; with hold limits of "
        "%(limits)s min each trip can only deliver shortly after it leaves)"
    ),
    N_("%(stop)s: no plan was found for its area (%(why)s)"),
    # a follow-up task's reason (mealplan.services.followups): a rating, then its comment
    N_("%(subject)s %(score)s/5: %(comment)s"),
    N_("%(subject)s %(score)s/5"),
    # price tiers and subsidy rules that cannot price a meal (mealplan.domain.pricing)
    N_("no price tier for %(service)s on %(date)s"),
    N_("%(n)s price tiers for %(service)s overlap on %(date)s (valid from %(starts)s)"),
    N_("the price tier for %(service)s from %(date)s has no price for category %(category)s"),
    N_("two %(level)s subsidy rules for category %(category)s on %(date)s"),
    N_("more than one 'rest' subsidy rule for category %(category)s"),
    N_(
        "category %(category)s on %(date)s: the elder's %(elder)s fen and the subsidies of "
        "%(fixed)s fen do not add up to the meal price of %(meal)s fen"
    ),
    # value problems (mealplan.domain.values; msgids already in the catalogue)
    "this field is required",
    "must be a whole number",
    "must be a number",
    "must be a time of day like 11:30",
    "expected a date as YYYY-MM-DD",
    "must be between %(min)s and %(max)s",
    "must be at least %(min)s",
    "must be at most %(max)s",
    "must be greater than %(min)s",
    "not a valid choice: %(value)s; expected %(expected)s",
    # a file-level warning (last: it matches any "text: text")
    N_("%(file)s: %(message)s"),
)

#: Words a template parameter may be (the demand flags, unserved reasons, record kinds).
WORDS: dict[str, str] = {
    "above_capacity": N_("above capacity"),
    "unusual": N_("unusual"),
    "kitchen": N_("kitchen"),
    "site": N_("site"),
    "diet profile": N_("diet profile"),
    "nutrition group": N_("nutrition group"),
    "ingredient": N_("ingredient"),
    "vehicle": N_("vehicle"),
    "dish": N_("dish"),
    # (services, dish categories and delivery outcomes come from web.labels.CHOICE_LABELS)
    # a kitchen's routing status when it has no plan (solvers.status.SolveStatus)
    "infeasible": N_("no plan meets the hard rules (infeasible)"),
    "no_solution": N_("the search stopped before finding any plan"),
    "error": N_("the solver failed; see the log"),
    "daily": N_("Daily plan"),  # job kinds
    "menu": N_("Weekly menus"),
    # unserved reasons and rating subjects (follow-up reasons, warnings)
    "hold_limit": N_("Hold limit"),
    "time_window": N_("Delivery window"),
    "too_large": N_("Too large for any vehicle"),
    "no_capacity": N_("Fleet full"),
    "not_routed": N_("Not routed in time"),
    "service": N_("Service quality"),
    # what a record's key is called (mealplan.domain.schemas: duplicates in a file)
    "kitchen code": N_("kitchen code"),
    "site code": N_("site code"),
    "client code": N_("client code"),
    "ingredient code": N_("ingredient code"),
    "dish code": N_("dish code"),
    "vehicle code": N_("vehicle code"),
    "driver code": N_("driver code"),
    "diet profile code": N_("diet profile code"),
    "meal structure code": N_("meal structure code"),
    "price tier code": N_("price tier code"),
    "subsidy rule code": N_("subsidy rule code"),
    "target (group/service/nutrient)": N_("target (group/service/nutrient)"),
    "headcount (date/service/site/profile)": N_("headcount (date/service/site/profile)"),
}

#: Words the English source text already reads well as ("needs 1 main dish(es)", "lunch"): only
#: translated for Chinese.
_SOURCE_WORDS = frozenset(
    {"staple", "main", "side", "vegetable", "soup", "fruit", "lunch", "dinner"}
)

_PARAM = re.compile(r"%\((\w+)\)s")

#: a failed run's error as the daily plan stores it: ``<exception class>: <message>``
_EXCEPTION = re.compile(r"^([A-Z]\w*(?:Error|Exception)): (.*)$", re.S)
INTERNAL_ERROR = N_("internal error (%(type)s): %(message)s; see the job's log")


def _mealplan_errors() -> set[str]:
    """Names of mealplan's own exception classes (their messages are for the user)."""
    names, todo = set(), [MealplanError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return names


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    out = []
    for template in TEMPLATES:
        parts = _PARAM.split(template)
        regex = ""
        for i, part in enumerate(parts):
            regex += re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)"
        out.append((re.compile(f"^{regex}$", re.S), template))
    return tuple(out)


def localise(text: object, _depth: int = 0) -> str:
    """``text`` in the panel's language when it is a known message, else unchanged."""
    if text is None:
        return ""
    text = str(text)
    if not text or _depth > 3:
        return text
    if text in WORDS and not (text in _SOURCE_WORDS and is_english()):
        return gettext(WORDS[text])
    if text in CHOICE_LABELS and not (text in _SOURCE_WORDS and is_english()):
        return str(CHOICE_LABELS[text])  # a vocabulary code: elder category, funder level...
    exc = _EXCEPTION.match(text)
    if exc is not None:  # a failed run: mealplan's own error is a message, anything else a bug
        name, message = exc.groups()
        if name in _mealplan_errors():
            return localise(message, _depth + 1)
        return gettext(INTERNAL_ERROR, type=name, message=message)
    for pattern, template in _patterns():
        m = pattern.match(text)
        if m is None:
            continue
        params = {k: localise(v.strip("'"), _depth + 1) for k, v in m.groupdict().items()}
        return gettext(template, **params)
    return text


def profile_name(code: object) -> str:
    """A diet profile's name in the panel's language (its code if unknown): tables show
    names, not codes. One query per request."""
    if "profile_names" not in g:
        rows = get_db().execute(select(DietProfile.code, DietProfile.name_zh, DietProfile.name_en))
        g.profile_names = {c: (zh, en) for c, zh, en in rows}
    zh, en = g.profile_names.get(str(code), (str(code), ""))
    return str(en or zh) if is_english() else str(zh or code)


def init_app(app: Flask) -> None:
    """The ``msg`` template filter (``{{ run.error|msg }}``) and ``profile_name``."""
    app.jinja_env.filters["msg"] = per_render(lambda text: Markup.escape(localise(text)))
    app.jinja_env.filters["profile_name"] = per_render(profile_name)


def error_message(exc: Exception) -> str:
    """A mealplan error in the panel's language: its catalogue template (``message``) with
    its parameters localised too (a pricing error inside a check-in refusal, a service
    code), or its text through :func:`localise`."""
    message = getattr(exc, "message", None)
    params = getattr(exc, "params", None)
    if isinstance(message, str) and isinstance(params, dict):
        return gettext(message, **{k: localise(v) for k, v in params.items()})
    return localise(str(exc))
