"""Messages to people outside the panel (an elder's family contact), through a pluggable
backend, each one recorded as a :class:`~mealplan.db.models.Notification` row.

The default backend only logs the message (nothing leaves the machine); an SMS gateway is a
class implementing :class:`Notifier` (``name`` and ``send``), chosen with the environment
variable ``MEALPLAN_NOTIFY_BACKEND=package.module:ClassName`` (constructed without
arguments). Whatever the backend does, the message, its recipient and the outcome are
stored: a backend that raises is recorded as ``failed`` with its error, and the caller's
work (e.g. recording the delivery) is not undone.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import os
from typing import Protocol, runtime_checkable

from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import Notification
from mealplan.errors import MealplanError

log = logging.getLogger(__name__)

ENV_BACKEND = "MEALPLAN_NOTIFY_BACKEND"

#: The family message when nobody answered at the home (Chinese: the recipients' language).
NO_ANSWER_TEXT = (
    "【社区助餐】{elder}今日{service}送餐于{time}无人应答，"
    "请尽快联系老人或致电厨房{kitchen_phone}。"
)
SERVICE_ZH = {"lunch": "午餐", "dinner": "晚餐"}


@runtime_checkable
class Notifier(Protocol):
    """Sends one text message; raises on failure (the caller records the outcome)."""

    name: str

    def send(self, phone: str, message: str) -> None: ...


class LogNotifier:
    """The default: writes the message to the log only (no SMS is sent)."""

    name = "log"

    def send(self, phone: str, message: str) -> None:
        log.warning("notification to %s: %s", phone, message)


class NotifyConfigError(MealplanError):
    """The configured notification backend cannot be loaded."""


def notifier_from_env(env: dict[str, str] | None = None) -> Notifier:
    """The backend ``MEALPLAN_NOTIFY_BACKEND`` names (``module:Class``), or the log-only
    default when it is unset."""
    spec = (os.environ if env is None else env).get(ENV_BACKEND, "").strip()
    if not spec:
        return LogNotifier()
    module_name, sep, class_name = spec.partition(":")
    if not sep or not module_name or not class_name:
        raise NotifyConfigError(f"{ENV_BACKEND} must be 'module:ClassName', got {spec!r}")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise NotifyConfigError(f"{ENV_BACKEND}={spec!r} cannot be loaded: {exc}") from exc
    backend = cls()
    if not isinstance(backend, Notifier):
        raise NotifyConfigError(f"{ENV_BACKEND}={spec!r} has no name and send(phone, message)")
    return backend


def send(
    session: Session,
    notifier: Notifier,
    *,
    kind: str,
    phone: str,
    message: str,
    recipient_name: str = "",
    client_id: int | None = None,
    delivery_id: int | None = None,
    actor: str = "",
) -> Notification:
    """Send ``message`` to ``phone`` through ``notifier`` and record it (status ``sent``,
    or ``failed`` with the error; nothing is raised for a failing backend)."""
    row = Notification(
        created_at=dt.datetime.now().replace(microsecond=0),
        kind=kind,
        recipient_name=recipient_name,
        recipient_phone=phone,
        message=message,
        backend=str(getattr(notifier, "name", type(notifier).__name__))[:40],
        status="sent",
        error="",
        client_id=client_id,
        delivery_id=delivery_id,
        actor=actor,
    )
    if not phone.strip():
        row.status, row.error = "failed", "no phone number"
    else:
        try:
            notifier.send(phone, message)
        except Exception as exc:  # noqa: BLE001 - any gateway failure is recorded, not raised
            log.error("notification to %s failed: %s", phone, exc)
            row.status, row.error = "failed", str(exc)[:500]
    session.add(row)
    session.flush()
    return row


def notifications_for_delivery(session: Session, delivery_id: int) -> list[Notification]:
    """The messages sent about one delivery, oldest first."""
    stmt = (
        select(Notification)
        .where(Notification.delivery_id == delivery_id)
        .order_by(Notification.created_at, Notification.id)
    )
    return list(session.scalars(stmt))
