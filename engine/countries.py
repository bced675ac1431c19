"""Country codes: ISO 3166-1 alpha-2 is the one format the records keep (the intake form asks for it).

People often type the three-letter code ("UKR") they see on passports; it is accepted and stored as alpha-2.
"XX" is the intake form's code for a stateless person (a user-assigned ISO 3166 code, so never a real country).
"""

from __future__ import annotations

import pycountry

STATELESS = "XX"


def alpha_2(value: str | None) -> str | None:
    """The alpha-2 code of ``value`` (alpha-2 or alpha-3, any case), or None when it is no ISO 3166-1 country."""
    code = (value or "").strip().upper()
    if code == STATELESS:
        return code
    if not code.isalpha() or len(code) not in (2, 3):
        return None
    country = pycountry.countries.get(alpha_2=code) if len(code) == 2 else pycountry.countries.get(alpha_3=code)
    return None if country is None else str(country.alpha_2)
