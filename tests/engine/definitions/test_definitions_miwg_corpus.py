"""Diagrams written by others (the OMG MIWG reference models) get a clear, located verdict."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.definitions.validation import SourceFile, ValidationContext, validate_files

CHECKOUT = Path(__file__).resolve().parents[3]
CORPUS = Path(os.environ.get("MIWG_CORPUS", CHECKOUT.parent / "shared" / "corpora" / "miwg-reference"))
FILES = sorted(CORPUS.glob("*.bpmn")) if CORPUS.is_dir() else []
CTX = ValidationContext(known_roles=frozenset({"social_worker", "supervisor"}), form_exists=lambda key: True)

needs_corpus = pytest.mark.skipif(not FILES, reason=f"MIWG reference corpus not found at {CORPUS}")


@needs_corpus
@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_each_reference_diagram_is_accepted_or_refused_with_located_errors(path: Path) -> None:
    report = validate_files([SourceFile(path.name, path.read_bytes())], CTX)

    assert report.ok or report.errors
    for finding in report.errors:
        assert finding.file == path.name
        assert finding.line is not None, finding
        assert finding.code != "validation.internal", finding.message


@needs_corpus
def test_the_whole_corpus_as_one_upload_is_validated() -> None:
    files = [SourceFile(path.name, path.read_bytes()) for path in FILES]

    report = validate_files(files, CTX)

    assert {finding.file for finding in report.errors} <= {path.name for path in FILES}
    assert not any(finding.code == "validation.internal" for finding in report.findings)
