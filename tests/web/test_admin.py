"""User administration and the audit log page."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from mealplan.services import users

pytestmark = pytest.mark.db


def test_admin_creates_site_staff(
    client: FlaskClient, auth: Any, world: Any, session: Session
) -> None:
    """An admin creates a site_staff user bound to a site, who can then log in."""
    auth.login_as("admin")
    response = client.post(
        "/admin/users",
        data={"username": "li", "role": "site_staff", "site": "S2", "password": "longenough1"},
    )
    assert response.status_code == 302
    user = users.get_by_username(session, "li")
    assert user.role == "site_staff" and user.site is not None and user.site.code == "S2"
    auth.logout()
    assert auth.login("li", "longenough1").status_code == 302


def test_site_staff_needs_a_site(client: FlaskClient, auth: Any, world: Any) -> None:
    """A site_staff user without a site is refused with a message."""
    auth.login_as("admin")
    response = client.post(
        "/admin/users",
        data={"username": "li", "role": "site_staff", "site": "", "password": "longenough1"},
    )
    assert response.status_code == 422


def test_admin_deactivates_user(
    client: FlaskClient, auth: Any, world: Any, session: Session
) -> None:
    """Deactivating a user ends their access at the next request."""
    target = auth.make_user("manager")
    other = client.application.test_client()
    other.post("/login", data={"username": target.username, "password": "correct horse 1"})
    assert other.get("/").status_code == 200
    auth.login_as("admin")
    response = client.post(f"/admin/users/{target.username}", data={"role": "manager", "site": ""})
    assert response.status_code == 302
    assert other.get("/").status_code == 302


def test_audit_page_lists_changes(client: FlaskClient, auth: Any, world: Any) -> None:
    """The audit page shows who changed what (here the sites created by the fixture)."""
    auth.login_as("admin")
    html = client.get("/admin/audit").get_data(as_text=True)
    assert 'id="audit"' in html and "site S1" in html
    filtered = client.get("/admin/audit?entity=diet_profile").get_data(as_text=True)
    assert "regular" in filtered and "site S1" not in filtered
