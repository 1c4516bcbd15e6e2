"""Who changed what, when: one audit entry per change, and the pages of them.

Every state-changing service writes an :class:`~mealplan.db.models.AuditEntry` through
:func:`record`; the admin page lists them with :func:`list_entries`. Also home to the small
:class:`Page` type that every list-with-paging service returns.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from mealplan.db.models import AuditEntry

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_PER_PAGE = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing: the items and where it sits in the whole."""

    items: Sequence[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(session: Session, stmt: Select[T], page: int, per_page: int) -> Page[T]:
    """Run ``stmt`` for one page (1-based; out-of-range pages are clamped)."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = max(1, min(page, pages))
    items = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, total=total, page=page, per_page=per_page)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_code: str = "",
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Write one audit entry (flushed, not committed)."""
    entry = AuditEntry(
        actor=actor or "unknown",
        action=action,
        entity=entity,
        entity_code=entity_code,
        details=_jsonable(dict(details or {})),
    )
    session.add(entry)
    session.flush()
    log.info("audit: %s %s %s %s", actor, action, entity, entity_code)
    return entry


def list_entries(
    session: Session,
    *,
    page: int = 1,
    per_page: int = 50,
    entity: str | None = None,
    actor: str | None = None,
) -> Page[AuditEntry]:
    """Audit entries, newest first, optionally for one entity type or one actor."""
    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    if actor:
        stmt = stmt.where(AuditEntry.actor == actor)
    return paginate(session, stmt, page, per_page)
