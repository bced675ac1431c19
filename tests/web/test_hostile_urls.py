"""Page numbers and ids in the pages' URLs: out of range is a 4xx, never a 500."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("page", ["99999999999999999999", "100001", "0", "-1", "x"])
@pytest.mark.parametrize("path", ["/cases", "/inbox"])
def test_page_numbers_no_list_can_have_are_a_400(client, login, make_user, path, page):
    login(make_user("social_worker"))
    response = client.get(f"{path}?page={page}")
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/cases", "/inbox"])
def test_a_page_beyond_the_last_is_an_empty_page(client, login, make_user, path):
    login(make_user("social_worker"))
    assert client.get(f"{path}?page=100000").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/cases/9223372036854775808",
        "/cases/99999999999999999999999",
        "/admin/instances/9223372036854775808",
    ],
)
def test_ids_beyond_a_bigint_are_not_found(client, login, make_user, path):
    login(make_user("admin", "social_worker", "supervisor"))
    assert client.get(path).status_code == 404


def test_a_number_too_large_for_its_column_is_a_400(client, login, make_user):
    login(make_user("supervisor", "admin"))
    response = client.get("/dashboard?office=99999999999999999999999")
    assert response.status_code in (400, 200)
    assert response.status_code != 500
