"""Logs an operator can collect: JSON lines with the request id, and nothing that names a person."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

import pytest

from engine.config import ConfigError, Settings
from web import logs


def test_each_request_gets_an_id_in_the_response_and_its_log_line(client, login, make_user, caplog):
    login(make_user("social_worker", username="ola.nowak"))
    with caplog.at_level(logging.INFO, logger="ipd.request"):
        response = client.get("/cases?q=Kowalska", headers={logs.REQUEST_ID_HEADER: "proxy-id-123456"})
    assert response.headers[logs.REQUEST_ID_HEADER] == "proxy-id-123456"
    [record] = [r for r in caplog.records if r.name == "ipd.request" and r.route == "/cases"]
    assert record.request_id == "proxy-id-123456"
    assert record.route == "/cases" and record.status == 200 and record.method == "GET"
    line = logs.formatter("json").format(record)
    assert "Kowalska" not in line and "ola.nowak" not in line and "127.0.0.1" not in line


def test_an_id_that_is_not_sane_is_replaced(client):
    response = client.get("/login", headers={logs.REQUEST_ID_HEADER: '"}, "level": "forged'})
    assert "forged" not in response.headers[logs.REQUEST_ID_HEADER]
    assert len(response.headers[logs.REQUEST_ID_HEADER]) == 32


def test_json_lines_carry_level_logger_message_and_request_id(app):
    record = logging.LogRecord("ipd.test", logging.WARNING, __file__, 1, "broker slow: %s s", (3,), None)
    with app.test_request_context("/"):
        from flask import g

        g.request_id = "abc123abc123"
        logs.ContextFilter().filter(record)
    line = json.loads(logs.formatter("json").format(record))
    assert line["level"] == "WARNING" and line["logger"] == "ipd.test"
    assert line["message"] == "broker slow: 3 s" and line["request_id"] == "abc123abc123"
    assert "time" in line


def test_production_logs_json_by_default_and_development_text():
    assert Settings.from_env({"IPD_ENV": "production"}).log_format == "json"
    assert Settings.from_env({"IPD_ENV": "development"}).log_format == "text"
    with pytest.raises(ConfigError, match="IPD_LOG_FORMAT"):
        Settings.from_env({"IPD_ENV": "development", "IPD_LOG_FORMAT": "xml"})


@pytest.mark.parametrize("value", ["-1", "x", "11"])
def test_trusted_proxies_must_be_a_small_number(value):
    with pytest.raises(ConfigError, match="IPD_TRUSTED_PROXIES"):
        Settings.from_env({"IPD_ENV": "development", "IPD_TRUSTED_PROXIES": value})


def test_sentry_starts_only_with_a_dsn_and_without_personal_data(settings, monkeypatch):
    import sentry_sdk

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **kwargs: calls.append(kwargs))
    monkeypatch.setattr(logs, "_sentry_started", False)
    assert logs.init_error_reporting(settings) is False
    assert logs.init_error_reporting(replace(settings, sentry_dsn="https://key@sentry.example/1")) is True
    [options] = calls
    assert options["send_default_pii"] is False and options["max_request_body_size"] == "never"
    event = {"request": {"method": "POST", "url": "/cases?q=Kowalska", "cookies": "x"}, "user": {"id": 1}}
    assert logs._scrub(event, None) == {"request": {"method": "POST"}}


@pytest.mark.parametrize("kind", ["json", "text"])
def test_a_logged_exception_keeps_its_class_and_traceback_but_not_its_text(kind):
    value = "PTSD since the crossing"  # data, as a form would send it (the traceback shows source lines)
    try:
        int(value)
    except ValueError:
        record = logging.getLogger("ipd.test").makeRecord(
            "ipd.test", logging.ERROR, __file__, 1, "could not do it", (), __import__("sys").exc_info()
        )
    celery = logging.LogRecord(
        "celery.app.trace",
        logging.ERROR,
        __file__,
        1,
        "Task %(name)s raised: %(exc)s",
        None,
        None,
    )
    celery.args = {"name": "fire_timer", "exc": "ValueError('PTSD since the crossing')"}
    for item in (record, celery):
        logs.ContextFilter().filter(item)
        line = logs.formatter(kind).format(item)
        assert "PTSD" not in line
    assert "ValueError" in logs.formatter(kind).format(record) and "Traceback" in logs.formatter(kind).format(record)
