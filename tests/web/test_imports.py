"""The file import page: row-level errors shown, nothing written on error."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mealplan.db.models import Site

pytestmark = pytest.mark.db

GOOD = (
    "code,name,kind,kitchen,lat,lon,seats\n"
    "N1,南湖食堂,canteen,K1,30.1,120.1,60\n"
    "N2,北街助餐点,dining_point,K1,30.2,120.2,20\n"
)
BAD = (
    "code,name,kind,kitchen,lat,lon,seats\n"
    "N1,南湖食堂,canteen,K1,30.1,120.1,60\n"
    "N2,北街助餐点,spaceport,K1,95,120.2,20\n"
)


def _upload(client: FlaskClient, text: str, kind: str = "sites") -> Any:
    return client.post(
        "/import/",
        data={
            "kind": kind,
            "file": (io.BytesIO(text.encode("utf-8")), "sites.csv"),
        },
        content_type="multipart/form-data",
    )


def _count(session: Session) -> int:
    return session.scalar(select(func.count(Site.id))) or 0


def test_import_page_lists_kinds(client: FlaskClient, auth: Any, world: Any) -> None:
    """The page offers the importable kinds and a file field."""
    auth.login_as("manager")
    html = client.get("/import/").get_data(as_text=True)
    assert 'value="sites"' in html and 'type="file"' in html


def test_import_good_file(client: FlaskClient, auth: Any, world: Any, session: Session) -> None:
    """A valid file is imported and the counts are reported."""
    auth.login_as("manager")
    before = _count(session)
    response = _upload(client, GOOD)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "新建 2" in response.get_data(as_text=True)
    assert _count(session) == before + 2


def test_import_errors_shown_and_nothing_written(
    client: FlaskClient, auth: Any, world: Any, session: Session
) -> None:
    """Row errors are listed (file, row, column, value, message) and no row is written,
    not even the valid first row."""
    auth.login_as("manager")
    before = _count(session)
    response = _upload(client, BAD)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="import-errors"' in html
    assert "sites.csv" in html and "spaceport" in html and "95" in html
    assert "未导入任何数据" in html
    assert _count(session) == before
    assert session.scalar(select(Site).where(Site.code == "N1")) is None


def test_import_without_file_refused(client: FlaskClient, auth: Any, world: Any) -> None:
    """Submitting without a file shows the form again with an error."""
    auth.login_as("manager")
    response = client.post("/import/", data={"kind": "sites"}, content_type="multipart/form-data")
    assert response.status_code == 422


def test_deeply_nested_json_is_an_error_not_a_500(
    client: FlaskClient, auth: Any, world: Any, session: Session
) -> None:
    """A JSON file nested 100,000 deep answers 422 with the file named, not 500."""
    auth.login_as("manager")
    body = "[" * 100_000 + "]" * 100_000
    response = client.post(
        "/import/",
        data={"kind": "sites", "file": (io.BytesIO(body.encode()), "deep.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "deep.json" in response.get_data(as_text=True)


def test_encoding_field_reads_latin1_and_names_it(
    client: FlaskClient, auth: Any, world: Any, session: Session
) -> None:
    """A Latin-1 file is refused when detected, imported when Latin-1 is chosen, and the
    page says which encoding was used."""
    auth.login_as("manager")
    data = "code,name,kind,kitchen,lat,lon,seats\nN1,Café Müller,canteen,K1,30.1,120.1,60\n".encode(
        "latin-1"
    )

    def post(encoding: str) -> Any:
        return client.post(
            "/import/",
            data={"kind": "sites", "encoding": encoding,
                  "file": (io.BytesIO(data), "sites.csv")},
            content_type="multipart/form-data",
        )  # fmt: skip

    assert post("").status_code == 422
    assert session.scalar(select(Site).where(Site.code == "N1")) is None
    response = post("latin-1")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "iso8859-1" in response.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(Site.name).where(Site.code == "N1")) == "Café Müller"


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("nul.csv", "code,name,kind,kitchen,lat,lon\nN1,食\x00堂,canteen,K1,30.1,120.1\n".encode()),
        ("long.csv", f"code,name,kind,kitchen,lat,lon\nN1,{'A' * 500},canteen,K1,30,120\n".encode()),
        ("field.csv", f'code,name,kind,kitchen,lat,lon\nN1,"{"A" * 200_000}",canteen,K1,30,120\n'.encode()),
        ("latin1.csv", "code,name,kind,kitchen,lat,lon\nN1,Café,canteen,K1,30,120\n".encode("latin-1")),
        ("nan.json", b'[{"code": "N1", "name": "x", "kind": "canteen", "kitchen": "K1", "lat": NaN, "lon": 120}]'),
    ],
)  # fmt: skip
def test_hostile_files_answer_422_and_write_nothing(
    client: FlaskClient, auth: Any, world: Any, session: Session, name: str, body: bytes
) -> None:
    """Each hostile file answers 422 naming the file, never 500, and writes no site."""
    auth.login_as("manager")
    before = _count(session)
    response = client.post(
        "/import/",
        data={"kind": "sites", "file": (io.BytesIO(body), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert name in response.get_data(as_text=True)
    assert _count(session) == before
