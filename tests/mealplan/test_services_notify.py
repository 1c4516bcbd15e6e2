"""Notifications (mealplan.services.notify) and delivery photos (services.driver_day)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from mealplan.services import driver_day, notify
from mealplan.services.records import RecordValidationError


class FailingGateway:
    """An SMS gateway that is down."""

    name = "test-sms"

    def send(self, phone: str, message: str) -> None:
        raise ConnectionError("gateway down")


class RecordingGateway:
    name = "recording"
    sent: list[tuple[str, str]] = []

    def send(self, phone: str, message: str) -> None:
        RecordingGateway.sent.append((phone, message))


@pytest.mark.db
def test_log_backend_records_a_sent_row(session: Session) -> None:
    """The default backend logs and records the message as sent."""
    row = notify.send(session, notify.LogNotifier(), kind="no_answer", phone="139", message="hi")
    assert row.id is not None and row.status == "sent" and row.backend == "log"


@pytest.mark.db
def test_failing_gateway_is_recorded_not_raised(session: Session) -> None:
    """A gateway error is recorded as failed with its message; nothing is raised."""
    row = notify.send(session, FailingGateway(), kind="no_answer", phone="139", message="hi")
    assert row.status == "failed" and "gateway down" in row.error and row.backend == "test-sms"


@pytest.mark.db
def test_no_phone_is_recorded_failed(session: Session) -> None:
    """A contact without a phone number is recorded as failed (nothing sent)."""
    row = notify.send(session, RecordingGateway(), kind="no_answer", phone=" ", message="hi")
    assert row.status == "failed" and row.error == "no phone number"


def test_backend_chosen_by_environment() -> None:
    """MEALPLAN_NOTIFY_BACKEND names the class; unset is the log-only default; a bad
    value is a clear error."""
    assert isinstance(notify.notifier_from_env({}), notify.LogNotifier)
    spec = f"{__name__}:RecordingGateway"
    assert isinstance(notify.notifier_from_env({notify.ENV_BACKEND: spec}), RecordingGateway)
    with pytest.raises(notify.NotifyConfigError, match="module:ClassName"):
        notify.notifier_from_env({notify.ENV_BACKEND: "nocolon"})
    with pytest.raises(notify.NotifyConfigError, match="cannot be loaded"):
        notify.notifier_from_env({notify.ENV_BACKEND: "no.such.module:X"})


def test_photo_checks(tmp_path: Path) -> None:
    """Photos: JPEG/PNG/WebP by their bytes, at most 5 MB, stored under the instance
    folder; anything else is refused and nothing written."""
    rel = driver_day.store_photo(tmp_path, 7, b"\xff\xd8\xff\xe0" + b"0" * 10)
    assert rel.startswith("delivery_photos/stop7-") and (tmp_path / rel).is_file()
    for bad in (b"", b"GIF89a", b"\xff\xd8\xff" + b"0" * driver_day.MAX_PHOTO_BYTES):
        with pytest.raises(RecordValidationError):
            driver_day.store_photo(tmp_path, 8, bad)
    assert len(list((tmp_path / "delivery_photos").iterdir())) == 1
