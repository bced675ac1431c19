"""Partner institutions: the list referral forms and team meetings choose from, kept by administrators."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.accounts.models import User
from engine.administration.models import PartnerInstitution, PartnerKind
from engine.administration.scope import administered_office_ids, may_administer, require_administrator
from engine.audit.service import record
from engine.clock import utcnow
from engine.errors import Forbidden, InvalidInput, NotFound

KINDS = tuple(kind.value for kind in PartnerKind)
FIELDS = ("name", "kind", "office_id", "contact", "active")


def _checked(name: str, kind: str, contact: str | None) -> tuple[str, str, str | None]:
    problems = {}
    name = (name or "").strip()
    if not name or len(name) > 200:
        problems["name"] = "give the institution's name (at most 200 characters)"
    if kind not in KINDS:
        problems["kind"] = f"one of {', '.join(KINDS)}"
    contact = (contact or "").strip() or None
    if contact is not None and len(contact) > 2000:
        problems["contact"] = "at most 2000 characters"
    if problems:
        raise InvalidInput("the partner institution needs correcting", problems)
    return name, kind, contact


def _may_place(actor: User, office_id: int | None) -> None:
    if not may_administer(actor, office_id):
        raise Forbidden(
            "only national administrators keep national partners"
            if office_id is None
            else "you administer another office"
        )


def add_partner(
    session: Session, actor: User, *, name: str, kind: str, office_id: int | None, contact: str | None
) -> PartnerInstitution:
    """A partner of an administered office, or a national one (national administrators)."""
    require_administrator(actor)
    _may_place(actor, office_id)
    name, kind, contact = _checked(name, kind, contact)
    partner = PartnerInstitution(name=name, kind=kind, office_id=office_id, contact=contact, active=True)
    session.add(partner)
    session.flush()
    record(session, "partner.created", actor=actor, office_id=office_id, partner_id=partner.id, partner_kind=kind)
    return partner


def administered_partner(session: Session, actor: User, partner_id: int) -> PartnerInstitution:
    require_administrator(actor)
    partner = session.get(PartnerInstitution, partner_id)
    if partner is None or not may_administer(actor, partner.office_id):
        raise NotFound(f"no partner institution {partner_id}")
    return partner


def edit_partner(
    session: Session,
    actor: User,
    partner_id: int,
    *,
    name: str,
    kind: str,
    office_id: int | None,
    contact: str | None,
    active: bool,
) -> list[str]:
    """Change a partner; returns the names of the fields changed."""
    partner = administered_partner(session, actor, partner_id)
    _may_place(actor, office_id)
    name, kind, contact = _checked(name, kind, contact)
    changed = []
    for field, value in (
        ("name", name),
        ("kind", kind),
        ("office_id", office_id),
        ("contact", contact),
        ("active", active),
    ):
        if getattr(partner, field) != value:
            setattr(partner, field, value)
            changed.append(field)
    if changed:
        partner.updated_at = utcnow()
        record(session, "partner.updated", actor=actor, office_id=office_id, partner_id=partner.id, fields=changed)
    return changed


def list_administered_partners(session: Session, actor: User) -> list[PartnerInstitution]:
    """Partners an administrator keeps or sees: their offices' and the national ones, active or not."""
    require_administrator(actor)
    stmt = select(PartnerInstitution).order_by(PartnerInstitution.name, PartnerInstitution.id)
    ids = administered_office_ids(actor)
    if ids is not None:
        stmt = stmt.where(or_(PartnerInstitution.office_id.is_(None), PartnerInstitution.office_id.in_(ids)))
    return list(session.scalars(stmt))


def partners_for_office(session: Session, office_id: int, kind: str | None = None) -> list[PartnerInstitution]:
    """The active partners an office chooses from (its own and the national ones), by name."""
    stmt = select(PartnerInstitution).where(
        PartnerInstitution.active.is_(True),
        or_(PartnerInstitution.office_id.is_(None), PartnerInstitution.office_id == office_id),
    )
    if kind is not None:
        stmt = stmt.where(PartnerInstitution.kind == kind)
    return list(session.scalars(stmt.order_by(PartnerInstitution.name, PartnerInstitution.id)))
