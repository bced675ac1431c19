"""Specialists' daily work: inbox, task forms, supervisor approvals, instance administration."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("work", __name__)

from web.work import approvals, filters, inbox, instances, tasks  # noqa: E402,F401
