"""Values of record fields: the one parser and validator shared by the panel and the importer.

:func:`parse_value` turns a raw value (a string from a CSV cell or a form, a Python value
from XLSX or JSON, or an already typed value) into the stored value, checking type,
vocabulary, bounds, length and pattern; it raises :class:`ValueProblem` whose message is
an English template with ``%(name)s`` placeholders (marked with :func:`N_` so that the
panel's catalogue translates it; the importer shows it formatted). Formatting goes the
other way for forms and exports, so that export -> import round-trips exactly.

Pure functions: nothing here touches the database or the web.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from mealplan.domain.clock import hhmm, parse_hhmm_or_none

if TYPE_CHECKING:
    from mealplan.config import PlanningSettings
    from mealplan.domain.schemas import Field


def N_(message: str) -> str:
    """Mark a message for translation without translating it here (babel keyword ``N_``)."""
    return message


class FieldType(StrEnum):
    TEXT = "text"  # one line
    LONGTEXT = "longtext"  # notes: several lines
    CODE = "code"  # one value of a vocabulary (``choices``)
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    TIME = "time"  # HH:MM in files and forms, integer minutes since midnight in memory
    DATE = "date"
    DATETIME = "datetime"
    LIST = "list"  # ``;``-separated in CSV, a JSON array in JSON
    WEEKDAYS = "weekdays"  # ISO weekdays as a digit string, "12345"
    PAUSES = "pauses"  # client pauses: "2026-11-20..2026-11-25 住院; ..."


Pause = tuple[dt.date, dt.date, str]


class ValueProblem(ValueError):
    """A value a field refuses: ``message`` is a translatable template, ``params`` fill it."""

    def __init__(self, message: str, **params: object) -> None:
        self.message = message
        self.params: dict[str, object] = params
        super().__init__(message % params if params else message)


# --------------------------------------------------------------------------- normalising


def normalise_header(text: object) -> str:
    """A header cell in comparable form: NFKC, lower case, no units in brackets, no
    spaces, underscores, hyphens or required-markers."""
    s = unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "").strip().lower()
    s = re.sub(r"\(.*?\)|\[.*?\]|【.*?】", "", s)
    return re.sub(r"[\s_\-*:]+", "", s)


def normalise_choice(text: object) -> str:
    s = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"[\s_\-]+", "", s)


def choices_for(codes: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Build a ``choices`` table: each code accepts itself and its aliases."""
    table: dict[str, str] = {}
    for code, aliases in codes.items():
        for spelling in (code, *aliases):
            table[normalise_choice(spelling)] = code
    return table


def is_blank(raw: object) -> bool:
    if raw is None:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return True
    if isinstance(raw, str) and not raw.strip():
        return True
    return isinstance(raw, (list, tuple)) and len(raw) == 0


def number_text(value: float) -> str:
    """A bound as people write it: ``0``, ``0.01``, ``100000``."""
    return f"{value:g}" if not float(value).is_integer() else str(int(value))


# --------------------------------------------------------------------------- parsing

#: the most items a list value (tags, allergens, pauses) holds
MAX_LIST_ITEMS = 100
#: the longest reason of a client's pause (the ``client_pauses.reason`` column)
PAUSE_REASON_LENGTH = 200

#: the years a date may fall in (a typo such as 0202 or 20260 is refused)
FIRST_YEAR, LAST_YEAR = 2000, 2100

_TRUE = {"true", "t", "yes", "y", "1", "on", "是", "√", "✓", "对", "有", "启用"}
_FALSE = {"false", "f", "no", "n", "0", "off", "否", "×", "✗", "无", "停用"}
_LIST_SPLIT = re.compile(r"[;；,，、|]")
_CN_WEEKDAY = {"一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6", "日": "7",
               "天": "7", "七": "7"}  # fmt: skip
_ALL_WEEK = {"每天", "全周", "天天", "每日", "daily", "all", "alldays", "everyday"}
_WORKDAYS = {"工作日", "weekdays", "workdays"}


def _text(raw: object) -> str:
    if isinstance(raw, (Mapping, list, tuple, set, frozenset, bool)):
        raise ValueProblem(N_("expected text, not a list, an object or true/false"))
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))  # Excel stores codes and phone numbers as numbers
    if isinstance(raw, dt.datetime):
        return raw.isoformat(sep=" ")
    return str(raw).strip()


