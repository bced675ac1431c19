"""``ipd team`` and ``ipd notifications``: the team's meeting cycles and the notification e-mails."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from web.commands._common import command_unit

team = AppGroup("team", help="The interdisciplinary team's meetings.")
notifications = AppGroup("notifications", help="Notification e-mails and reminders.")
COMMANDS = (team, notifications)


@team.command("start-cycles")
def team_start_cycles() -> None:
    """Start the quarterly meeting cycle (1 February, May, August, November) of every office that has none."""
    from engine.team.cycles import start_team_cycles

    with command_unit() as session:
        started = start_team_cycles(session)
    click.echo(f"Meeting cycles started for {len(started)} office(s).")


@notifications.command("send")
def notifications_send() -> None:
    """Scan for due and overdue tasks, then send pending e-mails and the daily digests now."""
    from engine.db import database
    from engine.notifications.jobs import _send_pending, send_digests
    from engine.notifications.scans import scan_due_tasks

    with database.unit_of_work() as session:
        made = scan_due_tasks(session)
    sent = _send_pending()
    digests = send_digests()
    click.echo(f"{made} new notification(s), {sent} e-mail(s) sent, {digests} in digests.")
