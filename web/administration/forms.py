"""Forms of the administration pages; the services check every value again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

EMAIL_RE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class OfficeForm(FlaskForm):
    code = StringField(_l("Code (e.g. KRK)"), validators=[Optional(), Length(max=16)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=100)])


class MultiCheckbox(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(FlaskForm):
    username = StringField(_l("User name"), validators=[Optional(), Length(max=64)])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = StringField(
        _l("E-mail"),
        validators=[
            Optional(),
            Length(max=254),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Not an e-mail address.")),
        ],
    )
    office_id = SelectField(_l("Office"), coerce=int, validators=[InputRequired()])
    preferred_locale = SelectField(_l("Language"), choices=[], validators=[Optional()])
    roles = MultiCheckbox(_l("Roles"), choices=[], validators=[Optional()])


class BudgetForm(FlaskForm):
    office_id = SelectField(_l("Office"), coerce=int, validators=[InputRequired()])
    period_start = DateField(_l("From"), validators=[DataRequired()])
    period_end = DateField(_l("To"), validators=[DataRequired()])
    amount = DecimalField(_l("Amount (PLN)"), places=2, validators=[InputRequired()])


class PartnerForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=[], validators=[DataRequired()])
    office_id = SelectField(_l("Office"), coerce=int, validators=[InputRequired()])
    contact = TextAreaField(_l("Contact"), validators=[Optional(), Length(max=2000)])
    active = BooleanField(_l("Active"), default=True)


class SettingForm(FlaskForm):
    name = StringField(validators=[DataRequired()])
    value = StringField(_l("Value"), validators=[Optional(), Length(max=32)])


class ResetForm(FlaskForm):
    new_password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm_password = PasswordField(_l("Repeat the new password"), validators=[DataRequired()])
