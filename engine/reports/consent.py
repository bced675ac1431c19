"""The reporting consent as the report reads it: one function, so the rule can move with the consent model.

A person whose latest reporting consent is refused or withdrawn is counted in every figure and never listed.
"""

from __future__ import annotations

from sqlalchemy import Select, and_, func, or_, select

from engine.people.models import Consent, ConsentPurpose


def not_listable_case_ids() -> Select[int]:
    """Ids of cases whose latest reporting consent is refused or withdrawn."""
    latest = select(func.max(Consent.id)).where(Consent.purpose == ConsentPurpose.REPORTING).group_by(Consent.case_id)
    return select(Consent.case_id).where(
        and_(Consent.id.in_(latest), or_(Consent.granted.is_(False), Consent.withdrawn_on.is_not(None)))
    )
