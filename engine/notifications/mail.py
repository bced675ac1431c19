"""Deliver e-mail: through SMTP when ``IPD_SMTP_HOST`` is set, otherwise into files in the instance folder.

Variables: ``IPD_SMTP_HOST``, ``IPD_SMTP_PORT`` (587 with STARTTLS, 25 without), ``IPD_SMTP_USER``,
``IPD_SMTP_PASSWORD``, ``IPD_SMTP_STARTTLS`` (1/0, default 1 when a user is set), ``IPD_MAIL_FROM``,
``IPD_MAIL_DIR`` (the file backend's folder, default ``<instance>/mail``) and ``IPD_BASE_URL`` (the address
links in e-mails point to).
"""

from __future__ import annotations

import os
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from engine.clock import utcnow
from engine.config import PROJECT_ROOT


@dataclass(frozen=True)
class MailSettings:
    host: str | None = None
    port: int = 25
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    sender: str = "ipd@localhost"
    folder: Path = PROJECT_ROOT / "instance" / "mail"
    base_url: str = "http://localhost:5000"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> MailSettings:
        env = os.environ if environ is None else environ
        user = env.get("IPD_SMTP_USER") or None
        starttls_raw = env.get("IPD_SMTP_STARTTLS")
        starttls = starttls_raw.strip().lower() in ("1", "true", "yes") if starttls_raw else user is not None
        instance = Path(env.get("IPD_INSTANCE_PATH", str(PROJECT_ROOT / "instance")))
        return cls(
            host=env.get("IPD_SMTP_HOST") or None,
            port=int(env.get("IPD_SMTP_PORT") or (587 if starttls else 25)),
            user=user,
            password=env.get("IPD_SMTP_PASSWORD") or None,
            starttls=starttls,
            sender=env.get("IPD_MAIL_FROM") or "ipd@localhost",
            folder=Path(env.get("IPD_MAIL_DIR") or instance / "mail"),
            base_url=(env.get("IPD_BASE_URL") or "http://localhost:5000").rstrip("/"),
        )


def build_message(settings: MailSettings, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(utcnow().timestamp(), localtime=False)
    message["Message-ID"] = make_msgid(domain="ipd")
    message.set_content(body)
    return message


def deliver(settings: MailSettings, message: EmailMessage) -> None:
    """Send ``message``; raise on failure (the caller's job retries)."""
    if settings.host:
        with smtplib.SMTP(settings.host, settings.port, timeout=30) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            smtp.send_message(message)
        return
    # Development: each message becomes a file a developer can open.
    settings.folder.mkdir(parents=True, exist_ok=True)
    name = f"{utcnow().strftime('%Y%m%dT%H%M%S%f')}-{os.getpid()}.eml"
    (settings.folder / name).write_bytes(bytes(message))