def _number(raw: object, whole: bool) -> float:
    problem = N_("must be a whole number") if whole else N_("must be a number")
    if isinstance(raw, bool):
        raise ValueProblem(problem)
    if isinstance(raw, (int, float)):
        try:
            value = float(raw)
        except OverflowError:  # an integer beyond any float
            raise ValueProblem(problem) from None
    else:
        try:
            value = float(unicodedata.normalize("NFKC", str(raw)).strip().replace(",", ""))
        except ValueError:
            raise ValueProblem(problem) from None
    if not math.isfinite(value) or (whole and not value.is_integer()):
        raise ValueProblem(problem)
    return value


def _bool(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    s = normalise_choice(raw)
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ValueProblem(N_("expected true/false (是/否)"))


def _time(raw: object) -> int:
    if isinstance(raw, dt.datetime):
        raw = raw.time()
    if isinstance(raw, dt.time):
        return raw.hour * 60 + raw.minute
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw <= 24 * 60:
        return raw  # already minutes since midnight (a typed value)
    if isinstance(raw, float) and 0 <= raw < 1:  # Excel time as a fraction of a day
        return round(raw * 1440)
    minutes = parse_hhmm_or_none(unicodedata.normalize("NFKC", str(raw)).strip(),
                                 allow_seconds=True)  # fmt: skip
    if minutes is None:
        raise ValueProblem(N_("must be a time of day like 11:30"))
    return minutes


def _date(raw: object) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    s = unicodedata.normalize("NFKC", str(raw)).strip()
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]00:00(?::00)?)?", s)
    if not m:
        m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", s)
    if not m:
        raise ValueProblem(N_("expected a date as YYYY-MM-DD"))
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as exc:
        raise ValueProblem(N_("not a valid date (%(reason)s)"), reason=str(exc)) from None


def _check_year(value: dt.date) -> None:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueProblem(
            N_("the year must be between %(first)s and %(last)s"), first=FIRST_YEAR, last=LAST_YEAR
        )


def _datetime(raw: object) -> dt.datetime:
    if isinstance(raw, dt.datetime):
        return raw.replace(microsecond=0)
    if isinstance(raw, dt.date):
        return dt.datetime(raw.year, raw.month, raw.day)
    s = unicodedata.normalize("NFKC", str(raw)).strip()
    try:
        return dt.datetime.fromisoformat(s).replace(microsecond=0, tzinfo=None)
    except ValueError:
        raise ValueProblem(N_("expected a date and time as YYYY-MM-DD HH:MM")) from None


def _expected(choices: Mapping[str, str]) -> str:
    return ", ".join(sorted(set(choices.values())))


def _list(raw: object, choices: Mapping[str, str] | None) -> list[str]:
    if isinstance(raw, (list, tuple, set, frozenset)):
        if len(raw) > MAX_LIST_ITEMS:
            raise ValueProblem(N_("at most %(n)s items"), n=MAX_LIST_ITEMS)
        items = [_text(x) for x in raw]
    else:
        items = [x.strip() for x in _LIST_SPLIT.split(_text(raw))]
    out: set[str] = set()
    bad: list[str] = []
    for item in items:
        if not item:
            continue
        if choices is not None:
            code = choices.get(normalise_choice(item))
            if code is None:
                bad.append(item)
                continue
            item = code
        out.add(item)
    if bad and choices is not None:
        raise ValueProblem(
            N_("not a valid choice: %(value)s; expected %(expected)s"),
            value=", ".join(bad),
            expected=_expected(choices),
        )
    return sorted(out)


def _weekdays(raw: object) -> str:
    if isinstance(raw, (list, tuple)):
        raw = "".join(str(x).strip() for x in raw)
    s = unicodedata.normalize("NFKC", _text(raw)).strip().lower()
    if s in _ALL_WEEK:
        return "1234567"
    if s in _WORKDAYS:
        return "12345"
    for cn, digit in _CN_WEEKDAY.items():
        s = s.replace(f"星期{cn}", digit).replace(f"周{cn}", digit).replace(cn, digit)
    s = s.replace("星期", "").replace("周", "")
    days: set[int] = set()
    problem = N_("use the digits 1-7 for Monday-Sunday, e.g. 12345")
    for a, b in re.findall(r"(\d)\s*[-~至到]\s*(\d)", s):
        lo, hi = int(a), int(b)
        if lo > hi:
            raise ValueProblem(problem)
        days.update(range(lo, hi + 1))
    s = re.sub(r"(\d)\s*[-~至到]\s*(\d)", "", s)
    for ch in s:
        if ch.isdigit():
            days.add(int(ch))
        elif ch not in " ,，、;；/":
            raise ValueProblem(problem)
    if any(d < 1 or d > 7 for d in days):
        raise ValueProblem(problem)
    return "".join(str(d) for d in sorted(days))


