"""Notification e-mails reach a real SMTP server (aiosmtpd), one at a time or as a daily digest, in Polish
and in English, with the case number and a link but never the beneficiary's name; a failed send is
retried and the notification is never lost."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import clock
from engine.accounts.service import create_user
from engine.cases.service import BeneficiaryInput, open_case
from engine.notifications import events, sending
from engine.notifications.mail import MailSettings
from engine.notifications.models import EmailState, Notification
from engine.notifications.service import set_email_mode, unread_count
from tests import factories
from tests.smtp_server import free_port, smtp_server


@pytest.fixture
def inbox():
    with smtp_server() as server:
        yield server


def mail_settings(port: int, folder: Path | None = None) -> MailSettings:
    return MailSettings(
        host="127.0.0.1" if folder is None else None,
        port=port,
        sender="ipd@caritas.example",
        base_url="https://ipd.example.org",
        **({"folder": folder} if folder else {}),
    )


@pytest.fixture
def people(db_session):
    factories.office(db_session)
    worker = factories.user(db_session, "social_worker", username="mail-sw")
    polish = create_user(
        db_session,
        "mail-pl",
        office_code="LUB",
        roles=["social_worker"],
        password=factories.PASSWORD,
        email="pl@example.org",
        preferred_locale="pl",
    )
    english = create_user(
        db_session,
        "mail-en",
        office_code="LUB",
        roles=["social_worker"],
        password=factories.PASSWORD,
        email="en@example.org",
        preferred_locale="en",
    )
    case = open_case(db_session, worker, BeneficiaryInput(given_names_latin="Olena", family_name_latin="Kovalenko"))
    return polish, english, case


def notify_both(db_session, people, plan_version: int = 1) -> list[Notification]:
    polish, english, case = people
    for user in (polish, english):
        events.plan_returned(db_session, case, user.id, plan_id=7, version=plan_version)
    return list(db_session.scalars(select(Notification).order_by(Notification.id)))


def test_the_immediate_e_mail_is_in_the_users_language_with_a_link_and_no_name(db_session, people, inbox):
    polish, english, case = people
    rows = notify_both(db_session, people)
    for row in rows:
        assert sending.send_one(db_session, row.id, mail_settings(inbox.port)) is True
        assert row.email_state == EmailState.SENT and row.email_attempts == 1
    (pl_mail,) = inbox.to("pl@example.org")
    (en_mail,) = inbox.to("en@example.org")
    assert pl_mail["Subject"] == "IPD zwrócony do poprawy" and pl_mail["From"] == "ipd@caritas.example"
    assert en_mail["Subject"] == "IPD returned"
    pl_body, en_body = pl_mail.get_content(), en_mail.get_content()
    assert f"Plan (IPD) w sprawie {case.number} został zwrócony do poprawy." in pl_body
    assert f"The plan (IPD) in case {case.number} was returned for changes." in en_body
    for body in (pl_body, en_body):
        assert f"https://ipd.example.org/cases/{case.id}" in body
        assert "Kovalenko" not in body and "Olena" not in body
    # Sent once: a second delivery of the same job sends nothing.
    assert sending.send_one(db_session, rows[0].id, mail_settings(inbox.port)) is False
    assert len(inbox.messages) == 2


def test_the_daily_digest_gathers_the_days_notifications_in_one_e_mail(db_session, people, inbox):
    polish, english, case = people
    for user in (polish, english):
        set_email_mode(db_session, user, "digest")
    with clock.frozen_clock(datetime(2026, 3, 2, 7, tzinfo=UTC)) as frozen:
        notify_both(db_session, people, plan_version=1)
        notify_both(db_session, people, plan_version=2)
        assert inbox.messages == []
        assert sorted(sending.digest_user_ids(db_session)) == sorted([polish.id, english.id])
        assert sending.send_digest(db_session, polish.id, mail_settings(inbox.port)) == 2
        assert sending.send_digest(db_session, english.id, mail_settings(inbox.port)) == 2
        (pl_mail,) = inbox.to("pl@example.org")
        (en_mail,) = inbox.to("en@example.org")
        assert pl_mail["Subject"] == "Powiadomienia: 2" and en_mail["Subject"] == "Notifications: 2"
        assert pl_mail.get_content().count(f"w sprawie {case.number}") == 2
        assert "Your notifications of the last day:" in en_mail.get_content()
        # Another notification the same day waits for tomorrow's digest.
        events.plan_returned(db_session, case, polish.id, plan_id=7, version=3)
        assert sending.send_digest(db_session, polish.id, mail_settings(inbox.port)) == 0
        frozen.advance(days=1)
        assert sending.send_digest(db_session, polish.id, mail_settings(inbox.port)) == 1
    assert len(inbox.to("pl@example.org")) == 2


def test_a_failed_send_is_retried_and_the_notification_stays(db_session, people):
    polish, _english, _case = people
    port = free_port()  # nothing listens here yet
    rows = notify_both(db_session, people)
    row = next(r for r in rows if r.user_id == polish.id)
    with pytest.raises(OSError):
        sending.send_one(db_session, row.id, mail_settings(port))
    assert row.email_state == EmailState.PENDING and row.email_attempts == 1
    assert row.id in sending.pending_ids(db_session)
    assert unread_count(db_session, polish) == 1
    with smtp_server(port) as inbox:
        assert sending.send_one(db_session, row.id, mail_settings(port)) is True
    assert [m["To"] for m in inbox.messages] == ["pl@example.org"]
    assert row.email_state == EmailState.SENT and row.email_attempts == 2


def test_after_the_last_attempt_the_e_mail_is_given_up_but_the_notification_is_listed(db_session, people):
    polish, _english, _case = people
    rows = notify_both(db_session, people)
    row = next(r for r in rows if r.user_id == polish.id)
    for _ in range(sending.MAX_ATTEMPTS):
        with pytest.raises(OSError):
            sending.send_one(db_session, row.id, mail_settings(free_port()))
    assert row.email_state == EmailState.FAILED and row.id not in sending.pending_ids(db_session)
    assert unread_count(db_session, polish) == 1


def test_without_an_smtp_host_e_mail_goes_to_files_in_the_instance_folder(db_session, people, tmp_path):
    rows = notify_both(db_session, people)
    folder = tmp_path / "mail"
    assert sending.send_one(db_session, rows[0].id, mail_settings(0, folder)) is True
    (written,) = folder.glob("*.eml")
    from email import message_from_bytes, policy

    message = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert message["To"] == "pl@example.org" and message["Subject"] == "IPD zwrócony do poprawy"


def test_mail_settings_come_from_the_environment():
    settings = MailSettings.from_env(
        {
            "IPD_SMTP_HOST": "smtp.example.org",
            "IPD_SMTP_USER": "ipd",
            "IPD_SMTP_PASSWORD": "secret",
            "IPD_MAIL_FROM": "ipd@example.org",
            "IPD_INSTANCE_PATH": "/srv/ipd",
        }
    )
    assert (settings.host, settings.port, settings.starttls, settings.sender) == (
        "smtp.example.org",
        587,
        True,
        "ipd@example.org",
    )
    plain = MailSettings.from_env({"IPD_SMTP_HOST": "relay", "IPD_SMTP_PORT": "2525", "IPD_SMTP_STARTTLS": "0"})
    assert (plain.port, plain.starttls, plain.user) == (2525, False, None)
    assert MailSettings.from_env({"IPD_INSTANCE_PATH": "/srv/ipd"}).folder == Path("/srv/ipd/mail")
