"""Page numbers and ids in URLs: bounded, so that no value a client types reaches the database unchecked."""

from __future__ import annotations

import re

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter, Map

from engine.pagination import MAX_PAGE

#: Largest id any table hands out (BIGINT); larger ones cannot exist.
MAX_ID = 2**63 - 1
_PAGE = re.compile(r"[1-9][0-9]{0,5}")


class BigintConverter(IntegerConverter):
    """``<int:...>`` that matches only values a BIGINT column holds: a longer id is a 404, not a database error."""

    def __init__(
        self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID, signed: bool = False
    ) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def page_arg(name: str = "page") -> int:
    """The page number asked for (1 when none); 400 when it is not a page number at all."""
    raw = request.args.get(name, "")
    if raw == "":
        return 1
    if not _PAGE.fullmatch(raw) or int(raw) > MAX_PAGE:
        abort(400)
    return int(raw)


def _check_page() -> None:
    # Every list page reads ?page=, some through their own code: refuse a page number no list can have
    # before any of them turns it into an OFFSET.
    if "page" in request.args and not request.path.startswith("/api/"):
        page_arg()


def init_app(app: Flask) -> None:
    app.before_request(_check_page)


def use_bounded_ids(app: Flask) -> None:
    """Make ``<int:...>`` bounded; call before any route is added."""
    app.url_map.converters["int"] = BigintConverter