def _pauses(raw: object) -> list[Pause]:
    pauses: list[Pause] = []
    if isinstance(raw, (list, tuple)):
        for item in raw:
            if isinstance(item, tuple) and len(item) == 3:
                pauses.append((_date(item[0]), _date(item[1]), _text(item[2] or "")))
                continue
            if not isinstance(item, Mapping) or "start" not in item or "end" not in item:
                raise ValueProblem(N_('expected a list of {"start", "end", "reason"}'))
            reason = item.get("reason")
            pauses.append(
                (_date(item["start"]), _date(item["end"]), "" if reason is None else _text(reason))
            )
    else:
        for part in re.split(r"[;；]", _text(raw)):
            part = part.strip()
            if not part:
                continue
            m = re.fullmatch(r"(\S+?)\s*(?:\.\.|~|至|到)\s*(\S+?)(?:\s+(.*))?", part)
            if not m:
                raise ValueProblem(N_("expected pauses as YYYY-MM-DD..YYYY-MM-DD reason; ..."))
            pauses.append((_date(m.group(1)), _date(m.group(2)), (m.group(3) or "").strip()))
    for start, end, _reason in pauses:
        if end < start:
            raise ValueProblem(
                N_("pause ends (%(end)s) before it starts (%(start)s)"), end=end, start=start
            )
    pauses.sort()
    for (s1, e1, _), (s2, e2, _) in zip(pauses, pauses[1:], strict=False):
        if s2 <= e1:  # a client's pauses do not overlap (as the panel enforces)
            raise ValueProblem(
                N_("pauses overlap: %(first)s and %(second)s"),
                first=f"{s1}..{e1}",
                second=f"{s2}..{e2}",
            )
    return pauses


def _typed(f: Field, raw: object) -> Any:
    match f.type:
        case FieldType.TEXT | FieldType.LONGTEXT:
            return _text(raw)
        case FieldType.CODE:
            assert f.choices is not None
            code = f.choices.get(normalise_choice(_text(raw)))
            if code is None:
                raise ValueProblem(
                    N_("not a valid choice: %(value)s; expected %(expected)s"),
                    value=_text(raw),
                    expected=_expected(f.choices),
                )
            return code
        case FieldType.INT:
            return int(_number(raw, whole=True))
        case FieldType.FLOAT:
            return _number(raw, whole=False)
        case FieldType.BOOL:
            return _bool(raw)
        case FieldType.TIME:
            return _time(raw)
        case FieldType.DATE:
            return _date(raw)
        case FieldType.DATETIME:
            return _datetime(raw)
        case FieldType.LIST:
            return _list(raw, f.choices)
        case FieldType.WEEKDAYS:
            return _weekdays(raw)
        case FieldType.PAUSES:
            return _pauses(raw)
    raise AssertionError(f.type)  # pragma: no cover


#: characters no text field stores: control characters (a line break or tab only in notes),
#: lone surrogates (not encodable as UTF-8) and non-characters
_ONE_LINE_BAD = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_MULTI_LINE_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def check_text(value: str, max_length: int | None, *, multiline: bool = False) -> None:
    """A text value's length and characters; :class:`ValueProblem` if not storable."""
    if max_length is not None and len(value) > max_length:
        raise ValueProblem(N_("at most %(n)s characters"), n=max_length)
    bad = (_MULTI_LINE_BAD if multiline else _ONE_LINE_BAD).search(value)
    if bad is not None:
        raise ValueProblem(
            N_("contains a control character (%(char)s)"), char=f"U+{ord(bad.group()):04X}"
        )


def check_value(f: Field, value: Any) -> None:
    """Bounds, length and pattern of a typed, non-null value; :class:`ValueProblem` if not."""
    if f.type in (FieldType.INT, FieldType.FLOAT):
        lo, hi = f.min_value, f.max_value
        if lo is not None and hi is not None and not f.min_exclusive and not lo <= value <= hi:
            raise ValueProblem(
                N_("must be between %(min)s and %(max)s"), min=number_text(lo), max=number_text(hi)
            )
        if f.min_value is not None:
            if f.min_exclusive and value <= f.min_value:
                raise ValueProblem(N_("must be greater than %(min)s"), min=number_text(f.min_value))
            if value < f.min_value:
                raise ValueProblem(N_("must be at least %(min)s"), min=number_text(f.min_value))
        if f.max_value is not None and value > f.max_value:
            raise ValueProblem(N_("must be at most %(max)s"), max=number_text(f.max_value))
        if f.allowed is not None and value not in f.allowed:
            raise ValueProblem(
                N_("not a valid choice: %(value)s; expected %(expected)s"),
                value=number_text(value),
                expected=", ".join(str(a) for a in sorted(f.allowed)),
            )
    if f.type in (FieldType.DATE, FieldType.DATETIME):
        _check_year(value)
    if f.type in (FieldType.TEXT, FieldType.LONGTEXT):
        check_text(value, f.max_length, multiline=f.type is FieldType.LONGTEXT)
        if f.pattern is not None and value and not re.fullmatch(f.pattern, value):
            raise ValueProblem(N_("use letters, digits, '-', '_' or '.' only"))
    if f.type is FieldType.LIST:
        if len(value) > MAX_LIST_ITEMS:
            raise ValueProblem(N_("at most %(n)s items"), n=MAX_LIST_ITEMS)
        for item in value:
            check_text(item, f.max_length)
    if f.type is FieldType.PAUSES:
        if len(value) > MAX_LIST_ITEMS:
            raise ValueProblem(N_("at most %(n)s items"), n=MAX_LIST_ITEMS)
        for start, end, reason in value:
            _check_year(start)
            _check_year(end)
            check_text(reason, PAUSE_REASON_LENGTH)


