"""Each event that concerns someone leaves a notification for them, on the real library, run by the engine.

The notification says only the case number, the task's name from the process and dates: never the
beneficiary's name or anything from the forms.
"""

from __future__ import annotations

from sqlalchemy import select

from engine.jobs.dispatch import pending_sends
from engine.notifications.models import EmailState, Notification
from engine.notifications.scans import scan_due_tasks
from engine.notifications.service import set_email_mode
from engine.tasks import service as tasks
from tests.processes.samples import sample

BENEFICIARY = "Kovalenko"  # the desk's beneficiary: must never appear in a notification


def notes(s, kind: str, user=None) -> list[Notification]:
    stmt = select(Notification).where(Notification.kind == kind).order_by(Notification.id)
    if user is not None:
        stmt = stmt.where(Notification.user_id == s.desk.user(user).id)
    return list(s.session.scalars(stmt))


def test_a_new_task_notifies_its_assignee_and_a_handed_task_its_new_holder(start) -> None:
    s = start("service_session", {"session_role": "psychologist"})
    (first,) = s.ready_ids()
    row = s.task(first).row
    assert row.assignee_id is None  # nobody of the role is on the case yet: nobody is told
    assert notes(s, "task_assigned") == []
    marta = s.desk.user("marta", "psychologist")
    tasks.assign_task(s.session, s.desk.user("ewa"), row.id, marta.id)
    (note,) = notes(s, "task_assigned", "marta")
    assert (note.case_id, note.task_id) == (s.desk.case.id, row.id)
    assert note.params["case_number"] == s.desk.case.number and note.params["task_pl"] == row.name_pl
    assert BENEFICIARY not in repr(note.params)
    tasks.assign_task(s.session, s.desk.user("ewa"), row.id, marta.id)
    assert len(notes(s, "task_assigned", "marta")) == 1, "the same event is told once"


def test_the_diagnosis_reminder_due_tomorrow_overdue_and_escalation_notify(start) -> None:
    s = start("needs_diagnosis", {"diagnosis_areas": "legal"})
    piotr = s.desk.user("piotr", "lawyer")
    ewa = s.desk.user("ewa", "supervisor")
    row = s.task("Task_diagnose_legal").row
    tasks.claim_task(s.session, piotr, row.id)
    s.advance(days=12)
    assert scan_due_tasks(s.session) == 0
    s.advance(days=1)  # day 13: due tomorrow
    assert scan_due_tasks(s.session) == 1
    (tomorrow,) = notes(s, "task_due_tomorrow", "piotr")
    assert tomorrow.task_id == row.id
    s.advance(days=2)  # day 15: the process's own reminder fires
    (reminder,) = notes(s, "task_reminder", "piotr")
    assert reminder.task_id == row.id and BENEFICIARY not in repr(reminder.params)
    assert scan_due_tasks(s.session) == 1
    assert [n.task_id for n in notes(s, "task_overdue", "piotr")] == [row.id]
    assert scan_due_tasks(s.session) == 0, "each overdue task is told once"
    s.advance(days=7)  # day 22: escalation to the supervisors
    escalation = s.task("Task_handle_overdue").row
    told = {n.user_id for n in notes(s, "task_assigned") if n.task_id == escalation.id}
    assert ewa.id in told and piotr.id not in told


def test_an_approval_waits_for_the_supervisors_and_a_returned_plan_tells_its_drafter(start) -> None:
    s = start("ipd_drafting")  # started by anna, the case manager: her own next task is not announced to her
    anna, ewa = s.desk.user("anna"), s.desk.user("ewa")
    assert notes(s, "task_assigned", "anna") == []
    s.complete("Task_draft_plan", sample("ipd/plan"), actor="anna")
    approval = s.task("Task_approve_plan").row
    waiting = notes(s, "approval_waiting")
    assert ewa.id in {n.user_id for n in waiting} and {n.task_id for n in waiting} == {approval.id}
    assert anna.id not in {n.user_id for n in waiting}, "anna (also a supervisor) submitted it herself"
    s.complete(
        "Task_approve_plan",
        sample("ipd/approval", ipd_approval_decision="return", ipd_approval_comment="Add a housing goal."),
        actor="ewa",
    )
    (returned,) = notes(s, "plan_returned")
    redraft = s.task("Task_draft_plan").row
    assert [n.task_id for n in notes(s, "task_assigned", "anna")] == [redraft.id]
    assert returned.user_id == s.desk.user("anna").id and returned.case_id == s.desk.case.id
    assert "housing goal" not in repr(returned.params) and BENEFICIARY not in repr(returned.params)


def test_the_e_mail_follows_the_users_choice_and_is_sent_only_after_commit(start) -> None:
    s = start("service_session", {"session_role": "lawyer"})
    row = s.task(s.ready_ids()[0]).row
    with_mail = s.desk.user("lex", "lawyer")
    with_mail.email = "lex@example.org"
    digest = s.desk.user("dig", "lawyer")
    digest.email = "dig@example.org"
    set_email_mode(s.session, digest, "digest")
    quiet = s.desk.user("off", "lawyer")
    quiet.email = "off@example.org"
    set_email_mode(s.session, quiet, "off")
    no_address = s.desk.user("noaddr", "lawyer")
    before = pending_sends(s.session)
    for user in (with_mail, digest, quiet, no_address):
        tasks.assign_task(s.session, s.desk.user("ewa"), row.id, user.id)
    states = {n.user_id: n.email_state for n in notes(s, "task_assigned")}
    assert states == {
        with_mail.id: EmailState.PENDING,
        digest.id: EmailState.DIGEST,
        quiet.id: EmailState.SKIPPED,
        no_address.id: EmailState.SKIPPED,
    }
    # The e-mail is queued for after the commit, never sent inside the transaction.
    assert pending_sends(s.session) == before + 1
