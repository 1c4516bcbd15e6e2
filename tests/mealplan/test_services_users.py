"""Accounts, password hashing and login throttling (mealplan.services.users)."""

from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mealplan.config import Settings
from mealplan.db.models import AuditEntry, Kitchen, Site
from mealplan.db.session import session_factory
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


def test_parallel_wrong_passwords_are_all_counted(
    settings: Settings, session: Session, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """39 wrong passwords at once: no failure is lost (the count is one atomic UPDATE
    checked under the row lock), at most FREE_ATTEMPTS passwords are checked, and the
    right password afterwards is throttled."""
    users.create_user(session, "li", "right-pass", "manager", actor="t")
    session.commit()
    checked: list[str] = []
    real_check = users.check_password_hash

    def slow_check(pwhash: str, password: str) -> bool:
        checked.append(password)
        time.sleep(0.05)  # widen the window between reading the count and writing it
        return real_check(pwhash, password)

    monkeypatch.setattr(users, "check_password_hash", slow_check)
    factory = session_factory(settings)

    def attempt(password: str) -> str:
        s = factory()
        try:
            users.authenticate(s, "li", password)
            s.commit()
            return "ok"
        except users.LoginThrottled:
            return "throttled"
        except users.InvalidCredentials:
            return "invalid"
        finally:
            s.close()

    with ThreadPoolExecutor(max_workers=13) as pool:
        outcomes = list(pool.map(attempt, ["wrong"] * 39))
    assert outcomes.count("invalid") == users.FREE_ATTEMPTS
    assert outcomes.count("throttled") == 39 - users.FREE_ATTEMPTS
    assert len(checked) == users.FREE_ATTEMPTS
    assert attempt("right-pass") == "throttled"
    session.expire_all()
    assert users.get_by_username(session, "li").failed_logins == users.FREE_ATTEMPTS


def test_password_reset_and_end_sessions_bump_the_session_version(
    session: Session, site: Site
) -> None:
    """A password reset and end_sessions each make the old session token invalid."""
    user = users.create_user(session, "li", "right-pass", "manager", actor="t")
    token = users.session_token(users.info(user))
    assert users.user_for_token(session, token) is user
    users.update_user(session, "li", password="new-password", actor="admin")
    assert users.user_for_token(session, token) is None
    token = users.session_token(users.info(user))
    assert users.user_for_token(session, token) is user
    users.end_sessions(session, user.id, actor="admin")
    assert users.user_for_token(session, token) is None
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.entity == "user").order_by(AuditEntry.id.desc())
    ).first()
    assert entry is not None and entry.details == {"sessions": "ended"}


@pytest.mark.parametrize("token", ["1", "1:", ":1", "x:1", "1:x", "1:²", "²:1", "1:1:1", ""])
def test_malformed_session_tokens_are_refused(session: Session, site: Site, token: str) -> None:
    """Only ``<id>:<version>`` in ASCII digits names a user."""
    users.create_user(session, "li", "right-pass", "manager", actor="t")
    assert users.user_for_token(session, token) is None
