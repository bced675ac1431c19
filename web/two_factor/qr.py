"""The QR code of an ``otpauth://`` address as inline SVG (no image request, nothing leaves the page)."""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(uri: str) -> Markup:
    code = segno.make(uri, error="m")
    svg = code.svg_inline(scale=5, border=2, dark="#000", light="#fff", title="QR")
    return Markup(svg)  # noqa: S704  (segno's own markup; the address in it is encoded, not echoed)
