"""Consent as a gate: may the person's data be shared with this partner, may they be listed in a report?

The one place these questions are answered. Sharing follows the newest consent to sharing that speaks of the
partner (by name, or by the kind of partner: "health" covers every health service); a refusal that names no
partner refuses every partner. Without a consent in force, sharing needs a supervisor's override
(``SharingOverride``), its own record, used by one referral. Reporting follows the newest reporting consent of
the person: those who refused (or never answered) are counted in reports but never listed by name.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import QueryableAttribute, Session, aliased

from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.audit.service import record
from engine.cases.models import Case
from engine.clock import utcnow
from engine.errors import Conflict, Forbidden, InvalidInput
from engine.people.models import PARTNER_TYPES, SHARING_OVERRIDE_BASES, Consent, ConsentPurpose, SharingOverride


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def _speaks_of(consent: Consent, partner: str, partner_name: str | None) -> bool:
    types = list(consent.partner_types or [])
    names = list(consent.partner_names or [])
    if not types and not names:
        return not consent.granted  # a refusal naming nobody refuses everyone
    return partner in types or (partner_name is not None and any(_same_name(n, partner_name) for n in names))


def sharing_consent(session: Session, beneficiary_id: int, partner: str, partner_name: str | None) -> Consent | None:
    """The newest consent to sharing of the person that speaks of this partner, or None."""
    rows = session.scalars(
        select(Consent)
        .where(Consent.beneficiary_id == beneficiary_id, Consent.purpose == ConsentPurpose.SHARING_PARTNERS)
        .order_by(Consent.given_on.desc(), Consent.id.desc())
    )
    return next((c for c in rows if _speaks_of(c, partner, partner_name)), None)


def sharing_allowed(session: Session, beneficiary_id: int, partner: str, partner_name: str | None) -> bool:
    """True when the person's consent to share their data with this partner is in force."""
    consent = sharing_consent(session, beneficiary_id, partner, partner_name)
    return consent is not None and consent.in_force


def reporting_allowed(session: Session, beneficiary_id: int) -> bool:
    """True when the person may be listed by name in a report: their newest reporting consent is in force."""
    newest = session.scalar(
        select(Consent)
        .where(Consent.beneficiary_id == beneficiary_id, Consent.purpose == ConsentPurpose.REPORTING)
        .order_by(Consent.given_on.desc(), Consent.id.desc())
        .limit(1)
    )
    return newest is not None and newest.in_force


def reporting_allowed_clause(beneficiary_id: ColumnElement[int] | QueryableAttribute[int]) -> ColumnElement[bool]:
    """The SQL twin of ``reporting_allowed`` for a query's beneficiary id column (e.g. ``Case.beneficiary_id``)."""
    newer = aliased(Consent)
    return exists(
        select(Consent.id).where(
            Consent.beneficiary_id == beneficiary_id,
            Consent.purpose == ConsentPurpose.REPORTING,
            Consent.granted.is_(True),
            Consent.withdrawn_on.is_(None),
            ~exists(
                select(newer.id).where(
                    newer.beneficiary_id == Consent.beneficiary_id,
                    newer.purpose == ConsentPurpose.REPORTING,
                    or_(
                        newer.given_on > Consent.given_on,
                        and_(newer.given_on == Consent.given_on, newer.id > Consent.id),
                    ),
                )
            ),
        )
    )


# -- supervisors' overrides ---------------------------------------------------------------------------------------


def may_override(actor: User, case: Case) -> bool:
    return actor.has_role(Role.SUPERVISOR) and actor.office_id == case.office_id


def grant_sharing_override(
    session: Session,
    actor: User,
    case: Case,
    *,
    partner: str,
    partner_name: str | None,
    basis: str,
    reason: str,
) -> SharingOverride:
    """A supervisor of the office allows one sharing with a partner without the person's consent, with a reason."""
    if not case.can_view(actor):
        raise Forbidden("this case is not yours to see")
    if not may_override(actor, case):
        raise Forbidden("only a supervisor of the case's office overrides a missing consent")
    if case.status != "open":
        raise Conflict("the case is closed")
    problems = {}
    if partner not in PARTNER_TYPES:
        problems["partner"] = f"choose from: {', '.join(PARTNER_TYPES)}"
    if basis not in SHARING_OVERRIDE_BASES:
        problems["basis"] = f"choose from: {', '.join(SHARING_OVERRIDE_BASES)}"
    reason = (reason or "").strip()
    if not reason:
        problems["reason"] = "give the reason (the legal ground) for sharing without consent"
    elif len(reason) > 5000:
        problems["reason"] = "at most 5000 characters"
    name = (partner_name or "").strip() or None
    if name is not None and len(name) > 200:
        problems["partner_name"] = "at most 200 characters"
    if problems:
        raise InvalidInput("the override is incomplete", problems)
    override = SharingOverride(
        case_id=case.id,
        partner=partner,
        partner_name=name,
        basis=basis,
        reason=reason,
        granted_by_id=actor.id,
        granted_at=utcnow(),
    )
    session.add(override)
    session.flush()
    record(
        session,
        "consent.sharing_overridden",
        actor=actor,
        case_id=case.id,
        office_id=case.office_id,
        override_id=override.id,
        partner=partner,
        basis=basis,
    )
    return override


def unused_override(
    session: Session, case_id: int, partner: str, partner_name: str | None, basis: str | None = None
) -> SharingOverride | None:
    """The oldest override of the case for this partner not yet used by a referral."""
    stmt = select(SharingOverride).where(
        SharingOverride.case_id == case_id,
        SharingOverride.partner == partner,
        SharingOverride.referral_id.is_(None),
    )
    if basis is not None:
        stmt = stmt.where(SharingOverride.basis == basis)
    for override in session.scalars(stmt.order_by(SharingOverride.id).with_for_update()):
        if override.partner_name is None or (
            partner_name is not None and _same_name(override.partner_name, partner_name)
        ):
            return override
    return None


def use_override(session: Session, override: SharingOverride, referral_id: int) -> None:
    override.referral_id = referral_id
    override.used_at = utcnow()
    session.flush()


def overrides_of(session: Session, case_id: int) -> list[SharingOverride]:
    return list(
        session.scalars(select(SharingOverride).where(SharingOverride.case_id == case_id).order_by(SharingOverride.id))
    )
