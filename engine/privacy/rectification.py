"""Rectification (art. 16 GDPR): correct the person's data, keeping each previous value with who, when and why."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.audit.service import record
from engine.cases.models import Case
from engine.clock import utcnow
from engine.countries import alpha_2
from engine.errors import InvalidInput, NotFound
from engine.people.models import RECTIFIABLE_FIELDS, BeneficiaryCorrection
from engine.people.operations import SEXES
from engine.privacy.subject_access import may_export

MAX_LENGTHS = {
    "given_names_latin": 200,
    "family_name_latin": 200,
    "names_original": 400,
    "phone": 40,
    "email": 254,
    "address": 2000,
}
REQUIRED = ("given_names_latin", "family_name_latin")


def _parse(name: str, raw: Any) -> Any:
    text = str(raw).strip() if raw is not None else ""
    if not text:
        if name in REQUIRED:
            raise InvalidInput("a name cannot be empty", {name: "required"})
        return None
    if name == "date_of_birth":
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise InvalidInput("a date is wrong", {name: "a date as YYYY-MM-DD"}) from None
        if day > utcnow().date():
            raise InvalidInput("a date is in the future", {name: "cannot be in the future"})
        return day
    if name == "sex" and text not in SEXES:
        raise InvalidInput("the sex is unknown", {name: f"choose from: {', '.join(SEXES)}"})
    if name == "citizenship":
        code = alpha_2(text)
        if code is None:
            raise InvalidInput("the citizenship is wrong", {name: "an ISO 3166 code such as UA (XX: stateless)"})
        return code
    if name == "pesel" and not (len(text) == 11 and text.isdigit()):
        raise InvalidInput("the PESEL is wrong", {name: "a PESEL has 11 digits"})
    if len(text) > MAX_LENGTHS.get(name, 200):
        raise InvalidInput("a value is too long", {name: f"at most {MAX_LENGTHS.get(name, 200)} characters"})
    return text


def _shown(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, date) else value


def rectify_beneficiary(
    session: Session, actor: User, case_id: int, changes: Mapping[str, Any], reason: str
) -> list[BeneficiaryCorrection]:
    """Apply the corrections that change something; each becomes a history row. The case manager or a supervisor
    of the office; NotFound for others."""
    case = session.get(Case, case_id)
    if case is None or not case.can_view(actor) or not may_export(actor, case):
        raise NotFound(f"no case {case_id}")
    unknown = sorted(set(changes) - set(RECTIFIABLE_FIELDS))
    if unknown:
        raise InvalidInput("a field cannot be corrected here", {name: "not a correctable field" for name in unknown})
    why = (reason or "").strip()
    if not why:
        raise InvalidInput("the reason is missing", {"reason": "say why the data are corrected"})
    person = case.beneficiary
    corrections = []
    now = utcnow()
    for name in RECTIFIABLE_FIELDS:
        if name not in changes:
            continue
        new = _parse(name, changes[name])
        old = getattr(person, name)
        if new == old:
            continue
        corrections.append(
            BeneficiaryCorrection(
                beneficiary_id=person.id,
                case_id=case.id,
                field=name,
                old_value=_shown(old),
                new_value=_shown(new),
                reason=why[:5000],
                corrected_by_id=actor.id,
                corrected_at=now,
            )
        )
        setattr(person, name, new)
    if not corrections:
        raise InvalidInput("nothing changed", {"reason": "no value differs from the one recorded"})
    session.add_all(corrections)
    session.flush()
    record(
        session,
        "beneficiary.rectified",
        actor=actor,
        case_id=case.id,
        office_id=case.office_id,
        beneficiary_id=person.id,
        fields=[c.field for c in corrections],
        correction_ids=[c.id for c in corrections],
    )
    return corrections
