"""Two-factor sign-in in the engine: enrolment, codes from the app, recovery codes, per-role requirement, reset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.two_factor import (
    RecoveryCode,
    begin_enrolment,
    confirm_enrolment,
    is_enrolled,
    is_required,
    keep_defaults_off,
    reset_two_factor,
    role_requirements,
    set_role_requirement,
    unused_recovery_codes,
    verify_second_factor,
)
from engine.audit.models import AuditEvent
from engine.clock import frozen_clock
from engine.errors import Conflict, Forbidden, InvalidInput
from tests import factories

NOON = datetime(2026, 12, 6, 12, 0, 5, tzinfo=UTC)


def _code(secret: str, at: datetime) -> str:
    return pyotp.TOTP(secret).at(at)


def _enrolled(session: Session, user, at: datetime = NOON) -> tuple[str, list[str]]:
    secret = begin_enrolment(session, user).secret
    with frozen_clock(at):
        codes = confirm_enrolment(session, user, _code(secret, at))
    return secret, codes


def test_enrolment_is_active_only_after_a_right_code(db_session):
    user = factories.user(db_session, "psychologist")
    pending = begin_enrolment(db_session, user)
    assert begin_enrolment(db_session, user).secret == pending.secret  # the QR code stays the same
    assert not is_enrolled(db_session, user)
    with frozen_clock(NOON), pytest.raises(InvalidInput):
        confirm_enrolment(db_session, user, "000000" if _code(pending.secret, NOON) != "000000" else "111111")
    assert not is_enrolled(db_session, user)
    with frozen_clock(NOON):
        codes = confirm_enrolment(db_session, user, _code(pending.secret, NOON))
    assert is_enrolled(db_session, user)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = db_session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)  # hashed, never kept as typed
    assert all(h.startswith("$argon2") for h in stored)
    with pytest.raises(Conflict):
        begin_enrolment(db_session, user)


def test_a_code_from_the_app_signs_in_once(db_session):
    user = factories.user(db_session, "lawyer")
    secret, _ = _enrolled(db_session, user)
    later = NOON + timedelta(minutes=5)
    with frozen_clock(later):
        assert verify_second_factor(db_session, user, _code(secret, later)) == "totp"
        with pytest.raises(Forbidden):  # the same code a second time: someone watching over the shoulder
            verify_second_factor(db_session, user, _code(secret, later))
    kinds = db_session.scalars(select(AuditEvent.kind).where(AuditEvent.actor_id == user.id)).all()
    assert {"two_factor.enrolled", "auth.two_factor_passed", "auth.two_factor_failed"} <= set(kinds)


def test_codes_of_the_neighbouring_time_steps_only(db_session):
    user = factories.user(db_session, "lawyer")
    secret, _ = _enrolled(db_session, user)
    now = NOON + timedelta(hours=1)
    with frozen_clock(now):
        with pytest.raises(Forbidden):
            verify_second_factor(db_session, user, _code(secret, now - timedelta(seconds=90)))
        assert verify_second_factor(db_session, user, _code(secret, now - timedelta(seconds=30))) == "totp"


def test_a_wrong_code_is_refused(db_session):
    user = factories.user(db_session, "lawyer")
    secret, _ = _enrolled(db_session, user)
    now = NOON + timedelta(minutes=1)
    right = _code(secret, now)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    with frozen_clock(now):
        for attempt in (wrong, "abc", "", "1234567", "12345"):
            with pytest.raises(Forbidden):
                verify_second_factor(db_session, user, attempt)


def test_a_recovery_code_works_once(db_session):
    user = factories.user(db_session, "supervisor")
    _, codes = _enrolled(db_session, user)
    assert verify_second_factor(db_session, user, codes[3].upper().replace("-", " ", 0)) == "recovery"
    assert unused_recovery_codes(db_session, user) == 9
    with pytest.raises(Forbidden):
        verify_second_factor(db_session, user, codes[3])
    assert verify_second_factor(db_session, user, codes[4].replace("-", "")) == "recovery"


def test_someone_without_a_second_factor_cannot_pass_one(db_session):
    user = factories.user(db_session, "lawyer")
    with pytest.raises(Forbidden, match="not_enrolled"):
        verify_second_factor(db_session, user, "123456")


def test_roles_follow_the_default_until_an_administrator_decides(db_session):
    admin = factories.user(db_session, "admin")
    psy = factories.user(db_session, "psychologist")
    counsellor = factories.user(db_session, "career_counsellor")
    defaults = {"psychologist"}
    assert role_requirements(db_session, defaults)["psychologist"] is True
    assert is_required(db_session, psy, defaults) and not is_required(db_session, counsellor, defaults)
    set_role_requirement(db_session, admin, "psychologist", False)
    set_role_requirement(db_session, admin, "career_counsellor", True)
    assert not is_required(db_session, psy, defaults) and is_required(db_session, counsellor, defaults)
    with pytest.raises(Forbidden):
        set_role_requirement(db_session, psy, "psychologist", False)
    with pytest.raises(InvalidInput):
        set_role_requirement(db_session, admin, "janitor", True)


def test_the_demo_relaxes_only_roles_nobody_decided_about(db_session):
    admin = factories.user(db_session, "admin")
    set_role_requirement(db_session, admin, "lawyer", True)
    changed = keep_defaults_off(db_session, ["lawyer", "psychologist"])
    assert changed == ["psychologist"]
    required = role_requirements(db_session, {"lawyer", "psychologist"})
    assert required["lawyer"] is True and required["psychologist"] is False


def test_an_administrator_of_the_office_resets_it(db_session):
    user = factories.user(db_session, "psychologist")
    other_admin = factories.user(db_session, "admin", office_code="WAW")
    admin = factories.user(db_session, "admin")
    _enrolled(db_session, user)
    with pytest.raises(Forbidden):
        reset_two_factor(db_session, other_admin, user)
    version = user.session_version
    reset_two_factor(db_session, admin, user)
    assert not is_enrolled(db_session, user) and unused_recovery_codes(db_session, user) == 0
    assert user.session_version == version + 1  # signed in elsewhere: signed out
    national = factories.user(db_session, "national_admin", office_code="WAW")
    _enrolled(db_session, user)
    reset_two_factor(db_session, national, user)
    assert not is_enrolled(db_session, user)
