"""Every finding a process owner can get is explained in Polish and English (issue 12)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask_babel import force_locale

from engine.definitions.validation import SourceFile, ValidationContext, validate_files
from web.studio.finding_texts import parse_summary, summary

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "miwg-reference"
MIWG = sorted(CORPUS.glob("*.bpmn")) if CORPUS.is_dir() else []
CTX = ValidationContext(known_roles=frozenset({"social_worker", "supervisor"}), form_exists=lambda key: True)


@pytest.mark.skipif(not MIWG, reason=f"MIWG reference corpus not found at {CORPUS}")
def test_every_failure_the_miwg_models_raise_has_a_specific_meaning_in_polish_and_english(app):
    findings = []
    for path in MIWG:  # every process parsed, so every SpiffWorkflow failure of the corpus is seen
        content = re.sub(rb'isExecutable="false"', b'isExecutable="true"', path.read_bytes())
        findings += validate_files([SourceFile(path.name, content)], CTX).findings
    parse_failures = [f for f in findings if f.code in ("bpmn.parse", "dmn.parse")]
    assert parse_failures
    with app.test_request_context():
        for locale in ("pl", "en"):
            with force_locale(locale):
                for finding in findings:
                    assert summary(finding.code, finding.message), (finding.code, finding.message)
                texts = {parse_summary(f.message) for f in parse_failures}
                assert None not in texts, [f.message for f in parse_failures if parse_summary(f.message) is None]
        with force_locale("pl"):
            polish = {parse_summary(f.message) for f in parse_failures}
        with force_locale("en"):
            english = {parse_summary(f.message) for f in parse_failures}
        assert polish.isdisjoint(english)  # really translated, not the English text twice


@pytest.mark.parametrize(
    ("message", "start"),
    [
        (
            "the snippet ran out of time (limit 1 s; stopped by the system)",
            "Skrypt lub wyrażenie tego elementu działało",
        ),
        ("the snippet ran more than 200,000 steps (line 2)", "Skrypt lub wyrażenie tego elementu działało"),
        (
            "the snippet used too much memory (limit 256 MB; stopped by the system)",
            "Skrypt lub wyrażenie tego elementu zużyło",
        ),
        ("'big' is a number with more than 4,300 digits. Change the element…", "Ten element zostawił"),
        ("'x' holds a complex number, which cannot be stored in process data. Change…", "Ten element zostawił"),
        (
            "the process ran more than 1,000 steps without waiting for a person, a timer or a message; …",
            "Proces wykonywał",
        ),
        ("the timer could not fire after repeated attempts (OSError: disk full)", "Ten zegar"),
        ("the timer expression gives 5; it must give an ISO 8601 duration", "Wyrażenie zegara"),
    ],
)
def test_engine_incidents_are_explained_in_polish(app, message, start):
    from web.work.incident_texts import incident_summary

    with app.test_request_context(), force_locale("pl"):
        assert (incident_summary(message) or "").startswith(start)
        assert incident_summary("NameError: name 'x' is not defined") is None
    with app.test_request_context(), force_locale("en"):
        assert incident_summary(message) is None  # in English the engine's text says it all
