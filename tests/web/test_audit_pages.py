"""The audit page: who reads which office's rows, filters, keyset pages, the CSV export; every read is audited."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.accounts.service import authenticate
from engine.audit.models import AuditEvent
from engine.audit.service import record
from engine.cases.models import Case
from engine.cases.service import BeneficiaryInput, open_case
from engine.clock import frozen_clock
from engine.errors import Forbidden
from tests import factories


@pytest.fixture
def people(db_session: Session) -> dict[str, User]:
    found = {
        "sw": factories.user(db_session, "social_worker", username="anna"),
        "psy": factories.user(db_session, "psychologist", username="ewa"),
        "sup": factories.user(db_session, "supervisor", username="sup-lub"),
        "admin": factories.user(db_session, "admin", username="admin-lub"),
        "waw_sw": factories.user(db_session, "social_worker", office_code="WAW", username="ola"),
        "waw_admin": factories.user(db_session, "admin", office_code="WAW", username="admin-waw"),
        "national": factories.user(db_session, "national_admin", office_code="WAW", username="kraj"),
    }
    found["sup"].preferred_locale = "en"  # the field errors below are read in English
    db_session.commit()
    return found


def _case(session: Session, actor: User, family: str) -> Case:
    return open_case(session, actor, BeneficiaryInput(given_names_latin="Olena", family_name_latin=family))


@pytest.fixture
def cases(db_session: Session, people: dict[str, User]) -> dict[str, Case]:
    found = {
        "a": _case(db_session, people["sw"], "Kovalenko"),
        "b": _case(db_session, people["sw"], "Rahimi"),
        "waw": _case(db_session, people["waw_sw"], "Tsarni"),
    }
    record(db_session, "test.lub_marker", actor=people["sw"], case_id=found["a"].id)
    record(db_session, "test.waw_marker", actor=people["waw_sw"], case_id=found["waw"].id)
    # A national administrator from Warsaw read a Lublin case: Lublin's supervisor must see that.
    record(db_session, "test.read_from_afar", actor=people["national"], case_id=found["b"].id)
    db_session.commit()
    return found


def kinds(html: str) -> set[str]:
    return set(re.findall(r"<code>([a-z_.]+)</code>", html))


@pytest.mark.parametrize("who", ["sw", "psy"])
def test_case_workers_cannot_read_the_log(client, login, people, who):
    login(people[who])
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get("/audit/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_supervisor_reads_their_office_and_its_cases(client, login, people, cases):
    login(people["sup"])
    page = client.get("/audit/")
    assert page.status_code == 200
    seen = kinds(page.get_data(as_text=True))
    assert {"test.lub_marker", "test.read_from_afar", "case.opened"} <= seen
    assert "test.waw_marker" not in seen


def test_office_admin_reads_their_office_only(client, login, people, cases):
    login(people["waw_admin"])
    seen = kinds(client.get("/audit/").get_data(as_text=True))
    assert "test.waw_marker" in seen and "test.lub_marker" not in seen


def test_national_admin_reads_every_office(client, login, people, cases, db_session):
    login(people["national"])
    page = client.get("/audit/")
    seen = kinds(page.get_data(as_text=True))
    assert {"test.waw_marker", "test.lub_marker"} <= seen
    lub = db_session.scalar(select(User.office_id).where(User.username == "anna"))
    only_lub = kinds(client.get(f"/audit/?office={lub}").get_data(as_text=True))
    assert "test.lub_marker" in only_lub and "test.waw_marker" not in only_lub


def test_the_navigation_links_the_page_for_readers_only(client, login, people):
    login(people["sup"])
    assert 'href="/audit/"' in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login(people["sw"])
    assert 'href="/audit/"' not in client.get("/").get_data(as_text=True)


def test_filter_by_case_number(client, login, people, cases):
    login(people["sup"])
    seen = kinds(client.get(f"/audit/?case={cases['a'].number.lower()}").get_data(as_text=True))
    assert "test.lub_marker" in seen and "test.read_from_afar" not in seen


def test_filter_by_person_covers_all_their_cases(client, login, people, cases, db_session):
    second = open_case(
        db_session,
        people["sw"],
        BeneficiaryInput(given_names_latin="Olena", family_name_latin="Kovalenko"),
    )
    # The same person's second case: opened for the beneficiary of case "a".
    second.beneficiary_id = cases["a"].beneficiary_id
    record(db_session, "test.second_case", actor=people["sw"], case_id=second.id)
    db_session.commit()
    login(people["sup"])
    seen = kinds(client.get(f"/audit/?person={cases['a'].beneficiary_id}").get_data(as_text=True))
    assert {"test.lub_marker", "test.second_case"} <= seen
    assert "test.read_from_afar" not in seen


def test_filter_by_user_and_kind(client, login, people, cases):
    login(people["sup"])
    seen = kinds(client.get("/audit/?user=KRAJ").get_data(as_text=True))
    assert seen == {"test.read_from_afar"}
    seen = kinds(client.get("/audit/?kind=test.").get_data(as_text=True))
    assert seen == {"test.lub_marker", "test.read_from_afar"}
    seen = kinds(client.get("/audit/?kind=test.lub_marker").get_data(as_text=True))
    assert seen == {"test.lub_marker"}


def test_filter_by_user_finds_failed_logins_of_unknown_names(client, login, people, db_session):
    with pytest.raises(Forbidden):
        authenticate(db_session, "nobody-here", "wrong-password-123")
    db_session.commit()
    # A name that matches no account belongs to no office: only a national administrator reads it.
    login(people["admin"])
    assert kinds(client.get("/audit/?user=nobody-here").get_data(as_text=True)) == set()
    client.post("/logout")
    login(people["national"])
    assert kinds(client.get("/audit/?user=nobody-here").get_data(as_text=True)) == {"auth.login_failed"}


def test_filter_by_time_range_in_local_days(client, login, people, db_session):
    with frozen_clock(datetime(2026, 3, 1, 23, 30, tzinfo=UTC)):  # 00:30 on 2 March in Warsaw
        record(db_session, "test.march", actor=people["sw"])
    with frozen_clock(datetime(2026, 4, 10, 9, 0, tzinfo=UTC)):
        record(db_session, "test.april", actor=people["sw"])
    db_session.commit()
    login(people["sup"])
    seen = kinds(client.get("/audit/?date_from=2026-03-02&date_to=2026-03-31").get_data(as_text=True))
    assert seen == {"test.march"}
    seen = kinds(client.get("/audit/?date_from=2026-03-03&date_to=2026-04-10").get_data(as_text=True))
    assert seen == {"test.april"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("kind=DROP%20TABLE", "Use a kind such as case.viewed"),
        ("date_from=2026-05-02&date_to=2026-05-01", "The end of the period comes before its start."),
        ("case=WAW-999", "There is no case with this number in your office."),
        ("person=abc", "Give the person&#39;s number."),
        ("date_from=yesterday", 'id="date_from-error"'),
    ],
)
def test_bad_filters_are_field_errors(client, login, people, query, message):
    login(people["sup"])
    response = client.get(f"/audit/?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_case_of_another_office_is_not_a_filter_for_its_supervisor(client, login, people, cases):
    login(people["sup"])
    response = client.get(f"/audit/?case={cases['waw'].number}")
    assert response.status_code == 400


def test_keyset_pages_newest_first_without_overlap(client, login, people, db_session):
    for number in range(60):
        record(db_session, "test.page", actor=people["sw"], n=number)
    db_session.commit()
    login(people["sup"])
    first = client.get("/audit/?kind=test.page").get_data(as_text=True)
    shown_first = [int(n) for n in re.findall(r"n: (\d+)</span>", first)]
    assert shown_first == list(range(59, 9, -1))
    older = re.search(r'href="(/audit/\?before=\d+[^"]*)">', first)
    assert older is not None
    second = client.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert [int(n) for n in re.findall(r"n: (\d+)</span>", second)] == list(range(9, -1, -1))
    assert "before=" not in second.split('class="pager"')[1].split("Newest")[-1]
    assert client.get("/audit/?before=abc").status_code == 400


def test_reading_and_exporting_are_audited_with_the_filters(client, login, people, cases, db_session):
    login(people["sup"])
    client.get(f"/audit/?case={cases['a'].number}&kind=test.")
    viewed = db_session.scalars(select(AuditEvent).where(AuditEvent.kind == "audit.viewed")).all()
    assert [(e.actor_id, e.details) for e in viewed] == [
        (people["sup"].id, {"before": None, "filter_case_id": cases["a"].id, "filter_kind": "test."})
    ]
    client.get("/audit/export.csv?user=anna")
    exported = db_session.scalars(select(AuditEvent).where(AuditEvent.kind == "audit.exported")).all()
    assert [(e.actor_id, e.details) for e in exported] == [(people["sup"].id, {"filter_actor_id": people["sw"].id})]


def test_export_is_a_csv_of_the_office_with_formulas_neutralised(client, login, people, cases, db_session):
    record(db_session, "test.marker", actor=people["sw"], purpose="+48 court request", case_id=cases["a"].id)
    record(db_session, "test.named", actor_name="@evil", office_id=people["sw"].office_id)
    db_session.commit()
    login(people["admin"])
    response = client.get("/audit/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Zdarzenie", "Pozycja w łańcuchu", "Czas (UTC)", "Rodzaj zdarzenia"]
    by_kind = {row[3]: row for row in body}
    assert "test.waw_marker" not in by_kind and "test.lub_marker" in by_kind
    assert by_kind["test.named"][5] == "'@evil"  # user name
    marker = by_kind["test.marker"]
    assert marker[10] == "'+48 court request"  # purpose
    assert marker[8] == cases["a"].number
    assert len(marker[13]) == 64 and marker[1].isdigit()  # hash, position
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in body for cell in row)


def test_a_formula_typed_as_a_user_name_is_exported_as_text(client, login, people, db_session):
    with pytest.raises(Forbidden):
        authenticate(db_session, "=1+1", "wrong-password-123")  # a name typed at the login form
    db_session.commit()
    login(people["national"])
    text = client.get("/audit/export.csv?kind=auth.login_failed").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert [row[5] for row in rows[1:]] == ["'=1+1"]
