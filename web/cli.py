"""The ``ipd`` command: Flask's CLI group around this app with our commands added."""

from __future__ import annotations

from flask.cli import FlaskGroup

from web import create_app

main = FlaskGroup(create_app=create_app, help="Integration case management: administration commands.")
