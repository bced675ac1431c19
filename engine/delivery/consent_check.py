"""May the beneficiary's data be shared with partner organisations on the basis of their consent?"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.models import Case
from engine.people.models import Consent, ConsentPurpose


def sharing_consent_in_force(session: Session, case: Case) -> bool:
    """True when the newest consent to sharing recorded on the case was granted and not withdrawn."""
    latest = session.scalars(
        select(Consent)
        .where(Consent.case_id == case.id, Consent.purpose == ConsentPurpose.SHARING_PARTNERS)
        .order_by(Consent.given_on.desc(), Consent.id.desc())
        .limit(1)
    ).first()
    return latest is not None and latest.in_force
