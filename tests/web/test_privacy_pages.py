"""The case file's privacy section: sharing overrides, subject-access export, rectification, legal holds."""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import select

from engine.audit.models import AuditEvent
from engine.cases.models import Case
from engine.cases.service import BeneficiaryInput, open_case
from engine.people.models import BeneficiaryCorrection, SharingOverride
from engine.privacy.models import LegalHold
from tests.web.test_cases_pages import library, page, staff  # noqa: F401 - fixtures


def _case(db_session, staff) -> Case:  # noqa: F811
    case = open_case(db_session, staff["sw"], BeneficiaryInput("Olena", "Kovalenko"))
    db_session.commit()
    return case


def test_a_supervisor_records_an_override_shown_on_the_case(client, login, db_session, library, staff):  # noqa: F811
    case = _case(db_session, staff)
    form = {"partner": "health", "partner_name": "", "basis": "vital_interest", "override_reason": "Acute risk"}
    login(staff["sw"])
    assert f'action="/cases/{case.id}/sharing-overrides"' not in page(client.get(f"/cases/{case.id}"))
    assert client.post(f"/cases/{case.id}/sharing-overrides", data=form).status_code == 404
    client.post("/logout")
    login(staff["sup"])
    response = client.post(f"/cases/{case.id}/sharing-overrides", data=dict(form, override_reason=" "))
    assert response.status_code == 303 and db_session.scalar(select(SharingOverride.id)) is None
    client.post(f"/cases/{case.id}/sharing-overrides", data=form)
    override = db_session.scalars(select(SharingOverride)).one()
    assert (override.granted_by_id, override.reason) == (staff["sup"].id, "Acute risk")
    text = page(client.get(f"/cases/{case.id}"))
    assert f'data-override="{override.id}"' in text and "Acute risk" in text


def test_the_case_manager_downloads_the_subject_access_zip_others_get_404(client, login, db_session, library, staff):  # noqa: F811
    case = _case(db_session, staff)
    login(staff["sw"])
    assert f'action="/cases/{case.id}/subject-access"' in page(client.get(f"/cases/{case.id}"))
    assert client.get(f"/cases/{case.id}/subject-access").status_code == 405
    response = client.post(f"/cases/{case.id}/subject-access")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert {"manifest.json", "summary.pdf", "records/person.json"} <= set(archive.namelist())
        assert "Kovalenko" in archive.read("records/person.json").decode()
    assert db_session.scalar(select(AuditEvent.id).where(AuditEvent.kind == "case.subject_access_exported"))
    for other in ("sw2", "waw", "psy"):
        client.post("/logout")
        login(staff[other])
        assert client.post(f"/cases/{case.id}/subject-access").status_code == 404, other
    client.post("/logout")
    login(staff["sup"])
    assert client.post(f"/cases/{case.id}/subject-access").status_code == 200


def test_a_correction_keeps_the_old_value_on_the_case_file(client, login, db_session, library, staff):  # noqa: F811
    case = _case(db_session, staff)
    login(staff["sw"])
    response = client.post(
        f"/cases/{case.id}/rectify", data={"family_name_latin": "Kowalenko", "correction_reason": ""}
    )
    assert response.status_code == 303 and db_session.scalar(select(BeneficiaryCorrection.id)) is None
    client.post(
        f"/cases/{case.id}/rectify", data={"family_name_latin": "Kowalenko", "correction_reason": "Passport spelling"}
    )
    text = page(client.get(f"/cases/{case.id}"))
    assert "Kovalenko → Kowalenko" in text and "Passport spelling" in text
    client.post("/logout")
    login(staff["sw2"])
    assert (
        client.post(f"/cases/{case.id}/rectify", data={"family_name_latin": "X", "correction_reason": "y"}).status_code
        == 404
    )


def test_a_supervisor_sets_and_lifts_a_legal_hold(client, login, db_session, library, staff):  # noqa: F811
    case = _case(db_session, staff)
    login(staff["sw"])
    assert client.post(f"/cases/{case.id}/legal-hold", data={"action": "set", "hold_reason": "x"}).status_code == 404
    client.post("/logout")
    login(staff["sup"])
    client.post(f"/cases/{case.id}/legal-hold", data={"action": "set", "hold_reason": "Proceedings II K 1/26"})
    assert "Proceedings II K 1/26" in page(client.get(f"/cases/{case.id}"))
    client.post(f"/cases/{case.id}/legal-hold", data={"action": "lift", "hold_reason": "Ended"})
    hold = db_session.scalars(select(LegalHold)).one()
    assert hold.lifted_by_id == staff["sup"].id and hold.lift_reason == "Ended"


def test_a_hidden_address_is_never_offered_for_correction(client, login, db_session, library, staff):  # noqa: F811
    case = _case(db_session, staff)
    case.beneficiary.address, case.beneficiary.address_hidden = "ul. Ukryta 7", True
    db_session.commit()
    login(staff["sw"])
    # The case manager reads the hidden address (engine.access.categories) but the correction form never holds it.
    shown = page(client.get(f"/cases/{case.id}"))
    form = shown[shown.index('id="sec-rectification"') :]
    assert "Ukryta" in shown and "Ukryta" not in form
    client.post(
        f"/cases/{case.id}/rectify", data={"address": "", "phone": "+48 500 000 000", "correction_reason": "New phone"}
    )
    db_session.expire_all()
    assert case.beneficiary.address == "ul. Ukryta 7" and case.beneficiary.phone == "+48 500 000 000"
    assert [c.field for c in db_session.scalars(select(BeneficiaryCorrection))] == ["phone"]
