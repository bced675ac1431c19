"""Forms of the cases blueprint."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from engine.countries import alpha_2
from engine.rights import LEGAL_STATUSES
from web.cases.labels import legal_status_label


class NewCaseForm(FlaskForm):
    given_names_latin = StringField(_l("Given names (Latin script)"), validators=[DataRequired(), Length(max=200)])
    family_name_latin = StringField(_l("Family name (Latin script)"), validators=[DataRequired(), Length(max=200)])
    names_original = StringField(_l("Full name in the original script"), validators=[Optional(), Length(max=400)])
    date_of_birth = DateField(_l("Date of birth"), validators=[Optional()])
    citizenship = StringField(
        _l("Citizenship (ISO 3166 code, e.g. UA; XX if stateless)"),
        validators=[Optional(), Length(max=3)],
        filters=[lambda value: value.strip().upper() if value else value],
    )
    document_number = StringField(_l("Document number"), validators=[Optional(), Length(max=64)])
    pesel = StringField(_l("PESEL"), validators=[Optional(), Regexp(r"^\d{11}$", message=_l("A PESEL has 11 digits."))])
    confirm_new_person = BooleanField(_l("This is a different person: register a new case"))

    def validate_citizenship(self, field: StringField) -> None:
        """Checked against the ISO 3166 list; a three-letter code (as on passports) becomes the two-letter one."""
        code = alpha_2(field.data)
        if code is None:
            raise ValidationError(_l("Not an ISO 3166 country code: enter e.g. UA (or UKR), XX if stateless."))
        field.data = code


class RightsForm(FlaskForm):
    class Meta:
        csrf = False

    legal_status = SelectField(_l("Document or legal status the person holds"), validators=[DataRequired()])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.legal_status.choices = [("", "—")] + [(s, legal_status_label(s)) for s in LEGAL_STATUSES]