def parse_value(f: Field, raw: object, planning: PlanningSettings | None = None) -> Any:
    """The typed, checked value of one raw value; :class:`ValueProblem` when it is invalid.

    A blank value gives the field's default (a fresh copy for lists; ``planning`` supplies
    configured defaults); a blank value of a required field is a problem.
    """
    if is_blank(raw):
        if f.required:
            raise ValueProblem(N_("this field is required"))
        return f.default_value(planning)
    value = _typed(f, raw)
    check_value(f, value)
    return value


# --------------------------------------------------------------------------- formatting


def format_json(f: Field, value: Any) -> Any:
    """A typed value as it appears in a JSON export."""
    if value is None:
        return None
    match f.type:
        case FieldType.TIME:
            return hhmm(int(value))
        case FieldType.DATE | FieldType.DATETIME:
            return str(value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value)
        case FieldType.LIST:
            return list(value)
        case FieldType.PAUSES:
            return [
                {"start": s.isoformat(), "end": e.isoformat(), "reason": r} for s, e, r in value
            ]
        case FieldType.FLOAT:
            return float(value)
    return value


def format_text(f: Field, value: Any) -> str:
    """A typed value as it appears in a CSV cell or a form's text input."""
    if value is None:
        return ""
    match f.type:
        case FieldType.BOOL:
            return "true" if value else "false"
        case FieldType.TIME:
            return hhmm(int(value))
        case FieldType.DATE:
            return str(value.isoformat())
        case FieldType.DATETIME:
            return str(value.isoformat(sep=" "))
        case FieldType.LIST:
            return ";".join(value)
        case FieldType.PAUSES:
            return "; ".join(
                f"{s.isoformat()}..{e.isoformat()} {r.replace(';', '，')}".strip()
                for s, e, r in value
            )
        case FieldType.FLOAT:
            return repr(float(value))
    return str(value)


def format_cell(f: Field, value: Any) -> Any:
    """A typed value as it is written to an XLSX cell (numbers and booleans stay typed)."""
    if value is None:
        return None
    if f.type in (FieldType.INT, FieldType.FLOAT, FieldType.BOOL, FieldType.DATE):
        return value
    return format_text(f, value)


# --------------------------------------------------------------------------- spreadsheet cells

#: what makes a spreadsheet read a cell as a formula (OWASP, "CSV injection")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def needs_formula_guard(text: str) -> bool:
    """Whether a spreadsheet could run ``text`` as a formula: it starts, after leading
    spaces, with ``= + - @``, a tab or a carriage return (a plain number such as ``-12.5``
    cannot), or it starts with a quote that :func:`unguard_formula` would remove."""
    if _PLAIN_NUMBER.fullmatch(text):
        return False
    if text.startswith(("\t", "\r")) or text.lstrip().startswith(_FORMULA_START):
        return True
    return text.startswith("'") and needs_formula_guard(text[1:])


def guard_formula(value: Any) -> Any:
    """A cell value safe to open in a spreadsheet: text that could start a formula gets a
    leading single quote; every other value is returned unchanged. Every CSV and XLSX
    writer passes its cells through this."""
    if isinstance(value, str) and needs_formula_guard(value):
        return "'" + value
    return value


def unguard_formula(value: Any) -> Any:
    """The inverse of :func:`guard_formula` for a cell read from CSV or XLSX: the quote is
    removed only where the guard would have added it, so ``unguard(guard(x)) == x``."""
    if isinstance(value, str) and value.startswith("'") and needs_formula_guard(value[1:]):
        return value[1:]
    return value
