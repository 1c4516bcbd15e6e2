"""Accounts, password hashing and login throttling (mealplan.services.users)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.db.models import AuditEntry, Kitchen, Site
from mealplan.errors import NotFoundError
from mealplan.services import users

pytestmark = pytest.mark.db
T0 = dt.datetime(2026, 3, 2, 8, 0, 0)


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "PASSWORD_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture
def site(session: Session) -> Site:
    kitchen = Kitchen(code="K1", name="K", lat=30, lon=120)
    site = Site(code="S1", kind="canteen", name="S", lat=30, lon=120, kitchen=kitchen)
    session.add(site)
    session.flush()
    return site


def test_throttle_delay_doubles() -> None:
    """No delay for the first 4 failures; 30 s after 5, doubling, capped at one hour."""
    assert [users.throttle_delay_s(n) for n in (0, 4, 5, 6, 7)] == [0, 0, 30, 60, 120]
    assert users.throttle_delay_s(30) == 3600


def test_password_is_hashed(session: Session, site: Site) -> None:
    """The stored password is a werkzeug hash, not the password; creation is audited."""
    user = users.create_user(session, "wang", "secret-pass", "manager", actor="admin")
    assert user.password_hash != "secret-pass" and user.password_hash.startswith("pbkdf2:")
    entry = session.scalar(select(AuditEntry).where(AuditEntry.entity == "user"))
    assert entry is not None and entry.actor == "admin" and entry.entity_code == "wang"


@pytest.mark.parametrize(
    ("role", "site_code", "error"),
    [
        ("site_staff", None, users.UserError),
        ("manager", "S1", users.UserError),
        ("chef", None, users.UserError),
        ("site_staff", "NOPE", NotFoundError),
    ],
)
def test_bad_accounts_refused(
    session: Session, site: Site, role: str, site_code: str | None, error: type[Exception]
) -> None:
    """Site staff need a site, other roles must not have one; roles and sites must exist."""
    with pytest.raises(error):
        users.create_user(session, "x", "secret-pass", role, site_code=site_code, actor="t")


def test_short_password_refused(session: Session, site: Site) -> None:
    """Passwords have at least 8 characters."""
    with pytest.raises(users.UserError):
        users.create_user(session, "x", "short", "viewer", actor="t")


def test_five_failures_then_throttled_with_growing_delay(session: Session, site: Site) -> None:
    """After 5 wrong passwords the right one is refused for 30 s; a 6th failure after the
    wait makes the next wait 60 s; success after the wait resets the count."""
    users.create_user(session, "li", "right-pass", "manager", actor="t")
    for i in range(5):
        with pytest.raises(users.InvalidCredentials):
            users.authenticate(session, "li", "wrong", now=T0 + dt.timedelta(seconds=i))
    last = T0 + dt.timedelta(seconds=4)
    with pytest.raises(users.LoginThrottled) as exc:
        users.authenticate(session, "li", "right-pass", now=last + dt.timedelta(seconds=10))
    assert exc.value.retry_after_s == 20
    with pytest.raises(users.InvalidCredentials):
        users.authenticate(session, "li", "wrong", now=last + dt.timedelta(seconds=31))
    sixth = last + dt.timedelta(seconds=31)
    with pytest.raises(users.LoginThrottled):
        users.authenticate(session, "li", "right-pass", now=sixth + dt.timedelta(seconds=59))
    user = users.authenticate(session, "li", "right-pass", now=sixth + dt.timedelta(seconds=61))
    assert user.failed_logins == 0 and user.last_failed_at is None


def test_password_reset_unlocks(session: Session, site: Site) -> None:
    """Setting a new password clears the failure count."""
    users.create_user(session, "li", "right-pass", "manager", actor="t")
    for _ in range(5):
        with pytest.raises(users.InvalidCredentials):
            users.authenticate(session, "li", "wrong", now=T0)
    with pytest.raises(users.LoginThrottled):
        users.authenticate(session, "li", "right-pass", now=T0)
    users.update_user(session, "li", password="new-password", actor="admin")
    assert users.authenticate(session, "li", "new-password", now=T0).username == "li"


def test_update_role_and_site(session: Session, site: Site) -> None:
    """Changing a manager into site staff binds the site and audits the change."""
    users.create_user(session, "li", "right-pass", "manager", actor="t")
    user = users.update_user(session, "li", role="site_staff", site_code="S1", actor="admin")
    assert user.role == "site_staff" and user.site_id == site.id
    assert users.info(user).site_code == "S1"
