"""Meetings of my office, one meeting's agenda, attendance and minutes; a supervisor calls an extra meeting."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from engine.accounts.models import User
from engine.accounts.roles import Role
from engine.errors import Forbidden
from engine.team.cycles import call_extra_meeting
from engine.team.flags import flagged_for_team
from engine.team.models import TeamMeeting
from engine.team.read import may_read_meeting, office_meetings, visible_agenda
from web.db import get_db
from web.team import bp


def _actor() -> User:
    user: User = current_user._get_current_object()
    return user


@bp.route("/team")
@login_required
def index() -> str:
    db = get_db()
    actor = _actor()
    flagged = [(case, flag if case.can_view(actor) else None) for case, flag in flagged_for_team(db, actor.office_id)]
    return render_template(
        "team/index.html",
        meetings=office_meetings(db, actor.office_id),
        flagged=flagged,
        may_call=actor.has_role(Role.SUPERVISOR),
    )


@bp.route("/team/extra-meeting", methods=["POST"])
@login_required
def extra_meeting() -> Response:
    db = get_db()
    actor = _actor()
    if not actor.has_role(Role.SUPERVISOR):
        abort(403)
    try:
        outcome = call_extra_meeting(db, actor)
    except Forbidden:
        db.rollback()
        abort(403)
    db.commit()
    flash(_("An extra team meeting is called: prepare its agenda."), "success")
    if outcome.new_task_ids:
        return redirect(url_for("work.task", task_id=outcome.new_task_ids[0]))
    return redirect(url_for("team.index"))


@bp.route("/team/meetings/<int:meeting_id>")
@login_required
def meeting(meeting_id: int) -> str:
    db = get_db()
    actor = _actor()
    found = db.get(TeamMeeting, meeting_id)
    if found is None or not may_read_meeting(actor, found):
        abort(404)
    people = {
        user.id: user.display_name
        for user in db.query(User).filter(User.id.in_({d.assignee_id for d in found.decisions if d.assignee_id}))
    }
    cases = {case.id: case for _item, case in visible_agenda(db, actor, found) if case is not None}
    for decision in found.decisions:
        if decision.case_id is not None and decision.case_id not in cases:
            from engine.cases.models import Case

            case = db.get(Case, decision.case_id)
            if case is not None and case.can_view(actor):
                cases[case.id] = case
    return render_template(
        "team/meeting.html",
        meeting=found,
        agenda=visible_agenda(db, actor, found),
        cases=cases,
        people=people,
    )
