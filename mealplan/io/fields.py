"""Columns of imported and exported tables: types, parsers and formatters.

A :class:`Field` is one column of an import format. Parsing turns a raw cell (a string
from CSV, a Python value from XLSX or JSON) into a typed value or raises ``ValueError``
with a message a kitchen manager understands. Formatting goes the other way for CSV,
XLSX and JSON exports, so that export -> import round-trips exactly.

Pure functions: nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class FieldType(StrEnum):
    TEXT = "text"
    CODE = "code"  # one value of a vocabulary (``choices``)
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    TIME = "time"  # HH:MM in files, integer minutes since midnight in memory
    DATE = "date"
    DATETIME = "datetime"
    LIST = "list"  # ``;``-separated in CSV, a JSON array in JSON
    WEEKDAYS = "weekdays"  # ISO weekdays as a digit string, "12345"
    PAUSES = "pauses"  # client pauses: "2026-11-20..2026-11-25 住院; ..."


Pause = tuple[dt.date, dt.date, str]


@dataclass(frozen=True)
class Field:
    """One column of an import format.

    ``name`` is the canonical (English) header used by exports; ``aliases`` are other
    headers accepted on import (Chinese ones first of all). ``choices`` maps accepted
    spellings of a vocabulary value to its code. ``attr`` names the model attribute the
    column is stored in, ``ref`` the kind whose ``code`` the column references.
    ``checks`` are pandera checks applied to the parsed, non-null values.
    """

    name: str
    type: FieldType = FieldType.TEXT
    required: bool = False
    default: Any = None
    aliases: tuple[str, ...] = ()
    choices: Mapping[str, str] | None = None
    checks: tuple[Any, ...] = ()
    attr: str | None = None
    ref: str | None = None
    export: bool = True
    meta: Mapping[str, Any] = field(default_factory=dict)


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


# --------------------------------------------------------------------------- parsing

_TRUE = {"true", "t", "yes", "y", "1", "是", "√", "✓", "对", "有", "启用"}
_FALSE = {"false", "f", "no", "n", "0", "否", "×", "✗", "无", "停用"}
_LIST_SPLIT = re.compile(r"[;；,，、|]")
_CN_WEEKDAY = {"一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6", "日": "7",
               "天": "7", "七": "7"}  # fmt: skip
_ALL_WEEK = {"每天", "全周", "天天", "每日", "daily", "all", "alldays", "everyday"}
_WORKDAYS = {"工作日", "weekdays", "workdays"}


def _text(raw: object) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))  # Excel stores codes and phone numbers as numbers
    if isinstance(raw, dt.datetime):
        return raw.isoformat(sep=" ")
    return str(raw).strip()


def _int(raw: object) -> int:
    if isinstance(raw, bool):
        raise ValueError("expected a whole number")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        value = raw
    else:
        try:
            value = float(unicodedata.normalize("NFKC", str(raw)).strip().replace(",", ""))
        except ValueError:
            raise ValueError("expected a whole number") from None
    if not math.isfinite(value) or not value.is_integer():
        raise ValueError("expected a whole number")
    return int(value)


def _float(raw: object) -> float:
    if isinstance(raw, bool):
        raise ValueError("expected a number")
    if isinstance(raw, (int, float)):
        value = float(raw)
    else:
        try:
            value = float(unicodedata.normalize("NFKC", str(raw)).strip().replace(",", ""))
        except ValueError:
            raise ValueError("expected a number") from None
    if not math.isfinite(value):
        raise ValueError("expected a finite number")
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
    raise ValueError("expected true/false (是/否)")


def _time(raw: object) -> int:
    if isinstance(raw, dt.datetime):
        raw = raw.time()
    if isinstance(raw, dt.time):
        return raw.hour * 60 + raw.minute
    if isinstance(raw, float) and 0 <= raw < 1:  # Excel time as a fraction of a day
        return round(raw * 1440)
    s = unicodedata.normalize("NFKC", str(raw)).strip()
    m = re.fullmatch(r"(\d{1,2}):(\d{2})(?::\d{2})?", s)
    if not m:
        raise ValueError("expected a time of day as HH:MM")
    hours, minutes = int(m.group(1)), int(m.group(2))
    if hours > 24 or minutes > 59 or (hours == 24 and minutes > 0):
        raise ValueError("expected a time of day between 00:00 and 24:00")
    return hours * 60 + minutes


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
        raise ValueError("expected a date as YYYY-MM-DD")
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as exc:
        raise ValueError(f"not a valid date ({exc})") from None


def _datetime(raw: object) -> dt.datetime:
    if isinstance(raw, dt.datetime):
        return raw.replace(microsecond=0)
    if isinstance(raw, dt.date):
        return dt.datetime(raw.year, raw.month, raw.day)
    s = unicodedata.normalize("NFKC", str(raw)).strip()
    try:
        return dt.datetime.fromisoformat(s).replace(microsecond=0, tzinfo=None)
    except ValueError:
        raise ValueError("expected a date and time as YYYY-MM-DD HH:MM") from None


def _list(raw: object, choices: Mapping[str, str] | None) -> list[str]:
    if isinstance(raw, (list, tuple)):
        items = [_text(x) for x in raw]
    else:
        items = [x.strip() for x in _LIST_SPLIT.split(_text(raw))]
    out: set[str] = set()
    for item in items:
        if not item:
            continue
        if choices is not None:
            code = choices.get(normalise_choice(item))
            if code is None:
                raise ValueError(f"unknown value {item!r}; expected {_expected(choices)}")
            item = code
        out.add(item)
    return sorted(out)


def _weekdays(raw: object) -> str:
    if isinstance(raw, (list, tuple)):
        raw = "".join(str(_int(x)) for x in raw)
    s = unicodedata.normalize("NFKC", _text(raw)).strip().lower()
    if s in _ALL_WEEK:
        return "1234567"
    if s in _WORKDAYS:
        return "12345"
    for cn, digit in _CN_WEEKDAY.items():
        s = s.replace(f"星期{cn}", digit).replace(f"周{cn}", digit).replace(cn, digit)
    s = s.replace("星期", "").replace("周", "")
    days: set[int] = set()
    for a, b in re.findall(r"(\d)\s*[-~至到]\s*(\d)", s):
        lo, hi = int(a), int(b)
        if lo > hi:
            raise ValueError("weekday range goes backwards")
        days.update(range(lo, hi + 1))
    s = re.sub(r"(\d)\s*[-~至到]\s*(\d)", "", s)
    for ch in s:
        if ch.isdigit():
            days.add(int(ch))
        elif ch not in " ,，、;；/":
            raise ValueError("expected ISO weekdays as digits 1-7, e.g. 12345 (Mon-Fri)")
    if any(d < 1 or d > 7 for d in days):
        raise ValueError("weekdays are 1 (Monday) to 7 (Sunday)")
    return "".join(str(d) for d in sorted(days))


def _pauses(raw: object) -> list[Pause]:
    pauses: list[Pause] = []
    if isinstance(raw, (list, tuple)):
        for item in raw:
            if not isinstance(item, Mapping) or "start" not in item or "end" not in item:
                raise ValueError('expected a list of {"start", "end", "reason"}')
            pauses.append(
                (_date(item["start"]), _date(item["end"]), str(item.get("reason") or "").strip())
            )
    else:
        for part in re.split(r"[;；]", _text(raw)):
            part = part.strip()
            if not part:
                continue
            m = re.fullmatch(r"(\S+?)\s*(?:\.\.|~|至|到)\s*(\S+?)(?:\s+(.*))?", part)
            if not m:
                raise ValueError("expected pauses as YYYY-MM-DD..YYYY-MM-DD reason; ...")
            pauses.append((_date(m.group(1)), _date(m.group(2)), (m.group(3) or "").strip()))
    for start, end, _reason in pauses:
        if end < start:
            raise ValueError(f"pause ends ({end}) before it starts ({start})")
    pauses.sort()
    for (s1, e1, _), (s2, e2, _) in zip(pauses, pauses[1:], strict=False):
        if s2 <= e1:  # a client's pauses do not overlap (as the panel enforces)
            raise ValueError(f"pauses overlap: {s1}..{e1} and {s2}..{e2}")
    return pauses


def _expected(choices: Mapping[str, str]) -> str:
    return ", ".join(sorted(set(choices.values())))


def parse_value(f: Field, raw: object) -> Any:
    """The typed value of one cell; ``ValueError`` with a message when it is invalid.

    A blank cell gives the field's default (a fresh copy for lists); a blank cell in a
    required column is an error.
    """
    if is_blank(raw):
        if f.required:
            raise ValueError("a value is required")
        return list(f.default) if isinstance(f.default, list) else f.default
    match f.type:
        case FieldType.TEXT:
            return _text(raw)
        case FieldType.CODE:
            assert f.choices is not None
            code = f.choices.get(normalise_choice(_text(raw)))
            if code is None:
                raise ValueError(f"unknown value; expected one of {_expected(f.choices)}")
            return code
        case FieldType.INT:
            return _int(raw)
        case FieldType.FLOAT:
            return _float(raw)
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


# --------------------------------------------------------------------------- formatting


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


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
    """A typed value as it appears in a CSV cell."""
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
