"""The audit page's filters (a GET form: bookmarkable, no CSRF token in the URL)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, Regexp


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    case = StringField(_l("Case number"), validators=[Optional(), Length(max=32)])
    person = IntegerField(
        _l("Person (beneficiary id)"),
        validators=[Optional(), NumberRange(min=1, max=2**63 - 1, message=_l("Give the person's number."))],
    )
    user = StringField(_l("User name"), validators=[Optional(), Length(max=64)])
    kind = StringField(
        _l("Kind of event"),
        validators=[
            Optional(),
            Length(max=64),
            Regexp(r"^[a-z0-9_.]+$", message=_l("Use a kind such as case.viewed, or case. for all of them.")),
        ],
    )
    office = SelectField(_l("Office"), validators=[Optional()])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
