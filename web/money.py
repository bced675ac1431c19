"""Amounts of money shown to people: one filter for every page, in the user's language (Babel, CLDR).

Polish shows "1 250,00 zł", English "PLN 1,250.00". Babel does not apply CLDR's currency spacing rule, so an
alphabetic symbol such as "PLN" would touch the digits ("PLN1,250.00"); the filter puts the no-break space in.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_symbol
from flask import Flask
from flask_babel import format_currency, get_locale
from jinja2 import Undefined

CURRENCY = "PLN"
_SYMBOL_TOUCHING_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def money(value: object) -> str:
    """An amount (Decimal, number or decimal string) in PLN; "—" when there is none, as typed when not a number."""
    if value is None or value == "" or isinstance(value, Undefined):
        return "—"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return _SYMBOL_TOUCHING_DIGIT.sub("\u00a0", format_currency(amount, CURRENCY))


def currency_symbol() -> str:
    """The symbol beside an amount field: "zł" in Polish, "PLN" in English."""
    return get_currency_symbol(CURRENCY, locale=get_locale())


def init_app(app: Flask) -> None:
    app.add_template_filter(money, "money")
    app.add_template_filter(money, "work_money")  # the older name, kept so templates using it format the same way
    app.add_template_global(currency_symbol, "currency_symbol")
