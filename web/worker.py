"""The ``-A`` target of the ``celery`` command: ``celery -A web.worker worker``."""

from __future__ import annotations

from celery import Celery

from web import create_app

# Celery looks for an attribute named ``app`` first, then ``celery``: keep the Flask app unnamed here.
celery: Celery = create_app().extensions["celery"]
