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
