"""Administration pages: office administrators within their office, national administrators everywhere."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import clock as engine_clock
from engine import programme
from engine.accounts.models import Office, User
from engine.accounts.service import authenticate
from engine.administration.models import PartnerInstitution
from engine.administration.partners import partners_for_office
from engine.audit.models import AuditEvent
from engine.subsidies.models import SubsidyBudget
from tests import factories
from tests.web.test_cases_pages import library, open_task, staff  # noqa: F401 - fixtures

NEW_PASSWORD = "violet-lantern-orbit-92"


@pytest.fixture
def offices(db_session):  # type: ignore[no-untyped-def]
    lub = factories.office(db_session, "LUB")
    waw = factories.office(db_session, "WAW")
    db_session.commit()
    return lub, waw


def _events(db_session, kind):  # type: ignore[no-untyped-def]
    return list(db_session.scalars(select(AuditEvent).where(AuditEvent.kind == kind)))


def _reset_link(page: str) -> str:
    match = re.search(r'id="reset-link">[^<]*?(/administration/password-reset/[A-Za-z0-9_-]+)<', page)
    assert match, page
    return match.group(1)


def test_pages_need_an_administrator(client, login, make_user, offices) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/administration/users").status_code == 302  # to the login page
    login(make_user("supervisor"))
    for path in ("/administration/", "/administration/users", "/administration/budgets", "/administration/settings"):
        assert client.get(path).status_code == 403


def test_an_office_administrator_sees_and_changes_only_their_office(client, login, make_user, offices, db_session):  # type: ignore[no-untyped-def]
    admin = make_user("admin", office_code="LUB")
    own = make_user("social_worker", office_code="LUB")
    other = make_user("social_worker", office_code="WAW")
    login(admin)
    page = client.get("/administration/users").get_data(as_text=True)
    assert own.username in page and other.username not in page
    assert client.get(f"/administration/users/{other.id}").status_code == 404
    assert client.post(f"/administration/users/{other.id}/active").status_code == 404
    assert client.post(f"/administration/users/{other.id}/reset-link").status_code == 404
    _, waw = offices
    assert client.get(f"/administration/offices/{waw.id}").status_code == 404
    # Creating an office is for national administrators.
    response = client.post("/administration/offices", data={"code": "KRK", "name": "Kraków"})
    assert response.status_code == 422
    assert db_session.scalar(select(Office).where(Office.code == "KRK")) is None
    # A budget for another office is refused.
    response = client.post(
        "/administration/budgets",
        data={"office_id": waw.id, "period_start": "2027-01-01", "period_end": "2027-12-31", "amount": "1000.00"},
    )
    assert response.status_code == 422
    assert db_session.scalar(select(SubsidyBudget).where(SubsidyBudget.office_id == waw.id)) is None


def test_roles_are_edited_audited_and_the_national_role_is_not_an_office_admins_to_give(  # type: ignore[no-untyped-def]
    client, login, make_user, offices, db_session
) -> None:
    admin = make_user("admin", office_code="LUB")
    worker = make_user("social_worker", office_code="LUB")
    login(admin)
    data = {
        "display_name": "Ola Nowak",
        "email": "ola@example.org",
        "office_id": worker.office_id,
        "preferred_locale": "",
    }
    response = client.post(f"/administration/users/{worker.id}", data={**data, "roles": ["social_worker", "lawyer"]})
    assert response.status_code == 303
    db_session.expire_all()
    assert {str(r) for r in db_session.get(User, worker.id).roles} == {"social_worker", "lawyer"}
    [event] = _events(db_session, "user.roles_changed")
    assert event.details == {"user_id": worker.id, "added": ["lawyer"], "removed": []}
    [updated] = _events(db_session, "user.updated")
    assert updated.details["fields"] == ["display_name", "email"]
    assert "Ola" not in str(updated.details) and "example.org" not in str(updated.details)
    response = client.post(f"/administration/users/{worker.id}", data={**data, "roles": ["national_admin"]})
    assert response.status_code == 422
    db_session.expire_all()
    assert not db_session.get(User, worker.id).has_role("national_admin")


def test_activation_ends_and_restores_a_login(client, login, make_user, offices, db_session) -> None:  # type: ignore[no-untyped-def]
    admin = make_user("admin")
    worker = make_user("social_worker")
    login(admin)
    assert client.post(f"/administration/users/{worker.id}/active").status_code == 303
    db_session.expire_all()
    assert db_session.get(User, worker.id).active is False
    assert [e.details for e in _events(db_session, "user.disabled")] == [{"user_id": worker.id}]
    assert client.post(f"/administration/users/{worker.id}/active").status_code == 303
    db_session.expire_all()
    assert db_session.get(User, worker.id).active is True


def test_a_national_administrator_creates_an_office_a_user_and_moves_a_user(  # type: ignore[no-untyped-def]
    client, login, make_user, offices, db_session
) -> None:
    national = make_user("national_admin", "admin", office_code="LUB")
    login(national)
    response = client.post("/administration/offices", data={"code": "krk", "name": "Kraków centre", "city": "Kraków"})
    assert response.status_code == 303
    krk = db_session.scalar(select(Office).where(Office.code == "KRK"))
    assert krk is not None and [e.actor_id for e in _events(db_session, "office.created")][-1] == national.id
    response = client.post(
        "/administration/users/new",
        data={"username": "ola.nowak", "display_name": "Ola Nowak", "office_id": krk.id, "roles": ["social_worker"]},
    )
    assert response.status_code == 200
    link = _reset_link(response.get_data(as_text=True))
    ola = db_session.scalar(select(User).where(User.username == "ola.nowak"))
    assert ola is not None and ola.office_id == krk.id
    worker = make_user("social_worker", office_code="WAW")
    waw_id = worker.office_id
    data = {
        "display_name": worker.display_name,
        "office_id": krk.id,
        "roles": ["social_worker"],
        "preferred_locale": "",
    }
    assert client.post(f"/administration/users/{worker.id}", data=data).status_code == 303
    db_session.expire_all()
    assert db_session.get(User, worker.id).office_id == krk.id
    [moved] = _events(db_session, "user.moved")
    assert moved.details == {"user_id": worker.id, "from_office_id": waw_id}
    assert link.startswith("/administration/password-reset/")


def test_a_reset_link_sets_a_password_that_meets_the_policy_once(client, login, make_user, offices, db_session):  # type: ignore[no-untyped-def]
    admin = make_user("admin")
    worker = make_user("social_worker")
    login(admin)
    link = _reset_link(client.post(f"/administration/users/{worker.id}/reset-link").get_data(as_text=True))
    client.post("/logout")
    assert client.get(link).status_code == 200
    weak = client.post(link, data={"new_password": "password1234", "confirm_password": "password1234"})
    assert weak.status_code == 422 and "too easy to guess" in weak.get_data(as_text=True)
    done = client.post(link, data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["Location"].endswith("/login")
    db_session.expire_all()
    assert authenticate(db_session, worker.username, NEW_PASSWORD).id == worker.id
    assert client.get(link).status_code == 404  # single use
    assert client.get("/administration/password-reset/not-a-token").status_code == 404
    [used] = _events(db_session, "user.password_reset_used")
    assert used.details["user_id"] == worker.id


def test_a_reset_link_expires_and_a_newer_one_replaces_it(client, login, make_user, offices, db_session):  # type: ignore[no-untyped-def]
    admin = make_user("admin")
    worker = make_user("social_worker")
    login(admin)
    first = _reset_link(client.post(f"/administration/users/{worker.id}/reset-link").get_data(as_text=True))
    second = _reset_link(client.post(f"/administration/users/{worker.id}/reset-link").get_data(as_text=True))
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    with engine_clock.frozen_clock(engine_clock.utcnow() + timedelta(hours=73)):
        assert client.get(second).status_code == 404


def test_budgets_are_set_on_the_page(client, login, make_user, offices, db_session) -> None:  # type: ignore[no-untyped-def]
    lub, _ = offices
    login(make_user("admin", office_code="LUB"))
    data = {"office_id": lub.id, "period_start": "2027-01-01", "period_end": "2027-12-31", "amount": "90000.00"}
    assert client.post("/administration/budgets", data=data).status_code == 303
    page = client.get("/administration/budgets").get_data(as_text=True)
    assert "LUB" in page and "90" in page
    overlapping = {**data, "period_start": "2027-06-01", "period_end": "2028-05-31"}
    response = client.post("/administration/budgets", data=overlapping)
    assert response.status_code == 422 and "may not overlap" not in response.get_data(as_text=True)
    assert "has a budget for" in response.get_data(as_text=True)


def test_partner_institutions_of_an_office_and_national_ones(client, login, make_user, offices, db_session):  # type: ignore[no-untyped-def]
    lub, waw = offices
    login(make_user("admin", office_code="LUB"))
    data = {"name": "Poradnia zdrowia psychicznego", "kind": "health", "office_id": lub.id, "contact": "tel. 81 000"}
    assert client.post("/administration/partners", data=data).status_code == 303
    national = client.post("/administration/partners", data={**data, "name": "KCIK", "office_id": 0})
    assert national.status_code == 422  # only national administrators keep national partners
    client.post("/logout")
    login(make_user("national_admin", office_code="WAW"))
    assert (
        client.post(
            "/administration/partners", data={**data, "name": "KCIK", "kind": "legal", "office_id": 0}
        ).status_code
        == 303
    )
    assert (
        client.post("/administration/partners", data={**data, "name": "PUP Warszawa", "office_id": waw.id}).status_code
        == 303
    )
    assert [p.name for p in partners_for_office(db_session, lub.id)] == ["KCIK", "Poradnia zdrowia psychicznego"]
    mine = db_session.scalar(select(PartnerInstitution).where(PartnerInstitution.name.startswith("Poradnia")))
    edit = {**data, "office_id": lub.id}  # "active" left out: the box is unticked
    assert client.post(f"/administration/partners/{mine.id}", data=edit).status_code == 303
    assert [p.name for p in partners_for_office(db_session, lub.id)] == ["KCIK"]
    assert _events(db_session, "partner.updated")[-1].details == {"partner_id": mine.id, "fields": ["active"]}


def test_programme_settings_are_changed_by_a_national_administrator_only(  # type: ignore[no-untyped-def]
    client, login, make_user, offices, db_session, monkeypatch
) -> None:
    monkeypatch.setenv("IPD_MATERIAL_AID_APPROVAL_LIMIT", "400.00")
    login(make_user("admin"))
    assert "400.00" in client.get("/administration/settings").get_data(as_text=True)
    assert (
        client.post(
            "/administration/settings", data={"name": "IPD_MATERIAL_AID_APPROVAL_LIMIT", "value": "1"}
        ).status_code
        == 403
    )
    client.post("/logout")
    login(make_user("national_admin"))
    bad = client.post("/administration/settings", data={"name": "IPD_SUBSIDY_RENT_SHARE", "value": "1.5"})
    assert bad.status_code == 422 and "share between 0 and 1" in bad.get_data(as_text=True)
    ok = client.post("/administration/settings", data={"name": "IPD_MATERIAL_AID_APPROVAL_LIMIT", "value": "250,5"})
    assert ok.status_code == 303
    assert programme.setting(db_session, "IPD_MATERIAL_AID_APPROVAL_LIMIT") == "250.50"
    assert (
        client.post(
            "/administration/settings", data={"name": "IPD_MATERIAL_AID_APPROVAL_LIMIT", "value": ""}
        ).status_code
        == 303
    )
    assert programme.setting(db_session, "IPD_MATERIAL_AID_APPROVAL_LIMIT") == "400.00"
    assert [e.kind for e in db_session.scalars(select(AuditEvent).where(AuditEvent.kind.like("programme.%")))] == [
        "programme.setting_changed",
        "programme.setting_reset",
    ]


def test_the_referral_form_suggests_the_offices_active_partners(client, login, db_session, library, staff) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    from engine.administration.partners import add_partner
    from engine.cases.service import BeneficiaryInput, open_case
    from engine.instances.service import start_instance

    sw = staff["sw"]
    national = factories.user(db_session, "national_admin", office_code="WAW")
    add_partner(
        db_session,
        national,
        name="Powiatowy Urząd Pracy w Lublinie",
        kind="employment",
        office_id=sw.office_id,
        contact=None,
    )
    add_partner(
        db_session,
        national,
        name="Urząd Pracy m.st. Warszawy",
        kind="employment",
        office_id=staff["waw"].office_id,
        contact=None,
    )
    case = open_case(db_session, sw, BeneficiaryInput("Olena", "Kovalenko"))
    start_instance(db_session, sw, "referral", case=case)
    task = open_task(db_session, case.id, "Task_send_referral")
    db_session.commit()
    login(sw)
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'list="referral_partner_name-suggestions"' in page
    assert '<option value="Powiatowy Urząd Pracy w Lublinie">' in page and "Warszawy" not in page


def test_an_office_administrator_edits_their_office(client, login, make_user, offices, db_session) -> None:  # type: ignore[no-untyped-def]
    lub, _ = offices
    login(make_user("admin", office_code="LUB"))
    response = client.post(f"/administration/offices/{lub.id}", data={"name": "Centrum Lublin", "city": "Lublin"})
    assert response.status_code == 303
    db_session.expire_all()
    assert db_session.get(Office, lub.id).name == "Centrum Lublin"
    assert _events(db_session, "office.updated")[-1].details == {"fields": ["name"]}
