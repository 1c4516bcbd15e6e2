"""People who log in to the panel: accounts, roles, passwords and login throttling.

Passwords are stored as werkzeug hashes. After :data:`FREE_ATTEMPTS` wrong passwords in a
row for a username, every further attempt is refused until a delay has passed since the
last failure; the delay doubles with each further failure (30 s, 60 s, 120 s... capped at
one hour). A correct password after the delay resets the count.

Every attempt is counted *before* its password is checked, by one conditional
``UPDATE app_user SET failed_logins = failed_logins + 1 ... WHERE <not throttled>``: the
database evaluates the condition under the row's write lock, so parallel attempts each
see the count the previous one left and no more than :data:`FREE_ATTEMPTS` passwords are
ever checked in a row, however many requests arrive at once (SQLite and PostgreSQL).

Each user has a ``session_version`` that the panel writes into every session and
remember-me cookie; a password change or reset and a logout bump it, so that every older
session, and a replayed cookie, is no longer accepted.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, DateTime, case, literal, or_, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from mealplan.db.models import Driver, Site, User
from mealplan.errors import MealplanError, NotFoundError
from mealplan.services import audit

log = logging.getLogger(__name__)

ROLES: tuple[str, ...] = (
    "admin",
    "manager",
    "dispatcher",
    "site_staff",
    "viewer",
    "driver",
    "community_worker",
)
LANGUAGES: tuple[str, ...] = ("zh_Hans_CN", "en")
MIN_PASSWORD_LENGTH = 8
FREE_ATTEMPTS = 5
BASE_DELAY_S = 30
MAX_DELAY_S = 3600
#: werkzeug hashing method; tests may lower the cost, production keeps the default.
PASSWORD_METHOD = "scrypt"

# A hash to compare against when the username is unknown, so that both cases take as long.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0000")


class UserError(MealplanError):
    """A user account cannot be created or changed as asked."""


class InvalidCredentials(MealplanError):
    """Wrong username or password (deliberately not saying which)."""


class LoginThrottled(MealplanError):
    """Too many wrong passwords in a row: try again after ``retry_after_s`` seconds."""

    def __init__(self, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(f"too many failed logins; try again in {retry_after_s} s")


@dataclass(frozen=True)
class UserInfo:
    """What the panel keeps about the logged-in user for one request."""

    id: int
    username: str
    role: str
    site_id: int | None
    site_code: str | None
    language: str
    active: bool
    session_version: int = 1
    driver_id: int | None = None  # a driver login's Driver record
    street: str = ""  # a community worker's street ("" = every street)


def info(user: User) -> UserInfo:
    return UserInfo(
        id=user.id,
        username=user.username,
        role=user.role,
        site_id=user.site_id,
        site_code=user.site.code if user.site is not None else None,
        language=user.language,
        active=user.active,
        session_version=user.session_version,
        driver_id=user.driver_id,
        street=user.street or "",
    )


def session_token(user: UserInfo) -> str:
    """What a session or remember-me cookie stores for ``user``: ``"<id>:<version>"``."""
    return f"{user.id}:{user.session_version}"


def user_for_token(session: Session, token: str) -> User | None:
    """The active user a :func:`session_token` names, if its version is still current
    (None for a malformed token, an unknown or inactive user, or an ended session)."""
    user_id, sep, version = token.partition(":")
    if not sep or not (user_id.isascii() and user_id.isdigit()):
        return None
    if not (version.isascii() and version.isdigit()):
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def end_sessions(session: Session, user_id: int, *, actor: str | None = None) -> None:
    """End every session of the user (all devices, remember-me cookies included) by
    bumping the version their cookies carry; audited when ``actor`` is given."""
    session.execute(
        update(User)
        .where(User.id == user_id)
        .values(session_version=User.session_version + 1)
        .execution_options(synchronize_session=False)
    )
    user = session.get(User, user_id)
    if user is not None:
        session.refresh(user)
        if actor is not None:
            audit.record(
                session,
                actor=actor,
                action="update",
                entity="user",
                entity_code=user.username,
                details={"sessions": "ended"},
            )
    session.flush()


def throttle_delay_s(failed_logins: int) -> int:
    """Seconds a user must wait after the last failure, given the failures in a row."""
    if failed_logins < FREE_ATTEMPTS:
        return 0
    return int(min(MAX_DELAY_S, BASE_DELAY_S * 2 ** (failed_logins - FREE_ATTEMPTS)))


def _site_id(session: Session, role: str, site_code: str | None) -> int | None:
    if role == "site_staff":
        if not site_code:
            raise UserError("a site_staff user needs a site (--site CODE)")
    elif site_code:
        raise UserError(f"only site_staff users are bound to a site, not {role}")
    if not site_code:
        return None
    site_id = session.scalar(select(Site.id).where(Site.code == site_code))
    if site_id is None:
        raise NotFoundError(f"no site with code {site_code!r}")
    return site_id


def _driver_id(session: Session, role: str, driver_code: str | None) -> int | None:
    """The Driver record a driver login is bound to (drivers must name one, others not)."""
    if role == "driver":
        if not driver_code:
            raise UserError("a driver user needs a driver record (--driver CODE)")
    elif driver_code:
        raise UserError(f"only driver users are bound to a driver record, not {role}")
    if not driver_code:
        return None
    driver_id = session.scalar(select(Driver.id).where(Driver.code == driver_code))
    if driver_id is None:
        raise NotFoundError(f"no driver with code {driver_code!r}")
    return driver_id


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")


def _street(role: str, street: str | None) -> str:
    """A community worker's street (others have none)."""
    street = (street or "").strip()
    if street and role != "community_worker":
        raise UserError("only a community worker is bound to a street")
    if len(street) > 60:
        raise UserError("the street must have at most 60 characters")
    return street


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    *,
    site_code: str | None = None,
    language: str = "zh_Hans_CN",
    driver_code: str | None = None,
    street: str = "",
    actor: str,
) -> User:
    """Create an account; site_staff must name their site and drivers their Driver
    record, other roles neither; a community worker may name their street."""
    username = username.strip()
    if not username or len(username) > 80:
        raise UserError("the username must have 1-80 characters")
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if language not in LANGUAGES:
        raise UserError(f"unknown language {language!r}")
    _check_password(password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(f"user {username!r} already exists")
    user = User(
        username=username,
        password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
        role=role,
        site_id=_site_id(session, role, site_code),
        driver_id=_driver_id(session, role, driver_code),
        street=_street(role, street),
        language=language,
        active=True,
        failed_logins=0,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="user",
        entity_code=username,
        details={"role": role, "site": site_code, "driver": driver_code, "street": street},
    )
    return user


def update_user(
    session: Session,
    username: str,
    *,
    role: str | None = None,
    site_code: str | None = None,
    active: bool | None = None,
    password: str | None = None,
    driver_code: str | None = None,
    street: str | None = None,
    actor: str,
) -> User:
    """Change role (and site or driver record), a community worker's street (None keeps
    it), active flag or password; unlocks a throttled account too."""
    user = get_by_username(session, username)
    changes: dict[str, object] = {}
    if role is not None:
        if role not in ROLES:
            raise UserError(f"unknown role {role!r}")
        site_id = _site_id(session, role, site_code)
        driver_id = _driver_id(session, role, driver_code)
        if (role, site_id, driver_id) != (user.role, user.site_id, user.driver_id):
            changes["role"] = [user.role, role]
            changes["site"] = [user.site.code if user.site else None, site_code]
            changes["driver"] = [user.driver.code if user.driver else None, driver_code]
            user.role, user.site_id, user.driver_id = role, site_id, driver_id
    if role is not None and role != "community_worker" and user.street:
        changes["street"] = [user.street, ""]
        user.street = ""
    if street is not None:
        new_street = _street(user.role, street)
        if new_street != user.street:
            changes["street"] = [user.street, new_street]
            user.street = new_street
    if active is not None and active != user.active:
        changes["active"] = [user.active, active]
        user.active = active
    if password:
        _check_password(password)
        user.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
        user.failed_logins = 0
        user.last_failed_at = None
        user.session_version = User.session_version + 1  # type: ignore[assignment]
        changes["password"] = "changed"
    session.flush()
    session.refresh(user)
    if changes:
        audit.record(
            session,
            actor=actor,
            action="update",
            entity="user",
            entity_code=username,
            details=changes,
        )
    return user


def get_by_username(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFoundError(f"no user {username!r}")
    return user


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def set_language(session: Session, user_id: int, language: str) -> None:
    if language not in LANGUAGES:
        raise UserError(f"unknown language {language!r}")
    user = session.get(User, user_id)
    if user is not None and user.language != language:
        user.language = language
        session.flush()


def _may_try(now: dt.datetime) -> ColumnElement[bool]:
    """SQL: the user is not throttled at ``now`` (the delay as a CASE over the count)."""
    whens: list[tuple[ColumnElement[bool], Any]] = []
    failures = FREE_ATTEMPTS
    while throttle_delay_s(failures) < MAX_DELAY_S:
        since = now - dt.timedelta(seconds=throttle_delay_s(failures))
        whens.append((User.failed_logins == failures, literal(since, DateTime)))
        failures += 1
    longest = literal(now - dt.timedelta(seconds=MAX_DELAY_S), DateTime)
    return or_(
        User.failed_logins < FREE_ATTEMPTS,
        User.last_failed_at.is_(None),
        User.last_failed_at <= case(*whens, else_=longest),
    )


def authenticate(
    session: Session, username: str, password: str, *, now: dt.datetime | None = None
) -> User:
    """The active user with this username and password.

    Raises :class:`LoginThrottled` while the user must wait (the password is not even
    checked) and :class:`InvalidCredentials` otherwise. The attempt is counted as a
    failure in one atomic, conditional UPDATE and **committed** before the password is
    checked (so that the count holds across parallel requests and no lock is held while
    hashing); a correct password then resets the count (flushed; the caller commits).
    """
    now = now or dt.datetime.now()
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        raise InvalidCredentials("wrong username or password")
    claimed = cast(
        CursorResult[Any],
        session.execute(
            update(User)
            .where(User.id == user.id, _may_try(now))
            .values(failed_logins=User.failed_logins + 1, last_failed_at=now)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    session.commit()
    session.refresh(user)
    if not claimed:
        delay = throttle_delay_s(user.failed_logins)
        last = user.last_failed_at or now
        wait = (last + dt.timedelta(seconds=delay) - now).total_seconds()
        log.warning("login throttled for user id %d (%d failures)", user.id, user.failed_logins)
        raise LoginThrottled(max(1, math.ceil(wait)))
    if not check_password_hash(user.password_hash, password) or not user.active:
        log.info("failed login for user id %d (%d in a row)", user.id, user.failed_logins)
        raise InvalidCredentials("wrong username or password")
    session.execute(
        update(User)
        .where(User.id == user.id)
        .values(failed_logins=0, last_failed_at=None)
        .execution_options(synchronize_session=False)
    )
    session.refresh(user)
    return user
