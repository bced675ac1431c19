"""The ``-A`` target of the ``celery`` command: ``celery -A web.worker worker``."""

from __future__ import annotations

import os

from celery import Celery

from web import create_app

os.umask(0o077)  # the beat schedule and SQLite journals it creates are for this user only

# Celery looks for an attribute named ``app`` first, then ``celery``: keep the Flask app unnamed here.
celery: Celery = create_app().extensions["celery"]
