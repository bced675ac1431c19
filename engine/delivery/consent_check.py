"""Has the beneficiary refused (or withdrawn) consent to sharing their data with partner organisations?

The consents table belongs to the people area (``engine.people.models.Consent``), built on another branch. Until
it exists this answers "not refused". What this module assumes of it (the merger connects it here):

- ``Consent.case_id``: the case the consent was recorded on (FK ``cases.id``);
- ``Consent.purpose``: a string; sharing with partners is ``SHARING_PURPOSE`` ("sharing");
- ``Consent.granted``: bool (False: refused);
- ``Consent.withdrawn_on``: a date, None while the consent stands;
- the newest row (highest ``id``) of that purpose on the case is the one in force.
"""

from __future__ import annotations

import importlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.models import Case

SHARING_PURPOSE = "sharing"


def _consent_model() -> Any | None:
    model = getattr(importlib.import_module("engine.people.models"), "Consent", None)
    needed = ("case_id", "purpose", "granted", "withdrawn_on", "id")
    return model if model is not None and all(hasattr(model, name) for name in needed) else None


def sharing_consent_refused(session: Session, case: Case) -> bool:
    """True when the consent in force for sharing with partners was refused or has been withdrawn."""
    consent = _consent_model()
    if consent is None:
        return False
    latest = session.scalars(
        select(consent)
        .where(consent.case_id == case.id, consent.purpose == SHARING_PURPOSE)
        .order_by(consent.id.desc())
        .limit(1)
    ).first()
    if latest is None:
        return False
    return not latest.granted or latest.withdrawn_on is not None
